"""The provider's signing key, its CA and the timestamp authority.

A site names its own material in its settings (environment or site_config.json):

- ``SIGNING_PKCS12_PATH`` and ``SIGNING_PKCS12_PASSWORD``: the provider's certificate
  and key (PKCS#12);
- ``SIGNING_TRUST_ROOTS``: extra PEM/DER CA files a verification trusts;
- ``SIGNING_TSA_URL``: an RFC 3161 timestamp server. Empty: the local authority
  (``tsa.py``), served on the loopback in a thread of this process.

Without a PKCS#12 of its own a site gets demo material made here on first use
(or by ``manage.py signing_setup``): a local CA, the provider's certificate and
the TSA's, under ``sites/<site>/signing/``. Everything works offline.
The signer is loaded once per process.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

_lock = threading.Lock()
_material = None


def signing_dir() -> Path:
    return Path(getattr(settings, "SIGNING_DIR", "") or Path(settings.SITE_DIR) / "signing")


def _name(common: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "RO"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                           getattr(settings, "PROVIDER_NAME", "") or "Client Portal Provider"),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ])


def _cert(subject, issuer, public_key, signing_key, *, ca=False, eku=None, days=3650):
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key),
                              critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return builder.sign(signing_key, hashes.SHA256())


def make_demo_material(folder: Path) -> None:
    """A local CA, the provider's certificate (PKCS#12 with a password) and a TSA's."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("Client Portal Demo CA")
    ca = _cert(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    provider_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    provider = _cert(_name("Client Portal Demo Provider"), ca_name, provider_key.public_key(),
                     ca_key)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _cert(_name("Client Portal Demo TSA"), ca_name, tsa_key.public_key(), ca_key,
                eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    password = secrets.token_urlsafe(18)
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "tsa.pem").write_bytes(tsa.public_bytes(pem))
    (folder / "tsa.key").write_bytes(tsa_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (folder / "provider.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        b"provider", provider_key, provider, [ca],
        serialization.BestAvailableEncryption(password.encode())))
    (folder / "provider.password").write_text(password)
    for name in ("tsa.key", "provider.p12", "provider.password"):
        (folder / name).chmod(0o600)


DEMO_CLIENT_PASSWORD = "Demo-sign-2026"  # noqa: S105 (a demo key, named in the README)
DEMO_CLIENT_FILE = "demo-client-marek-manning.p12"


def ensure_demo_client_key() -> Path:
    """A PKCS#12 for the demo's Northwind manager (Marek Manning), issued by a demo client
    CA, to sign the demo act with a certificate of one's own."""
    folder = signing_dir()
    path = folder / DEMO_CLIENT_FILE
    if not path.exists():
        from .crypto import testkeys

        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(testkeys.make_pkcs12(
            "rsa", DEMO_CLIENT_PASSWORD, name="Marek Manning",
            email="manager@northwind.example.com"))
    return path


def ensure_demo_material() -> Path:
    folder = signing_dir()
    if not (folder / "provider.p12").exists():
        make_demo_material(folder)
    return folder


def loaded_key(private_key_info):
    """``private_key_info`` (asn1crypto) as a cryptography key, checked once at load."""
    return serialization.load_der_private_key(private_key_info.dump(), password=None)


def _fast_signer(signer):
    """pyHanko's SimpleSigner loads (and checks) its private key on every signature,
    some 80 ms for RSA; this one keeps the loaded key."""
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    key = loaded_key(signer.signing_key)

    class KeptKeySigner(signers.SimpleSigner):
        def sign_raw(self, data, digest_algorithm):
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            name = mechanism["algorithm"].native
            algorithm = get_pyca_cryptography_hash(digest_algorithm)
            if name in ("rsassa_pkcs1v15", "sha256_rsa", "sha384_rsa", "sha512_rsa"):
                return key.sign(data, padding.PKCS1v15(), algorithm)
            if name.endswith("ecdsa") and isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(algorithm))
            return super().sign_raw(data, digest_algorithm)

    return KeptKeySigner(signing_cert=signer.signing_cert, signing_key=signer.signing_key,
                         cert_registry=signer.cert_registry)


@dataclass
class Material:
    signer: object              # pyhanko SimpleSigner (provider)
    provider_cert: object       # asn1crypto x509.Certificate
    trust_roots: list           # asn1crypto certificates
    tsa_cert: object | None     # local TSA (None with a configured external TSA)
    tsa_key: object | None


def _load_asn1(path: Path):
    from asn1crypto import pem as asn1pem
    from asn1crypto import x509 as asn1x509

    data = Path(path).read_bytes()
    if asn1pem.detect(data):
        return [asn1x509.Certificate.load(der) for _t, _h, der in asn1pem.unarmor(data, True)]
    return [asn1x509.Certificate.load(data)]


def material() -> Material:
    """The provider's signer and the trust anchors, loaded once per process."""
    global _material
    if _material is not None:
        return _material
    with _lock:
        if _material is not None:
            return _material
        from asn1crypto import keys as asn1keys
        from pyhanko.sign import signers

        path = getattr(settings, "SIGNING_PKCS12_PATH", "")
        password = getattr(settings, "SIGNING_PKCS12_PASSWORD", "")
        folder = None
        if not path:
            if not getattr(settings, "SIGNING_DEMO_MATERIAL", False):
                from django.core.exceptions import ImproperlyConfigured

                raise ImproperlyConfigured(
                    "Signing needs the provider's certificate: set SIGNING_PKCS12_PATH and "
                    "SIGNING_PKCS12_PASSWORD (docs/signing.md).")
            folder = ensure_demo_material()
            path = folder / "provider.p12"
            password = (folder / "provider.password").read_text().strip()
        signer = signers.SimpleSigner.load_pkcs12(
            str(path), passphrase=password.encode() if password else None)
        roots = list(signer.cert_registry)
        for extra in getattr(settings, "SIGNING_TRUST_ROOTS", []) or []:
            roots.extend(_load_asn1(extra))
        tsa_cert = tsa_key = None
        if folder is not None or (signing_dir() / "tsa.key").exists():
            folder = folder or signing_dir()
            tsa_cert = _load_asn1(folder / "tsa.pem")[0]
            tsa_key = asn1keys.PrivateKeyInfo.load(serialization.load_pem_private_key(
                (folder / "tsa.key").read_bytes(), None).private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
            roots.extend(_load_asn1(folder / "ca.pem"))
        seen, unique = set(), []
        for cert in roots:
            if cert.sha256 not in seen:
                seen.add(cert.sha256)
                unique.append(cert)
        _material = Material(signer=_fast_signer(signer), provider_cert=signer.signing_cert,
                             trust_roots=[c for c in unique if c.ca],
                             tsa_cert=tsa_cert, tsa_key=tsa_key)
        return _material


def reset() -> None:
    """Forget the loaded material (tests that switch sites or keys)."""
    global _material
    from . import pdf

    with _lock:
        _material = None
        pdf._validation_context = None
        pdf._reserved.clear()

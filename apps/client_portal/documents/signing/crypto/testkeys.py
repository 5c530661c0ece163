"""Test and demo keys: a little CA and PKCS#12 files for RSA and EC signers.

Everything here is made on the fly with ``cryptography`` and is plainly fictional
(example.org names). Never use these keys for anything but tests and the demo.

    ca = make_ca()
    p12 = make_pkcs12("rsa", "Demo-sign-2026", ca=ca, name="Dana Example")
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KINDS = ("rsa", "ec", "ec384")


@dataclass(frozen=True)
class TestCA:
    """A certificate authority for tests: its certificate and key."""

    certificate: x509.Certificate
    key: object

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def _new_key(kind: str):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ec384":
        return ec.generate_private_key(ec.SECP384R1())
    raise ValueError(f"unknown key kind {kind!r}; one of {KINDS}")


def _name(common_name: str, organization: str = "Example Signing Test") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "RO"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def make_ca(kind: str = "ec", name: str = "Example Test Signing CA") -> TestCA:
    """A self-signed CA valid from yesterday for ten years."""
    key = _new_key(kind)
    now = dt.datetime.now(dt.UTC)
    subject = _name(name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return TestCA(cert, key)


def make_signer(kind: str = "rsa", *, ca: TestCA | None = None, name: str = "Dana Example",
                email: str = "dana@example.org", days: int = 730, tsa: bool = False):
    """A signer's key and certificate issued by ``ca`` (a fresh one if not given);
    ``tsa=True`` makes a time-stamping authority's certificate instead.

    Returns ``(key, certificate, ca)``.
    """
    ca = ca or make_ca()
    key = _new_key(kind)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name, "Example Client Ltd"))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]) if tsa
            else x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=tsa)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return key, cert, ca


def pkcs12_bytes(key, cert, ca: TestCA, password: str, *, friendly_name: str = "signer",
                 legacy: bool = False) -> bytes:
    """The key, its certificate and the CA's in a PKCS#12 file that pkijs can open.

    PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key and the certificates and an
    HMAC-SHA256 integrity MAC: what WebCrypto can undo. ``legacy=True`` makes the old
    kind instead (3DES, SHA-1 MAC), which browsers cannot open (a test of that message).
    """
    builder = serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
    if legacy:
        builder = (builder.key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
                   .hmac_hash(hashes.SHA1()))  # noqa: S303 (the legacy format, on purpose)
    else:
        builder = (builder.key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
                   .hmac_hash(hashes.SHA256()))
    encryption = builder.build(password.encode())
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode(), key, cert, [ca.certificate], encryption)


def make_pkcs12(kind: str = "rsa", password: str = "Demo-sign-2026",  # noqa: S107 (demo)
                ca: TestCA | None = None, *, name: str = "Dana Example",
                email: str = "dana@example.org", legacy: bool = False) -> bytes:
    """A PKCS#12 file (bytes) holding a fresh ``kind`` key ("rsa", "ec", "ec384"),
    its certificate issued by ``ca`` (a fresh test CA if not given) and the CA's certificate."""
    key, cert, ca = make_signer(kind, ca=ca, name=name, email=email)
    return pkcs12_bytes(key, cert, ca, password, legacy=legacy)

"""PAdES signatures made with a key that stays in the signer's browser.

The server prepares the PDF (pyHanko's interrupted signing), the browser signs
the CMS signed attributes with WebCrypto, the server embeds that signature:

    state = prepare(pdf, field_name="Signature2", certs_der=[signer_cert, *chain])
    # -> the browser signs base64-decoded state["to_sign"] (SHA-256, RSA or ECDSA)
    signed_pdf = finish(state, signature)

``state`` is JSON-serialisable (binary values in base64) and carries an HMAC made
with the site's SECRET_KEY: keep it on the server between the two calls (the
session or the signature request); a state that was changed is refused.
Each signature is an incremental update: signatures already in the PDF stay valid.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as dt
import hashlib
import io
import json
import logging
import time

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from apps.client_portal.core.errors import Refused

from .info import BROWSER_CERTIFICATE, SignerInfo

log = logging.getLogger(__name__)

STATE_VERSION = 1
HASH = "SHA-256"
MAX_PDF_BYTES = 50 * 1024 * 1024
# A prepared state older than this is refused by finish (the signer starts again).
MAX_STATE_AGE = dt.timedelta(hours=2)
_MAC_SALT = "client_portal.signing.crypto.pades.state"
# WebCrypto signs ECDSA on these curves; the name is what crypto.subtle.importKey wants.
_CURVES = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48)}


def prepare(pdf: bytes, *, field_name: str, certs_der: list[bytes], reason: str = "",
            name: str = "") -> dict:
    """Make the PDF ready for a signature by ``certs_der[0]`` (the rest: its chain).

    Returns the state for :func:`finish`: ``to_sign`` (base64 DER of the CMS signed
    attributes the browser signs), ``hash`` ("SHA-256"), ``key_type`` ("RSA" or "EC"),
    ``curve`` ("P-256", "P-384" or None) and what ``finish`` needs.
    """
    if not pdf or not pdf.startswith(b"%PDF-"):
        raise Refused(_("This file is not a PDF."), code="invalid")
    if len(pdf) > MAX_PDF_BYTES:
        raise Refused(_("The PDF is too large to sign."), code="too_large")
    if not certs_der:
        raise Refused(_("No certificate was found in the key file."), code="invalid")
    certs = [_load_cert(der) for der in certs_der]
    signer_cert = certs[0]
    key_type, curve = _key_type(signer_cert)
    _check_validity(signer_cert)

    asn1_certs = [asn1_x509.Certificate.load(der) for der in certs_der]
    placeholder = _placeholder_size(signer_cert)
    ext = signers.ExternalSigner(
        signing_cert=asn1_certs[0],
        cert_registry=SimpleCertificateStore.from_certs(asn1_certs[1:]),
        signature_value=placeholder,
        signature_mechanism=_mechanism(key_type),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None, name=name or None,
    )

    async def _prepare():
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        pdf_signer = signers.PdfSigner(meta, signer=ext)
        prepared, _tbs, output = await pdf_signer.async_digest_doc_for_signing(writer)
        signed_attrs = await ext.signed_attrs(prepared.document_digest, "sha256",
                                              use_pades=True)
        return prepared, output, signed_attrs

    try:
        prepared, output, signed_attrs = run(_prepare())
    except (PdfError, SigningError, ValueError, KeyError, TypeError) as exc:
        log.warning("pades.prepare refused: %s", _short(exc))
        raise Refused(_("This PDF cannot be signed: it is damaged, or it does not allow "
                        "more signatures."), code="invalid") from exc
    output.seek(0)
    state = {
        "v": STATE_VERSION,
        "field_name": field_name,
        "hash": HASH,
        "key_type": key_type,
        "curve": curve,
        "to_sign": _b64(signed_attrs.dump()),
        "certs": [_b64(der) for der in certs_der],
        "document_digest": _b64(prepared.document_digest),
        "reserved": [prepared.reserved_region_start, prepared.reserved_region_end],
        "original_sha256": hashlib.sha256(pdf).hexdigest(),
        "prepared_at": int(time.time()),
        "pdf": _b64(output.read()),
    }
    state["mac"] = _mac(state)
    return state


def finish(state: dict, signature: bytes) -> bytes:
    """Embed ``signature`` (over ``state["to_sign"]``) and return the signed PDF.

    ECDSA signatures may come raw (r||s, as WebCrypto gives them) or DER-encoded.
    The signature must verify against the signer's certificate, and the signed PDF
    must validate (intact, valid) before it is returned.
    """
    _check_state(state)
    if time.time() - state["prepared_at"] > MAX_STATE_AGE.total_seconds():
        raise Refused(_("The signing session has expired. Please start signing again."),
                      code="invalid")
    certs_der = [base64.b64decode(c) for c in state["certs"]]
    signer_cert = _load_cert(certs_der[0])
    to_sign = base64.b64decode(state["to_sign"])
    document_digest = base64.b64decode(state["document_digest"])
    signed_attrs = cms.CMSAttributes.load(to_sign)
    if _message_digest(signed_attrs) != document_digest:
        raise Refused(_("The signing session is not valid. Please start signing again."),
                      code="invalid")
    signature = _der_signature(state["key_type"], signer_cert, bytes(signature or b""))
    _verify(signer_cert, state["key_type"], signature, to_sign)

    asn1_certs = [asn1_x509.Certificate.load(der) for der in certs_der]
    ext = signers.ExternalSigner(
        signing_cert=asn1_certs[0],
        cert_registry=SimpleCertificateStore.from_certs(asn1_certs[1:]),
        signature_value=signature,
        signature_mechanism=_mechanism(state["key_type"]),
    )
    output = io.BytesIO(base64.b64decode(state["pdf"]))
    start, end = state["reserved"]
    prepared = PreparedByteRangeDigest(document_digest=document_digest,
                                       reserved_region_start=start, reserved_region_end=end)

    async def _finish():
        sig_cms = await ext.async_sign_prescribed_attributes("sha256", signed_attrs=signed_attrs)
        await PdfTBSDocument.async_finish_signing(output, prepared, sig_cms)

    try:
        run(_finish())
    except (PdfError, SigningError, ValueError) as exc:
        log.warning("pades.finish refused: %s", _short(exc))
        raise Refused(_("The signature could not be added to the PDF. Please start signing "
                        "again."), code="invalid") from exc
    signed = output.getvalue()
    try:
        run(_check_result(signed, state["field_name"]))
    except (SignatureValidationError, PdfError, ValueError) as exc:
        log.warning("pades.finish: the result does not validate: %s", _short(exc))
        raise Refused(_("The signed PDF does not validate. Please sign again."),
                      code="invalid") from exc
    return signed


def signer_info(signed_pdf: bytes, field_name: str) -> SignerInfo:
    """Who signed ``field_name`` of ``signed_pdf`` (as :func:`finish` returned it), and when."""
    reader = PdfFileReader(io.BytesIO(signed_pdf), strict=False)
    sig = [s for s in reader.embedded_signatures if s.field_name == field_name][-1]
    return SignerInfo.from_certificate(sig.signer_cert.dump(), method=BROWSER_CERTIFICATE,
                                       signed_at=sig.self_reported_timestamp)


def run(coro):
    """Run pyHanko's coroutine to the end, also from code that has an event loop running."""
    try:
        asyncio.get_running_loop()
        loop_running = True
    except RuntimeError:
        loop_running = False
    if not loop_running:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


# --- state ------------------------------------------------------------------

def _mac(state: dict) -> str:
    body = {k: v for k, v in state.items() if k != "mac"}
    return salted_hmac(_MAC_SALT, json.dumps(body, sort_keys=True), algorithm="sha256").hexdigest()


def _check_state(state) -> None:
    try:
        ok = (isinstance(state, dict) and state.get("v") == STATE_VERSION
              and isinstance(state.get("mac"), str)
              and constant_time_compare(state["mac"], _mac(state)))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise Refused(_("The signing session is not valid. Please start signing again."),
                      code="invalid")


def _message_digest(signed_attrs: cms.CMSAttributes) -> bytes | None:
    for attr in signed_attrs:
        if attr["type"].native == "message_digest":
            return attr["values"][0].native
    return None


# --- keys and signatures ----------------------------------------------------

def _load_cert(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(bytes(der))
    except (ValueError, TypeError) as exc:
        raise Refused(_("The certificate in the key file cannot be read."),
                      code="invalid") from exc


def _key_type(cert: x509.Certificate) -> tuple[str, str | None]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", None
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _CURVES:
        return "EC", _CURVES[key.curve.name][0]
    raise Refused(_("This kind of key cannot sign in the browser: use an RSA key or an "
                    "ECDSA key on the P-256 or P-384 curve."), code="invalid")


def _check_validity(cert: x509.Certificate) -> None:
    now = dt.datetime.now(dt.UTC)
    if cert.not_valid_after_utc < now:
        raise Refused(_("Your certificate expired on %(date)s."), code="invalid",
                      params={"date": cert.not_valid_after_utc.date().isoformat()})
    if cert.not_valid_before_utc > now:
        raise Refused(_("Your certificate is not valid before %(date)s."), code="invalid",
                      params={"date": cert.not_valid_before_utc.date().isoformat()})


def _mechanism(key_type: str) -> algos.SignedDigestAlgorithm:
    name = "sha256_rsa" if key_type == "RSA" else "sha256_ecdsa"
    return algos.SignedDigestAlgorithm({"algorithm": name})


def _placeholder_size(cert: x509.Certificate) -> int:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return (key.key_size + 7) // 8
    # DER ECDSA: SEQUENCE of two INTEGERs, each at most one byte longer than the coordinate.
    size = _CURVES[key.curve.name][1]
    return 2 * (size + 3) + 3


def _der_signature(key_type: str, cert: x509.Certificate, signature: bytes) -> bytes:
    if key_type != "EC":
        return signature
    size = _CURVES[cert.public_key().curve.name][1]
    if len(signature) == 2 * size:  # WebCrypto's raw r||s
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        return encode_dss_signature(r, s)
    return signature


def _verify(cert: x509.Certificate, key_type: str, signature: bytes, data: bytes) -> None:
    key = cert.public_key()
    try:
        if key_type == "RSA":
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as exc:
        raise Refused(_("The signature does not match your certificate. Please sign again."),
                      code="invalid") from exc


async def _check_result(signed: bytes, field_name: str) -> None:
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    ours = [s for s in reader.embedded_signatures if s.field_name == field_name]
    if not ours:
        raise Refused(_("The signature could not be added to the PDF."), code="invalid")
    # Integrity and the signature value only; trust is the verifier's business, so the
    # signer's own certificate is taken as the anchor (no path building, no network).
    anchor = ours[-1].signer_cert
    status = await async_validate_pdf_signature(
        ours[-1], ValidationContext(trust_roots=[anchor], allow_fetching=False))
    if not (status.intact and status.valid):
        raise Refused(_("The signed PDF does not validate. Please sign again."), code="invalid")


# --- helpers ------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__

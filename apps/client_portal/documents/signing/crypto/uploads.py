"""Signatures the signer made outside the portal and uploads.

- ``check_signed_pdf(original, uploaded, field_name=...)``: our PDF, signed by the signer's
  desktop tool. The upload must be our exact bytes followed by incremental update(s) that
  add one signature, in the signer's own field (and perhaps document timestamps), each
  intact and valid; every signature already in our PDF (above all the provider's
  certification) must stay intact and see no change but that field filled.
- ``check_p7s(original, p7s)``: a detached CAdES/CMS signature (.p7s) of our exact bytes.
  DSTU 4145 signatures are handed to ``dstu.verify``.

Both return the new signer's :class:`SignerInfo` or raise ``Refused`` with a message for
the person who uploaded. Whether the certificate is trusted is not decided here (that is
the verification page's business, with the configured trust lists).
"""

from __future__ import annotations

import base64
import io
import logging
import re

from asn1crypto import cms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.general import extract_signer_info
from pyhanko.sign.validation import (
    async_validate_detached_cms,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from apps.client_portal.core.errors import Refused

from .info import DETACHED_P7S, UPLOADED_PDF, SignerInfo
from .pades import run

log = logging.getLogger(__name__)

# Above this, an upload is refused before it is parsed (also FILE_UPLOAD_MAX_BYTES).
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
MAX_P7S_BYTES = 1024 * 1024  # a detached signature is a few kB; 1 MB is generous
DSTU_OIDS = {
    "1.2.804.2.1.1.1.1.3.1.1",  # DSTU 4145 signature, polynomial basis
    "1.2.804.2.1.1.1.1.3.1.2",  # DSTU 4145 signature, optimal normal basis
    "1.2.804.2.1.1.1.1.2.1",  # GOST 34.311-95 digest
}


def max_upload_bytes(original: bytes) -> int:
    """The largest upload accepted for ``original``: the site's limit, but always room
    for our PDF plus a few signatures."""
    limit = getattr(settings, "FILE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    return max(limit, len(original) + 5 * 1024 * 1024)


def check_signed_pdf(original: bytes, uploaded: bytes, *, field_name: str) -> SignerInfo:
    """The one signature added to ``original`` in ``uploaded``, in ``field_name``, checked."""
    if len(uploaded) > max_upload_bytes(original):
        raise Refused(_("The file is too large (%(size)s MB); a signed copy of this document "
                        "is at most %(limit)s MB."), code="too_large",
                      params={"size": len(uploaded) // (1024 * 1024),
                              "limit": max_upload_bytes(original) // (1024 * 1024)})
    if not uploaded.startswith(b"%PDF-"):
        raise Refused(_("This file is not a PDF. Upload the PDF your signing tool saved."),
                      code="invalid")
    if not uploaded.startswith(original):
        raise Refused(_("This PDF is not the document you were asked to sign, or your signing "
                        "tool rewrote it. Sign the PDF downloaded from this page without "
                        "changing it, and upload the signed copy."), code="invalid")
    if len(uploaded) == len(original):
        raise Refused(_("This PDF carries no new signature. Sign it first, then upload the "
                        "signed copy."), code="invalid")
    try:
        reader = PdfFileReader(io.BytesIO(uploaded), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise Refused(_("This PDF cannot be read."), code="invalid") from exc
    # Ours had its signatures (if any) before its end; the new ones are signed after it.
    # Document timestamps (/DocTimeStamp, added by tools that sign at PAdES B-LT/LTA)
    # are checked too, but a signer is only found in a signature (/Sig).
    earlier = [s for s in signatures if _gap_start(s) < len(original)]
    new = [s for s in signatures if _gap_start(s) >= len(original)]
    timestamps = [s for s in new if s.sig_object_type == "/DocTimeStamp"]
    new = [s for s in new if s.sig_object_type != "/DocTimeStamp"]
    if not new:
        raise Refused(_("This PDF carries no new signature. Sign it first, then upload the "
                        "signed copy."), code="invalid")
    for sig in new + timestamps:
        try:
            if sig in timestamps:
                status = run(_validate_pdf_timestamp(sig))
            else:
                status = run(_validate_pdf_signature(sig))
        except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
            log.warning("uploads.check_signed_pdf: %s", str(exc)[:200])
            status = None
        if status is None or not (status.intact and status.valid):
            raise Refused(_("The signature in this PDF is broken: the file was changed after "
                            "it was signed, or the signature does not match its certificate."),
                          code="invalid")
        if status.coverage not in (SignatureCoverageLevel.ENTIRE_FILE,
                                   SignatureCoverageLevel.ENTIRE_REVISION):
            raise Refused(_("The signature in this PDF does not cover the whole document."),
                          code="invalid")
        if getattr(status, "docmdp_ok", None) is False:
            raise Refused(_("This PDF was changed after it was signed in a way the signature "
                            "does not allow."), code="invalid")
    if len(new) != 1 or new[0].field_name != field_name:
        raise Refused(_("This PDF is signed in another signer's place. Sign only in your "
                        "own signature field, once, and upload the signed copy."),
                      code="invalid")
    allowed = {field_name} | {s.field_name for s in timestamps}
    for sig in earlier:
        _check_unchanged(sig, allowed)
    first = new[0]
    return SignerInfo.from_certificate(
        first.signer_cert.dump(), method=UPLOADED_PDF,
        signed_at=first.self_reported_timestamp)


def check_p7s(original: bytes, p7s: bytes) -> SignerInfo:
    """The signer of a detached CMS signature (.p7s, DER or PEM) of ``original``."""
    if len(p7s) > MAX_P7S_BYTES:
        raise Refused(_("The file is too large for a signature file (.p7s)."), code="too_large")
    signed_data = _load_signed_data(p7s)
    signer_info = _signer_info(signed_data)
    if _is_dstu(signed_data, signer_info):
        from . import dstu

        return dstu.verify(original, _der(p7s))
    _parse_all(signed_data)
    content = signed_data["encap_content_info"]["content"]
    if content.native is not None and content.native != original:
        raise Refused(_("This signature file was made for other content than this document."),
                      code="invalid")
    if content.native is not None:
        signed_data = _detached_copy(signed_data)
    try:
        status = run(_validate_detached(original, signed_data))
    except (SignatureValidationError, ValueError, TypeError, KeyError) as exc:
        log.warning("uploads.check_p7s refused: %s", str(exc)[:200])
        raise Refused(_("This signature file cannot be checked: it is damaged or of a kind "
                        "this site does not know."), code="invalid") from exc
    if not status.intact:
        raise Refused(_("This signature file was made for other content than this document. "
                        "Sign the PDF downloaded from this page, without changing it."),
                      code="invalid")
    if not status.valid:
        raise Refused(_("The signature does not match its certificate."), code="invalid")
    return SignerInfo.from_certificate(status.signing_cert.dump(), method=DETACHED_P7S,
                                       signed_at=status.signer_reported_dt)


# --- helpers ------------------------------------------------------------------

def _check_unchanged(sig, allowed: set[str]) -> None:
    """``sig``, already in our PDF, still intact in the upload, and what came after it
    no more than the fields in ``allowed`` filled (no page, text or annotation changed)."""
    changed = _("This PDF was changed after it was signed in a way the signature "
                "does not allow.")
    try:
        status = run(_validate_pdf_signature(sig))
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        log.warning("uploads.check_signed_pdf (earlier signature): %s", str(exc)[:200])
        raise Refused(changed, code="invalid") from exc
    diff = status.diff_result
    if not (status.intact and status.valid) or status.docmdp_ok is False \
            or not isinstance(diff, DiffResult) \
            or diff.modification_level > ModificationLevel.FORM_FILLING \
            or not set(diff.changed_form_fields) <= allowed:
        log.warning("uploads.check_signed_pdf: %s changed (%s, %s)", sig.field_name,
                    getattr(diff, "modification_level", diff),
                    sorted(getattr(diff, "changed_form_fields", ()) or ()))
        raise Refused(changed, code="invalid")


def _gap_start(sig) -> int:
    byte_range = list(sig.byte_range)
    return int(byte_range[1]) if len(byte_range) == 4 else -1


def _integrity_context(cert) -> ValidationContext:
    # Integrity and the signature value only: the signer's own certificate is the anchor.
    return ValidationContext(trust_roots=[cert], allow_fetching=False)


async def _validate_pdf_signature(sig):
    return await async_validate_pdf_signature(sig, _integrity_context(sig.signer_cert))


async def _validate_pdf_timestamp(sig):
    return await async_validate_pdf_timestamp(sig, _integrity_context(sig.signer_cert))


async def _validate_detached(original: bytes, signed_data: cms.SignedData):
    signer_cert = _signer_cert(signed_data)
    return await async_validate_detached_cms(original, signed_data,
                                             signer_validation_context=_integrity_context(
                                                 signer_cert))


def _detached_copy(signed_data: cms.SignedData) -> cms.SignedData:
    """The same signature without the content it carries (checked equal to ours): the
    signed attributes hold the content's digest, so the signature is unchanged."""
    fields = {name: signed_data[name] for name in ("version", "digest_algorithms",
                                                  "certificates", "crls", "signer_infos")
              if signed_data[name].native is not None}
    fields["encap_content_info"] = {"content_type": "data"}
    return cms.SignedData.load(cms.SignedData(fields).dump())


_PEM = re.compile(rb"-----BEGIN (?:PKCS7|CMS|SIGNED DATA)-----(.+?)-----END", re.S)


def _der(p7s: bytes) -> bytes:
    match = _PEM.search(p7s)
    if match:
        try:
            return base64.b64decode(b"".join(match.group(1).split()), validate=True)
        except ValueError:
            return b""
    return p7s


def _load_signed_data(p7s: bytes) -> cms.SignedData:
    """The SignedData of a .p7s; only its outline and signer are parsed here, so that
    a DSTU signature whose certificates other parsers find odd still reaches jkurwa."""
    not_signature = Refused(_("This file is not a signature file (.p7s) made by a signing "
                              "tool."), code="invalid")
    der = _der(p7s)
    if not der or der[:1] != b"\x30":
        raise not_signature
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise not_signature
        signed_data = info["content"]
        signer_infos = signed_data["signer_infos"]
        for signer in signer_infos:
            signer["digest_algorithm"].native  # noqa: B018 (parse now, refuse garbage)
            signer["signature_algorithm"].native  # noqa: B018
    except (ValueError, TypeError, KeyError) as exc:
        raise not_signature from exc
    return signed_data


def _parse_all(signed_data: cms.SignedData) -> None:
    try:
        signed_data.native  # noqa: B018 (parse it all now, not halfway through a check)
    except (ValueError, TypeError, KeyError) as exc:
        raise Refused(_("This file is not a signature file (.p7s) made by a signing tool."),
                      code="invalid") from exc


def _signer_info(signed_data: cms.SignedData):
    try:
        return extract_signer_info(signed_data)
    except (ValueError, IndexError) as exc:
        raise Refused(_("This signature file holds no signature, or more than one."),
                      code="invalid") from exc


def _signer_cert(signed_data: cms.SignedData):
    sid = _signer_info(signed_data)["sid"]
    for choice in signed_data["certificates"] or []:
        cert = choice.chosen
        if choice.name != "certificate":
            continue
        if sid.name == "issuer_and_serial_number":
            if (cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native):
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    raise Refused(_("The signature file does not include the signer's certificate."),
                  code="invalid")


def _is_dstu(signed_data: cms.SignedData, signer_info) -> bool:
    oids = {signer_info["signature_algorithm"]["algorithm"].dotted,
            signer_info["digest_algorithm"]["algorithm"].dotted}
    return bool(oids & DSTU_OIDS)

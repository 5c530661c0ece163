"""The signed PDF, built with pyHanko, every step an incremental update.

1. ``prepare``: the evidence page is appended (its text fields, the signature
   boxes and the QR code to the verification page), then the provider
   certifies the file (DocMDP level 2: form filling and signing allowed).
2. ``sign_for``: each signer's signature, made with the provider's key on the
   signer's behalf, the signer named in it, the drawn image in its appearance.
3. ``seal``: the evidence fields are filled (form filling, allowed by the
   certification), then the provider seals at PAdES B-LTA: a timestamp from
   the TSA, the validation data embedded, a document timestamp over it all.

Why the evidence page is added first: a page appended after a certification
signature is a change DocMDP level 2 forbids, and every earlier signature
would then report it; a form field filled in is not.
"""

from __future__ import annotations

import io
import logging
import unicodedata

from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.errors import Refused

from . import keys, tsa

log = logging.getLogger(__name__)

EVIDENCE_FIELD = "evidence"
SEAL_FIELD = "provider-seal"
CERTIFY_FIELD = "provider-certification"
PAGE_W, PAGE_H = 595, 842
# Room for this many signature boxes on the evidence page (two columns).
MAX_BOXES = 8


def run(coro):
    """Run a pyHanko coroutine to its end, also where an event loop already runs in this
    thread (Playwright's sync API in the tests, an async server): then in a worker thread."""
    import asyncio
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _latin(text: str) -> str:
    """``text`` as the standard Helvetica (WinAnsi) can show it: accents folded."""
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return folded.encode("latin-1", "replace").decode("latin-1")


def _pdf_string(text: str) -> str:
    text = _latin(text)
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _dict(entries):
    from pyhanko.pdf_utils import generic

    return generic.DictionaryObject(entries)


def _helvetica():
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name

    return generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
        pdf_name("/BaseFont"): pdf_name("/Helvetica"),
        pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
    })


def _qr_ops(url: str, x: float, y: float, size: float) -> str:
    import qrcode

    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    ops = ["0 g"]
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                ops.append(f"{x + col * cell:.2f} {y + size - (row + 1) * cell:.2f} "
                           f"{cell:.2f} {cell:.2f} re")
    ops.append("f")
    return "\n".join(ops)


EVIDENCE_RECT = (50, 40, 545, 335)


def _box(index: int) -> tuple[int, int, int, int]:
    """The signature box of signer ``index`` (the seal's last): two columns, four rows
    between the heading and the evidence text."""
    col, row = index % 2, index // 2
    x = 50 + col * 255
    top = 680 - row * 85
    return (x, top - 70, x + 240, top)


def prepare(pdf: bytes, *, title: str, reference: str, verify_url: str,
            slots: list[tuple[str, str]]) -> bytes:
    """The document with its evidence page, certified by the provider.

    ``slots``: (field name, label) of each signer, in order; the seal's box comes last.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    if len(slots) + 1 > MAX_BOXES:
        raise Refused(_("A request may have at most %(count)s signers.") % {
            "count": MAX_BOXES - 1})
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as exc:
        raise Refused(_("This file is not a PDF that can be signed.")) from exc
    font = writer.add_object(_helvetica())
    lines = [
        "BT /F1 16 Tf 50 790 Td " + _pdf_string("Evidence record / signatures") + " Tj ET",
        "BT /F1 9 Tf 50 772 Td " + _pdf_string(f"{title} - {reference}") + " Tj ET",
        "BT /F1 8 Tf 50 758 Td " + _pdf_string(f"Verify: {verify_url}") + " Tj ET",
        f"BT /F1 9 Tf 50 {EVIDENCE_RECT[3] + 6} Td " + _pdf_string("Evidence") + " Tj ET",
        _qr_ops(verify_url, 465, 700, 80),
    ]
    for index, (_name, label) in enumerate([*slots, (SEAL_FIELD, "Provider seal")]):
        x1, y1, x2, y2 = _box(index)
        lines.append(f"BT /F1 7 Tf {x1} {y2 + 3} Td {_pdf_string(label)} Tj ET")
        lines.append(f"0.6 G 0.5 w {x1} {y1} {x2 - x1} {y2 - y1} re S")
    content = generic.StreamObject(stream_data="\n".join(lines).encode("latin-1"))
    page = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Page"),
        pdf_name("/MediaBox"): generic.ArrayObject(map(generic.NumberObject,
                                                       (0, 0, PAGE_W, PAGE_H))),
        pdf_name("/Resources"): generic.DictionaryObject({pdf_name("/Font"): _dict(
            {pdf_name("/F1"): font})}),
        pdf_name("/Contents"): writer.add_object(content),
    })
    page_ref = writer.insert_page(page)
    page_index = int(writer.root["/Pages"]["/Count"]) - 1

    # The evidence text: one multi-line text field, filled before the seal.
    root = writer.root
    if "/AcroForm" not in root:
        root[pdf_name("/AcroForm")] = writer.add_object(generic.DictionaryObject({
            pdf_name("/Fields"): generic.ArrayObject()}))
        writer.update_root()
    form = root["/AcroForm"]
    form[pdf_name("/DR")] = generic.DictionaryObject({pdf_name("/Font"): _dict(
        {pdf_name("/Helv"): font})})
    form[pdf_name("/DA")] = generic.TextStringObject("/Helv 0 Tf 0 g")
    widget = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"), pdf_name("/T"): generic.TextStringObject(EVIDENCE_FIELD),
        pdf_name("/Ff"): generic.NumberObject(4096),  # multi-line
        pdf_name("/F"): generic.NumberObject(4),
        pdf_name("/Rect"): generic.ArrayObject(map(generic.NumberObject, EVIDENCE_RECT)),
        pdf_name("/DA"): generic.TextStringObject("/Helv 6 Tf 0 g"),
        pdf_name("/P"): page_ref,
    })
    widget_ref = writer.add_object(widget)
    form["/Fields"].append(widget_ref)
    writer.register_annotation(page_ref, widget_ref)
    if isinstance(root.raw_get("/AcroForm"), generic.IndirectObject):
        writer.mark_update(root.raw_get("/AcroForm"))
    else:
        writer.update_root()
    for index, (name, _label) in enumerate([*slots, (SEAL_FIELD, "")]):
        fields.append_signature_field(writer, fields.SigFieldSpec(
            sig_field_name=name, on_page=page_index, box=_box(index)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return _sign(buffer.getvalue(), field=CERTIFY_FIELD, certify=True,
                 name=keys.material().provider_cert.subject.native.get("common_name", ""),
                 reason="Certified by the provider")


_validation_context = None
# Bytes reserved for a signature container, learnt from the first signature of each
# kind in this process (pyHanko otherwise estimates it by making a dummy signature,
# a third of a seal's time); with room for a longer timestamp token.
_reserved: dict = {}
RESERVE_MARGIN = 1024


def _signing_validation_context():
    """The provider's chain, validated once per process for the validation data a seal
    embeds (no fetching: the local CA publishes no revocation data)."""
    global _validation_context
    from pyhanko_certvalidator import ValidationContext

    if _validation_context is None:
        _validation_context = ValidationContext(trust_roots=keys.material().trust_roots,
                                                allow_fetching=False)
    return _validation_context


def _sign(pdf, *, field: str, name: str, reason: str, certify=False, stamp=None,
          lta=False) -> bytes:
    """Sign ``pdf``: bytes, or a function that returns an incremental writer holding
    this revision's other changes (the seal's filled evidence)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    material = keys.material()
    meta = signers.PdfSignatureMetadata(
        field_name=field, name=_latin(name) or None, reason=_latin(reason) or None,
        certify=certify, docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=lta, use_pades_lta=lta,
        validation_context=_signing_validation_context() if lta else None,
    )
    make_writer = pdf if callable(pdf) else (
        lambda: IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False))
    kind = "lta" if lta else "plain"

    def attempt(reserved):
        pdf_signer = signers.PdfSigner(meta, signer=material.signer, stamp_style=stamp,
                                       timestamper=tsa.timestamper())
        out = io.BytesIO()
        run(pdf_signer.async_sign_pdf(make_writer(), output=out, bytes_reserved=reserved))
        return out.getvalue()

    try:
        try:
            signed = attempt(_reserved.get(kind))
        except SigningError as exc:
            if kind not in _reserved or "larger than expected" not in str(exc):
                raise
            # A container larger than those before (a longer timestamp token): let
            # pyHanko estimate again, and learn the new size.
            _reserved.pop(kind, None)
            signed = attempt(None)
    except SigningError as exc:  # e.g. the field is filled already: a refusal, not a 500
        log.warning("pdf._sign %s: %s", field, str(exc)[:200])
        raise Refused(_("This signature has already been given."), code="conflict") from exc
    except TimestampRequestError as exc:
        raise tsa.unavailable() from exc
    except OSError as exc:  # connection refused, timeout
        raise tsa.unavailable() from exc
    if kind not in _reserved:
        # pyHanko counts the reserved room in hex digits: two a byte. Room for the
        # container actually made, not pyHanko's generous estimate: every later reader
        # of the file parses these hex strings.
        _reserved[kind] = 2 * (_contents_size(signed, field) + RESERVE_MARGIN)
    return signed


def _contents_size(pdf: bytes, field: str) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for sig in reader.embedded_signatures:
        if sig.field_name == field:
            return len(bytes(sig.sig_object["/Contents"]).rstrip(b"\x00"))
    return 8192


def _plain_stamp(text: str):
    from pyhanko.pdf_utils import text as pdf_text
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(stamp_text=text, text_box_style=pdf_text.TextBoxStyle(font_size=8),
                          border_width=0, background=None)


def sign_for(pdf: bytes, *, field: str, signer_name: str, reason: str, when: str,
             image_png: bytes | None = None) -> bytes:
    """``signer_name``'s signature in ``field``: the drawn image, their name and the time."""
    from pyhanko.pdf_utils import text
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.stamp import TextStampStyle

    background = None
    if image_png:
        from PIL import Image

        try:
            image = Image.open(io.BytesIO(image_png))
            image.load()
        except Exception as exc:
            raise Refused(_("The drawn signature could not be read. Please draw it again."),
                          code="invalid") from exc
        if image.mode in ("RGBA", "LA", "P"):
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").split()[3])
            image = flat
        background = PdfImage(image)
    style = TextStampStyle(
        stamp_text=_latin(f"{signer_name}\n{when}"),
        text_box_style=text.TextBoxStyle(font_size=7),
        background=background, background_opacity=1.0, border_width=0,
    )
    return _sign(pdf, field=field, name=signer_name, reason=reason, stamp=style)


def _fill_evidence(writer, evidence: str) -> None:
    """Fill the evidence field in ``writer``'s pending revision (form filling)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name

    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if str(field.get("/T", "")) == EVIDENCE_FIELD:
            break
    else:
        raise Refused(_("This document has no evidence page to fill."), code="not_allowed")
    x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
    # The text in 6 pt, smaller (down to 3.5 pt) where a long trail would not fit.
    size = 6.0
    while True:
        width = int((x2 - x1 - 4) / (size * 0.52))
        lines = [raw[start:start + width] for raw in evidence.splitlines()
                 for start in range(0, max(len(raw), 1), width)]
        if len(lines) * size * 1.2 <= (y2 - y1 - 4) or size <= 3.5:
            break
        size = round(size - 0.25, 2)
    leading = round(size * 1.2, 2)
    ops = ["/Tx BMC", "q BT", f"/Helv {size} Tf 0 g", f"2 {y2 - y1 - size - 2:.1f} Td",
           f"{leading} TL"]
    ops += [f"{_pdf_string(line)} Tj T*" for line in lines]
    ops += ["ET Q", "EMC"]
    font = writer.root["/AcroForm"]["/DR"]["/Font"].raw_get("/Helv")
    appearance = generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject(map(generic.FloatObject,
                                                   (0, 0, x2 - x1, y2 - y1))),
        pdf_name("/Resources"): generic.DictionaryObject({pdf_name("/Font"): _dict(
            {pdf_name("/Helv"): font})}),
    }, stream_data="\n".join(ops).encode("latin-1"))
    field[pdf_name("/V")] = generic.TextStringObject(_latin(evidence))
    field[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): writer.add_object(appearance)})
    writer.mark_update(ref)


def seal(pdf: bytes, *, evidence: str) -> bytes:
    """The evidence filled in and the provider's seal at PAdES B-LTA."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    material = keys.material()
    # The evidence filled in and the seal in one revision: one parse and one write less.
    def filled():
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        _fill_evidence(writer, evidence)
        return writer

    return _sign(filled, field=SEAL_FIELD, lta=True, reason="Sealed by the provider",
                 stamp=_plain_stamp("Sealed by %(signer)s\n%(ts)s"),
                 name=material.provider_cert.subject.native.get("common_name", ""))


def validation_context():
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=keys.material().trust_roots, allow_fetching=False,
                             revocation_mode="soft-fail")


def verify(pdf: bytes) -> list[dict]:
    """Each signature of ``pdf``: who, when, the timestamp, intact, trusted, what changed."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import (
        async_validate_pdf_signature,
        async_validate_pdf_timestamp,
    )

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        raise Refused(_("This file is not a readable PDF."), code="invalid") from exc
    results = []
    for sig in embedded:
        entry = {"signer": "", "signed_at": None, "timestamp": None, "intact": False,
                 "trusted": False, "modification_level": None, "field": sig.field_name,
                 "kind": "signature"}
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                entry["kind"] = "timestamp"
                status = run(async_validate_pdf_timestamp(
                    sig, validation_context=validation_context()))
                entry["signer"] = status.signing_cert.subject.native.get("common_name", "")
                entry["timestamp"] = status.timestamp.isoformat()
                entry["signed_at"] = entry["timestamp"]
            else:
                status = run(async_validate_pdf_signature(
                    sig, signer_validation_context=validation_context(),
                    ts_validation_context=validation_context()))
                entry["signer"] = (str(sig.sig_object.get("/Name", "")) or
                                   status.signing_cert.subject.native.get("common_name", "")
                                   or status.signing_cert.subject.human_friendly)
                when = status.signer_reported_dt
                entry["signed_at"] = when.isoformat() if when else None
                stamp = status.timestamp_validity
                entry["timestamp"] = stamp.timestamp.isoformat() if stamp else None
            entry["intact"] = bool(status.intact and status.valid)
            entry["trusted"] = bool(status.trusted)
            level = getattr(status, "modification_level", None)
            entry["modification_level"] = level.name.lower() if level is not None else None
            if getattr(status, "docmdp_ok", True) is False:
                entry["intact"] = False
        except Exception:  # a signature too damaged to read
            entry["intact"] = False
        results.append(entry)
    return results


def simple_pdf(title: str, paragraphs: list[str], pages: int = 1) -> bytes:
    """A plain text PDF (Helvetica), made in milliseconds: demo documents, tests, the bench."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    font = writer.add_object(_helvetica())
    for number in range(1, pages + 1):
        ops = [f"BT /F1 18 Tf 60 780 Td {_pdf_string(title)} Tj ET"]
        y = 740
        for text in paragraphs:
            for start in range(0, len(text), 90):
                ops.append(f"BT /F1 10 Tf 60 {y} Td {_pdf_string(text[start:start + 90])} Tj ET")
                y -= 14
            y -= 8
        ops.append(f"BT /F1 8 Tf 60 40 Td {_pdf_string(f'Page {number} of {pages}')} Tj ET")
        page = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject(map(generic.NumberObject,
                                                           (0, 0, PAGE_W, PAGE_H))),
            pdf_name("/Resources"): generic.DictionaryObject({pdf_name("/Font"): _dict(
                {pdf_name("/F1"): font})}),
            pdf_name("/Contents"): writer.add_object(generic.StreamObject(
                stream_data="\n".join(ops).encode("latin-1"))),
        })
        writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

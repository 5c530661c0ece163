"""A streaming reader of Metro 2 files, character and packed formats.

``read(stream)`` yields one ``Record`` at a time (the header, each base segment
with its appended segments, the trailer) and raises ``Metro2Error`` at the
first fault, naming the record (1 is the header), the field, the value read
and the reason. Nothing is kept between records but the running totals the
trailer is checked against, so memory stays flat whatever the file's size.

Framing. Every record starts with its record descriptor word (RDW): four
digits in the character format, a two-byte big-endian binary length followed
by two zero bytes in the packed format. A file whose header identifier sits
after eight bytes rather than four is *blocked* ("variable-length blocks"):
each header and base record is then preceded by a block descriptor word (BDW)
of the same form; a record spans the larger of its two words. The header and
trailer have fixed layouts (426 characters, 366 bytes packed): a longer word on
them counts padding, which must be blank. Appended segments (J1, J2, K1-K4,
L1, N1) follow a base segment inside its record; what follows the last one up
to the record's end must be blank. Line breaks between (or inside) records of
the character format are ignored; a packed file is binary and read as is. No
record may be longer than 65,535 bytes, and the whole file no longer than
``max_bytes``.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from . import codes
from .layouts import (
    BASE,
    CHARACTER_RECORD,
    HEADER,
    MAX_RECORD,
    PACKED_RECORD,
    REPEATING,
    SEGMENTS,
    TRAILER,
    TRAILER_TOTALS,
)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CHUNK = 1 << 16
_PRINTABLE = re.compile(rb"[\x20-\x7e]*")
_BLANK = re.compile(rb"[ \x00]*")

# Fields that must carry a value (the guide's "required" fields).
REQUIRED = {
    "header": {"recordIdentifier", "activityDate", "dateCreated", "reporterName",
               "reporterAddress"},
    "base": {"identificationNumber", "consumerAccountNumber", "portfolioType", "accountType",
             "dateOpened", "termsDuration", "accountStatus", "paymentHistoryProfile",
             "dateAccountInformation", "surname", "firstName", "ecoaCode", "firstLineAddress",
             "city", "state", "zipCode"},
    "trailer": {"recordIdentifier"},
    "J1": {"surname", "firstName", "ecoaCode"},
    "J2": {"surname", "ecoaCode", "firstLineAddress", "city", "state", "zipCode"},
    "K1": {"originalCreditorName"},
    "K2": {"purchasedName"},
    "K3": set(),
    "K4": set(),
    "L1": set(),
    "N1": {"employerName"},
}


# Why a value is refused: code -> text (translated when shown; ``%(name)s`` from params).
REASONS = {
    "not_text": _("not printable ASCII text"),
    "not_number": _("not a number (digits only)"),
    "not_date": _("not a date (MMDDYYYY)"),
    "not_stamp": _("not a time stamp (MMDDYYYYHHMMSS)"),
    "not_packed_date": _("not a packed date (0x00, the number, 0x73)"),
    "packed_range": _("packed date out of range"),
    "required": _("required, but empty"),
    "status": _("not an account status code"),
    "rating_needed": _("account status %(status)s needs a payment rating (0-6, G or L)"),
    "rating_unwanted": _("account status %(status)s takes no payment rating"),
    "history": _("24 characters of 0-6, B, D, E, G, H, J, K, L expected"),
    "portfolio": _("not a portfolio type (C, I, M, O, R, L)"),
    "special_comment": _("not a special comment code"),
    "compliance": _("not a compliance condition code (XA to XR)"),
    "ecoa": _("not an ECOA code"),
    "correction": _("0 or 1 expected"),
    "terms_duration": _("LOC, REV or a number of months (3 digits) expected"),
    "terms_frequency": _("not a terms frequency code"),
    "interest": _("F, V or blank expected"),
    "too_large": _("the file is larger than the limit of %(limit)s bytes"),
    "packed_word": _("not a packed descriptor word (two-byte length, two zero bytes)"),
    "word": _("not a descriptor word (four digits)"),
    "not_metro2": _("not a Metro 2 file: no HEADER record at the start"),
    "too_long": _("a record is at most %(max)s bytes long"),
    "too_short": _("shorter than the record's layout (%(size)s bytes)"),
    "cut_short": _("record cut short: the file ends after %(got)s of %(want)s bytes"),
    "header": _("HEADER expected"),
    "header_padding": _("the header record is longer than its fields and not blank-padded"),
    "no_trailer": _("the file ends without a trailer record"),
    "trailer_total": _("the trailer says %(said)s, the file has %(found)s"),
    "after_trailer": _("data after the trailer record"),
    "segment_unknown": _("not a segment (J1, J2, K1 to K4, L1, N1) and not blank padding"),
    "segment_short": _("segment cut short: %(got)s of %(want)s bytes"),
    "segment_twice": _("this segment appears twice in one record"),
}


class Metro2Error(ValueError):
    """A fault in a Metro 2 file: which record, which field, what value, why.

    ``code`` keys ``REASONS``; ``params`` fill its text. The text is made when
    shown (``reason``), in the reader's language.
    """

    def __init__(self, record: int, field: str, value, code: str, **params):
        self.record = record
        self.field = field
        self.value = _show(value)
        self.code = code
        self.params = params
        super().__init__(record, field, code)

    @property
    def reason(self) -> str:
        return str(REASONS[self.code]) % self.params if self.params else str(REASONS[self.code])

    def __str__(self):
        return f"record {self.record}, field {self.field}: {self.reason} (value {self.value!r})"

    def as_dict(self) -> dict:
        return {"record": self.record, "field": self.field, "value": self.value,
                "message": self.reason}


def _show(value, limit: int = 40) -> str:
    if isinstance(value, bytes | bytearray):
        text = "".join(chr(b) if 0x20 <= b < 0x7f else f"\\x{b:02x}" for b in value[:limit])
        return text + ("…" if len(value) > limit else "")
    text = "" if value is None else str(value)
    return text[:limit] + ("…" if len(text) > limit else "")


@dataclass
class Record:
    kind: str  # "header", "base" or "trailer"
    number: int  # 1-based position in the file
    fields: dict
    segments: dict = field(default_factory=dict)  # base only: {"j1": [..], "k1": {..}, ...}
    raw_length: int = 0


# ----------------------------------------------------------------------------- fields

class _Layout:
    """A layout compiled into one ``struct`` unpack and a converter per field."""

    def __init__(self, name: str, fields, required):
        self.name = name
        # Reserved fields are skipped by the unpacking itself ("x" pad bytes).
        self.fields = [(n, k) for n, k, _length in fields if k != "X"]
        self.width = sum(length for _n, _k, length in fields)
        self.struct = struct.Struct("".join(f"{length}x" if k == "X" else f"{length}s"
                                            for _n, k, length in fields))
        self.required = frozenset(required)
        self.plan = [(n, _CONVERT[k], n in self.required) for n, k in self.fields]
        self.plan_checked = [(n, _CONVERT_CHECKED[k], n in self.required)
                             for n, k in self.fields]

    def parse(self, data, offset: int, record: int, prefix: str = "",
              text_checked: bool = False) -> dict:
        """The fields at ``offset``; ``text_checked``: the caller has checked that the
        whole record is printable ASCII (the character format), so text fields skip it."""
        values = self.struct.unpack_from(data, offset)
        out = {}
        for (name, convert, required), raw in zip(
                self.plan_checked if text_checked else self.plan, values, strict=True):
            try:
                value = convert(raw)
            except ValueError as exc:
                raise Metro2Error(record, prefix + name, raw, str(exc)) from None
            if required and (value is None or value == ""):
                raise Metro2Error(record, prefix + name, raw, "required")
            out[name] = value
        return out


def _alpha(raw: bytes) -> str:
    if not _PRINTABLE.fullmatch(raw):
        raise ValueError("not_text")
    return raw.rstrip(b" ").decode("ascii")


def _number(raw: bytes) -> int:
    if raw.isdigit():
        return int(raw)
    if not raw.strip(b" "):
        return 0
    raise ValueError("not_number")


def _date_from(text: bytes | str):
    if isinstance(text, bytes):
        text = text.decode("ascii")
    try:
        return dt.date(int(text[4:8]), int(text[0:2]), int(text[2:4]))
    except ValueError:
        raise ValueError("not_date") from None


def _date(raw: bytes):
    if raw == b"00000000" or not raw.strip(b" "):
        return None
    if not raw.isdigit():
        raise ValueError("not_date")
    return _date_from(raw)


def _stamp_from(text: bytes | str):
    if isinstance(text, bytes):
        text = text.decode("ascii")
    try:
        return dt.datetime(int(text[4:8]), int(text[0:2]), int(text[2:4]), int(text[8:10]),
                           int(text[10:12]), int(text[12:14]), tzinfo=dt.UTC)
    except ValueError:
        raise ValueError("not_stamp") from None


def _stamp(raw: bytes):
    if raw == b"0" * 14 or not raw.strip(b" "):
        return None
    if not raw.isdigit():
        raise ValueError("not_stamp")
    return _stamp_from(raw)


def _packed_number(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def _packed_digits(raw: bytes, digits: int):
    if not raw.strip(b"\x00"):
        return None
    if raw[0] != 0 or raw[-1] != 0x73:
        raise ValueError("not_packed_date")
    text = str(int.from_bytes(raw[1:-1], "big")).zfill(digits)
    if len(text) != digits:
        raise ValueError("packed_range")
    return text


def _packed_date(raw: bytes):
    text = _packed_digits(raw, 8)
    if text is None or text == "0" * 8:
        return None
    return _date_from(text)


def _packed_stamp(raw: bytes):
    text = _packed_digits(raw, 14)
    if text is None or text == "0" * 14:
        return None
    return _stamp_from(text)


_CONVERT = {"A": _alpha, "N": _number, "D": _date, "T": _stamp, "P": _packed_number,
            "PD": _packed_date, "PT": _packed_stamp}
_CONVERT_CHECKED = {**_CONVERT, "A": lambda raw: raw.rstrip(b" ").decode("ascii")}

_LAYOUTS = {
    (kind, packed): _Layout(kind, table[packed], REQUIRED[kind])
    for kind, table in (("header", HEADER), ("base", BASE), ("trailer", TRAILER))
    for packed in (False, True)
}
_SEGMENTS = {name: _Layout(name, fields, REQUIRED[name]) for name, fields in SEGMENTS.items()}


# ----------------------------------------------------------------------------- checks

def _check_base(rec: dict, number: int):
    def refuse(name, code, **params):
        raise Metro2Error(number, name, rec.get(name), code, **params)

    status = rec["accountStatus"]
    if status not in codes.ACCOUNT_STATUS:
        refuse("accountStatus", "status")
    rating = rec["paymentRating"]
    if status in codes.NEEDS_PAYMENT_RATING:
        if rating not in codes.PAYMENT_RATING:
            refuse("paymentRating", "rating_needed", status=status)
    elif rating:
        refuse("paymentRating", "rating_unwanted", status=status)
    profile = rec["paymentHistoryProfile"]
    if len(profile) != 24 or not set(profile) <= codes.PAYMENT_HISTORY:
        refuse("paymentHistoryProfile", "history")
    if rec["portfolioType"] not in codes.PORTFOLIO_TYPE:
        refuse("portfolioType", "portfolio")
    comment = rec["specialComment"]
    if comment and comment not in codes.SPECIAL_COMMENT:
        refuse("specialComment", "special_comment")
    compliance = rec["complianceConditionCode"]
    if compliance and compliance not in codes.COMPLIANCE_CONDITION:
        refuse("complianceConditionCode", "compliance")
    if rec["ecoaCode"] not in codes.ECOA:
        refuse("ecoaCode", "ecoa")
    if rec["correctionIndicator"] not in codes.CORRECTION:
        refuse("correctionIndicator", "correction")
    terms = rec["termsDuration"]
    if terms not in codes.TERMS_DURATION_WORDS and not (terms.isdigit() and len(terms) == 3):
        refuse("termsDuration", "terms_duration")
    frequency = rec["termsFrequency"]
    if frequency and frequency not in codes.TERMS_FREQUENCY:
        refuse("termsFrequency", "terms_frequency")
    interest = rec["interestTypeIndicator"]
    if interest and interest not in codes.INTEREST_TYPE:
        refuse("interestTypeIndicator", "interest")


def _check_segment(name: str, seg: dict, number: int):
    if name in ("J1", "J2") and seg["ecoaCode"] not in codes.ECOA:
        raise Metro2Error(number, f"{name}.ecoaCode", seg["ecoaCode"], "ecoa")


# ----------------------------------------------------------------------------- stream

class _Source:
    """Bytes from ``stream`` with look-ahead; drops line breaks in the character format."""

    def __init__(self, stream, max_bytes: int):
        self.stream = stream
        self.max_bytes = max_bytes
        self.buffer = bytearray()
        self.pos = 0
        self.read_bytes = 0
        self.eof = False
        self.strip_breaks = False
        self.record = 1

    def _fill(self, n: int):
        while len(self.buffer) - self.pos < n and not self.eof:
            chunk = self.stream.read(CHUNK)
            if not chunk:
                self.eof = True
                break
            self.read_bytes += len(chunk)
            if self.read_bytes > self.max_bytes:
                raise Metro2Error(self.record, "file", f"{self.read_bytes} bytes", "too_large",
                                  limit=self.max_bytes)
            if self.pos > CHUNK:
                del self.buffer[:self.pos]
                self.pos = 0
            if self.strip_breaks:
                chunk = chunk.replace(b"\r", b"").replace(b"\n", b"")
            self.buffer += chunk

    def peek(self, n: int) -> bytes:
        self._fill(n)
        return bytes(self.buffer[self.pos:self.pos + n])

    def take(self, n: int) -> memoryview | bytes:
        self._fill(n)
        data = bytes(self.buffer[self.pos:self.pos + n])
        self.pos += len(data)
        return data

    def rest_is_blank(self) -> tuple[bool, bytes]:
        while True:
            self._fill(CHUNK)
            data = bytes(self.buffer[self.pos:])
            if not _BLANK.fullmatch(data):
                return False, data.lstrip(b" \x00")
            self.pos = len(self.buffer)
            if self.eof:
                return True, b""


def _word(raw: bytes, packed: bool, number: int, name: str) -> int:
    if packed:
        if len(raw) < 4 or raw[2:4] != b"\x00\x00":
            raise Metro2Error(number, name, raw, "packed_word")
        return int.from_bytes(raw[:2], "big")
    if len(raw) < 4 or not raw.isdigit():
        raise Metro2Error(number, name, raw, "word")
    return int(raw)


@dataclass
class _Totals:
    counts: Counter = field(default_factory=Counter)

    def add(self, base: dict, segments: dict):
        c = self.counts
        c["totalBaseRecords"] += 1
        status = base["accountStatus"]
        if status in codes.COUNTED_STATUSES:
            c[f"totalStatusCode{status}"] += 1
        people = [("Base", base)]
        for key in ("j1", "j2"):
            for seg in segments.get(key, ()):
                people.append((key.upper(), seg))
            c[f"totalConsumerSegments{key.upper()}"] += len(segments.get(key, ()))
        for where, person in people:
            if person["ecoaCode"] == "Z":
                c["totalECOACodeZ"] += 1
            if person["socialSecurityNumber"]:
                c[f"totalSocialNumbers{where}Segments"] += 1
                c["totalSocialNumbersAllSegments"] += 1
            if person["dateBirth"]:
                c[f"totalDatesBirth{where}Segments"] += 1
                c["totalDatesBirthAllSegments"] += 1
            if person["telephoneNumber"]:
                c["totalTelephoneNumbersAllSegments"] += 1
        for key, total in (("n1", "totalEmploymentSegments"),
                           ("k1", "totalOriginalCreditorSegments"),
                           ("k2", "totalPurchasedToSegments"),
                           ("k3", "totalMortgageInformationSegments"),
                           ("k4", "totalPaymentInformationSegments"),
                           ("l1", "totalChangeSegments")):
            if key in segments:
                c[total] += 1


def detect(head: bytes) -> tuple[bool, bool]:
    """``(packed, blocked)`` from a file's first bytes; raises if it is no Metro 2 file."""
    packed = len(head) >= 8 and (head[2:4] == b"\x00\x00" or head[6:8] == b"\x00\x00")
    if not packed:
        head = head.replace(b"\r", b"").replace(b"\n", b"")
    if head[8:14].upper() == b"HEADER":
        return packed, True
    if head[4:10].upper() == b"HEADER":
        return packed, False
    raise Metro2Error(1, "recordIdentifier", head[:14], "not_metro2")


def read(stream, *, max_bytes: int = DEFAULT_MAX_BYTES, check_trailer: bool = True):
    """Yield the file's records one by one (see the module's description)."""
    src = _Source(stream, max_bytes)
    packed, blocked = detect(src.peek(64))
    src.strip_breaks = not packed
    if not packed:  # the look-ahead was read raw: strip what is already buffered
        src.buffer = bytearray(bytes(src.buffer).replace(b"\r", b"").replace(b"\n", b""))
    fixed = PACKED_RECORD if packed else CHARACTER_RECORD
    totals = _Totals()
    number = 1

    def frame(kind: str, with_block: bool):
        head = src.peek(8 if with_block else 4)
        if with_block:
            bdw = _word(head[:4], packed, number, "blockDescriptorWord")
            rdw = _word(head[4:8], packed, number, "recordDescriptorWord")
            length, prefix = max(bdw, rdw), 8
        else:
            bdw = None
            rdw = _word(head[:4], packed, number, "recordDescriptorWord")
            length, prefix = rdw, 4
        word = "blockDescriptorWord" if with_block and bdw >= rdw else "recordDescriptorWord"
        if length > MAX_RECORD:
            raise Metro2Error(number, word, length, "too_long", max=MAX_RECORD)
        if length < fixed + prefix - 4:
            raise Metro2Error(number, word, length, "too_short", size=fixed)
        data = src.take(length)
        if len(data) < length:
            raise Metro2Error(number, word, length, "cut_short", got=len(data), want=length)
        return data, prefix, bdw, rdw

    # Header
    data, prefix, bdw, rdw = frame("header", blocked)
    header = _LAYOUTS["header", packed].parse(data, prefix, number)
    if header["recordIdentifier"].upper() != "HEADER":
        raise Metro2Error(number, "recordIdentifier", header["recordIdentifier"], "header")
    end = prefix + _LAYOUTS["header", packed].width
    if not _BLANK.fullmatch(data[end:]):
        raise Metro2Error(number, "recordDescriptorWord", rdw, "header_padding")
    header = {**({"blockDescriptorWord": bdw} if bdw is not None else {}),
              "recordDescriptorWord": min(rdw, fixed) if bdw is None else rdw, **header}
    yield Record("header", number, header, raw_length=len(data))

    base_layout = _LAYOUTS["base", packed]
    while True:
        number += 1
        src.record = number
        look = src.peek(16)
        if not look or (src.eof and _BLANK.fullmatch(look) and len(look) < 4):
            raise Metro2Error(number - 1, "trailer", "", "no_trailer")
        if look[4:11].upper() == b"TRAILER" or (blocked and look[8:15].upper() == b"TRAILER"):
            break
        data, prefix, bdw, rdw = frame("base", blocked)
        # A character record is printable ASCII through and through: checked at once,
        # and field by field only where it is not (to name the field).
        text = not packed and _PRINTABLE.fullmatch(data) is not None
        base = base_layout.parse(data, prefix, number, text_checked=text)
        _check_base(base, number)
        segments = _read_segments(data, prefix + base_layout.width, number, text)
        totals.add(base, segments)
        fields = {**({"blockDescriptorWord": bdw} if bdw is not None else {}),
                  "recordDescriptorWord": rdw, **base}
        yield Record("base", number, fields, segments, raw_length=len(data))

    # Trailer
    with_block = blocked and src.peek(16)[8:15].upper() == b"TRAILER"
    data, prefix, bdw, rdw = frame("trailer", with_block)
    trailer = _LAYOUTS["trailer", packed].parse(data, prefix, number)
    trailer = {"recordDescriptorWord": rdw, **trailer}
    if check_trailer:
        totals.counts["blockCount"] = number
        for name in ("totalBaseRecords", *TRAILER_TOTALS):
            if trailer[name] != totals.counts[name]:
                raise Metro2Error(number, name, trailer[name], "trailer_total",
                                  said=trailer[name], found=totals.counts[name])
    blank, extra = src.rest_is_blank()
    if not blank:
        raise Metro2Error(number + 1, "recordIdentifier", extra, "after_trailer")
    yield Record("trailer", number, trailer, raw_length=len(data))


def _read_segments(data: bytes, offset: int, number: int, text_checked: bool = False) -> dict:
    segments: dict = {}
    end = len(data)
    while offset < end:
        if _BLANK.fullmatch(data, offset):
            break
        ident = bytes(data[offset:offset + 2])
        name = ident.decode("latin-1")
        layout = _SEGMENTS.get(name)
        if layout is None:
            raise Metro2Error(number, "segmentIdentifier", ident, "segment_unknown")
        if offset + layout.width > end:
            raise Metro2Error(number, f"{name}.segmentIdentifier", ident, "segment_short",
                              got=end - offset, want=layout.width)
        seg = layout.parse(data, offset, number, prefix=f"{name}.", text_checked=text_checked)
        _check_segment(name, seg, number)
        key = name.lower()
        if name in REPEATING:
            segments.setdefault(key, []).append(seg)
        elif key in segments:
            raise Metro2Error(number, f"{name}.segmentIdentifier", ident, "segment_twice")
        else:
            segments[key] = seg
        offset += layout.width
    return segments


def as_json(record: Record) -> dict:
    """The record as the sample files' JSON twins write it (dates as ISO 8601, UTC)."""
    def value(v):
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(v, dt.date):
            return v.strftime("%Y-%m-%dT00:00:00Z")
        return v

    out = {k: value(v) for k, v in record.fields.items()}
    if record.kind != "base":
        return out
    data = {"base": out}
    for key, seg in record.segments.items():
        if isinstance(seg, list):
            data[key] = [{k: value(v) for k, v in s.items()} for s in seg]
        else:
            data[key] = {k: value(v) for k, v in seg.items()}
    return data


def read_file_json(stream, **kwargs) -> dict:
    """The whole file as one JSON-like dict (for tests and small files)."""
    out: dict = {"header": None, "data": [], "trailer": None}
    for record in read(stream, **kwargs):
        if record.kind == "base":
            out["data"].append(as_json(record))
        else:
            out[record.kind] = as_json(record)
    return out


def read_base(data: bytes, *, packed: bool | None = None, blocked: bool | None = None) -> Record:
    """One base record (with its appended segments) on its own, as record 1.

    Without a header to say so, the format is guessed: packed if a descriptor
    word ends in two zero bytes; blocked if the first word is a block word (at
    least four more than the record word after it).
    """
    if packed is None:
        packed = len(data) >= 4 and data[2:4] == b"\x00\x00"
    if not packed:
        data = data.replace(b"\r", b"").replace(b"\n", b"")
    if blocked is None:
        try:
            blocked = _word(data[:4], packed, 1, "blockDescriptorWord") >= (
                _word(data[4:8], packed, 1, "recordDescriptorWord") + 4)
        except Metro2Error:
            blocked = False
    prefix = 8 if blocked else 4
    bdw = _word(data[:4], packed, 1, "blockDescriptorWord") if blocked else None
    rdw = _word(data[prefix - 4:prefix], packed, 1, "recordDescriptorWord")
    length = max(bdw or 0, rdw)
    layout = _LAYOUTS["base", packed]
    if length > MAX_RECORD:
        raise Metro2Error(1, "recordDescriptorWord", length, "too_long", max=MAX_RECORD)
    if length < prefix + layout.width:
        raise Metro2Error(1, "recordDescriptorWord", length, "too_short",
                          size=prefix + layout.width)
    if len(data) < length:
        raise Metro2Error(1, "recordDescriptorWord", length, "cut_short", got=len(data),
                          want=length)
    data = data[:length]
    base = layout.parse(data, prefix, 1)
    _check_base(base, 1)
    segments = _read_segments(data, prefix + layout.width, 1)
    fields = {**({"blockDescriptorWord": bdw} if bdw is not None else {}),
              "recordDescriptorWord": rdw, **base}
    return Record("base", 1, fields, segments, raw_length=length)

"""Writing Metro 2 files: valid ones from account data, and broken ones for the tests.

``write(accounts)`` returns a whole file (header, one base record per account,
trailer with the right totals) in the character format, fixed or blocked, or
in the packed format. ``iter_records`` yields the same piece by piece, so the
benchmark can write 100,000 records without holding them. ``broken(defect)``
returns a small file with one known defect and the record and field the reader
must name.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from . import codes
from .layouts import BASE, CHARACTER_RECORD, HEADER, PACKED_RECORD, SEGMENTS, TRAILER

EPOCH = dt.date(2024, 1, 31)


def _encode(kind: str, width: int, value) -> bytes:
    if kind == "X":
        return b" " * width
    if kind == "A":
        return str(value or "").encode("ascii")[:width].ljust(width, b" ")
    if kind == "N":
        return str(int(value or 0)).zfill(width).encode("ascii")[-width:]
    if kind == "D":
        return value.strftime("%m%d%Y").encode() if value else b"0" * width
    if kind == "T":
        return value.strftime("%m%d%Y%H%M%S").encode() if value else b"0" * width
    if kind == "P":
        return int(value or 0).to_bytes(width, "big")
    if kind in ("PD", "PT"):
        if not value:
            return b"\x00" * width
        text = value.strftime("%m%d%Y" if kind == "PD" else "%m%d%Y%H%M%S")
        return b"\x00" + int(text).to_bytes(width - 2, "big") + b"\x73"
    raise ValueError(kind)


def _fields(layout, values: dict) -> bytes:
    return b"".join(_encode(kind, width, values.get(name)) for name, kind, width in layout)


def _word(n: int, packed: bool) -> bytes:
    return n.to_bytes(2, "big") + b"\x00\x00" if packed else str(n).zfill(4).encode()


def sample_account(i: int, **overrides) -> dict:
    """A valid, plainly fictional base record's values (account ``i``)."""
    opened = EPOCH - dt.timedelta(days=30 + i % 900)
    values = {
        "processingIndicator": 1,
        "timeStamp": dt.datetime(2024, 2, 1, 8, 30, 0, tzinfo=dt.UTC),
        "correctionIndicator": 0,
        "identificationNumber": "LENDER001",
        "consumerAccountNumber": f"ACC{i:09d}",
        "portfolioType": "I",
        "accountType": "01",
        "dateOpened": opened,
        "creditLimit": 0,
        "highestCredit": 1000 + i % 5000,
        "termsDuration": "024",
        "termsFrequency": "M",
        "scheduledMonthlyPaymentAmount": 50 + i % 200,
        "actualPaymentAmount": 50 + i % 200,
        "accountStatus": "11",
        "paymentRating": "",
        "paymentHistoryProfile": "0" * 12 + "B" * 12,
        "specialComment": "",
        "complianceConditionCode": "",
        "currentBalance": 900 + i % 4000,
        "amountPastDue": 0,
        "originalChargeOffAmount": 0,
        "dateAccountInformation": EPOCH,
        "dateFirstDelinquency": None,
        "dateClosed": None,
        "dateLastPayment": EPOCH - dt.timedelta(days=5),
        "interestTypeIndicator": "F",
        "surname": f"EXAMPLE{i % 1000}",
        "firstName": "ALEX",
        "middleName": "",
        "generationCode": "",
        "socialSecurityNumber": 100000000 + i,
        "dateBirth": dt.date(1980, 1, 1) + dt.timedelta(days=i % 7000),
        "telephoneNumber": 0,
        "ecoaCode": "1",
        "consumerInformationIndicator": "",
        "countryCode": "MD",
        "firstLineAddress": f"{1 + i % 99} EXAMPLE STREET",
        "secondLineAddress": "",
        "city": "CHISINAU",
        "state": "MD",
        "zipCode": "2001",
        "addressIndicator": "",
        "residenceCode": "",
    }
    values.update(overrides)
    return values


def header_values(**overrides) -> dict:
    values = {
        "recordIdentifier": "HEADER",
        "activityDate": EPOCH,
        "dateCreated": EPOCH,
        "reporterName": "EXAMPLE LENDER SRL",
        "reporterAddress": "1 EXAMPLE STREET CHISINAU MD",
        "reporterTelephoneNumber": 0,
    }
    values.update(overrides)
    return values


class Totals:
    def __init__(self):
        self.c = Counter()

    def add(self, account: dict, segments: dict):
        c = self.c
        c["totalBaseRecords"] += 1
        if account["accountStatus"] in codes.COUNTED_STATUSES:
            c[f"totalStatusCode{account['accountStatus']}"] += 1
        people = [("Base", account)] + [(k.upper(), s) for k in ("j1", "j2")
                                        for s in segments.get(k, ())]
        for key in ("j1", "j2"):
            c[f"totalConsumerSegments{key.upper()}"] += len(segments.get(key, ()))
        for where, person in people:
            c["totalECOACodeZ"] += person.get("ecoaCode") == "Z"
            if person.get("socialSecurityNumber"):
                c[f"totalSocialNumbers{where}Segments"] += 1
                c["totalSocialNumbersAllSegments"] += 1
            if person.get("dateBirth"):
                c[f"totalDatesBirth{where}Segments"] += 1
                c["totalDatesBirthAllSegments"] += 1
            c["totalTelephoneNumbersAllSegments"] += bool(person.get("telephoneNumber"))
        for key, total in (("n1", "totalEmploymentSegments"),
                           ("k1", "totalOriginalCreditorSegments"),
                           ("k2", "totalPurchasedToSegments"),
                           ("k3", "totalMortgageInformationSegments"),
                           ("k4", "totalPaymentInformationSegments"),
                           ("l1", "totalChangeSegments")):
            c[total] += key in segments


def iter_records(accounts, *, packed: bool = False, blocked: bool = False, header=None,
                 trailer_overrides=None, segments_of=None):
    """Yield the file's bytes record by record; ``accounts`` may be a generator."""
    def frame(body: bytes) -> bytes:
        rdw = len(body) + 4
        if blocked:
            return _word(rdw + 4, packed) + _word(rdw, packed) + body
        return _word(rdw, packed) + body

    yield frame(_fields(HEADER[packed], header or header_values()))
    totals = Totals()
    count = 0
    for account in accounts:
        segments = segments_of(account) if segments_of else {}
        body = _fields(BASE[packed], account)
        for key, seg in segments.items():
            for one in (seg if isinstance(seg, list) else [seg]):
                body += _fields(SEGMENTS[key.upper()], {"segmentIdentifier": key.upper(), **one})
        totals.add(account, segments)
        count += 1
        yield frame(body)
    trailer = {"recordIdentifier": "TRAILER", **totals.c, "blockCount": count + 2}
    trailer.update(trailer_overrides or {})
    body = _fields(TRAILER[packed], trailer)
    yield _word(len(body) + 4, packed) + body  # the trailer carries no block word


def write(accounts, **kwargs) -> bytes:
    return b"".join(iter_records(accounts, **kwargs))


def write_file(path, count: int, *, start: int = 0, **kwargs) -> int:
    """Write ``count`` sample accounts to ``path``; returns its size."""
    size = 0
    with open(path, "wb") as out:
        for piece in iter_records((sample_account(i) for i in range(start, start + count)),
                                  **kwargs):
            out.write(piece)
            size += len(piece)
    return size


# ----------------------------------------------------------------------------- broken files

RECORD = {False: CHARACTER_RECORD, True: PACKED_RECORD}
DEFECTS = ("bad_date", "bad_amount", "short_record", "bad_rdw", "trailer_totals",
           "bad_status", "missing_rating", "bad_history", "bad_ecoa", "undersize_rdw")


def _patch(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def _offset(layout, name: str) -> int:
    pos = 0
    for field_name, _kind, width in layout:
        if field_name == name:
            return pos
        pos += width
    raise KeyError(name)


def broken(defect: str, *, records: int = 3) -> tuple[bytes, int, str]:
    """A character-format file with one defect, the record number and the field the
    reader must name."""
    accounts = [sample_account(i) for i in range(records)]
    last = records + 1  # the last base record's number (the header is 1)
    if defect == "bad_status":
        accounts[-1]["accountStatus"] = "99"
        return write(accounts), last, "accountStatus"
    if defect == "missing_rating":
        accounts[-1]["accountStatus"] = "13"
        return write(accounts), last, "paymentRating"
    if defect == "bad_history":
        accounts[-1]["paymentHistoryProfile"] = "0" * 23 + "Q"
        return write(accounts), last, "paymentHistoryProfile"
    if defect == "bad_ecoa":
        accounts[-1]["ecoaCode"] = "9"
        return write(accounts), last, "ecoaCode"
    if defect == "trailer_totals":
        return (write(accounts, trailer_overrides={"totalBaseRecords": records + 1}),
                records + 2, "totalBaseRecords")
    pieces = list(iter_records(accounts))
    base = pieces[-2]  # the last base record, with its RDW
    if defect == "bad_date":
        off = 4 + _offset(BASE[False], "dateOpened")
        pieces[-2] = _patch(base, off, b"13322023")
        return b"".join(pieces), last, "dateOpened"
    if defect == "bad_amount":
        off = 4 + _offset(BASE[False], "currentBalance")
        pieces[-2] = _patch(base, off, b"00001.5OO")
        return b"".join(pieces), last, "currentBalance"
    if defect == "short_record":
        # The last base record says 426 bytes but the file ends (no trailer) 100 bytes early.
        return b"".join(pieces[:-2]) + base[:-100], last, "recordDescriptorWord"
    if defect == "bad_rdw":
        pieces[-2] = b"04X6" + base[4:]
        return b"".join(pieces), last, "recordDescriptorWord"
    if defect == "undersize_rdw":
        # A word shorter than the record layout itself.
        pieces[-2] = b"0300" + base[4:]
        return b"".join(pieces), last, "recordDescriptorWord"
    raise ValueError(defect)

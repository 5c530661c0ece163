"""One import pipeline for debts: a CSV file, a Metro 2 file, or the one-debt form.

Each source yields ``(record number, raw record)``; ``normalize_*`` turns a raw
record into a ``Row`` (the Debt's fields, the subject's identifiers, and whether
it is a deletion) or a list of errors ``{record, field, value, code, params}``.
``services.run_import`` reads every record, checks it, stores the good ones in
batches inside one transaction and rolls everything back if any record was bad:
all or nothing per file. Errors keep a code and its parameters, never an
English sentence: ``error_text`` writes them in the reader's language.

CSV (UTF-8, a header row, comma or semicolon separated), columns:

=====================  =========================================================
subject_kind           ``person`` or ``company``
subject_id             IDNP (person, 13 digits) or IDNO (company, 13 digits)
subject_name           the debtor's name
account_number         the furnisher's account (loan, contract) number
debt_type              free text, e.g. "consumer loan" (optional)
opened_on ...          dates YYYY-MM-DD: opened_on, due_on, first_delinquency_on,
                       closed_on, last_payment_on (optional)
original_amount ...    amounts with a dot for decimals, at most 2 places:
                       original_amount, balance, past_due, charged_off
currency               ISO 4217 code (MDL, EUR, USD, RON ...)
status                 current, delinquent, charged_off, collection, paid, closed
payment_history        up to 24 Metro 2 history characters, newest first (optional)
consent_reference      the debtor's consent to the reporting (optional)
action                 empty, or ``delete`` to remove the account (a new version)
=====================  =========================================================
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from . import identifiers
from .metro2 import codes as m2codes
from .metro2.reader import REASONS as METRO2_REASONS
from .models import DebtStatus, SubjectKind

MAX_AMOUNT = Decimal("999999999999.99")
CURRENCIES = frozenset({"MDL", "EUR", "USD", "RON", "PLN", "BGN", "UAH", "GBP", "CHF"})
CSV_COLUMNS = ("subject_kind", "subject_id", "subject_name", "account_number", "debt_type",
               "opened_on", "due_on", "first_delinquency_on", "closed_on", "last_payment_on",
               "original_amount", "balance", "past_due", "charged_off", "currency", "status",
               "payment_history", "consent_reference", "action")
REQUIRED_COLUMNS = ("subject_kind", "subject_id", "subject_name", "account_number", "balance",
                    "currency", "status")
DATE_FIELDS = ("opened_on", "due_on", "first_delinquency_on", "closed_on", "last_payment_on")
AMOUNT_FIELDS = ("original_amount", "balance", "past_due", "charged_off")
# The Debt fields a record gives (stored as they are).
STORED = ("subject_kind", "subject_name", "debt_type", "opened_on", "due_on",
          "first_delinquency_on", "closed_on", "last_payment_on", "original_amount", "balance",
          "past_due", "charged_off", "currency", "status", "payment_history",
          "consent_reference")
# What a record's hash covers: a record equal in these to the current version adds nothing.
HASHED = ("subject_kind", "subject_name", "debt_type", *DATE_FIELDS, *AMOUNT_FIELDS, "currency",
          "status", "payment_history", "consent_reference")

REASONS = {
    **METRO2_REASONS,
    "csv_encoding": _("the file is not UTF-8 text: save it as CSV UTF-8"),
    "csv_not_text": _("the file holds binary data, not CSV text"),
    "csv_header": _("the header row lacks the columns: %(columns)s"),
    "csv_unknown": _("unknown columns: %(columns)s"),
    "csv_empty": _("the file has no records"),
    "csv_width": _("this line has %(got)s values, the header %(want)s"),
    "csv_line": _("this line cannot be read as CSV: %(detail)s"),
    "required": _("required, but empty"),
    "choice": _("not one of: %(choices)s"),
    "idnp": _("not a valid IDNP (13 digits with a correct check digit)"),
    "idno": _("not a valid IDNO (13 digits with a correct check digit)"),
    "date": _("not a date (YYYY-MM-DD)"),
    "amount": _("not an amount (digits, a dot, at most 2 decimals)"),
    "negative": _("an amount may not be negative"),
    "too_big": _("the amount is too large"),
    "currency": _("not a known currency code"),
    "history": _("payment history: up to 24 characters of 0-6, B, D, E, G, H, J, K, L"),
    "too_long_text": _("longer than %(max)s characters"),
    "closed_before_opened": _("closed before it was opened"),
    "past_due_above_balance": _("the past due amount exceeds the balance"),
    "ssn": _("no social security number: the debtor cannot be identified"),
    "quota": _("the subscription's quota of imported records is used up: %(detail)s"),
    "internal": _("the import failed on our side; nothing was imported"),
}


def error(record: int, field_name: str, value, code: str, **params) -> dict:
    text = "" if value is None else str(value)
    return {"record": record, "field": field_name, "value": text[:60], "code": code,
            "params": {k: (v if isinstance(v, int | str) else str(v)) for k, v in params.items()}}


def error_text(err: dict) -> str:
    """The error's reason in the active language."""
    template = REASONS.get(err.get("code"), REASONS["internal"])
    try:
        return str(template) % err["params"] if err.get("params") else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


# What an error's field is called on the page, for the names that are not a Debt field's
# (a Debt field reads its own verbose name; another Metro 2 name reads as words).
FIELD_LABELS = {
    "file": _("the file"),
    "header": _("header line"),
    "line": _("line"),
    "subject_id": _("IDNP or IDNO"),
    "action": _("action"),
    "trailer": _("trailer record"),
    "recordIdentifier": _("record identifier"),
    "recordDescriptorWord": _("record length"),
    "blockDescriptorWord": _("block length"),
    "segmentIdentifier": _("segment identifier"),
    "socialSecurityNumber": _("national ID number"),
}


def field_label(name: str) -> str:
    """The error's field as a person reads it: "block length", "J1 · ecoa code"."""
    from django.core.exceptions import FieldDoesNotExist

    from .models import Debt

    segment, _dot, last = (name or "").rpartition(".")
    if last in FIELD_LABELS:
        label = str(FIELD_LABELS[last])
    else:
        try:
            label = str(Debt._meta.get_field(last).verbose_name)
        except FieldDoesNotExist:
            label = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", last).lower()
    return f"{segment} · {label}" if segment else label


def printable(text: str) -> str:
    """``text`` with each control or unprintable character written as 0x01."""
    return "".join(c if c.isprintable() else f"0x{ord(c):02X}" for c in text or "")


def error_for_page(err: dict) -> dict:
    return {**error_for_api(err), "field_label": field_label(err["field"]),
            "value": printable(err["value"])}


def error_for_api(err: dict) -> dict:
    return {"record": err["record"], "field": err["field"], "value": err["value"],
            "message": error_text(err)}


@dataclass
class Row:
    """One checked record, ready to store."""

    number: int
    account_number: str
    fields: dict
    ids: list[tuple[str, str]] = field(default_factory=list)
    delete: bool = False
    record_hash: str = ""

    def seal(self) -> Row:
        parts = [self.account_number, "D" if self.delete else "U"]
        parts += [str(self.fields.get(name, "")) for name in HASHED]
        parts += [f"{k}:{v}" for k, v in sorted(self.ids)]
        self.record_hash = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        return self


# ----------------------------------------------------------------------------- text fields

def _amount(raw, record, name, errors):
    text = (raw or "").strip().replace(" ", "")
    if not text:
        return Decimal("0.00")
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(error(record, name, raw, "amount"))
        return None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        errors.append(error(record, name, raw, "amount"))
        return None
    if value < 0:
        errors.append(error(record, name, raw, "negative"))
        return None
    if value > MAX_AMOUNT:
        errors.append(error(record, name, raw, "too_big"))
        return None
    return value.quantize(Decimal("0.01"))


def _date(raw, record, name, errors):
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = parse_date(text)
    except ValueError:
        value = None
    if value is None:
        errors.append(error(record, name, raw, "date"))
    return value


def _text(raw, record, name, errors, max_length, required=False):
    text = " ".join((raw or "").split())
    if required and not text:
        errors.append(error(record, name, raw, "required"))
    elif len(text) > max_length:
        errors.append(error(record, name, raw, "too_long_text", max=max_length))
    return text


STATUS_CHOICES = [s for s in DebtStatus.values if s != DebtStatus.DELETED]


def normalize_text_record(record: int, data: dict) -> tuple[Row | None, list[dict]]:
    """A CSV line or the form's fields (all text) as a Row, or its errors."""
    errors: list[dict] = []
    kind = (data.get("subject_kind") or "").strip().lower()
    if kind not in SubjectKind.values:
        errors.append(error(record, "subject_kind", data.get("subject_kind"), "choice",
                            choices="person, company"))
    raw_id = data.get("subject_id") or ""
    ident = None
    if kind in SubjectKind.values:
        id_kind = "idnp" if kind == SubjectKind.PERSON else "idno"
        try:
            ident = (id_kind, identifiers.validate(id_kind, raw_id))
        except ValidationError:
            errors.append(error(record, "subject_id", raw_id, id_kind))
    fields = {
        "subject_kind": kind,
        "subject_name": _text(data.get("subject_name"), record, "subject_name", errors, 200,
                              required=True),
        "debt_type": _text(data.get("debt_type"), record, "debt_type", errors, 40),
        "consent_reference": _text(data.get("consent_reference"), record, "consent_reference",
                                   errors, 100),
    }
    account = _text(data.get("account_number"), record, "account_number", errors, 30,
                    required=True)
    for name in DATE_FIELDS:
        fields[name] = _date(data.get(name), record, name, errors)
    for name in AMOUNT_FIELDS:
        fields[name] = _amount(data.get(name), record, name, errors)
    currency = (data.get("currency") or "").strip().upper()
    if currency not in CURRENCIES:
        errors.append(error(record, "currency", data.get("currency"), "currency"))
    fields["currency"] = currency
    status = (data.get("status") or "").strip().lower()
    action = (data.get("action") or "").strip().lower()
    delete = action == "delete"
    if action not in ("", "delete"):
        errors.append(error(record, "action", data.get("action"), "choice", choices="delete"))
    if not delete and status not in STATUS_CHOICES:
        errors.append(error(record, "status", data.get("status"), "choice",
                            choices=", ".join(STATUS_CHOICES)))
    fields["status"] = DebtStatus.DELETED if delete else status
    history = (data.get("payment_history") or "").strip().upper()
    if len(history) > 24 or not set(history) <= m2codes.PAYMENT_HISTORY:
        errors.append(error(record, "payment_history", data.get("payment_history"), "history"))
    fields["payment_history"] = history
    if (fields.get("opened_on") and fields.get("closed_on")
            and fields["closed_on"] < fields["opened_on"]):
        errors.append(error(record, "closed_on", data.get("closed_on"), "closed_before_opened"))
    if (fields.get("past_due") is not None and fields.get("balance") is not None
            and fields["past_due"] > fields["balance"]):
        errors.append(error(record, "past_due", data.get("past_due"), "past_due_above_balance"))
    if errors:
        return None, errors
    return Row(record, account, fields, [ident] if ident else [], delete).seal(), []


# ----------------------------------------------------------------------------- CSV

def sniff_csv(head: bytes) -> str | None:
    """Why ``head`` (a file's first bytes) is no CSV text, or None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv_encoding"  # UTF-16
    if b"\x00" in head:
        return "csv_not_text"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            return "csv_encoding"
    return None


class FileRefused(Exception):
    """The whole file is refused (not one record): the error names record 1 or a line."""

    def __init__(self, err: dict):
        super().__init__(err["code"])
        self.error = err


def csv_records(stream, *, max_bytes: int):
    """``(line number, {column: text})`` for each data line of a CSV byte stream."""
    counted = _Counted(stream, max_bytes)
    text = io.TextIOWrapper(counted, encoding="utf-8-sig", newline="")
    line = 1
    try:
        first = text.readline()
        if "\x00" in first:
            raise FileRefused(error(1, "file", "", "csv_not_text"))
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise FileRefused(error(1, "header", first.strip()[:60], "csv_header",
                                    columns=", ".join(missing)))
        unknown = [c for c in header if c and c not in CSV_COLUMNS]
        if unknown:
            raise FileRefused(error(1, "header", first.strip()[:60], "csv_unknown",
                                    columns=", ".join(unknown)))
        reader = csv.reader(text, delimiter=delimiter)
        any_line = False
        for values in reader:
            line = reader.line_num + 1
            if not values or all(not v.strip() for v in values):
                continue
            if any("\x00" in v for v in values):
                raise FileRefused(error(line, "file", "", "csv_not_text"))
            any_line = True
            if len(values) != len(header):
                yield line, None, [error(line, "line", ",".join(values)[:60], "csv_width",
                                         got=len(values), want=len(header))]
                continue
            yield line, dict(zip(header, values, strict=True)), []
        if not any_line:
            raise FileRefused(error(2, "file", "", "csv_empty"))
    except UnicodeDecodeError:
        raise FileRefused(error(line + 1, "file", "", "csv_encoding")) from None
    except csv.Error as exc:
        raise FileRefused(error(line + 1, "line", "", "csv_line", detail=str(exc))) from None


class _Counted(io.RawIOBase):
    """A byte stream that refuses to give more than ``max_bytes``."""

    def __init__(self, stream, max_bytes: int):
        self.stream = stream
        self.max_bytes = max_bytes
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.stream.read(len(buffer))
        self.count += len(data)
        if self.count > self.max_bytes:
            raise FileRefused(error(0, "file", f"{self.count} bytes", "too_large",
                                    limit=self.max_bytes))
        buffer[:len(data)] = data
        return len(data)


# ----------------------------------------------------------------------------- Metro 2

# Metro 2 account status -> the debt's status here.
METRO2_STATUS = {
    "11": DebtStatus.CURRENT,
    "71": DebtStatus.DELINQUENT, "78": DebtStatus.DELINQUENT, "80": DebtStatus.DELINQUENT,
    "82": DebtStatus.DELINQUENT, "83": DebtStatus.DELINQUENT, "84": DebtStatus.DELINQUENT,
    "93": DebtStatus.COLLECTION,
    "64": DebtStatus.CHARGED_OFF, "97": DebtStatus.CHARGED_OFF, "96": DebtStatus.CHARGED_OFF,
    "13": DebtStatus.PAID, "61": DebtStatus.PAID, "62": DebtStatus.PAID,
    "63": DebtStatus.PAID, "65": DebtStatus.PAID,
    "05": DebtStatus.CLOSED, "88": DebtStatus.CLOSED, "89": DebtStatus.CLOSED,
    "94": DebtStatus.CLOSED, "95": DebtStatus.CLOSED,
}
DELETE_STATUSES = frozenset({"DA", "DF"})
CENT = Decimal("0.01")


def _whole(value: int) -> Decimal:
    return Decimal(value).quantize(CENT)


def normalize_metro2(record, currency: str) -> tuple[Row | None, list[dict]]:
    """A Metro 2 base record (``reader.Record``) as a Row. Amounts are whole units."""
    f = record.fields
    number = record.number
    ssn = f["socialSecurityNumber"]
    ids = [("ssn", f"{ssn:09d}")] if ssn else []
    status = f["accountStatus"]
    delete = status in DELETE_STATUSES
    if not ids and not delete:
        return None, [error(number, "socialSecurityNumber", "", "ssn")]
    k4 = record.segments.get("k4") or {}
    name = " ".join(p for p in (f["surname"], f["firstName"], f["middleName"]) if p)
    fields = {
        "subject_kind": "company" if f["ecoaCode"] == "W" else "person",
        "subject_name": name[:200],
        "debt_type": f"{f['portfolioType']}{f['accountType']}",
        "opened_on": f["dateOpened"],
        "due_on": k4.get("balloonPaymentDueDate"),
        "first_delinquency_on": f["dateFirstDelinquency"],
        "closed_on": f["dateClosed"],
        "last_payment_on": f["dateLastPayment"],
        "original_amount": _whole(f["highestCredit"] or f["creditLimit"]),
        "balance": _whole(f["currentBalance"]),
        "past_due": _whole(f["amountPastDue"]),
        "charged_off": _whole(f["originalChargeOffAmount"]),
        "currency": currency,
        "status": DebtStatus.DELETED if delete else METRO2_STATUS[status],
        "payment_history": f["paymentHistoryProfile"],
        "consent_reference": "",
    }
    return Row(number, f["consumerAccountNumber"], fields, ids, delete).seal(), []

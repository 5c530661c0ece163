"""Importing financial documents from CSV or XLSX, all or nothing.

One row is one document (its totals, no lines). Columns (header names, any order):

    client_code | registration_number  one of them names the organization
    kind        invoice, credit_note, debit_note, tax_invoice (default invoice)
    number, issue_date, due_date (YYYY-MM-DD or DD.MM.YYYY), currency
    net, vat, total                      total must equal net + vat
    related_number                       optional: the invoice a note corrects
    notes                                optional

A batch is refused whole if any row is bad; the report names each bad line and
field. The file's SHA-256 is kept: the same file again creates nothing. A row
whose number already exists with the same organization and amounts is counted
as already present (so a corrected file that repeats earlier rows is harmless);
with other values it is a duplicate number.

Amounts have at most 12 digits before the decimal point and two after it. A
file is at most ``IMPORT_MAX_BYTES`` (10 MB unless set) and is read row by row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from apps.client_portal.core import audit, dbretry, events
from apps.client_portal.core.context import current_request
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import Organization

from . import services
from .models import Currency, FinancialDocument, ImportBatch, money

REQUIRED = ["number", "issue_date", "due_date", "currency", "net", "vat", "total"]
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_ROWS = 50_000
# The amount columns hold 14 digits, two of them decimals.
MAX_INTEGER_DIGITS = 12
CHUNK = 64 * 1024
# How long an import waits for the database after losing its connection (a restart),
# then runs again from the start; in a web request, less (gunicorn's --timeout is 30 s).
RETRY_FOR = 60.0
RETRY_FOR_IN_REQUEST = 10.0


def max_bytes() -> int:
    """The largest file accepted; ``IMPORT_MAX_BYTES``, 10 MB unless set."""
    return getattr(settings, "IMPORT_MAX_BYTES", 10 * 1024 * 1024)


def too_large_message() -> str:
    return _("The file is larger than %(size)s. Split it into smaller files.") % {
        "size": filesizeformat(max_bytes())}


@dataclass
class ImportResult:
    batch: ImportBatch | None
    errors: list[dict] = field(default_factory=list)
    created: int = 0
    skipped: int = 0
    already_imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _error(line, field_name, code, message) -> dict:
    return {"line": line, "field": field_name, "code": code, "message": str(message)}


def _short(value) -> str:
    """A cell's value as a message quotes it: at most 40 characters."""
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "..."


def read_rows(file, name: str) -> tuple[list, list[dict]]:
    """Rows ``(line number, {column: text})`` of a CSV or XLSX file, and line errors.

    ``file`` is a binary file object, read row by row; line 1 is the header.
    Raises ``Refused`` when the file as a whole cannot be read.
    """
    values = _xlsx_values(file) if name.lower().endswith(".xlsx") else _csv_values(file)
    with closing(values):
        return _rows(values)


def _xlsx_values(file):
    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise Refused(_("The XLSX file cannot be read."), code="invalid") from exc
    try:
        rows = book.active.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # openpyxl fails on a cell it cannot convert
                raise _LineError(_("This line cannot be read: a cell holds a value that is "
                                   "not valid (such as NaN in a number cell). Nothing after "
                                   "it was read.")) from exc
            yield values
    finally:
        book.close()


class _Lines:
    """The text lines of a CSV file; remembers the last one for the report."""

    def __init__(self, text):
        self.text = text
        self.last = ""

    def __iter__(self):
        for line in self.text:
            self.last = line
            yield line


def _csv_values(file):
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    try:
        try:
            sample = text.read(4096)
            text.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            lines = _Lines(text)
            reader = csv.reader(lines, dialect)
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise _LineError(_(
                        "This line cannot be read: a field longer than %(n)d characters, or "
                        "a quote that is not closed. Nothing after it was read.")
                        % {"n": csv.field_size_limit()}, lines.last, dialect.delimiter) from exc
                yield values
        except UnicodeDecodeError as exc:
            raise Refused(_("The CSV file is not UTF-8 text."), code="invalid") from exc
    finally:
        text.detach()  # the caller's file stays open


class _LineError(Exception):
    """A line the reader cannot take (a CSV field over csv's limit, a cell openpyxl cannot
    convert); ``raw`` is the CSV line, to find the column."""

    def __init__(self, message, raw="", delimiter=","):
        super().__init__(message)
        self.message, self.raw, self.delimiter = message, raw, delimiter


def _rows(values) -> tuple[list, list[dict]]:
    try:
        first = next(values, None)
    except _LineError as exc:
        raise Refused(_("The header line cannot be read."), code="invalid") from exc
    if first is None or all(v in (None, "") for v in first):
        raise Refused(_("The file is empty."), code="invalid")
    header = [str(h or "").strip().lower() for h in first]
    missing = [c for c in REQUIRED if c not in header]
    if "client_code" not in header and "registration_number" not in header:
        missing.append("client_code")
    if missing:
        raise Refused(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)},
                      code="invalid")
    rows, errors, line = [], [], 1
    try:
        for line, row in enumerate(values, start=2):
            if row is None or all(v in (None, "") for v in row):
                continue
            if len(rows) == MAX_ROWS:
                raise Refused(_("At most %(n)d rows per file.") % {"n": MAX_ROWS},
                              code="too_large")
            rows.append((line, {h: _text(v) for h, v in zip(header, row, strict=False) if h}))
    except _LineError as exc:
        # What follows a line the reader could not take cannot be trusted: stop there.
        errors.append(_error(line + 1, _long_column(exc.raw, exc.delimiter, header),
                             "unreadable", exc.message))
    return rows, errors


def _long_column(raw, delimiter, header) -> str:
    """The column of the first field longer than csv's limit on ``raw``, if it shows."""
    limit = csv.field_size_limit()
    for position, part in enumerate(raw.split(delimiter)):
        if len(part) > limit:
            return header[position] if position < len(header) else ""
    return ""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _date(text):
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_amount(text: str) -> Decimal:
    """An amount of the file: not negative, at most 12 digits before the point and two after.

    Raises ``Refused`` (code ``bad_amount`` or ``too_large``) with the reason.
    """
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        raise Refused(_("Not an amount: %(value)r.") % {"value": _short(text)},
                      code="bad_amount") from None
    if not value.is_finite():
        raise Refused(_("Not a finite amount: %(value)r.") % {"value": _short(text)},
                      code="bad_amount")
    if value and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise Refused(_("%(value)r is too large: at most %(n)d digits before the decimal "
                        "point.") % {"value": _short(text), "n": MAX_INTEGER_DIGITS},
                      code="too_large")
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise Refused(_("Not an amount with at most two decimals: %(value)r.")
                      % {"value": _short(text)}, code="bad_amount")
    return money(value)


def _organizations(rows):
    codes = {r.get("client_code") for _, r in rows if r.get("client_code")}
    regs = {r.get("registration_number") for _, r in rows if r.get("registration_number")}
    found = Organization.objects.filter(Q(client_code__in=codes) | Q(registration_number__in=regs))
    by_code = {o.client_code: o for o in found if o.client_code}
    by_reg = {}
    for org in found:
        if org.registration_number:
            by_reg.setdefault(org.registration_number, []).append(org)
    return by_code, by_reg


def validate_rows(rows) -> tuple[list[dict], list[dict]]:
    """(documents to create, errors); an error is {line, field, code, message}."""
    errors, parsed = [], []

    def bad(line, field_name, code, message):
        errors.append({"line": line, "field": field_name, "code": code, "message": str(message)})

    by_code, by_reg = _organizations(rows)
    kinds = set(FinancialDocument.Kind.values)
    currencies = set(Currency.values)
    seen = {}
    for line, row in rows:
        before = len(errors)
        org = None
        if row.get("client_code"):
            org = by_code.get(row["client_code"])
            if org is None:
                bad(line, "client_code", "unknown_organization",
                    _("No organization has client code %(code)s.")
                    % {"code": _short(row["client_code"])})
        elif row.get("registration_number"):
            matches = by_reg.get(row["registration_number"], [])
            if len(matches) == 1:
                org = matches[0]
            else:
                bad(line, "registration_number", "unknown_organization",
                    _("No single organization has registration number %(n)s.")
                    % {"n": _short(row["registration_number"])})
        else:
            bad(line, "client_code", "required", _("Name the organization by client code or "
                                                   "registration number."))
        kind = row.get("kind") or FinancialDocument.Kind.INVOICE
        if kind not in kinds:
            bad(line, "kind", "invalid", _("Unknown document type %(kind)s.")
                % {"kind": _short(kind)})
        number = row.get("number", "")
        if not number or len(number) > 40:
            bad(line, "number", "required", _("A number of 1 to 40 characters is required."))
        elif (kind, number) in seen:
            bad(line, "number", "duplicate",
                _("Number %(number)s appears twice in the file (also line %(other)d).")
                % {"number": number, "other": seen[(kind, number)]})
        else:
            seen[(kind, number)] = line
        dates = {}
        for name in ("issue_date", "due_date"):
            dates[name] = _date(row.get(name, ""))
            if dates[name] is None:
                bad(line, name, "bad_date", _("Not a date: %(value)r.")
                    % {"value": _short(row.get(name, ""))})
            elif not FIRST_YEAR <= dates[name].year <= LAST_YEAR:
                bad(line, name, "bad_date", _("The date %(value)s is not between the years "
                                              "%(first)d and %(last)d.")
                    % {"value": dates[name], "first": FIRST_YEAR, "last": LAST_YEAR})
                dates[name] = None
        if dates["issue_date"] and dates["due_date"] and dates["due_date"] < dates["issue_date"]:
            bad(line, "due_date", "bad_date", _("The due date is before the issue date."))
        currency = (row.get("currency") or "").upper()
        if currency not in currencies:
            bad(line, "currency", "invalid", _("Unknown currency %(value)r.")
                % {"value": _short(currency)})
        amounts = {}
        for name in ("net", "vat", "total"):
            try:
                amounts[name] = parse_amount(row.get(name, ""))
            except Refused as exc:
                amounts[name] = None
                bad(line, name, exc.code, exc.message)
        if None not in amounts.values() and amounts["net"] + amounts["vat"] != amounts["total"]:
            bad(line, "total", "wrong_total",
                _("Total %(total)s is not net plus VAT (%(expected)s).")
                % {"total": amounts["total"], "expected": amounts["net"] + amounts["vat"]})
        if len(errors) == before:
            parsed.append({
                "line": line, "organization": org, "kind": kind, "number": number,
                "issue_date": dates["issue_date"], "due_date": dates["due_date"],
                "currency": currency, "related_number": row.get("related_number", ""),
                "notes": row.get("notes", "")[:2000], **amounts,
            })
    return parsed, errors


def _existing(parsed):
    numbers = {p["number"] for p in parsed}
    return {(d.kind, d.number): d for d in FinancialDocument.objects.filter(number__in=numbers)}


def _size(file) -> int:
    size = getattr(file, "size", None)  # an upload knows it
    if size is None:
        size = file.seek(0, io.SEEK_END)
    file.seek(0)
    return size


def _sha256(file) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(CHUNK), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def import_documents(source, name: str, *, by=None, publish=False,
                     retry_for: float | None = None) -> ImportResult:
    """Import a file of documents; nothing is written unless every row is good.

    ``source`` is the file's bytes or a binary file object (an upload, an open
    file); a file object is read in chunks and row by row, never whole.

    A database restart in the middle of an import breaks its connection and the
    server rolls the import's transaction back. The import is then run again
    from the start once the database answers, for up to ``retry_for`` seconds
    (``RETRY_FOR_IN_REQUEST`` in a web request, which a gunicorn time-out bounds,
    ``RETRY_FOR`` elsewhere); if the connection broke at the very commit, the
    second run finds the file imported (by its SHA-256) and creates nothing. If
    the database does not come back in time, ``dbretry.DatabaseUnavailable`` is
    raised and nothing of the file was written.
    """
    file = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    if retry_for is None:
        retry_for = RETRY_FOR_IN_REQUEST if current_request.get() is not None else RETRY_FOR
    result, created = dbretry.run_with_reconnect(
        _import_once, file, name, by=by, publish=publish, within=retry_for,
        what=f"the import of {name}")
    # Publishing is not retried with the import: the documents exist by now.
    if publish:
        for doc in created:
            services.publish_document(doc, by=by)
    return result


def _import_once(file, name: str, *, by, publish) -> tuple[ImportResult, list]:
    """One attempt at the import: (its result, the documents it created)."""
    if _size(file) > max_bytes():
        return _refuse(name, "", 0, [_error(0, "", "too_large", too_large_message())], by), []
    digest = _sha256(file)
    done = ImportBatch.objects.filter(sha256=digest, status=ImportBatch.Status.IMPORTED).first()
    if done is not None:
        audit.record("billing.import.repeat", obj=done, actor=by,
                     changes={"file": name, "sha256": digest})
        return ImportResult(batch=done, already_imported=True), []
    try:
        rows, line_errors = read_rows(file, name)
    except Refused as exc:
        return _refuse(name, digest, 0, [_error(0, "", exc.code, exc.message)], by), []
    parsed, errors = validate_rows(rows)
    errors += line_errors
    existing = _existing(parsed)
    to_create, skipped = [], 0
    for item in parsed:
        found = existing.get((item["kind"], item["number"]))
        if found is None:
            to_create.append(item)
        elif (found.organization_id == item["organization"].pk
              and found.total == item["total"] and found.currency == item["currency"]
              and found.issue_date == item["issue_date"]):
            skipped += 1
        else:
            errors.append({"line": item["line"], "field": "number", "code": "duplicate",
                           "message": _("Number %(number)s is already used by another "
                                        "document.") % {"number": item["number"]}})
    related = _related(to_create, existing, errors)
    if errors:
        return _refuse(name, digest, len(rows), sorted(errors, key=lambda e: e["line"]), by), []
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            file_name=name[:200], sha256=digest, status=ImportBatch.Status.IMPORTED,
            rows=len(rows), skipped=skipped, created_by=by, publish=publish,
        )
        created = []
        for item in to_create:
            created.append(services.create_document(
                organization=item["organization"], kind=item["kind"], number=item["number"],
                issue_date=item["issue_date"], due_date=item["due_date"],
                currency=item["currency"], net=item["net"], vat=item["vat"],
                total=item["total"], related=related.get(item["line"]), notes=item["notes"],
                by=by, import_batch=batch,
            ))
        batch.created = len(created)
        batch.save(update_fields=["created"])
        audit.record("billing.import", obj=batch, actor=by,
                     changes={"file": name, "sha256": digest, "rows": len(rows),
                              "created": len(created), "skipped": skipped})
        # The provider's own event: a file spans organizations.
        events.emit(services.IMPORT_DONE, data={
            "file": name, "sha256": digest, "rows": len(rows), "created": len(created),
            "skipped": skipped})
    return ImportResult(batch=batch, created=len(created), skipped=skipped), created


def _related(to_create, existing, errors):
    """{line: invoice} for notes naming the invoice they correct."""
    result = {}
    for item in to_create:
        number = item["related_number"]
        if not number:
            continue
        target = existing.get((FinancialDocument.Kind.INVOICE, number)) or \
            existing.get((FinancialDocument.Kind.TAX_INVOICE, number))
        if target is None:
            target = FinancialDocument.objects.filter(
                number=number, kind__in=[FinancialDocument.Kind.INVOICE,
                                         FinancialDocument.Kind.TAX_INVOICE]).first()
        if target is None or target.organization_id != item["organization"].pk:
            errors.append({"line": item["line"], "field": "related_number", "code": "unknown",
                           "message": _("No invoice %(number)s of this organization.")
                           % {"number": number}})
        else:
            result[item["line"]] = target
    return result


def _refuse(name, digest, rows, errors, by) -> ImportResult:
    batch = ImportBatch.objects.create(
        file_name=name[:200], sha256=digest, status=ImportBatch.Status.REFUSED, rows=rows,
        report=errors, created_by=by,
    )
    audit.record("billing.import.refused", obj=batch, actor=by,
                 changes={"file": name, "sha256": digest, "errors": len(errors)})
    return ImportResult(batch=batch, errors=errors)

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
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.client_portal.core import audit
from apps.client_portal.core.models import Organization

from . import services
from .models import Currency, FinancialDocument, ImportBatch, money

REQUIRED = ["number", "issue_date", "due_date", "currency", "net", "vat", "total"]
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
MAX_ROWS = 50_000


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


class ImportFileError(ValueError):
    pass


def read_rows(data: bytes, name: str) -> list[dict]:
    """(line number, {column: text}) rows of a CSV or XLSX file; line 1 is the header."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportFileError(_("The XLSX file cannot be read.")) from exc
        values = list(sheet.iter_rows(values_only=True))
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The CSV file is not UTF-8 text.")) from exc
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        values = list(csv.reader(io.StringIO(text), dialect))
    if not values:
        raise ImportFileError(_("The file is empty."))
    header = [str(h or "").strip().lower() for h in values[0]]
    missing = [c for c in REQUIRED if c not in header]
    if "client_code" not in header and "registration_number" not in header:
        missing.append("client_code")
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    rows = []
    for index, row in enumerate(values[1:], start=2):
        if row is None or all(v in (None, "") for v in row):
            continue
        rows.append((index, {h: _text(v) for h, v in zip(header, row, strict=False) if h}))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
    return rows


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


def _amount(text):
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
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
                    _("No organization has client code %(code)s.") % {"code": row["client_code"]})
        elif row.get("registration_number"):
            matches = by_reg.get(row["registration_number"], [])
            if len(matches) == 1:
                org = matches[0]
            else:
                bad(line, "registration_number", "unknown_organization",
                    _("No single organization has registration number %(n)s.")
                    % {"n": row["registration_number"]})
        else:
            bad(line, "client_code", "required", _("Name the organization by client code or "
                                                   "registration number."))
        kind = row.get("kind") or FinancialDocument.Kind.INVOICE
        if kind not in kinds:
            bad(line, "kind", "invalid", _("Unknown document type %(kind)s.") % {"kind": kind})
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
                bad(line, name, "bad_date", _("Not a date: %(value)r.") % {"value": row.get(name)})
        if dates["issue_date"] and dates["due_date"] and dates["due_date"] < dates["issue_date"]:
            bad(line, "due_date", "bad_date", _("The due date is before the issue date."))
        currency = (row.get("currency") or "").upper()
        if currency not in currencies:
            bad(line, "currency", "invalid", _("Unknown currency %(value)r.") % {"value": currency})
        amounts = {}
        for name in ("net", "vat", "total"):
            amounts[name] = _amount(row.get(name, ""))
            if amounts[name] is None:
                bad(line, name, "bad_amount",
                    _("Not an amount with at most two decimals: %(value)r.")
                    % {"value": row.get(name)})
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


def import_documents(data: bytes, name: str, *, by=None, publish=False) -> ImportResult:
    """Import a file of documents; nothing is written unless every row is good."""
    digest = hashlib.sha256(data).hexdigest()
    done = ImportBatch.objects.filter(sha256=digest, status=ImportBatch.Status.IMPORTED).first()
    if done is not None:
        audit.record("billing.import.repeat", obj=done, actor=by,
                     changes={"file": name, "sha256": digest})
        return ImportResult(batch=done, already_imported=True)
    try:
        rows = read_rows(data, name)
    except ImportFileError as exc:
        errors = [{"line": 0, "field": "", "code": "file", "message": str(exc)}]
        return _refuse(name, digest, 0, errors, by)
    parsed, errors = validate_rows(rows)
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
        return _refuse(name, digest, len(rows), sorted(errors, key=lambda e: e["line"]), by)
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
    if publish:
        for doc in created:
            services.publish_document(doc, by=by)
    return ImportResult(batch=batch, created=len(created), skipped=skipped)


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

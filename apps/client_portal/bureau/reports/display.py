"""A report's stored content (codes, ISO dates, amounts as strings) as the reader reads it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from apps.client_portal.bureau.metro2 import codes as m2codes
from apps.client_portal.bureau.models import DebtStatus
from apps.client_portal.core.display import format_money

from . import scoring
from .models import CreditReport, Purpose, RegistryLookup, SubjectKind

EVENTS = {
    "delinquency": _("Payment past due"),
    "charged_off": _("Debt charged off"),
    "collection": _("Debt in collection"),
}
HISTORY = {"0": _("on time"), "B": _("no history"), "D": _("no data"), "E": _("zero balance"),
           "1": _("30 days late"), "2": _("60 days late"), "3": _("90 days late"),
           "4": _("120 days late"), "5": _("150 days late"), "6": _("180 days or more late"),
           "G": _("collection"), "H": _("foreclosure"), "J": _("voluntary surrender"),
           "K": _("repossession"), "L": _("charge-off")}


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def order_kind_label(code: str):
    model, _sep, kind = code.partition(":")
    if model == "registrylookup":
        return _label(RegistryLookup.Kind, kind)
    return _label(CreditReport.Kind, kind)


def _day(value):
    return dt.date.fromisoformat(value) if value else None


def _money(value, currency):
    return format_money(Decimal(value), currency) if value is not None else ""


def history_cells(history: str) -> list[dict]:
    """The payment history, the latest month first, each month with its meaning."""
    cells = []
    for char in history or "":
        days = scoring.DAYS_LATE.get(char)
        tone = "bad" if char in scoring.SEVERE or (days and days >= 90) else (
            "late" if days else "ok")
        cells.append({"char": char, "title": HISTORY.get(char, char), "tone": tone})
    return cells


def describe(content: dict) -> dict:
    subject = content.get("subject", {})
    accounts = []
    for row in content.get("accounts", []):
        currency = row["currency"]
        accounts.append({
            **row,
            "status_label": _label(DebtStatus, row["status"]),
            "opened": _day(row["opened_on"]), "due": _day(row["due_on"]),
            "first_delinquency": _day(row["first_delinquency_on"]),
            "closed": _day(row["closed_on"]), "last_payment": _day(row["last_payment_on"]),
            "original_text": _money(row["original_amount"], currency),
            "balance_text": _money(row["balance"], currency),
            "past_due_text": _money(row["past_due"], currency),
            "charged_off_text": _money(row["charged_off"], currency),
            "history": history_cells(row["payment_history"]),
            "history_legend": list({c["char"]: c for c in history_cells(
                row["payment_history"])}.values()),
            "debt_type": m2codes.debt_type_label(row.get("debt_type", "")),
            "negative": row["status"] in ("delinquent", "charged_off", "collection")
            or Decimal(row["past_due"]) > 0,
        })
    events = [{**e, "label": EVENTS.get(e["event"], e["event"]), "day": _day(e["date"]),
               "amount_text": _money(e["amount"], e["currency"])}
              for e in content.get("negative_events", [])]
    asked = [{**i, "when": parse_datetime(i["on"]), "purpose_label": _label(Purpose, i["purpose"]),
              "kind_label": order_kind_label(i["kind"])}
             for i in content.get("asked", content.get("inquiries", []))]
    return {
        "subject": subject,
        "subject_kind_label": _label(SubjectKind, subject.get("kind", "person")),
        "as_of": _day(content.get("as_of")),
        "summary": content.get("summary", {}),
        "accounts": accounts,
        "events": events,
        "asked": asked,
        "score": scoring.Score.from_dict(content.get("score", {})),
        "score_statement": scoring.STATEMENT,
    }


LOOKUP_LABELS = {
    "population": [("LastName", _("Last name")), ("FirstName", _("First name")),
                   ("BirthDate", _("Date of birth")), ("Status", _("Status")),
                   ("DocumentNumber", _("Identity document")),
                   ("DocumentValidTo", _("Document valid until")), ("Address", _("Address"))],
    "company": [("name", _("Name")), ("legal_form", _("Legal form")),
                ("registered_on", _("Registered on")), ("status", _("Status")),
                ("address", _("Address")), ("administrators", _("Administrators")),
                ("activities", _("Activities (CAEM codes)"))],
    "tax": [("name", _("Name")), ("status", _("Status")), ("vat_payer", _("VAT payer")),
            ("arrears", _("Tax arrears")), ("last_declaration_on", _("Last declaration"))],
}
STATUS_WORDS = {"alive": _("Living"), "deceased": _("Deceased"), "active": _("Active"),
                "liquidated": _("Liquidated"), "suspended": _("Suspended")}


def _lookup_value(key, value, result):
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if key == "arrears" and value is not None:
        return format_money(Decimal(value), result.get("currency", ""))
    if key in ("BirthDate", "DocumentValidTo", "registered_on", "last_declaration_on") and value:
        from apps.client_portal.core.display import format_value

        return format_value(dt.date.fromisoformat(value))
    if key in ("Status", "status"):
        return STATUS_WORDS.get(value, value)
    return value


def lookup_rows(lookup) -> list[tuple]:
    result = lookup.result or {}
    return [(label, _lookup_value(key, result.get(key), result))
            for key, label in LOOKUP_LABELS.get(lookup.kind, []) if key in result]

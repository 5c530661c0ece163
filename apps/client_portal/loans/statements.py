"""Bank statement import: repayments found by the loan number in the transfer's reference.

CSV (``date,amount,reference,transaction_id`` with a header row; dates ISO, amounts with a
dot) or MT940 (through the ``mt-940`` package). All or nothing per file: every line is
read and checked first; if any line fails, nothing is recorded, and the report says what
each line did or why it failed. A transaction seen before (same id) is skipped, not
recorded twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from apps.client_portal.core import audit
from apps.client_portal.core.errors import Refused

from . import services
from .models import Loan, Repayment

MAX_BYTES = 5 * 1024 * 1024


@dataclass
class Line:
    number: int
    date: dt.date | None = None
    amount: Decimal | None = None
    reference: str = ""
    transaction_id: str = ""
    loan: Loan | None = None
    outcome: str = ""
    error: str = ""


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    recorded: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not any(line.error for line in self.lines)


def _read_csv(text: str) -> list[Line]:
    rows = list(csv.reader(io.StringIO(text)))
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        line = Line(number)
        if len(row) < 4:
            line.error = _("Expected 4 columns: date, amount, reference, transaction id.")
        else:
            try:
                line.date = dt.date.fromisoformat(row[0].strip())
            except ValueError:
                line.error = _("The date is not a date (YYYY-MM-DD).")
            try:
                line.amount = Decimal(row[1].strip())
            except InvalidOperation:
                line.error = line.error or _("The amount is not a number.")
            line.reference, line.transaction_id = row[2].strip(), row[3].strip()
        lines.append(line)
    return lines


def _read_mt940(text: str) -> list[Line]:
    import mt940

    transactions = mt940.models.Transactions()
    transactions.parse(text)
    lines = []
    for number, tx in enumerate(transactions, start=1):
        data = tx.data
        details = " ".join(str(data.get(key) or "") for key in (
            "transaction_details", "customer_reference", "extra_details"))
        amount, day = data.get("amount"), data.get("date")
        line = Line(number, date=dt.date(day.year, day.month, day.day) if day else None,
                    amount=Decimal(amount.amount) if amount is not None else None,
                    reference=details.strip(),
                    transaction_id=str(data.get("bank_reference") or data.get("customer_reference")
                                       or ""))
        if data.get("status") not in ("C", "RD"):
            line.error = _("A debit, not a repayment.")
        lines.append(line)
    return lines


class Ambiguous(Exception):
    """The number in the reference is a loan number in more than one organization."""


def _find_loan(reference: str, loans: dict[str, list[Loan]]) -> Loan | None:
    """The one loan whose number the reference carries, or None.

    Numbers are unique within an organization only, so a number shared by loans of
    several organizations names none of them: ``Ambiguous``, never a guess (the money
    would land on another client's loan).
    """
    found = {number for number in loans if re.search(rf"(?<![\w-]){re.escape(number)}(?![\w-])",
                                                   reference)}
    if len(found) != 1:
        return None
    candidates = loans[found.pop()]
    if len(candidates) > 1:
        raise Ambiguous
    return candidates[0]


def import_statement(upload, *, by=None, request=None) -> Report:
    data = upload.read(MAX_BYTES + 1)
    report = Report()
    if len(data) > MAX_BYTES:
        report.lines.append(Line(0, error=_("The file is larger than 5 MB.")))
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    is_mt940 = text.lstrip().startswith(":20:") or "\n:61:" in text
    try:
        report.lines = _read_mt940(text) if is_mt940 else _read_csv(text)
    except Exception as exc:  # the parser's own error: the file is not a statement
        report.lines = [Line(0, error=_("The file could not be read: %(reason)s")
                             % {"reason": str(exc)[:200]})]
        return report
    if not report.lines:
        report.lines.append(Line(0, error=_("The file holds no transactions.")))
        return report
    loans: dict[str, list[Loan]] = {}
    for loan in Loan.objects.filter(
            status__in=[Loan.Status.ACTIVE, Loan.Status.TERMINATED]).select_related("product"):
        loans.setdefault(loan.number, []).append(loan)
    for line in report.lines:
        if line.error:
            continue
        if line.amount is None or line.amount <= 0 or line.amount != line.amount.quantize(
                Decimal("0.01")):
            line.error = _("The amount must be above zero, in whole cents.")
            continue
        try:
            line.loan = _find_loan(line.reference, loans)
        except Ambiguous:
            line.error = _("This loan number is used by more than one organization: "
                           "record this repayment by hand on the right loan.")
            continue
        if line.loan is None:
            line.error = _("No single active loan number in the reference.")
        elif not line.transaction_id:
            line.error = _("The transaction has no id.")
    if not report.ok:
        return report
    current = None
    try:
        with transaction.atomic():
            for line in report.lines:
                current = line
                seen = Repayment.objects.filter(
                    organization_id=line.loan.organization_id, source=Repayment.Source.BANK,
                    reference=line.transaction_id[:100]).exists()
                if seen:
                    line.outcome = _("Already recorded: skipped.")
                    continue
                repayment = services.record_repayment(
                    line.loan, amount=line.amount, date=line.date,
                    source=Repayment.Source.BANK, reference=line.transaction_id,
                    description=line.reference[:200], by=by, request=request)
                line.outcome = _("Recorded: principal %(p)s, interest %(i)s, penalty %(x)s, "
                                 "deposit %(d)s.") % {
                    "p": repayment.principal, "i": repayment.interest, "x": repayment.penalty,
                    "d": repayment.deposit}
                report.recorded += 1
            audit.record("loans.statement_import", actor=by, request=request, changes={
                "lines": len(report.lines), "recorded": report.recorded})
    except Refused as exc:
        for line in report.lines:
            line.outcome = _("Rolled back.") if line.outcome else ""
        current.error, current.outcome = str(exc.message), ""
        report.recorded = 0
    return report

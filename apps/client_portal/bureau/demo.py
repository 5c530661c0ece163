"""Bureau demo data: two lender clients (invented, example.com) with imported debts.

"Credit Example SRL" furnishes debts (one debt corrected once, so its history
has two versions, and one deleted); "Lending Sample SA" a few of its own, and
Northwind two, so that every resource has rows in several organizations (the
security sweep walks them). Debtors are invented people with valid-looking
IDNPs (``DEMO_IDNPS``; the first is a debtor of both lenders) and companies
with IDNOs.
"""

import datetime as dt
from decimal import Decimal

from apps.client_portal.core.demo import add_member, make_user
from apps.client_portal.core.models import Organization
from apps.client_portal.core.tenancy import Role

from . import importer, services
from .identifiers import idnp_check_digit
from .models import DebtImport

DEMO_IDNPS = [f"2002{i:08d}" + idnp_check_digit(f"2002{i:08d}") for i in range(60)]
DEMO_IDNOS = ["1003600045670", "1003600045991", "1004600012341"]

LENDERS = [
    ("lender", dict(kind="company", name="Credit Example SRL", country="MD",
                    registration_number="1003600045670", address="str. Exemplu 1",
                    city="Chișinău", postal_code="MD-2001", email="office@lender.example.com",
                    phone="+37322000111", client_code="C-2001")),
    ("lender2", dict(kind="company", name="Lending Sample SA", country="MD",
                     registration_number="1003600045991", address="bd. Demo 20",
                     city="Bălți", postal_code="MD-3100", email="office@lending.example.com",
                     phone="+37323000222", client_code="C-2002")),
]
FIRST = ["Ion", "Maria", "Andrei", "Elena", "Victor", "Natalia", "Sergiu", "Olga"]
LAST = ["Exemplu", "Demonstrație", "Modelescu", "Probă", "Testoveanu", "Fictiv"]
TYPES = ["consumer loan", "credit card", "mortgage", "car loan", "microloan"]
STATUSES = ["current", "current", "current", "delinquent", "paid", "collection"]


def _row(ctx, i: int, account: str) -> dict:
    rng = ctx.rng
    company = i % 7 == 6
    opened = (ctx.now - dt.timedelta(days=60 + rng.randint(0, 1500))).date()
    original = Decimal(rng.choice([5000, 12000, 25000, 80000, 150000]))
    balance = (original * Decimal(rng.randint(5, 95)) / 100).quantize(Decimal("0.01"))
    status = rng.choice(STATUSES)
    past_due = (balance / 4).quantize(Decimal("0.01")) if status in (
        "delinquent", "collection") else Decimal("0.00")
    return {
        "subject_kind": "company" if company else "person",
        "subject_id": DEMO_IDNOS[i % 3] if company else DEMO_IDNPS[i % len(DEMO_IDNPS)],
        "subject_name": (f"{LAST[i % len(LAST)]} Trade SRL" if company
                         else f"{FIRST[i % len(FIRST)]} {LAST[(i // 2) % len(LAST)]}"),
        "account_number": account,
        "debt_type": TYPES[i % len(TYPES)],
        "opened_on": opened.isoformat(),
        "due_on": (opened + dt.timedelta(days=720)).isoformat(),
        "first_delinquency_on": ((ctx.now - dt.timedelta(days=45)).date().isoformat()
                                 if past_due else ""),
        "last_payment_on": (ctx.now - dt.timedelta(days=rng.randint(3, 40))).date().isoformat(),
        "original_amount": str(original),
        "balance": "0.00" if status == "paid" else str(balance),
        "past_due": str(past_due),
        "charged_off": "0.00",
        "currency": "MDL",
        "status": status,
        "payment_history": ("1" if past_due else "0") + "0" * 11,
        "consent_reference": f"CONS-{2026}-{i:05d}",
    }


def _import(ctx, org, user, name, rows):
    """Store ``rows`` through the import pipeline as one finished CSV import."""
    imp = DebtImport.objects.create(organization=org, format=DebtImport.Format.CSV,
                                    file_name=name, status=DebtImport.Status.DONE,
                                    created_by=user, started_at=ctx.now,
                                    finished_at=ctx.now)
    state = {"imported": 0, "unchanged": 0}
    checked = []
    for number, data in enumerate(rows, start=2):
        row, errors = importer.normalize_text_record(number, data)
        assert not errors, errors
        checked.append(row)
    services.store_rows(imp, checked, state)
    DebtImport.objects.filter(pk=imp.pk).update(
        total_count=len(rows), done_count=len(rows), imported=state["imported"],
        unchanged=state["unchanged"])
    return imp


def seed(ctx):
    for key, data in LENDERS:
        org = Organization(**data)
        org.full_clean()
        org.save()
        ctx.organizations[key] = org
    owner = make_user(ctx, "lender_owner", "owner@lender.example.com", "Lucia", "Lender")
    add_member(ctx, owner, "lender", Role.OWNER)
    member = make_user(ctx, "lender_member", "analyst@lender.example.com", "Mihai", "Analist")
    add_member(ctx, member, "lender", Role.MEMBER)
    other = make_user(ctx, "lender2_owner", "owner@lending.example.com", "Radu", "Sample")
    add_member(ctx, other, "lender2", Role.OWNER)

    count = max(3, ctx.rows // 2)
    lender, lender2 = ctx.organizations["lender"], ctx.organizations["lender2"]
    rows = [_row(ctx, i, f"CE-{1000 + i}") for i in range(count)]
    _import(ctx, lender, owner, "debts-january.csv", rows)
    # A month later: the first debt corrected (a second version), the second deleted.
    later = [dict(rows[0], balance=str(Decimal(rows[0]["balance"]) / 2),
                  last_payment_on=(ctx.now - dt.timedelta(days=2)).date().isoformat()),
             dict(rows[1], action="delete")]
    _import(ctx, lender, owner, "debts-february.csv", later)
    _import(ctx, lender2, other, "portfolio.csv",
            [_row(ctx, i, f"LS-{500 + i}") for i in range(max(2, ctx.rows // 4))])
    # Northwind also reports its overdue customers: rows of the organization the
    # cross-organization sweep tries to reach from the others.
    northwind = ctx.organizations.get("northwind")
    if northwind is not None:
        _import(ctx, northwind, ctx.users.get("owner"), "overdue-customers.csv",
                [_row(ctx, i, f"NW-{700 + i}") for i in range(2)])

"""Loans demo data: two invented borrowers (private persons in Poland), each their own
organization, signing in with a PESEL.

Jan Testowy has an active loan in arrears (penalty interest accrued by the daily job),
a repaid loan and a loan to be disbursed; Maria Przykładowa, another organization, an
active loan; the client companies Northwind and Contoso a business loan each (the
cross-organization sweep walks loans of two organizations). The PESEL
numbers are invented, with valid check digits; every address is under example.com.
The NBP reference rates are demo figures.
"""

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.client_portal.core.demo import DEMO_PASSWORD
from apps.client_portal.core.models import Membership, Organization
from apps.client_portal.core.tenancy import Role

from . import engine, services
from .models import Loan, LoanProduct, ReferenceRate, Repayment

BORROWERS = {
    # key: (name, PESEL, email, phone)
    "jan": ("Jan Testowy", "78062311879", "jan.testowy@example.com", "+48601000444"),
    "maria": ("Maria Przykładowa", "92010545671", "maria.przykladowa@example.com",
              "+48601000555"),
}


def _borrower(ctx, key):
    name, pesel, email, phone = BORROWERS[key]
    org = Organization.objects.create(
        kind=Organization.Kind.PERSON, name=name, country="PL", registration_number=pesel,
        address="ul. Przykładowa 1", city="Warszawa", postal_code="00-001", email=email,
        phone=phone, client_code=f"L-{key.upper()}")
    first, last = name.split(" ", 1)
    User = get_user_model()
    user = User.objects.create_user(username=f"{key}.borrower", email=email,
                                    password=DEMO_PASSWORD, first_name=first, last_name=last,
                                    phone=phone)
    user.national_id_country, user.national_id = "PL", pesel
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Membership.objects.create(user=user, organization=org, role=Role.OWNER)
    ctx.organizations[f"borrower_{key}"] = org
    ctx.users[f"borrower_{key}"] = user
    ctx.logins.append({"email": pesel, "password": DEMO_PASSWORD, "organization": name,
                       "role": "borrower, by national ID (PESEL)"})
    return org, user


def _pay_instalments(loan, count, by):
    for row in services.current_rows(loan)[:count]:
        services.record_repayment(loan, amount=row.total, date=row.due_date,
                                  source=Repayment.Source.BANK,
                                  reference=f"DEMO-{loan.number}-{row.number}", by=by,
                                  description=f"{loan.number}")


def seed(ctx):
    today = timezone.localdate()
    admin = ctx.users.get("admin")
    for valid_from, rate in [(dt.date(2023, 10, 5), "5.75"), (dt.date(2025, 5, 8), "5.25"),
                             (dt.date(2025, 7, 3), "5.00"), (dt.date(2025, 9, 4), "4.75"),
                             (dt.date(2025, 10, 9), "4.50")]:
        ReferenceRate.objects.get_or_create(valid_from=valid_from, defaults={
            "rate": Decimal(rate), "source": "demo figure"})
    instalment_loan = LoanProduct.objects.create(
        name="Instalment loan", amortization=engine.EQUAL_INSTALMENTS,
        interest_method=engine.DECLINING, day_count=engine.D30_360, frequency=engine.MONTHLY,
        annual_rate=Decimal("15.00"), penalty_rate=Decimal("19.00"))
    LoanProduct.objects.create(
        name="Single-payment loan", amortization=engine.SINGLE_PAYMENT,
        interest_method=engine.DECLINING, day_count=engine.ACT_365, frequency=engine.SINGLE,
        annual_rate=Decimal("15.00"), penalty_rate=Decimal("19.00"))

    jan_org, jan = _borrower(ctx, "jan")
    maria_org, maria = _borrower(ctx, "maria")
    account = "PL61 1090 1014 0000 0712 1981 2874"

    def loan(org, user, number, amount, instalments, start, fees="0"):
        item = Loan(organization=org, number=number, product=instalment_loan,
                    amount=Decimal(amount), instalments=instalments,
                    annual_rate=instalment_loan.annual_rate,
                    penalty_rate=instalment_loan.penalty_rate, fees=Decimal(fees),
                    disbursement_date=start, borrower=user, repayment_account=account)
        item.full_clean()
        item.save()
        return item

    # Repaid: six instalments, all paid on their dates.
    repaid = loan(jan_org, jan, "PL-2024-0002", "3000.00", 6,
                  engine.add_months(today, -14), fees="150.00")
    services.disburse(repaid, by=admin)
    _pay_instalments(repaid, 6, admin)
    # Active, in arrears: three instalments paid, the next ones missed.
    active = loan(jan_org, jan, "PL-2025-0001", "12000.00", 24,
                  engine.add_months(today, -6) - dt.timedelta(days=10), fees="600.00")
    services.disburse(active, by=admin)
    _pay_instalments(active, 3, admin)
    # To be disbursed.
    loan(jan_org, jan, "PL-2026-0003", "5000.00", 12, today + dt.timedelta(days=3))
    # The other borrower: active, up to date.
    other = loan(maria_org, maria, "PL-2025-0104", "8000.00", 12,
                 engine.add_months(today, -3) - dt.timedelta(days=2))
    services.disburse(other, by=admin)
    _pay_instalments(other, 3, admin)
    # Business loans of two client companies (the cross-organization sweep walks them).
    for org_key, number in (("northwind", "PL-2025-0201"), ("contoso", "PL-2025-0301")):
        org = ctx.organizations.get(org_key)
        if org is None:
            continue
        business = loan(org, None, number, "20000.00", 12,
                        engine.add_months(today, -2) - dt.timedelta(days=5))
        services.disburse(business, by=admin)
        _pay_instalments(business, 1, admin)
    # The daily job, caught up to today: penalty interest on the arrears.
    services.accrue_penalties(today)

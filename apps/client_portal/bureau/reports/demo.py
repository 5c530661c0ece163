"""Demo rows of the reports app: plans, subscriptions with part of their quota used,
credit reports, scores and look-ups of each kind, and a person with an IDNP sign-in
who has read their personal report and has an open dispute.

Runs after the bureau's demo (INSTALLED_APPS order), which creates the lender
clients and their debts; the few debts made here (account numbers "RPT-...")
make sure the person has records from two furnishers whatever that demo holds.
Every name, number and address is invented.
"""

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from apps.client_portal.bureau import demo as bureau_demo
from apps.client_portal.bureau.models import Debt, DebtIdentifier
from apps.client_portal.core.demo import DEMO_PASSWORD
from apps.client_portal.core.models import Membership, Organization
from apps.client_portal.core.tenancy import Access, Role

from . import quota, registries, services
from .models import CreditReport, Plan, Purpose, RegistryLookup, Subscription

# Invented IDNPs and IDNOs with valid check digits (registries/fake_server.py knows them).
PERSON_IDNP = "2003012345673"  # Ion Rusu, who signs in with it
OTHER_IDNP = "2009012345125"  # Maria Ceban
COMPANY_IDNO = "1003600123459"  # Exemplu Construct SRL

PLANS = [
    dict(name="Start", period_months=1, price=Decimal("490.00"), quota_reports=20,
         quota_scoring=40, quota_lookups=20, quota_records=2000, quota_personal=2),
    dict(name="Professional", period_months=1, price=Decimal("1900.00"), quota_reports=200,
         quota_scoring=400, quota_lookups=150, quota_records=50000, quota_personal=5),
    dict(name="Annual", period_months=12, price=Decimal("18000.00"), quota_reports=3000,
         quota_scoring=6000, quota_lookups=2000, quota_records=600000, quota_personal=10),
]


def _lenders(ctx):
    """The bureau demo's lender clients (organizations keyed "lender..."), if any."""
    return [org for key, org in ctx.organizations.items() if key.startswith("lender")]


def _debt(org, account, idnp, name, **values):
    debt = Debt.objects.create(organization=org, subject_kind="person", subject_name=name,
                               account_number=account, record_hash=f"demo-{account}",
                               **values)
    DebtIdentifier.objects.create(debt=debt, kind="idnp", value=idnp)
    return debt


def _person(ctx):
    User = get_user_model()
    org = Organization(kind="person", name="Ion Rusu", country="MD",
                       registration_number=PERSON_IDNP, address="Str. Exemplu 10",
                       city="Chișinău", postal_code="MD-2001", email="ion.rusu@example.com",
                       client_code="C-2101")
    org.full_clean()
    org.save()
    ctx.organizations["ion"] = org
    user = User.objects.create_user(username="ion.rusu", email="ion.rusu@example.com",
                                    password=DEMO_PASSWORD, first_name="Ion", last_name="Rusu",
                                    national_id_country="MD", national_id=PERSON_IDNP)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Membership.objects.create(user=user, organization=org, role=Role.OWNER)
    ctx.users["ion"] = user
    ctx.logins.append({"email": PERSON_IDNP, "password": DEMO_PASSWORD,
                       "organization": org.name,
                       "role": "a person, by national ID (IDNP): personal report, dispute"})
    return user, org


def _order(model, org, user, **fields):
    order = model(organization=org, requested_by=user, requested_by_name=user.display_name,
                  **fields)
    order.full_clean()
    order.save()
    if model is CreditReport:
        services.complete_report(order)
    else:
        registries.complete_lookup(order)
    return order


def seed(ctx):
    plans = {}
    for data in PLANS:
        plans[data["name"]] = Plan.objects.create(**data)
    Plan.objects.create(name="Legacy 2020", period_months=1, price=Decimal("300.00"),
                        quota_reports=10, is_active=False)

    northwind, contoso = ctx.organizations["northwind"], ctx.organizations["contoso"]
    clients = [(northwind, ctx.users["owner"], "Professional"),
               (contoso, ctx.users["contoso_owner"], "Start")]
    lender_owners = {m.organization_id: m.user for m in Membership.objects.filter(
        organization__in=_lenders(ctx), role=Role.OWNER).select_related("user")}
    clients += [(org, lender_owners[org.pk], "Annual") for org in _lenders(ctx)
                if org.pk in lender_owners]
    start = ctx.now.date().replace(day=1) - dt.timedelta(days=60)
    for number, (org, _user, plan) in enumerate(clients, start=1):
        Subscription.objects.create(
            organization=org, plan=plans[plan], contract_number=f"BC-2026-{number:04d}",
            starts_on=start.replace(day=1), price=plans[plan].price, currency="MDL")

    # The records the bureau's demo imported for the lenders count against their quota.
    for org, _user, _plan in clients:
        furnished = Debt.objects.filter(organization=org).count()
        if furnished:
            quota.take(org, "records", furnished)

    person, person_org = _person(ctx)
    ion = "Ion Rusu"
    today = ctx.now.date()
    _debt(northwind, "RPT-1001", PERSON_IDNP, ion, debt_type="consumer loan",
          opened_on=today - dt.timedelta(days=900), due_on=today + dt.timedelta(days=400),
          original_amount=Decimal("25000.00"), balance=Decimal("11840.50"),
          past_due=Decimal("1210.00"), status="delinquent",
          first_delinquency_on=today - dt.timedelta(days=75),
          last_payment_on=today - dt.timedelta(days=80),
          payment_history="000000000000000000000121", consent_reference="CNS-NW-0001")
    _debt(contoso, "RPT-2001", PERSON_IDNP, ion, debt_type="credit card",
          opened_on=today - dt.timedelta(days=1500), original_amount=Decimal("8000.00"),
          balance=Decimal("950.00"), status="current",
          last_payment_on=today - dt.timedelta(days=12),
          payment_history="000000000000000000000000", consent_reference="CNS-CT-0001")
    _debt(contoso, "RPT-2002", OTHER_IDNP, "Maria Ceban", debt_type="consumer loan",
          opened_on=today - dt.timedelta(days=2000), closed_on=today - dt.timedelta(days=200),
          original_amount=Decimal("12000.00"), balance=Decimal("0.00"),
          charged_off=Decimal("3100.00"), status="charged_off",
          first_delinquency_on=today - dt.timedelta(days=400),
          payment_history="000000000001234566LLLLLL", consent_reference="CNS-CT-0002")

    extra = max(ctx.rows // 4, 1)  # 1 in the tests, 15 in the demo
    # Reports on Ion and Maria, and on the bureau demo's debtors (a person who owes
    # both lenders, a company).
    subjects = [("person", PERSON_IDNP), ("person", bureau_demo.DEMO_IDNPS[0]),
                ("company", bureau_demo.DEMO_IDNOS[0]), ("person", OTHER_IDNP)]
    for org, user, _plan in clients:
        for n in range(extra):
            kind, subject = subjects[n % len(subjects)]
            _order(CreditReport, org, user, kind="report", subject_kind=kind,
                   subject_id=subject, purpose=Purpose.CREDIT_APPLICATION,
                   consent_reference=f"CNS-{org.pk}-{n}")
        _order(CreditReport, org, user, kind="score", subject_kind="person",
               subject_id=PERSON_IDNP, purpose=Purpose.ACCOUNT_REVIEW,
               consent_reference=f"CNS-{org.pk}-S")
        _order(RegistryLookup, org, user, kind="population", subject_id=PERSON_IDNP,
               purpose=Purpose.CREDIT_APPLICATION, consent_reference=f"CNS-{org.pk}-P")
        _order(RegistryLookup, org, user, kind="company", subject_id=COMPANY_IDNO,
               purpose=Purpose.GUARANTEE, consent_reference=f"CNS-{org.pk}-C")
        _order(RegistryLookup, org, user, kind="tax", subject_id=COMPANY_IDNO,
               purpose=Purpose.GUARANTEE, consent_reference=f"CNS-{org.pk}-T")

    access = Access(user=person, organization=person_org, role=Role.OWNER)
    personal = services.order_personal_report(access)
    northwind_debt = next(ref for ref, row in zip(personal.content["debt_refs"],
                                                  personal.content["accounts"], strict=True)
                          if row["account_number"] == "RPT-1001")
    services.open_dispute(access, personal, northwind_debt, reason="amount",
                          explanation="I paid 1 210.00 MDL on time; the late mark is wrong.")
    contoso_debt = next(ref for ref, row in zip(personal.content["debt_refs"],
                                                personal.content["accounts"], strict=True)
                        if row["account_number"] == "RPT-2001")
    services.open_dispute(access, personal, contoso_debt, reason="dates",
                          explanation="The card was opened later than shown.")

"""Small builders for the billing tests (no demo data needed)."""

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model

from apps.client_portal.billing import services
from apps.client_portal.core.models import Membership, Organization
from apps.client_portal.core.tenancy import Role

_numbers = itertools.count(1)


def organization(name="Test Trading SRL", code=None, **extra):
    n = next(_numbers)
    return Organization.objects.create(
        name=name, client_code=code or f"T-{n:04d}", registration_number=f"R{n:06d}",
        email=f"org{n}@example.com", **extra)


def user(email=None, **extra):
    n = next(_numbers)
    return get_user_model().objects.create_user(
        username=f"user{n}", email=email or f"user{n}@example.com", password="x-Pass-2026-x",
        **extra)


def member(org, role=Role.OWNER, **extra):
    person = user(**extra)
    Membership.objects.create(user=person, organization=org, role=role)
    return person


def draft(org, amount="100.00", currency="RON", kind="invoice", issue=None, due_days=30,
          vat_rate="19", number=None, lines=None, **extra):
    issue = issue or dt.date(2026, 1, 10)
    return services.create_document(
        organization=org, kind=kind, number=number or f"TST-{next(_numbers):05d}",
        issue_date=issue, due_date=issue + dt.timedelta(days=due_days), currency=currency,
        lines=lines or [{"description": "Service", "quantity": Decimal("1"), "unit": "pc",
                         "unit_price": Decimal(amount), "vat_rate": Decimal(vat_rate)}],
        **extra)


def published(org, amount="100.00", **kwargs):
    """A published document without PDF rendering (fast)."""
    doc = draft(org, amount=amount, **kwargs)
    doc.publish()
    doc.save()
    return doc

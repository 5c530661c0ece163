"""Fixtures of the bureau tests: the demo lenders and helpers to import files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.client_portal.bureau.demo import DEMO_IDNPS
from apps.client_portal.core.tenancy import Access

HEADER = ("subject_kind,subject_id,subject_name,account_number,debt_type,opened_on,balance,"
          "past_due,currency,status,payment_history,consent_reference")


def csv_line(i, *, balance="1000.00", status="current", account=None, idnp=None, **extra):
    values = {
        "subject_kind": "person", "subject_id": idnp or DEMO_IDNPS[i % len(DEMO_IDNPS)],
        "subject_name": f"Test Debtor {i}", "account_number": account or f"T-{i:05d}",
        "debt_type": "consumer loan", "opened_on": "2024-03-01", "balance": balance,
        "past_due": "0.00", "currency": "MDL", "status": status, "payment_history": "000",
        "consent_reference": f"C-{i}",
    }
    values.update(extra)
    return ",".join(values[c] for c in HEADER.split(","))


def csv_file(lines, name="debts.csv") -> SimpleUploadedFile:
    text = "\n".join([HEADER, *lines]) + "\n"
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def lender(demo):
    return demo.organizations["lender"]


@pytest.fixture
def lender2(demo):
    return demo.organizations["lender2"]


@pytest.fixture
def lender_access(demo, lender):
    from apps.client_portal.core.models import Membership
    return Membership.objects.get(user=demo.users["lender_owner"], organization=lender).access()


@pytest.fixture
def lender2_access(demo, lender2):
    from apps.client_portal.core.models import Membership
    return Membership.objects.get(user=demo.users["lender2_owner"],
                                  organization=lender2).access()


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """``run_import(access, upload, fmt)``: start an import and run its job now."""
    from apps.client_portal.bureau import services

    def _run(access, file, fmt="csv", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            imp = services.start_import(access=access, upload=file, fmt=fmt, **kwargs)
        imp.refresh_from_db()
        return imp

    return _run


__all__ = ["Access", "csv_file", "csv_line", "io", "upload"]

"""Fixtures of the reports tests: the demo's clients, the person with an IDNP, orders."""

import pytest

from apps.client_portal.bureau.reports import demo as reports_demo
from apps.client_portal.core import operations
from apps.client_portal.core.registry import registry
from apps.client_portal.core.tenancy import Access, Role

PERSON_IDNP = reports_demo.PERSON_IDNP
OTHER_IDNP = reports_demo.OTHER_IDNP
COMPANY_IDNO = reports_demo.COMPANY_IDNO


@pytest.fixture
def northwind(demo):
    return demo.organizations["northwind"]


@pytest.fixture
def contoso(demo):
    return demo.organizations["contoso"]


@pytest.fixture
def nw_access(demo, northwind):
    return Access(user=demo.users["member"], organization=northwind, role=Role.MEMBER)


@pytest.fixture
def ct_access(demo, contoso):
    return Access(user=demo.users["contoso_owner"], organization=contoso, role=Role.OWNER)


@pytest.fixture
def ion_access(demo):
    return Access(user=demo.users["ion"], organization=demo.organizations["ion"],
                  role=Role.OWNER)


def order(access, slug="credit-reports", **data):
    """Order through the operations layer, as both doors do."""
    fields = {"kind": "report", "subject_kind": "person", "subject_id": PERSON_IDNP,
              "purpose": "credit_application", "consent_reference": "CNS-TEST-1"}
    if slug == "registry-lookups":
        fields = {"kind": "population", "subject_id": PERSON_IDNP,
                  "purpose": "credit_application", "consent_reference": "CNS-TEST-1"}
    fields.update(data)
    return operations.create(registry.get(slug), access=access, data=fields)

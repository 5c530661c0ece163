"""Fixtures the loan tests share."""

import pytest


@pytest.fixture
def jan(demo):
    """The demo borrower Jan Testowy (his own organization) and his loans by number."""
    from apps.client_portal.loans.models import Loan

    org = demo.organizations["borrower_jan"]
    return org, {loan.number: loan for loan in Loan.objects.filter(organization=org)}

"""The demo has what the issue asks: a contract awaiting a drawn signature, an act
awaiting a certificate signature after the supplier's, and a signed, sealed document."""

import pytest

from apps.client_portal.documents.signing import services
from apps.client_portal.documents.signing.models import SignatureRequest

pytestmark = pytest.mark.django_db


def _access(demo, key):
    return demo.users[key].memberships.get(organization=demo.organizations["northwind"]).access()


def test_the_demo_requests(demo):
    contract = SignatureRequest.objects.get(title="Service contract 2026-14")
    act = SignatureRequest.objects.get(title="Readings act March 2026")
    sealed = SignatureRequest.objects.get(title="Framework agreement 2025")
    assert contract.method == "drawn" and contract.status == "open"
    assert services.turn_of(contract, _access(demo, "owner")) is not None
    assert services.turn_of(contract, _access(demo, "manager")) is None
    assert act.method == "certificate" and act.status == "open"
    assert act.signers.get(step=1).status == "signed"  # the supplier first
    assert services.turn_of(act, _access(demo, "manager")) is not None
    assert sealed.status == "sealed" and sealed.final_id
    assert sealed.final.sha256 == sealed.events.get(kind="sealed").data["final_sha256"]
    for req in (contract, act, sealed):
        assert services.verify_chain(req)["intact"]
    assert SignatureRequest.objects.filter(organization__client_code="C-1003").exists()

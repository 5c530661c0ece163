"""The provider's turn: it signs with its key at once, and the back office retries."""

import pytest
from django.urls import reverse

from apps.client_portal.core import operations
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import AuditEvent
from apps.client_portal.core.tenancy import Access, Role
from apps.client_portal.documents.signing import services
from apps.client_portal.documents.signing.resources import SignatureRequestResource

from .helpers import consent_hash, drawn_png, make_request

pytestmark = pytest.mark.django_db


def _owner_signs(demo, req):
    owner = demo.users["owner"]
    return services.sign(req, access=Access(user=owner, organization=demo.organizations[
        "northwind"], role=Role.OWNER), image_png=drawn_png(), consent_sha256=consent_hash(),
        timezone_name="Europe/Bucharest")


def test_owner_then_provider_completes_and_a_down_tsa_is_retried(demo, settings, monkeypatch,
                                                                client):
    # The demo's case: the owner draws, then the provider: sealed at once.
    req = make_request(demo, steps=[[{"role": Role.OWNER}], [{"provider": True}]])
    req = _owner_signs(demo, req)
    req.refresh_from_db()
    assert req.status == "sealed" and req.final_id
    provider = req.signers.get(step=2)
    assert provider.status == "signed" and provider.method == "provider"
    assert req.events.get(kind="signed", signer=provider).actor == services.provider_name()
    # The back office names the certificate of a drawn signature as the provider's seal.
    client.force_login(demo.users["admin"])
    html = client.get(reverse("admin:signing_signaturerequest_change", args=[req.pk])
                      ).content.decode()
    assert "Sealed with the provider&#x27;s certificate" in html
    assert "Intact (" in html and " events)" in html

    # The timestamp server down at the provider's turn: the owner's signature is kept,
    # the provider's pending, audited; the back office's action signs once it is back.
    req = make_request(demo, steps=[[{"role": Role.OWNER}], [{"provider": True}]])
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/"  # the owner's own signature fails too
    with pytest.raises(Refused):
        _owner_signs(demo, req)
    req.refresh_from_db()
    assert req.signers.get(step=1).status == "pending"

    settings.SIGNING_TSA_URL = ""
    real = services.sign_as_provider

    def down(*args, **kwargs):
        raise Refused("The timestamp server did not answer.", code="unavailable")

    monkeypatch.setattr(services, "sign_as_provider", down)
    _owner_signs(demo, req)
    monkeypatch.setattr(services, "sign_as_provider", real)
    req.refresh_from_db()
    assert req.status == "open" and req.current_step == 2
    assert req.signers.get(step=1).status == "signed"
    assert services.provider_pending(req)
    assert AuditEvent.objects.filter(action="signatures.provider_pending").exists()
    admin = Access.provider(user=demo.users["admin"])
    assert [a.name for a in SignatureRequestResource.available_actions(req, admin)][0] \
        == "sign_as_provider"

    operations.run_action(SignatureRequestResource, access=admin, lookup=req.uuid,
                          name="sign_as_provider")
    req.refresh_from_db()
    assert req.status == "sealed" and req.final_id
    assert not services.provider_pending(req)
    assert "sign_as_provider" not in [
        a.name for a in SignatureRequestResource.available_actions(req, admin)]

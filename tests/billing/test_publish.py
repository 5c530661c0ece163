"""Publishing: the PDF is rendered and stored, the client sees the document and is told;
published documents are immutable; clients cannot publish."""

import hashlib
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from apps.client_portal.api.models import ApiKey
from apps.client_portal.billing import services
from apps.client_portal.billing.models import FinancialDocument, FinancialDocumentLine
from apps.client_portal.billing.resources import InvoiceResource
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import AuditEvent, Membership, Notification
from apps.client_portal.core.tenancy import Role

from .helpers import draft, member, organization, published, user

pytestmark = pytest.mark.django_db


def test_publishing_renders_stores_and_notifies_members(django_capture_on_commit_callbacks):
    org = organization()
    owner, viewer = member(org), member(org, Role.VIEWER)
    doc = draft(org, amount="250.00")
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.publish_document(doc, by=None)
    assert doc.status == FinancialDocument.Status.UNPAID and doc.published_at
    stored = doc.pdf
    data = stored.file.open("rb").read()
    assert data.startswith(b"%PDF-")
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert stored.file.name.startswith(f"{org.uuid}/")
    assert stored.organization == org
    notes = Notification.objects.filter(organization=org)
    assert {n.user for n in notes} == {owner, viewer}
    assert all(doc.number in n.subject and n.link == doc.get_absolute_url() for n in notes)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, viewer.email])
    assert AuditEvent.objects.filter(action="invoices.publish",
                                     object_id=str(doc.uuid)).exists()


def test_an_organization_that_opted_out_gets_no_email_but_the_inbox(
        django_capture_on_commit_callbacks):
    org = organization(notify_by_email=False)
    owner = member(org)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_document(draft(org))
    assert mail.outbox == []
    assert Notification.objects.filter(user=owner).count() == 1


def test_only_a_draft_can_be_published():
    doc = published(organization())
    with pytest.raises(Refused) as caught:
        services.publish_document(doc)
    assert (caught.value.code, caught.value.status) == ("not_allowed", 409)


def test_money_fields_of_a_published_document_cannot_change():
    doc = published(organization(), amount="100.00")
    doc.total = Decimal("1.00")
    with pytest.raises(ValidationError) as caught:
        doc.save()
    assert caught.value.code == "published"
    fresh = FinancialDocument.objects.get(pk=doc.pk)
    fresh.number = "OTHER"
    with pytest.raises(ValidationError):
        fresh.save()
    assert FinancialDocument.objects.get(pk=doc.pk).total == Decimal("119.00")


def test_lines_of_a_published_document_cannot_change():
    doc = published(organization())
    line = doc.lines.get()
    line.unit_price = Decimal("1")
    with pytest.raises(ValidationError):
        line.save()
    with pytest.raises(ValidationError):
        FinancialDocumentLine(document=doc, description="x", unit_price=Decimal("1")).save()
    with pytest.raises(ValidationError):
        line.delete()


def test_payments_still_change_a_published_document():
    org = organization()
    doc = published(org, amount="100.00", vat_rate="0")
    services.allocate_payment(payment=services.record_payment(
        organization=org, amount=Decimal("10"), currency="RON", method="cash",
        reference="c1", paid_at=doc.issue_date))
    doc.refresh_from_db()
    assert doc.paid == Decimal("10.00")


def test_a_draft_can_still_be_edited():
    doc = draft(organization(), amount="100.00")
    doc.notes = "changed"
    doc.due_date = doc.issue_date
    doc.save()


def test_clients_never_see_drafts():
    org = organization()
    owner = member(org)
    hidden, shown = draft(org), published(org)
    access = Membership.objects.get(user=owner).access()
    visible = set(InvoiceResource.get_queryset(access))
    assert shown in visible and hidden not in visible


def _key(org, creator, role=Role.OWNER):
    key = ApiKey(name="k", organization=org, role=role, created_by=creator)
    raw = key.generate()
    key.full_clean()
    key.save()
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


def test_clients_cannot_publish_through_the_api(client):
    org = organization()
    owner = member(org)
    doc = draft(org)
    auth = _key(org, owner)
    response = client.post(f"/api/v1/invoices/{doc.uuid}/actions/publish/", **auth)
    assert response.status_code == 404  # a draft does not exist for the client
    other = published(org)
    response = client.post(f"/api/v1/invoices/{other.uuid}/actions/publish/", **auth)
    assert response.status_code == 403
    doc.refresh_from_db()
    assert doc.status == FinancialDocument.Status.DRAFT


def test_a_provider_key_creates_and_publishes_through_the_api(client):
    org = organization()
    member(org)
    staff = user(is_staff=True)
    auth = _key(None, staff)
    body = {"organization": str(org.uuid), "kind": "invoice", "number": "API-1",
            "issue_date": "2026-01-05", "due_date": "2026-02-04", "currency": "EUR",
            "lines": [{"description": "Hosting", "quantity": "3", "unit": "month",
                       "unit_price": "33.335", "vat_rate": "19"}]}
    response = client.post("/api/v1/billing/documents/", json.dumps(body),
                           content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["total"] == "119.01" and created["status"] == "draft"
    uuid = created["uuid"]
    response = client.post(f"/api/v1/invoices/{uuid}/actions/publish/", **auth)
    assert response.status_code == 200, response.content
    doc = FinancialDocument.objects.get(uuid=uuid)
    assert doc.status == FinancialDocument.Status.UNPAID and doc.pdf_id
    again = client.post("/api/v1/billing/documents/", json.dumps(body),
                        content_type="application/json", **auth)
    assert again.status_code == 400 and "number" in again.json()["error"]["fields"]


def test_an_organization_key_cannot_create_documents(client):
    org = organization()
    auth = _key(org, member(org))
    body = {"organization": str(org.uuid), "kind": "invoice", "number": "API-2",
            "issue_date": "2026-01-05", "due_date": "2026-02-04", "currency": "EUR",
            "lines": [{"description": "x", "quantity": "1", "unit_price": "1", "vat_rate": "0"}]}
    response = client.post("/api/v1/billing/documents/", json.dumps(body),
                           content_type="application/json", **auth)
    assert response.status_code == 403
    assert not FinancialDocument.objects.filter(number="API-2").exists()

"""The audit log as an organization's Owner reads it: descriptions in their language
instead of action codes, a person's name, "label: old → new" instead of a dictionary,
no secrets or tokens, and times in the site's zone with the zone named."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from apps.client_portal.core import audit, auditview
from apps.client_portal.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _event(demo, **kwargs):
    org = demo.organizations["northwind"]
    values = {"organization": org, "actor": demo.users["multi"],
              "actor_label": "Dana Dual <dual@example.com> @ Northwind Trading SRL (Member)",
              "at": dt.datetime(2026, 6, 21, 19, 48, tzinfo=dt.UTC)}
    values.update(kwargs)
    return AuditEvent.objects.create(**values)


def test_the_owner_reads_descriptions_names_and_changes_not_internals(demo, login):
    event = _event(demo, action="online-payments.callback.succeeded",
                   object_type="billing.paymentintent", object_repr="Payment attempt",
                   changes={"status": ["pending", "succeeded"], "gateway_token": "tok_live_123",
                            "secret": "s3cr3t", "api_key": "k-999",
                            "received": {"amount": "10.00", "signature": "abcdef"}})
    client = login(demo.users["owner"], demo.organizations["northwind"])
    page = client.get(f"/p/audit/{event.uuid}/").content.decode()
    assert "Online payment confirmed" in page
    assert "online-payments.callback" not in page
    for secret in ("tok_live_123", "s3cr3t", "k-999", "abcdef", "gateway_token"):
        assert secret not in page
    assert "Dana Dual" in page and "dual@example.com" not in page
    assert "{" not in page.split("<main", 1)[-1].split("</main>")[0]  # no dictionary
    # The status's labels, old → new; the received notice's amount without its signature.
    assert "→" in page and "Amount: 10.00" in page
    # 19:48 UTC is 22:48 in Bucharest in June, and the zone is named.
    assert "22:48 EEST" in page and "19:48" not in page
    listing = client.get("/p/audit/").content.decode()
    assert "Online payment confirmed" in listing and "online-payments." not in listing


def test_generated_operations_are_described_from_the_registry(demo):
    with translation.override("en"):
        assert auditview.describe(_event(demo, action="feedback.create")) == "Feedback created"
        assert auditview.describe(_event(demo, action="invoices.publish")) == (
            "Financial document: Publish")
        assert auditview.describe(_event(demo, action="billing.payment.allocate")) == (
            "Payment allocated to documents")
        # An action no one described is not shown by its code.
        assert auditview.describe(_event(demo, action="x.internal.step")) == "Other event"
    with translation.override("ro"):
        assert auditview.describe(_event(demo, action="feedback.mark_answered")) != (
            "feedback.mark_answered")


def test_changes_use_field_labels_and_choice_labels(demo):
    event = _event(demo, action="people.change_role", object_type="core.membership",
                   changes={"role": ["viewer", "member"], "person": "x@example.com",
                            "password": "hunter2", "is_active": [True, False]})
    with translation.override("en"):
        rows = dict(auditview.changes(event))
    assert rows["Role"] == "Viewer → Member"
    assert rows["Active"] == "Yes → No"
    assert "hunter2" not in str(rows) and "Password" not in rows


def test_a_membership_is_named_by_its_person(demo):
    from apps.client_portal.core.models import Membership

    membership = Membership.objects.get(user=demo.users["multi"],
                                        organization=demo.organizations["northwind"])
    event = audit.record("people.change_role", obj=membership)
    assert event.object_repr == "Dana Dual"
    old = _event(demo, action="people.change_role",
                 object_repr="Dana Dual <dual@example.com> @ Northwind Trading SRL (Member)")
    assert auditview.subject(old) == "Dana Dual"


def test_the_person_is_a_name(demo):
    assert auditview.person(_event(demo)) == "Dana Dual"
    assert auditview.person(_event(demo, actor=None, actor_label="system")) == "System"
    assert auditview.person(_event(demo, actor=None, actor_label="unknown:bob")) == (
        "Unknown person")
    assert auditview.person(_event(demo, actor=None, actor_label="API key Ops (ab12)")) == (
        "API key Ops (ab12)")


def test_the_title_of_an_event_is_in_the_sites_zone(demo):
    event = _event(demo, action="login")
    with timezone.override("Europe/Bucharest"), translation.override("en"):
        assert str(event) == "2026-06-21 22:48 Signed in"


def test_recording_still_keeps_the_raw_evidence(demo):
    event = audit.record("billing.payment.allocate", organization=demo.organizations["northwind"],
                         changes={"gateway_token": "t", "amount": "1.00"})
    event.refresh_from_db()
    assert event.action == "billing.payment.allocate" and event.changes["gateway_token"] == "t"


def test_addresses_settings_keys_and_storage_folders_stay_internal(demo):
    event = _event(demo, action="online-payments.start", object_type="billing.paymentintent",
                   object_repr="Payment attempt",
                   changes={"redirect_url": [None, "https://pay.example.com/trnRequest/tok123"],
                            "gateway": "p24", "field": "attachment",
                            "file_name": "feedback/0f3a/9c1d/report.pdf"})
    with translation.override("en"):
        text = auditview.changes_text(event)
    assert "tok123" not in text and "trnRequest" not in text
    assert "p24" not in text and "attachment" not in text
    assert "feedback/" not in text and "report.pdf" in text

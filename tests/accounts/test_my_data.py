"""The personal data report: what the portal holds about the signed-in person."""

import json

import pytest

from apps.client_portal.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_json_report_holds_profile_memberships_and_history(demo, login):
    user = demo.users["multi"]
    client = login(user, demo.organizations["northwind"])
    response = client.get("/account/my-data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["email"] == "dual@example.com"
    assert {m["organization"] for m in data["memberships"]} == {
        "Northwind Trading SRL", "Contoso Logistics Sp. z o.o."}
    assert data["notifications"]["total"] > 0
    assert data["audit_events_total"] >= 1
    # Exactly this person's own events: none of anyone else's.
    assert data["audit_events_total"] == AuditEvent.objects.filter(actor=user).count() - 1
    assert AuditEvent.objects.filter(action="account.data_report", actor=user).exists()


def test_pdf_report(demo, login):
    client = login(demo.users["ana"], demo.organizations["ana"])
    response = client.get("/account/my-data.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_report_needs_sign_in(client, db):
    response = client.get("/account/my-data.json")
    assert response.status_code == 302 and "/accounts/login/" in response.url

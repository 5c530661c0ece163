"""Invariant 4: security events and state changes are recorded with who, when, from where."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.client_portal.core.demo import DEMO_PASSWORD
from apps.client_portal.core.models import AuditEvent, Feedback

pytestmark = pytest.mark.django_db

_START = timezone.now() - dt.timedelta(hours=1)
WHERE = {"REMOTE_ADDR": "203.0.113.5", "HTTP_USER_AGENT": "AuditTest/1.0 (X11)"}


def _event(action, **filters):
    """The one ``action`` event of this test (the demo's history came from elsewhere)."""
    events = list(AuditEvent.objects.filter(action=action, at__gte=_START, **filters))
    assert len(events) == 1, (action, [str(e) for e in AuditEvent.objects.all()])
    event = events[0]
    assert event.ip == "203.0.113.5"
    assert event.user_agent == "AuditTest/1.0 (X11)"
    assert timezone.now() - event.at < dt.timedelta(minutes=1)
    return event


def test_login_and_logout_are_recorded(demo, client):
    member = demo.users["member"]
    response = client.post("/accounts/login/", {"login": member.email,
                                                "password": DEMO_PASSWORD}, **WHERE)
    assert response.status_code == 302
    login = _event("login")
    assert login.actor == member
    assert login.actor_label == str(member)
    response = client.post("/accounts/logout/", **WHERE)
    assert response.status_code == 302
    logout = _event("logout")
    assert logout.actor == member


def test_failed_login_is_recorded_without_the_password(demo, client):
    client.post("/accounts/login/", {"login": "member@northwind.example.com",
                                     "password": "Wrong-password-9"}, **WHERE)
    event = _event("login_failed")
    assert event.actor is None
    assert "member@northwind.example.com" in event.actor_label
    assert "Wrong-password-9" not in str(event.changes)


def test_organization_switch_is_recorded(demo, client):
    multi = demo.users["multi"]
    contoso = demo.organizations["contoso"]
    client.force_login(multi)
    response = client.post("/select/", {"organization": str(contoso.uuid)}, **WHERE)
    assert response.status_code == 302
    event = _event("organization.switch")
    assert event.actor == multi
    assert event.organization == contoso
    assert event.object_id == str(contoso.uuid)


def test_switch_to_a_foreign_organization_is_refused_and_not_recorded(demo, client):
    client.force_login(demo.users["member"])
    response = client.post("/select/", {"organization": str(demo.organizations["contoso"].uuid)})
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="organization.switch").exists()


def test_feedback_create_and_action_are_recorded(demo, login):
    member = demo.users["member"]
    northwind = demo.organizations["northwind"]
    client = login(member, northwind)
    client.post("/p/feedback/new/", {"kind": "error", "subject": "Broken link",
                                     "body": "The help link 404s."}, **WHERE)
    feedback = Feedback.objects.get(subject="Broken link")
    created = _event("feedback.create")
    assert (created.actor, created.organization) == (member, northwind)
    assert created.object_id == str(feedback.uuid)
    assert created.object_type == "core.feedback"
    assert created.changes["subject"] == "Broken link"

    client.post(f"/p/feedback/{feedback.uuid}/do/withdraw/", **WHERE)
    withdrawn = _event("feedback.withdraw")
    assert withdrawn.actor == member
    assert withdrawn.changes["status"] == ["new", "withdrawn"]


def test_export_is_recorded(demo, login):
    owner = demo.users["owner"]
    client = login(owner, demo.organizations["northwind"])
    response = client.get("/p/feedback/export.csv?kind=wish", **WHERE)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = _event("feedback.export")
    assert event.actor == owner
    assert event.organization == demo.organizations["northwind"]
    assert event.changes == {"format": "csv", "query": "kind=wish"}


def test_download_is_recorded(demo, login):
    from apps.client_portal.documents.services import store_bytes

    owner = demo.users["owner"]
    northwind = demo.organizations["northwind"]
    stored = store_bytes(organization=northwind, data=b"%PDF-1.7 test", name="act-2026-05.pdf",
                         title="Act of May")
    client = login(owner, northwind)
    response = client.get(f"/p/documents/{stored.uuid}/files/file/", **WHERE)
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert response["Cache-Control"] == "private, no-store"
    assert 'filename="act-2026-05.pdf"' in response["Content-Disposition"]
    event = _event("download")
    assert (event.actor, event.organization) == (owner, northwind)
    assert event.changes == {"field": "file", "file": stored.file.name}
    assert event.object_id == str(stored.uuid)
    assert (event.ip, event.user_agent) == ("203.0.113.5", "AuditTest/1.0 (X11)")


def test_api_key_events_name_the_key(demo, client):
    from apps.client_portal.api.models import ApiKey

    key = ApiKey(name="ERP", organization=demo.organizations["northwind"], role="member",
                 created_by=demo.users["owner"])
    raw = key.generate()
    key.save()
    client.post("/api/v1/feedback/", data={"kind": "wish", "subject": "Via key", "body": "b"},
                content_type="application/json", HTTP_X_API_KEY=raw, **WHERE)
    event = _event("feedback.create")
    assert event.actor_label == f"api-key:{key.prefix}"


def test_owner_sees_only_their_organizations_events(demo, login):
    northwind, contoso = demo.organizations["northwind"], demo.organizations["contoso"]
    # Activity in both organizations.
    login(demo.users["contoso_owner"], contoso).get("/p/feedback/export.csv")
    client = login(demo.users["owner"], northwind)
    client.get("/p/feedback/export.csv")
    theirs = AuditEvent.objects.exclude(organization=northwind)
    ours = AuditEvent.objects.filter(organization=northwind)
    assert theirs.filter(organization=contoso).exists() and ours.exists()

    page = client.get("/p/audit/?page_size=100")
    assert page.status_code == 200
    shown = {str(obj.uuid) for obj in page.context["objects"]}
    assert shown == {str(u) for u in ours.values_list("uuid", flat=True)}
    body = page.content.decode()
    for event in theirs:
        assert str(event.uuid) not in body
    api = client.get("/api/v1/audit/?page_size=500").json()
    assert {r["uuid"] for r in api["results"]} == shown
    other = theirs.filter(organization=contoso).first()
    assert client.get(f"/p/audit/{other.uuid}/").status_code == 404

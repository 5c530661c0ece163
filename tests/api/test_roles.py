"""Membership roles in the API: the same rules as the portal, with API status codes."""

import json

import pytest

from apps.client_portal.core.models import AuditEvent, Feedback, Organization

pytestmark = pytest.mark.django_db


def _patch(client, path, data):
    return client.patch(path, data=json.dumps(data), content_type="application/json")


def _post(client, path, data=None):
    return client.post(path, data=json.dumps(data or {}), content_type="application/json")


def test_viewer_cannot_patch_the_organization(demo, login):
    org = demo.organizations["northwind"]
    client = login(demo.users["viewer"], org)
    response = _patch(client, f"/api/v1/organization/{org.uuid}/", {"city": "Elsewhere"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert Organization.objects.get(pk=org.pk).city == "Cluj-Napoca"


def test_manager_patches_the_organization_and_it_is_audited(demo, login):
    org = demo.organizations["northwind"]
    client = login(demo.users["manager"], org)
    response = _patch(client, f"/api/v1/organization/{org.uuid}/",
                      {"city": "Turda", "postal_code": "401001"})
    assert response.status_code == 200, response.content
    assert response.json()["city"] == "Turda"
    org.refresh_from_db()
    assert (org.city, org.postal_code) == ("Turda", "401001")
    event = AuditEvent.objects.get(action="organization.update")
    assert event.actor == demo.users["manager"]
    assert event.changes == {"city": ["Cluj-Napoca", "Turda"],
                             "postal_code": ["400001", "401001"]}


def test_patch_cannot_touch_fields_outside_edit_fields(demo, login):
    org = demo.organizations["northwind"]
    client = login(demo.users["owner"], org)
    response = _patch(client, f"/api/v1/organization/{org.uuid}/",
                      {"name": "Hijacked", "client_code": "X-1", "city": "Dej"})
    assert response.status_code == 200
    org.refresh_from_db()
    assert (org.name, org.client_code, org.city) == ("Northwind Trading SRL", "C-1001", "Dej")


def test_viewer_cannot_create_feedback(demo, login):
    client = login(demo.users["viewer"], demo.organizations["northwind"])
    before = Feedback.objects.count()
    response = _post(client, "/api/v1/feedback/", {"kind": "wish", "subject": "S", "body": "B"})
    assert response.status_code == 403
    assert "error" in response.json()
    assert Feedback.objects.count() == before


def test_member_creates_feedback(demo, login):
    client = login(demo.users["member"], demo.organizations["northwind"])
    response = _post(client, "/api/v1/feedback/",
                     {"kind": "wish", "subject": "API wish", "body": "Webhooks for invoices."})
    assert response.status_code == 201, response.content
    feedback = Feedback.objects.get(uuid=response.json()["uuid"])
    assert feedback.organization == demo.organizations["northwind"]
    assert feedback.author == demo.users["member"]
    assert response.json()["status"] == "new"
    assert AuditEvent.objects.filter(action="feedback.create", object_id=str(feedback.uuid),
                                     actor=demo.users["member"]).exists()


@pytest.mark.parametrize("slug", ["audit", "api-keys"])
def test_owner_only_lists_are_absent_for_a_manager(demo, login, slug):
    org = demo.organizations["northwind"]
    client = login(demo.users["manager"], org)
    response = client.get(f"/api/v1/{slug}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    client = login(demo.users["owner"], org)
    response = client.get(f"/api/v1/{slug}/")
    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_manager_cannot_fetch_an_owner_only_record(demo, login):
    org = demo.organizations["northwind"]
    event = AuditEvent.objects.filter(organization=org).first()
    client = login(demo.users["manager"], org)
    assert client.get(f"/api/v1/audit/{event.uuid}/").status_code == 404


def _feedback(demo, status=Feedback.Status.NEW):
    feedback = Feedback.objects.create(
        organization=demo.organizations["northwind"], author=demo.users["member"],
        kind="question", subject="Late invoice?", body="Has it been sent?",
    )
    Feedback.objects.filter(pk=feedback.pk).update(status=status)
    return feedback


def test_member_withdraws_new_feedback_through_the_api(demo, login):
    feedback = _feedback(demo)
    client = login(demo.users["member"], demo.organizations["northwind"])
    response = _post(client, f"/api/v1/feedback/{feedback.uuid}/actions/withdraw/")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_answered_feedback_cannot_be_withdrawn_through_the_api(demo, login):
    feedback = _feedback(demo, Feedback.Status.ANSWERED)
    client = login(demo.users["member"], demo.organizations["northwind"])
    response = _post(client, f"/api/v1/feedback/{feedback.uuid}/actions/withdraw/")
    assert response.status_code == 409
    assert response.json() == {"error": {
        "code": "not_allowed", "message": "This cannot be done in the record's present state.",
    }}
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.ANSWERED


def test_viewer_is_forbidden_to_withdraw(demo, login):
    feedback = _feedback(demo)
    client = login(demo.users["viewer"], demo.organizations["northwind"])
    response = _post(client, f"/api/v1/feedback/{feedback.uuid}/actions/withdraw/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.NEW


def test_viewer_api_key_cannot_create(demo, client):
    from apps.client_portal.api.models import ApiKey

    key = ApiKey(name="Read only", organization=demo.organizations["northwind"],
                 role="viewer", created_by=demo.users["owner"])
    raw = key.generate()
    key.save()
    response = client.post("/api/v1/feedback/", data=json.dumps({"subject": "x", "body": "y"}),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 403
    assert client.get("/api/v1/feedback/", HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 200

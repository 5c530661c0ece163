"""Membership roles decide what a person may see and do in the portal."""

import pytest

from apps.client_portal.core.models import AuditEvent, Feedback, Organization
from apps.client_portal.core.registry import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def northwind(demo):
    return demo.organizations["northwind"]


def _edit_url(org):
    return f"/p/organization/{org.uuid}/edit/"


def test_viewer_cannot_edit_the_organization_profile(demo, login, northwind):
    """A record the member sees but may not change: 403, on a page that says why."""
    client = login(demo.users["viewer"], northwind)
    page = client.get(_edit_url(northwind))
    assert page.status_code == 403
    assert "Your role does not allow this." in page.content.decode()
    assert 'class="topbar"' in page.content.decode()  # in the portal's layout
    response = client.post(_edit_url(northwind), {"city": "Elsewhere", "phone": "+40264000111"})
    assert response.status_code == 403
    assert Organization.objects.get(pk=northwind.pk).city == "Cluj-Napoca"
    detail = client.get(f"/p/organization/{northwind.uuid}/")
    assert detail.status_code == 200
    assert _edit_url(northwind) not in detail.content.decode()


def test_member_cannot_edit_the_organization_profile(demo, login, northwind):
    client = login(demo.users["member"], northwind)
    assert client.get(_edit_url(northwind)).status_code == 403


def test_manager_edits_the_organization_profile_and_it_is_audited(demo, login, northwind):
    client = login(demo.users["manager"], northwind)
    assert client.get(_edit_url(northwind)).status_code == 200
    response = client.post(_edit_url(northwind), {
        "address": "Str. Exemplului 14", "city": "Cluj-Napoca", "postal_code": "400002",
        "email": "office@northwind.example.com", "phone": "+40 264 000 112",
        "notify_by_email": "on",
    }, HTTP_USER_AGENT="RoleTest/1.0")
    assert response.status_code == 302
    northwind.refresh_from_db()
    assert northwind.address == "Str. Exemplului 14"
    assert northwind.phone == "+40264000112"  # normalized to E.164
    event = AuditEvent.objects.get(action="organization.update")
    assert event.actor == demo.users["manager"]
    assert event.organization == northwind
    assert event.changes["address"] == ["Str. Exemplului 12", "Str. Exemplului 14"]
    assert event.changes["phone"] == ["+40264000111", "+40264000112"]
    assert "city" not in event.changes  # unchanged fields are not listed
    assert event.user_agent == "RoleTest/1.0"


def test_viewer_cannot_create_feedback(demo, login, northwind):
    client = login(demo.users["viewer"], northwind)
    before = Feedback.objects.count()
    assert client.get("/p/feedback/new/").status_code == 403
    response = client.post("/p/feedback/new/", {"kind": "wish", "subject": "More", "body": "x"})
    assert response.status_code == 403
    assert Feedback.objects.count() == before
    assert "/p/feedback/new/" not in client.get("/p/feedback/").content.decode()


def test_member_creates_feedback(demo, login, northwind):
    client = login(demo.users["member"], northwind)
    assert "/p/feedback/new/" in client.get("/p/feedback/").content.decode()
    response = client.post("/p/feedback/new/", {
        "kind": "wish", "subject": "Dark mode please", "body": "Evenings are long.",
        "page": "/p/feedback/",
    })
    assert response.status_code == 302
    feedback = Feedback.objects.get(subject="Dark mode please")
    assert feedback.organization == northwind
    assert feedback.author == demo.users["member"]
    assert feedback.status == Feedback.Status.NEW
    assert response["Location"] == f"/p/feedback/{feedback.uuid}/"


@pytest.mark.parametrize("slug", ["audit", "api-keys"])
def test_only_the_owner_sees_audit_log_and_api_keys(demo, login, northwind, slug):
    for key in ["manager", "member", "viewer"]:
        client = login(demo.users[key], northwind)
        assert client.get(f"/p/{slug}/").status_code == 404, key
    client = login(demo.users["owner"], northwind)
    assert client.get(f"/p/{slug}/").status_code == 200


def test_manager_cannot_open_an_owner_only_record_by_its_link(demo, login, northwind):
    event = AuditEvent.objects.filter(organization=northwind).first()
    client = login(demo.users["manager"], northwind)
    assert client.get(f"/p/audit/{event.uuid}/").status_code == 404
    client = login(demo.users["owner"], northwind)
    assert client.get(f"/p/audit/{event.uuid}/").status_code == 200


@pytest.mark.parametrize("key", ["owner", "manager", "member", "viewer"])
def test_menu_shows_only_resources_the_role_may_read(demo, login, northwind, key):
    client = login(demo.users[key], northwind)
    body = client.get("/").content.decode()
    access = demo.users[key].memberships.get(organization=northwind).access()
    for resource in registry:
        link = f'href="/p/{resource.slug}/"'
        if resource.menu and access.has_role(resource.read_role):
            assert link in body, (key, resource.slug)
        else:
            assert link not in body, (key, resource.slug)


def _new_feedback(demo, status=Feedback.Status.NEW):
    feedback = Feedback.objects.create(
        organization=demo.organizations["northwind"], author=demo.users["member"],
        kind=Feedback.Kind.QUESTION, subject="Where is my act?", body="Cannot find it.",
    )
    if status != Feedback.Status.NEW:
        Feedback.objects.filter(pk=feedback.pk).update(status=status, answer="Under Documents.")
        feedback.refresh_from_db()
    return feedback


def test_member_withdraws_new_feedback(demo, login):
    feedback = _new_feedback(demo)
    client = login(demo.users["member"], demo.organizations["northwind"])
    response = client.post(f"/p/feedback/{feedback.uuid}/do/withdraw/", follow=True)
    assert response.status_code == 200
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.WITHDRAWN
    event = AuditEvent.objects.get(action="feedback.withdraw")
    assert event.changes["status"] == ["new", "withdrawn"]
    assert event.actor == demo.users["member"]


def test_answered_feedback_cannot_be_withdrawn(demo, login):
    feedback = _new_feedback(demo, Feedback.Status.ANSWERED)
    client = login(demo.users["member"], demo.organizations["northwind"])
    detail = client.get(f"/p/feedback/{feedback.uuid}/").content.decode()
    assert "/do/withdraw/" not in detail  # not offered
    updated_at = feedback.updated_at
    response = client.post(f"/p/feedback/{feedback.uuid}/do/withdraw/")
    assert response.status_code == 409  # as the API answers
    assert "This cannot be done in the record&#x27;s present state." in response.content.decode()
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.ANSWERED
    assert feedback.updated_at == updated_at
    assert not AuditEvent.objects.filter(action="feedback.withdraw").exists()


def test_viewer_cannot_withdraw(demo, login):
    feedback = _new_feedback(demo)
    client = login(demo.users["viewer"], demo.organizations["northwind"])
    response = client.post(f"/p/feedback/{feedback.uuid}/do/withdraw/")
    assert response.status_code == 403  # as the API answers
    assert "Your role does not allow this." in response.content.decode()
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.NEW


def test_unknown_action_is_404(demo, login):
    feedback = _new_feedback(demo)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    assert client.post(f"/p/feedback/{feedback.uuid}/do/delete/").status_code == 404
    assert client.get(f"/p/feedback/{feedback.uuid}/do/withdraw/").status_code == 405


def _admin_index(client, demo, key):
    client.force_login(demo.users[key])
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_billing_clerk_sees_only_billing_sections(demo, client):
    body = _admin_index(client, demo, "billing")
    assert "/admin/core/announcement/" in body
    assert "/admin/api/apikey/" not in body
    assert "/admin/accounts/user/" not in body
    assert client.get("/admin/api/apikey/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403


def test_service_agent_sees_feedback_not_announcement_editing(demo, client):
    body = _admin_index(client, demo, "service")
    assert "/admin/core/feedback/" in body
    assert "/admin/core/announcement/" not in body


def test_administrator_sees_every_section(demo, client):
    body = _admin_index(client, demo, "admin")
    for path in ["/admin/core/announcement/", "/admin/api/apikey/", "/admin/accounts/user/",
                 "/admin/core/organization/", "/admin/core/auditevent/"]:
        assert path in body, path


def test_client_user_cannot_enter_the_back_office(demo, client):
    client.force_login(demo.users["owner"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

"""People in an organization: who sees them, invitations, roles and access, and the rules."""

import re

import pytest
from django.core import mail

from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import AuditEvent, Membership, Notification
from apps.client_portal.core.tenancy import Role

pytestmark = pytest.mark.django_db


def _m(demo, user_key, org_key="northwind"):
    return Membership.objects.get(user=demo.users[user_key],
                                  organization=demo.organizations[org_key])


def _manage(client, membership, role):
    return client.post(f"/people/{membership.uuid}/manage/", {"role": role})


def test_owner_and_managers_see_people_with_their_details(demo, login):
    for key in ("owner", "manager"):
        client = login(demo.users[key], demo.organizations["northwind"])
        page = client.get("/p/people/")
        assert page.status_code == 200
        body = page.content.decode().replace("<wbr>", "")  # break points in e-mails
        assert "member@northwind.example.com" in body and "+40721000111" in body
        assert "Invite a person" in body


@pytest.mark.parametrize("key", ["member", "viewer"])
def test_members_and_viewers_do_not_see_people(demo, login, key):
    client = login(demo.users[key], demo.organizations["northwind"])
    assert client.get("/p/people/").status_code == 404
    assert client.get(f"/people/{_m(demo, 'owner').uuid}/manage/").status_code == 404
    assert client.get("/people/invite/").status_code == 404


def test_manager_changes_a_role_audited_and_notified(demo, login):
    client = login(demo.users["manager"], demo.organizations["northwind"])
    target = _m(demo, "viewer")
    response = _manage(client, target, Role.MEMBER)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.MEMBER
    event = AuditEvent.objects.get(action="people.change_role", object_id=str(target.uuid))
    assert event.actor == demo.users["manager"] and event.changes["role"] == ["viewer", "member"]
    notes = Notification.objects.filter(user=demo.users["viewer"], message="people.role_changed")
    assert [n.subject for n in notes] == ["Your role changed"]
    assert notes[0].text == "Your role in Northwind Trading SRL is now Member."


def test_nobody_changes_their_own_role(demo, login):
    client = login(demo.users["manager"], demo.organizations["northwind"])
    own = _m(demo, "manager")
    _manage(client, own, Role.OWNER)
    _manage(client, own, Role.VIEWER)
    own.refresh_from_db()
    assert own.role == Role.MANAGER
    assert not AuditEvent.objects.filter(action="people.change_role").exists()


def test_manager_cannot_give_owner_nor_touch_an_owner(demo, login):
    client = login(demo.users["manager"], demo.organizations["northwind"])
    member = _m(demo, "member")
    response = _manage(client, member, Role.OWNER)
    assert response.status_code == 200  # the form refuses a role not offered
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    owner = _m(demo, "owner")
    client.post(f"/people/{owner.uuid}/deactivate/")
    _manage(client, owner, Role.VIEWER)
    owner.refresh_from_db()
    assert owner.is_active and owner.role == Role.OWNER


def test_service_refuses_raising_above_own_role(demo):
    from apps.client_portal.accounts import services

    access = _m(demo, "manager").access()
    with pytest.raises(Refused) as exc:
        services.membership_change_role(access=access, membership=_m(demo, "member"),
                                        role=Role.OWNER)
    assert (exc.value.code, exc.value.status) == ("above", 403)


def test_owner_may_make_another_owner_and_the_last_owner_stays(demo, login):
    from apps.client_portal.accounts import services

    client = login(demo.users["owner"], demo.organizations["northwind"])
    manager = _m(demo, "manager")
    _manage(client, manager, Role.OWNER)
    manager.refresh_from_db()
    assert manager.role == Role.OWNER
    # The second owner may demote the first, but not once they are the only one left.
    access = manager.access()
    services.membership_change_role(access=access, membership=_m(demo, "owner"),
                                    role=Role.MANAGER)
    with pytest.raises(Refused) as exc:
        services.membership_set_active(access=_m(demo, "owner").access(), membership=manager,
                                       active=False)
    assert exc.value.code in {"above", "last_owner"}


def test_last_active_owner_is_kept(demo):
    from apps.client_portal.accounts import services

    owner, manager = _m(demo, "owner"), _m(demo, "manager")
    manager.role = Role.OWNER
    manager.save()
    services.membership_set_active(access=owner.access(), membership=manager, active=False)
    # Now the owner is the only active one; another owner (inactive) cannot act, and the
    # rule is checked for any caller: demoting the last active owner fails.
    with pytest.raises(Refused) as exc:
        services._check_may_manage(owner.access(), owner)
    assert exc.value.code == "self"
    assert services._is_last_owner(owner)


def test_deactivate_and_reactivate(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    member = _m(demo, "member")
    client.post(f"/people/{member.uuid}/deactivate/")
    member.refresh_from_db()
    assert not member.is_active
    # The person can no longer act for the organization.
    other = login(demo.users["member"], demo.organizations["northwind"])
    assert other.get("/").status_code in (302, 403)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    client.post(f"/people/{member.uuid}/reactivate/")
    member.refresh_from_db()
    assert member.is_active
    actions = set(AuditEvent.objects.filter(object_id=str(member.uuid))
                  .values_list("action", flat=True))
    assert {"people.deactivate", "people.reactivate"} <= actions
    titles = {n.subject for n in Notification.objects.filter(user=demo.users["member"])}
    assert {"Your access was suspended", "Your access was restored"} <= titles


def test_changes_are_post_only(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    member = _m(demo, "member")
    assert client.get(f"/people/{member.uuid}/deactivate/").status_code == 405


def test_invite_by_email_then_register(demo, login, client):
    owner_client = login(demo.users["manager"], demo.organizations["northwind"])
    response = owner_client.post("/people/invite/", {
        "email": "Invited.Person@example.com", "person_name": "Ivo Invited", "role": Role.MEMBER})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["invited.person@example.com"]
    code = re.search(r"activation code: (\S+)", message.body).group(1)
    assert AuditEvent.objects.filter(action="people.invite").exists()
    owner_client.logout()
    client.post("/accounts/activate/", {"code": code, "email": "invited.person@example.com"})
    link = re.search(r"http://testserver(/accounts/activate/\S+/)", mail.outbox[-1].body).group(1)
    client.post(link, {"username": "ivo", "password1": "Ivo-Password-2026",
                       "password2": "Ivo-Password-2026"})
    membership = Membership.objects.get(user__username="ivo")
    assert membership.organization == demo.organizations["northwind"]
    assert membership.role == Role.MEMBER


def test_manager_cannot_invite_an_owner(demo, login):
    client = login(demo.users["manager"], demo.organizations["northwind"])
    response = client.post("/people/invite/", {"email": "boss@example.com",
                                               "role": Role.OWNER})
    assert response.status_code == 200
    assert not mail.outbox


def test_manage_page_for_self_offers_nothing(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    page = client.get(f"/people/{_m(demo, 'owner').uuid}/manage/").content.decode()
    assert "You cannot change your own role" in page
    assert "Save role" not in page


def test_api_changes_a_role_under_the_same_rules(demo, login):
    client = login(demo.users["manager"], demo.organizations["northwind"])
    viewer = _m(demo, "viewer")
    response = client.post(f"/api/v1/people/{viewer.uuid}/role/", {"role": "member"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["role"] == "member"
    own = _m(demo, "manager")
    response = client.post(f"/api/v1/people/{own.uuid}/role/", {"role": "owner"},
                           content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    response = client.post(f"/api/v1/people/{viewer.uuid}/role/", {"role": "owner"},
                           content_type="application/json")
    assert response.status_code == 403
    response = client.post(f"/api/v1/people/{viewer.uuid}/role/", {"role": "emperor"},
                           content_type="application/json")
    assert response.status_code == 400
    response = client.post(f"/api/v1/people/{viewer.uuid}/deactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is False


def test_api_people_changes_need_a_manager(demo, login):
    client = login(demo.users["member"], demo.organizations["northwind"])
    response = client.post(f"/api/v1/people/{_m(demo, 'viewer').uuid}/role/", {"role": "member"},
                           content_type="application/json")
    assert response.status_code == 404

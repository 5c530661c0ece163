"""API keys: both header forms, refusals with the common error shape, hashed storage."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.utils import timezone

from apps.client_portal.api.models import ApiKey, hash_secret
from apps.client_portal.core.models import AuditEvent, Feedback
from apps.client_portal.core.tenancy import Role

pytestmark = pytest.mark.django_db


def _key(demo, org="northwind", role=Role.MANAGER, creator="owner", **fields):
    key = ApiKey(name="Integration", organization=demo.organizations[org] if org else None,
                 role=role, created_by=demo.users[creator], **fields)
    raw = key.generate()
    key.full_clean()
    key.save()
    return key, raw


def _assert_error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert "message" in body["error"]
    return body["error"]


def test_authorization_header(demo, client):
    _key_obj, raw = _key(demo)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    assert response.json() == {
        "user": "owner@northwind.example.com",
        "organization": str(demo.organizations["northwind"].uuid),
        "organization_name": "Northwind Trading SRL", "role": "manager", "via": "api_key",
        "provider_wide": False,
    }


def test_x_api_key_header(demo, client):
    _key_obj, raw = _key(demo)
    response = client.get("/api/v1/feedback/", HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    north = Feedback.objects.filter(organization=demo.organizations["northwind"]).count()
    assert response.json()["count"] == north


def test_key_does_not_need_csrf(demo):
    from django.test import Client

    _key_obj, raw = _key(demo)
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/feedback/", data=json.dumps(
        {"kind": "wish", "subject": "From the ERP", "body": "Automated."}),
        content_type="application/json", HTTP_X_API_KEY=raw)
    assert response.status_code == 201
    event = AuditEvent.objects.get(action="feedback.create")
    assert event.actor_label.startswith("api-key:")


def test_session_api_write_needs_csrf(demo):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.users["member"])
    response = client.post("/api/v1/feedback/", data=json.dumps(
        {"kind": "wish", "subject": "No token", "body": "x"}), content_type="application/json")
    _assert_error(response, 403)
    assert not Feedback.objects.filter(subject="No token").exists()


def test_revoked_key_is_refused(demo, client):
    key, raw = _key(demo)
    key.revoke()
    key.save()
    _assert_error(client.get("/api/v1/feedback/", HTTP_AUTHORIZATION=f"Api-Key {raw}"), 401)


def test_expired_key_is_refused(demo, client):
    _key_obj, raw = _key(demo, expires_at=timezone.now() - dt.timedelta(seconds=1))
    error = _assert_error(client.get("/api/v1/feedback/", HTTP_X_API_KEY=raw), 401)
    assert error["code"] == "authentication_failed"


@pytest.mark.parametrize("header", [
    "Api-Key ", "Api-Key nonsense", "Api-Key cp_deadbeef_wrongsecret", "Api-Key cp__",
    "Api-Key " + "cp_" + "x" * 5000, "Api-Key cp_'; DROP TABLE api_apikey; --_x",
])
def test_malformed_key_is_refused(demo, client, header):
    _key(demo)
    _assert_error(client.get("/api/v1/feedback/", HTTP_AUTHORIZATION=header), 401)


def test_key_of_a_known_prefix_with_a_wrong_secret_is_refused(demo, client):
    key, raw = _key(demo)
    forged = f"cp_{key.prefix}_" + "A" * 43
    assert forged != raw
    _assert_error(client.get("/api/v1/feedback/", HTTP_X_API_KEY=forged), 401)


def test_inactive_organization_key_is_refused(demo, client):
    _key_obj, raw = _key(demo)
    demo.organizations["northwind"].is_active = False
    demo.organizations["northwind"].save()
    _assert_error(client.get("/api/v1/feedback/", HTTP_X_API_KEY=raw), 401)


def test_anonymous_is_401_with_the_error_shape(demo, client):
    response = client.get("/api/v1/feedback/")
    error = _assert_error(response, 401)
    assert error["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Api-Key"


def test_last_used_at_is_updated(demo, client):
    key, raw = _key(demo)
    assert key.last_used_at is None
    client.get("/api/v1/feedback/", HTTP_X_API_KEY=raw)
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=30)
    # Within a minute, no new write; later, a new one.
    client.get("/api/v1/feedback/", HTTP_X_API_KEY=raw)
    key.refresh_from_db()
    assert key.last_used_at == first
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - dt.timedelta(minutes=5))
    client.get("/api/v1/feedback/", HTTP_X_API_KEY=raw)
    key.refresh_from_db()
    assert key.last_used_at > first - dt.timedelta(minutes=5)


def _database_text(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return repr(cursor.fetchall())


def test_key_is_stored_hashed_only(demo):
    key, raw = _key(demo)
    secret = raw.split("_", 2)[2]
    stored = _database_text(ApiKey._meta.db_table)
    assert secret not in stored
    assert raw not in stored
    assert ApiKey.objects.get(pk=key.pk).secret_hash == hash_secret(raw)
    assert ApiKey.find(raw) == key


def test_portal_shows_a_new_key_once(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.post("/p/api-keys/new/", {"name": "Accounting export", "role": "manager"},
                           follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    # The secret is on the page the browser was sent to: reloading it neither shows the
    # secret again nor makes another key.
    shown_at = response.redirect_chain[-1][0]
    again = client.get(shown_at, follow=True).content.decode()
    assert ApiKey.objects.filter(name="Accounting export").count() == 1
    key = ApiKey.objects.get(name="Accounting export")
    assert key.organization == demo.organizations["northwind"]
    assert key.created_by == demo.users["owner"]
    raw = re.search(rf'value="(cp_{key.prefix}_[^"]+)"', html).group(1)
    assert ApiKey.find(raw) == key
    assert raw not in again and "shown once" in again
    assert raw.split("_", 2)[2] not in _database_text(ApiKey._meta.db_table)
    # Never again: not on the detail page, not in the list, not in the audit log.
    for path in [f"/p/api-keys/{key.uuid}/", "/p/api-keys/", f"/api/v1/api-keys/{key.uuid}/"]:
        assert raw not in client.get(path).content.decode(), path
    assert raw not in _database_text(AuditEvent._meta.db_table)
    # And it works.
    client.logout()
    assert client.get("/api/v1/me/", HTTP_X_API_KEY=raw).json()["role"] == "manager"


def test_portal_key_never_outranks_a_manager(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    client.post("/p/api-keys/new/", {"name": "Too strong", "role": "owner"})
    assert ApiKey.objects.get(name="Too strong").role == Role.MANAGER


def test_owner_revokes_a_key_in_the_portal(demo, login):
    key, raw = _key(demo)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.post(f"/p/api-keys/{key.uuid}/do/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEvent.objects.filter(action="api-keys.revoke", object_id=str(key.uuid)).exists()
    client.logout()
    _assert_error(client.get("/api/v1/feedback/", HTTP_X_API_KEY=raw), 401)


def test_provider_wide_key_lists_every_organization(demo, client):
    _key_obj, raw = _key(demo, org=None, role=Role.VIEWER, creator="admin")
    response = client.get("/api/v1/feedback/?page_size=500", HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    assert response.json()["count"] == Feedback.objects.count()
    me = client.get("/api/v1/me/", HTTP_X_API_KEY=raw).json()
    assert me["provider_wide"] is True and me["organization"] is None


# --- a key acts with at most its creator's current role ---------------------------------

def _create_feedback(client, raw):
    return client.post("/api/v1/feedback/", data=json.dumps(
        {"kind": "wish", "subject": "Through a key", "body": "b"}),
        content_type="application/json", HTTP_X_API_KEY=raw)


def test_a_key_acts_with_at_most_its_creators_current_role(demo, client):
    """A Manager key made by the owner becomes a Viewer key when the owner is a Viewer."""
    from apps.client_portal.core.models import Membership

    _obj, raw = _key(demo, role=Role.MANAGER, creator="owner")
    me = client.get("/api/v1/me/", HTTP_X_API_KEY=raw).json()
    assert me["role"] == Role.MANAGER
    assert _create_feedback(client, raw).status_code == 201
    Membership.objects.filter(user=demo.users["owner"],
                              organization=demo.organizations["northwind"]).update(
        role=Role.VIEWER)
    assert client.get("/api/v1/me/", HTTP_X_API_KEY=raw).json()["role"] == Role.VIEWER
    _assert_error(_create_feedback(client, raw), 403)
    # Reads within the Viewer's reach still work.
    assert client.get("/api/v1/invoices/", HTTP_X_API_KEY=raw).status_code == 200


@pytest.mark.parametrize("how", ["membership deactivated", "membership removed",
                                 "account closed"])
def test_a_key_stops_when_its_creator_leaves(demo, client, how):
    from apps.client_portal.core.models import Membership

    _obj, raw = _key(demo, role=Role.MEMBER, creator="manager")
    assert client.get("/api/v1/invoices/", HTTP_X_API_KEY=raw).status_code == 200
    membership = Membership.objects.filter(user=demo.users["manager"],
                                           organization=demo.organizations["northwind"])
    if how == "membership deactivated":
        membership.update(is_active=False)
    elif how == "membership removed":
        membership.delete()
    else:
        type(demo.users["manager"]).objects.filter(pk=demo.users["manager"].pk).update(
            is_active=False)
    error = _assert_error(client.get("/api/v1/invoices/", HTTP_X_API_KEY=raw), 401)
    assert "creator" in error["message"]
    assert Feedback.objects.filter(subject="Through a key").count() == 0


def test_a_provider_wide_key_stops_when_its_creator_is_no_longer_staff(demo, client):
    _obj, raw = _key(demo, org=None, creator="admin", role=Role.VIEWER)
    assert client.get("/api/v1/invoices/", HTTP_X_API_KEY=raw).status_code == 200
    type(demo.users["admin"]).objects.filter(pk=demo.users["admin"].pk).update(is_staff=False)
    _assert_error(client.get("/api/v1/invoices/", HTTP_X_API_KEY=raw), 401)


def test_owners_see_who_made_each_key_and_when_it_was_last_used(demo, client, login):
    key, raw = _key(demo, role=Role.MEMBER, creator="manager")
    client.get("/api/v1/invoices/", HTTP_X_API_KEY=raw)
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    listing = owner.get("/p/api-keys/").content.decode()
    assert "Marek Manning" in listing  # the creator, by name
    key.refresh_from_db()
    assert key.last_used_at is not None
    row = owner.get("/api/v1/api-keys/").json()["results"]
    mine = next(r for r in row if r["uuid"] == str(key.uuid))
    assert mine["creator"] == "Marek Manning" and mine["last_used_at"]


def test_the_api_returns_a_new_keys_secret_once(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    created = client.post("/api/v1/api-keys/", data=json.dumps({"name": "ERP", "role": "member"}),
                          content_type="application/json")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("cp_")
    assert client.get("/api/v1/me/", HTTP_X_API_KEY=secret).status_code == 200
    again = client.get(f"/api/v1/api-keys/{created.json()['uuid']}/").content.decode()
    # The random part is everything after "cp_<prefix>_" (it may hold "_" itself).
    assert secret not in again and secret.split("_", 2)[2] not in again

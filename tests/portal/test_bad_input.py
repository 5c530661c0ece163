"""Wrong, malformed and hostile input gets a clear answer or is ignored; never a 500."""

import json
import re

import pytest
from django.core import mail

from apps.client_portal.core.demo import DEMO_PASSWORD
from apps.client_portal.core.models import AuditEvent, Feedback, Organization
from apps.client_portal.core.registry import registry

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Lockout and rate-limit counters live in the cache and the axes tables."""
    from axes.utils import reset
    from django.core.cache import cache

    cache.clear()
    reset()
    yield
    cache.clear()
    reset()


def _login(client, email, password, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def _form_errors(response):
    form = response.context["form"]
    return form.errors


# --- signing in ---------------------------------------------------------------------

def test_wrong_password_shows_a_form_error_and_is_audited(demo, client):
    response = _login(client, "member@northwind.example.com", "not-the-password",
                      REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="BadInput/1.0")
    assert response.status_code == 200
    assert _form_errors(response)
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="login_failed")
    assert event.changes["login"] == "member@northwind.example.com"
    assert event.ip == "198.51.100.7"
    assert event.user_agent == "BadInput/1.0"
    assert "not-the-password" not in json.dumps(event.changes)


def test_unknown_user_gets_the_same_answer(demo, client):
    known = _login(client, "member@northwind.example.com", "wrong-password-1")
    unknown = _login(client, "nobody@example.com", "wrong-password-1")
    assert unknown.status_code == 200
    assert _form_errors(unknown) == _form_errors(known)
    assert AuditEvent.objects.filter(action="login_failed").count() == 2


def test_correct_password_signs_in(demo, client):
    response = _login(client, "member@northwind.example.com", DEMO_PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(demo.users["member"].pk)


def test_lockout_after_five_failures_until_reset(demo, client):
    from axes.utils import reset
    from django.core.cache import cache

    email = "viewer@northwind.example.com"
    responses = [_login(client, email, f"wrong-{n}") for n in range(5)]
    assert [r.status_code for r in responses[:4]] == [200] * 4
    locked = responses[-1]
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # The right password does not help while the lockout lasts.
    response = _login(client, email, DEMO_PASSWORD)
    assert response.status_code != 302
    assert "_auth_user_id" not in client.session
    # Another person is not locked out by it.
    assert _login(client, "member@northwind.example.com", DEMO_PASSWORD).status_code == 302
    client.logout()

    reset(username=email)
    cache.clear()  # allauth's own rate limit on the same login
    response = _login(client, email, DEMO_PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(demo.users["viewer"].pk)


def test_login_is_case_insensitive_for_the_lockout_counter(demo, client):
    responses = [
        _login(client, "Viewer@Northwind.EXAMPLE.com" if n % 2 else
               "viewer@northwind.example.com", f"wrong-{n}")
        for n in range(5)
    ]
    assert responses[-1].status_code == 429
    assert "_auth_user_id" not in client.session


# --- password reset -----------------------------------------------------------------

def _reset_link(client, email):
    response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)",
                      mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_tampered_reset_link_is_a_bad_token(demo, client):
    link = _reset_link(client, "member@northwind.example.com")
    tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]
    response = client.get(tampered, follow=True)
    assert response.status_code == 200
    assert response.context["token_fail"] is True
    garbage = client.get("/accounts/password/reset/key/zz-not-a-token/", follow=True)
    assert garbage.status_code == 200
    assert garbage.context["token_fail"] is True


def test_expired_reset_link_is_a_bad_token(demo, client, settings):
    link = _reset_link(client, "member@northwind.example.com")
    settings.PASSWORD_RESET_TIMEOUT = -1  # every token is now older than allowed
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert response.context["token_fail"] is True


def test_valid_reset_link_is_accepted(demo, client):
    link = _reset_link(client, "member@northwind.example.com")
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert not response.context.get("token_fail")


# --- sessions -----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["garbage", "x" * 500, "", "' OR 1=1 --", "..%2f..%2f"])
def test_tampered_session_cookie_is_anonymous(demo, client, login, settings, value):
    login(demo.users["owner"], demo.organizations["northwind"])
    client.cookies[settings.SESSION_COOKIE_NAME] = value
    response = client.get("/p/feedback/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    api = client.get("/api/v1/feedback/")
    assert api.status_code in (401, 403)
    assert "error" in api.json()


# --- forms --------------------------------------------------------------------------

def _member(login, demo):
    return login(demo.users["member"], demo.organizations["northwind"])


@pytest.mark.parametrize("data, field", [
    ({"kind": "wish", "subject": "s" * 201, "body": "fine"}, "subject"),
    ({"kind": "wish", "subject": "Long", "body": "b" * 10001}, "body"),
    ({"kind": "nonsense", "subject": "Odd kind", "body": "fine"}, "kind"),
    ({"kind": "wish", "subject": "", "body": "fine"}, "subject"),
    ({"kind": "wish", "subject": "Page", "body": "fine", "page": "p" * 301}, "page"),
])
def test_feedback_form_rejects_bad_values(demo, login, data, field):
    client = _member(login, demo)
    before = Feedback.objects.count()
    response = client.post("/p/feedback/new/", data)
    assert response.status_code == 400  # as the API answers the same input
    assert field in _form_errors(response)
    assert Feedback.objects.count() == before


def test_organization_profile_rejects_an_invalid_phone(demo, login):
    org = demo.organizations["northwind"]
    client = login(demo.users["manager"], org)
    response = client.post(f"/p/organization/{org.uuid}/edit/", {
        "address": "Changed 1", "city": "Cluj-Napoca", "postal_code": "400001",
        "email": "office@northwind.example.com", "phone": "12345",
    })
    assert response.status_code == 400
    assert "phone" in _form_errors(response)
    org.refresh_from_db()
    assert (org.phone, org.address) == ("+40264000111", "Str. Exemplului 12")
    assert not AuditEvent.objects.filter(action="organization.update").exists()


def test_organization_profile_rejects_a_bad_email(demo, login):
    org = demo.organizations["northwind"]
    client = login(demo.users["manager"], org)
    response = client.post(f"/p/organization/{org.uuid}/edit/", {"email": "not-an-email"})
    assert response.status_code == 400
    assert "email" in _form_errors(response)
    assert Organization.objects.get(pk=org.pk).email == "office@northwind.example.com"


# --- lists: malformed query strings -------------------------------------------------

def test_bad_date_filter_is_a_message_not_a_500(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.get("/p/feedback/?created_at__date__gte=notadate")
    assert response.status_code == 200
    assert response.context["filterset"].errors
    assert response.context["page"].count == 0
    api = client.get("/api/v1/feedback/?created_at__date__gte=notadate")
    assert api.status_code < 500


def test_bad_paging_and_ordering_are_ignored(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    plain = client.get("/p/feedback/")
    for query in ["page=abc", "page=-1", "page=99999", "ordering=password",
                  "ordering=author__password", "page_size=999999", "page_size=abc",
                  "view=nonsense", "search=" + "x" * 5000]:
        response = client.get(f"/p/feedback/?{query}")
        assert response.status_code == 200, query
        assert response.context["page"].page_size == 25, query
    response = client.get("/p/feedback/?ordering=password")
    assert [r.pk for r in response.context["objects"]] == [r.pk for r in plain.context["objects"]]


def test_api_page_size_is_capped(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.get("/api/v1/notifications/?page_size=999999")
    assert response.status_code == 200
    assert len(response.json()["results"]) <= 500
    # A page number that is not one gives the first page, as in the portal.
    bad = client.get("/api/v1/notifications/?page=abc")
    assert bad.status_code == 200
    assert bad.json()["results"] == client.get("/api/v1/notifications/").json()["results"]


def test_malformed_query_strings_never_500_on_any_list(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    failures = []
    for resource in registry:
        hostile = {"page": "abc", "ordering": "password", "page_size": "999999",
                   "search": "%' OR 1=1 --", "view": "x"}
        for name in resource.filterset_class().base_filters:
            hostile[name] = "notadate'\"<x>"
        query = "&".join(f"{k}={v}" for k, v in hostile.items())
        paths = [f"/p/{resource.slug}/?{query}"]
        if resource.export and not resource.singleton:
            paths.append(f"/p/{resource.slug}/export.csv?{query}")
        if resource.api:
            paths.append(f"/api/v1/{resource.slug}/?{query}")
        for path in paths:
            response = client.get(path, follow=True)
            if response.status_code >= 500:
                failures.append(f"{path}: {response.status_code}")
            elif b"<x>" in getattr(response, "content", b""):
                failures.append(f"{path}: reflects unescaped input")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", [
    "/p/feedback/not-a-uuid/",
    "/p/feedback/00000000-0000-0000-0000-000000000000/",
    "/p/feedback/00000000-0000-0000-0000-000000000000/do/withdraw/",
    "/p/no-such-resource/",
    "/p/feedback/export.pdf",
])
def test_garbage_paths_are_404(demo, login, path):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.post(path) if "/do/" in path else client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("path", [
    "/api/v1/feedback/------------------------------------/",
    "/api/v1/feedback/00000000-0000-0000-0000-000000000000/",
    "/api/v1/feedback/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz/",
])
def test_api_garbage_uuid_is_404(demo, login, path):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.get(path)
    assert response.status_code == 404


# --- API input ----------------------------------------------------------------------

def _post_raw(client, path, body):
    return client.post(path, data=body, content_type="application/json")


def test_api_bad_json_is_400_with_the_error_shape(demo, login):
    client = _member(login, demo)
    before = Feedback.objects.count()
    response = _post_raw(client, "/api/v1/feedback/", '{"subject": "half')
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert isinstance(error["fields"], dict) and error["fields"]
    assert Feedback.objects.count() == before


@pytest.mark.parametrize("payload, fields", [
    ({"kind": 5, "subject": ["a", "b"], "body": "x"}, {"kind", "subject"}),
    ({"kind": "nonsense", "subject": "Odd", "body": "x"}, {"kind"}),
    ({"kind": "wish", "subject": "s" * 201, "body": "x"}, {"subject"}),
    ({"kind": "wish", "subject": "Long", "body": "b" * 10001}, {"body"}),
    ({}, {"subject", "body"}),
])
def test_api_wrong_types_are_400_with_field_errors(demo, login, payload, fields):
    client = _member(login, demo)
    before = Feedback.objects.count()
    response = _post_raw(client, "/api/v1/feedback/", json.dumps(payload))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert fields <= set(error["fields"]), error
    assert Feedback.objects.count() == before


def test_api_body_that_is_not_an_object_is_400(demo, login):
    client = _member(login, demo)
    for body in ['["a list"]', '"a string"', "42", "null"]:
        response = _post_raw(client, "/api/v1/feedback/", body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid", body


def test_api_patch_with_an_invalid_phone_saves_nothing(demo, login):
    org = demo.organizations["northwind"]
    client = login(demo.users["manager"], org)
    response = client.patch(f"/api/v1/organization/{org.uuid}/",
                            data=json.dumps({"phone": "12345", "city": "Dej"}),
                            content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "phone" in error["fields"]
    org.refresh_from_db()
    assert (org.phone, org.city) == ("+40264000111", "Cluj-Napoca")

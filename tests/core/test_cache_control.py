"""Pages, API answers and files meant for one person carry ``Cache-Control: private, no-store``."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory

from apps.client_portal.api.models import ApiKey
from apps.client_portal.core.caching import PrivateNoStoreMiddleware
from apps.client_portal.core.tenancy import Role

pytestmark = pytest.mark.django_db

PRIVATE = "private, no-store"
MIDDLEWARE = "apps.client_portal.core.caching.PrivateNoStoreMiddleware"


@pytest.fixture(autouse=True)
def private_middleware(settings):
    """The middleware where it belongs: right after AuthenticationMiddleware."""
    chain = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    at = chain.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    settings.MIDDLEWARE = [*chain[:at], MIDDLEWARE, *chain[at:]]


@pytest.fixture
def member(demo, login):
    return login(demo.users["member"], demo.organizations["northwind"])


def test_a_signed_in_list_page_is_private(member):
    response = member.get("/p/invoices/")
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_an_api_answer_to_a_session_is_private(member):
    response = member.get("/api/v1/feedback/")
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_an_api_answer_to_an_api_key_is_private(demo, client):
    key = ApiKey(name="Cache test", organization=demo.organizations["northwind"],
                 role=Role.MEMBER, created_by=demo.users["owner"])
    raw = key.generate()
    key.save()
    response = client.get("/api/v1/feedback/", HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE
    # A refused key is answered privately too: the answer is about that key.
    refused = client.get("/api/v1/feedback/", HTTP_AUTHORIZATION="Api-Key cp_nope_nope")
    assert refused.status_code == 401 and refused["Cache-Control"] == PRIVATE


def test_an_export_is_private(member):
    response = member.get("/p/invoices/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == PRIVATE


def test_the_anonymous_sign_in_page_is_left_to_its_view(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response.get("Cache-Control") != PRIVATE


def test_a_cache_control_set_by_the_view_is_kept(member):
    response = member.get("/healthz")  # never_cache
    assert "max-age=0" in response["Cache-Control"]


# --- the middleware alone ------------------------------------------------------------
class _Person:
    is_authenticated = True


def _through(path, response, user=None, **headers):
    request = RequestFactory().get(path, **headers)
    request.user = user or AnonymousUser()
    return PrivateNoStoreMiddleware(lambda _request: response)(request)


def test_static_files_are_left_alone(settings):
    settings.STATIC_URL = "/static/"
    response = _through("/static/portal/portal.js", HttpResponse("js"), _Person())
    assert not response.has_header("Cache-Control")


def test_downloads_are_private_even_without_a_session():
    csv = HttpResponse("a,b", content_type="text/csv; charset=utf-8")
    assert _through("/p/invoices/export.csv", csv)["Cache-Control"] == PRIVATE
    xlsx = HttpResponse(b"PK", content_type="application/vnd.openxmlformats-officedocument."
                                            "spreadsheetml.sheet")
    assert _through("/x", xlsx)["Cache-Control"] == PRIVATE
    attachment = HttpResponse(b"%PDF")
    attachment["Content-Disposition"] = 'attachment; filename="a.pdf"'
    assert _through("/x", attachment)["Cache-Control"] == PRIVATE
    assert _through("/x", FileResponse(iter([b"data"])))["Cache-Control"] == PRIVATE


def test_an_anonymous_page_gets_nothing():
    assert not _through("/accounts/login/", HttpResponse("hi")).has_header("Cache-Control")


def test_a_view_that_chose_its_own_cache_control_keeps_it():
    response = HttpResponse("public")
    response["Cache-Control"] = "public, max-age=60"
    assert _through("/x", response, _Person())["Cache-Control"] == "public, max-age=60"

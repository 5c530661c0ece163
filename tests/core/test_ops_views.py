"""The liveness check and the benchmark's empty page."""

import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_a_session(client):
    """A load balancer probes it without signing in; it says only up or down."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_a_database_it_cannot_reach(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("database is gone")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "gone" not in response.content.decode()


def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/p/notifications/").status_code == 301


def test_healthz_refuses_changes(client):
    assert client.post("/healthz").status_code == 405


def test_bench_empty_page_is_off_by_default(demo, login, settings):
    settings.BENCH_VIEWS = False
    client = login(demo.users["owner"], demo.organizations["northwind"])
    assert client.get("/_bench/empty/").status_code == 404


def test_bench_empty_page_needs_a_signed_in_person(client, settings):
    settings.BENCH_VIEWS = True
    response = client.get("/_bench/empty/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_bench_empty_page_when_enabled(demo, login, settings):
    settings.BENCH_VIEWS = True
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.get("/_bench/empty/")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_bench_shell_is_off_by_default_and_needs_a_member(demo, login, client, settings):
    settings.BENCH_VIEWS = False
    assert login(demo.users["owner"], demo.organizations["northwind"]).get(
        "/_bench/shell/").status_code == 404
    settings.BENCH_VIEWS = True
    client.logout()
    response = client.get("/_bench/shell/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bench_shell_is_the_page_shell_with_nothing_in_it(demo, login, settings):
    settings.BENCH_VIEWS = True
    client = login(demo.users["owner"], demo.organizations["northwind"])
    html = client.get("/_bench/shell/").content.decode()
    assert '<header class="topbar">' in html and '<nav class="sidenav"' in html
    assert "Northwind Trading SRL" in html
    main = html[html.index('<main id="main"'):html.index("</main>")]
    assert "<table" not in main and "<form" not in main

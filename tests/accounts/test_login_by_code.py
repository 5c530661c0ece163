"""Login by emailed code, where the site enables it (LOGIN_BY_CODE)."""

import importlib
import re

import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.urls import clear_url_caches

pytestmark = pytest.mark.django_db


def _reload_urls():
    import allauth.account.urls
    import allauth.urls

    import config.urls

    for module in (allauth.account.urls, allauth.urls, config.urls):
        importlib.reload(module)
    clear_url_caches()


def _login_by_code(settings, enabled):
    """allauth adds the login-by-code URLs only when on: reload the URLconf both ways."""
    from django.conf import settings as live

    before = live.ACCOUNT_LOGIN_BY_CODE_ENABLED
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = enabled
    _reload_urls()
    yield settings
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = before
    _reload_urls()


@pytest.fixture
def by_code(settings):
    yield from _login_by_code(settings, True)


@pytest.fixture
def code_off(settings):
    yield from _login_by_code(settings, False)


def _request_code(client, email):
    return client.post("/accounts/login/code/", {"email": email})


def test_sign_in_with_an_emailed_code(demo, client, by_code):
    assert "/accounts/login/code/" in client.get("/accounts/login/").content.decode()
    response = _request_code(client, "owner@northwind.example.com")
    assert response.status_code == 302
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.M).group(1)
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert get_user(client) == demo.users["owner"]


def test_wrong_code_does_not_sign_in(demo, client, by_code):
    _request_code(client, "owner@northwind.example.com")
    response = client.post("/accounts/login/code/confirm/", {"code": "ZZZZ-ZZZZ"})
    assert not get_user(client).is_authenticated
    assert response.status_code == 200


def test_unknown_email_gets_no_code(demo, client, by_code):
    _request_code(client, "nobody@example.com")
    assert not get_user(client).is_authenticated
    assert not any(re.search(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$", m.body, re.M) for m in mail.outbox)


def test_off_unless_the_site_enables_it(demo, client, code_off):
    assert client.get("/accounts/login/code/").status_code == 404
    assert "/accounts/login/code/" not in client.get("/accounts/login/").content.decode()

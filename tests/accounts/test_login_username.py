"""The login the account page shows signs the person in, where the site takes logins;
where it does not, the page does not show one. Signed in, a person is named by name."""

import re

import pytest
from django.contrib import messages as django_messages
from django.contrib.auth import get_user

from apps.client_portal.core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _shown_login(client):
    html = client.get("/account/").content.decode()
    found = re.search(r"<dt>Login</dt><dd>([^<]*)</dd>", html)
    return found.group(1) if found else None


def test_the_login_the_account_page_shows_signs_in(settings, demo, client):
    settings.LOGIN_IDENTIFIERS = ["email", "phone", "national_id", "username"]  # the demo's
    owner = demo.users["owner"]
    client.force_login(owner)
    shown = _shown_login(client)
    assert shown == owner.username == "olivia.owens"
    client.logout()

    response = client.post(LOGIN, {"login": shown, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert get_user(client) == owner


def test_a_login_in_other_case_or_with_spaces_signs_in_too(settings, demo, client):
    settings.LOGIN_IDENTIFIERS = ["email", "username"]
    response = client.post(LOGIN, {"login": "  Olivia.Owens ", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert get_user(client) == demo.users["owner"]


def test_a_wrong_password_with_a_login_is_refused(settings, demo, client):
    settings.LOGIN_IDENTIFIERS = ["email", "username"]
    response = client.post(LOGIN, {"login": "olivia.owens", "password": "not-the-password"})
    assert response.status_code == 200
    assert not get_user(client).is_authenticated


def test_where_logins_do_not_sign_in_the_page_shows_none(settings, demo, client):
    settings.LOGIN_IDENTIFIERS = ["email", "phone", "national_id"]
    owner = demo.users["owner"]
    client.force_login(owner)
    html = client.get("/account/").content.decode()
    assert _shown_login(client) is None and owner.username not in html
    assert owner.email in html  # the email, which does sign in, is still shown
    client.logout()
    response = client.post(LOGIN, {"login": owner.username, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert not get_user(client).is_authenticated


def test_the_welcome_message_names_the_person(settings, demo, client):
    settings.LOGIN_IDENTIFIERS = ["email", "username"]
    response = client.post(LOGIN, {"login": "olivia.owens", "password": DEMO_PASSWORD})
    texts = [str(m) for m in django_messages.get_messages(response.wsgi_request)]
    assert any("Olivia Owens" in text for text in texts), texts
    assert not any("olivia.owens" in text for text in texts), texts


def test_a_person_without_a_name_is_named_by_email(demo):
    from apps.client_portal.accounts.adapter import user_display

    person = demo.users["owner"]
    person.first_name = person.last_name = ""
    assert user_display(person) == person.email


def test_the_demo_site_takes_logins():
    import json
    from pathlib import Path

    from django.conf import settings

    config = json.loads((Path(settings.BASE_DIR) / "sites/demo/site_config.json").read_text())
    assert "username" in config["login_identifiers"]

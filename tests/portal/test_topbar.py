"""The page header: the site, the person, the organization switcher, the language.

It carries a CSRF token that works for the request it is sent with, and follows
every change of what it shows (names, roles, memberships, language).
"""

import re

import pytest
from django.test import Client

from apps.client_portal.core.models import Membership

pytestmark = pytest.mark.django_db


def _header(response):
    html = response.content.decode()
    match = re.search(r'<header class="topbar">.*?</header>', html, re.S)
    assert match, "no page header"
    return match.group(0)


def test_the_header_shows_the_site_title_the_person_and_the_organization(demo, login,
                                                                         settings):
    settings.SITE_TITLE = "Northern Lights Portal"
    user, organization = demo.users["multi"], demo.organizations["contoso"]
    header = _header(login(user, organization).get("/p/notifications/"))
    assert re.search(r'class="brand"[^>]*>.*Northern Lights Portal.*?</a>', header, re.S)
    assert organization.name in header and user.get_full_name() in header
    assert "Switch organization" in header  # a person of two organizations
    assert demo.organizations["northwind"].name in header


def test_the_header_for_visitors_has_the_language_form_only(db):
    client = Client()
    header = _header(client.get("/accounts/login/"))
    assert 'name="language"' in header
    assert "usermenu" not in header


def test_each_request_gets_a_working_csrf_token(demo):
    user, northwind = demo.users["owner"], demo.organizations["northwind"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    tokens = set()
    for _ in range(2):
        header = _header(client.get("/p/notifications/"))
        found = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', header))
        assert len(found) == 1
        tokens |= found
    assert len(tokens) == 2  # masked afresh for every response
    # The language form of the reused header posts successfully with its token.
    response = client.post("/language/", {
        "language": "ro", "next": "/", "csrfmiddlewaretoken": tokens.pop(),
    })
    assert response.status_code == 302
    assert northwind.name in _header(client.get("/"))


def test_the_current_path_is_escaped(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    header = _header(client.get('/p/notifications/?search="><script>x</script>'))
    assert "<script>x" not in header
    assert 'value="/p/notifications/?search=%22%3E%3Cscript%3Ex%3C/script%3E"' in header


def test_the_header_follows_the_data(demo, login):
    user, northwind = demo.users["multi"], demo.organizations["northwind"]
    client = login(user, northwind)
    assert "Switch organization" in _header(client.get("/"))

    northwind.name = "Northwind Renamed SRL"
    northwind.save()
    user.first_name = "Dorina"
    user.save()
    header = _header(client.get("/"))
    assert "Northwind Renamed SRL" in header and "Dorina" in header

    membership = Membership.objects.get(user=user, organization=northwind)
    membership.role = "viewer"
    membership.save()
    assert "Viewer" in _header(client.get("/"))

    Membership.objects.filter(user=user).exclude(pk=membership.pk).update(is_active=False)
    header = _header(client.get("/"))
    assert "Switch organization" not in header and "Northwind Renamed SRL" in header

    user.language = "pl"
    user.save()
    assert "Moje konto" in _header(client.get("/"))

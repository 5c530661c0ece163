"""The page header is rendered once per person, organization and language, and reused.

What is reused must equal a plain rendering of ``portal/_topbar.html``, carry a
CSRF token that works for the request it is sent with, and follow every change
of what it shows (names, roles, memberships, language).
"""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from apps.client_portal.core.models import Membership
from apps.client_portal.portal import context_processors

pytestmark = pytest.mark.django_db


def _header(response):
    html = response.content.decode()
    match = re.search(r'<header class="topbar">.*?</header>', html, re.S)
    assert match, "no page header"
    return match.group(0)


def _plain(response, user, membership, memberships):
    """The header as the template renders it, with the response's own token and path."""
    header = _header(response)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', header).group(1)
    path = re.search(r'name="next" value="([^"]*)"', header).group(1)
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        html = render_to_string("portal/_topbar.html", {
            "user": user,
            "active_membership": membership,
            "other_memberships": memberships,
            "csrf_token": token,
            "next_path": context_processors.NEXT_MARK,
        })
    return html.replace(context_processors.NEXT_MARK, path).strip()


@pytest.mark.parametrize("key, org", [("owner", "northwind"), ("multi", "contoso")])
def test_the_reused_header_equals_a_plain_rendering(demo, login, key, org):
    user, organization = demo.users[key], demo.organizations[org]
    client = login(user, organization)
    memberships = list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization").order_by("organization__name", "pk")
    )
    membership = next(m for m in memberships if m.organization == organization)
    first = client.get("/p/notifications/")
    second = client.get("/p/notifications/?page=1")  # from the cache this time
    for response in (first, second):
        assert _header(response) == _plain(response, user, membership, memberships)
    if len(memberships) > 1:
        assert "Switch organization" in _header(second)


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
        assert len(found) == 1 and context_processors.CSRF_MARK not in header
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

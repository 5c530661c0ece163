"""Browsers are named as a person names them ("Chrome on Linux"), on the sessions page
and in the audit log, never by their whole identification string."""

import pytest
from django.utils import translation

from apps.client_portal.core.useragent import summary

pytestmark = pytest.mark.django_db

CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36")


@pytest.mark.parametrize("agent, expected", [
    (CHROME_LINUX, "Chrome on Linux"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15", "Safari on macOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
     "Firefox on Linux"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera on Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64) Demo", "A browser on Linux"),
    ("curl/8.5.0", "curl"),
    ("Mozilla/5.0", "Unknown browser"),
    ("", ""),
])
def test_a_browser_is_summed_up(agent, expected):
    with translation.override("en"):
        assert summary(agent) == expected


def test_the_sessions_page_names_browsers_not_their_strings(demo, client):
    from allauth.usersessions.models import UserSession

    owner = demo.users["owner"]
    client.force_login(owner)
    UserSession.objects.update_or_create(
        user=owner, session_key=client.session.session_key,
        defaults={"ip": "192.0.2.7", "user_agent": CHROME_LINUX})
    page = client.get("/accounts/sessions/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Chrome on Linux" in body and "AppleWebKit" not in body and "192.0.2.7" in body


def test_the_audit_log_names_the_browser(demo, login):
    from apps.client_portal.core.models import AuditEvent

    owner, org = demo.users["owner"], demo.organizations["northwind"]
    event = AuditEvent.objects.create(organization=org, actor=owner, action="login",
                                      actor_label=owner.email, user_agent=CHROME_LINUX,
                                      ip="192.0.2.8")
    body = login(owner, org).get(f"/p/audit/{event.uuid}/",
                                 HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chrome on Linux" in body and "AppleWebKit" not in body

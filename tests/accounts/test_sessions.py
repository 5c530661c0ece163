"""Sessions: the list with device and address, signing out others, one-session limit, idle."""

import time

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user
from django.test import Client

from apps.client_portal.accounts.middleware import LAST_SEEN_KEY
from apps.client_portal.core.demo import DEMO_PASSWORD
from apps.client_portal.core.models import AuditEvent

pytestmark = pytest.mark.django_db

EMAIL = "owner@northwind.example.com"


def _browser(agent, ip):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"login": EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def test_sessions_are_listed_with_device_and_address(demo):
    _browser("Mozilla/5.0 (Windows NT 10.0) Firefox/130.0", "198.51.100.20")
    laptop = _browser("Mozilla/5.0 (X11; Linux x86_64) Chrome/129.0", "198.51.100.21")
    page = laptop.get("/accounts/sessions/").content.decode()
    assert "198.51.100.20" in page and "198.51.100.21" in page
    assert "Firefox on Windows" in page and "Chrome on Linux" in page  # read, not raw
    assert UserSession.objects.filter(user=demo.users["owner"]).count() == 2


def test_sign_out_of_the_other_sessions(demo):
    phone = _browser("Phone browser", "198.51.100.30")
    laptop = _browser("Laptop browser", "198.51.100.31")
    response = laptop.post("/accounts/sessions/", {"action": "sign_out"})
    assert response.status_code == 302
    assert get_user(laptop).is_authenticated
    assert not get_user(phone).is_authenticated
    assert phone.get("/").status_code == 302
    assert UserSession.objects.filter(user=demo.users["owner"]).count() == 1


def test_one_session_per_account_when_the_site_says_so(demo, settings):
    settings.SINGLE_SESSION = True
    first = _browser("First", "198.51.100.40")
    second = _browser("Second", "198.51.100.41")
    assert get_user(second).is_authenticated
    assert not get_user(first).is_authenticated
    assert AuditEvent.objects.filter(action="sessions.end_others",
                                     actor=demo.users["owner"]).exists()


def test_several_sessions_allowed_by_default(demo, settings):
    settings.SINGLE_SESSION = False
    first = _browser("First", "198.51.100.40")
    _browser("Second", "198.51.100.41")
    assert get_user(first).is_authenticated


def test_idle_session_is_signed_out(demo, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    client = _browser("Idle", "198.51.100.50")
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 601
    session.save()
    response = client.get("/p/notifications/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fp%2Fnotifications%2F"
    assert not get_user(client).is_authenticated
    assert AuditEvent.objects.filter(action="logout.idle").exists()


def test_active_session_stays(demo, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    client = _browser("Busy", "198.51.100.51")
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 300
    session.save()
    assert client.get("/").status_code == 200
    assert get_user(client).is_authenticated

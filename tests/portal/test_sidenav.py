"""The side menu is rendered once per role, language, page and unread count."""

import re

import pytest
from django.utils import timezone

from apps.client_portal.core.models import Notification

pytestmark = pytest.mark.django_db


def _nav(response):
    html = response.content.decode()
    match = re.search(r'<nav class="sidenav".*?</nav>', html, re.S)
    assert match, "no side menu"
    return match.group(0)


def _badge(nav):
    match = re.search(r'<span class="badge" aria-hidden="true">(\d+)</span>', nav)
    return int(match.group(1)) if match else 0


def test_the_unread_badge_follows_the_data(demo, login):
    owner, northwind = demo.users["owner"], demo.organizations["northwind"]
    client = login(owner, northwind)
    unread = Notification.objects.filter(user=owner, organization=northwind, read_at__isnull=True)
    before = unread.count()
    assert _badge(_nav(client.get("/p/notifications/"))) == before

    Notification.objects.create(user=owner, organization=northwind, title="Fresh news")
    assert _badge(_nav(client.get("/p/notifications/"))) == before + 1

    unread.update(read_at=timezone.now())
    nav = _nav(client.get("/p/notifications/"))
    assert _badge(nav) == 0
    assert "unread" not in nav


def test_the_badge_stops_counting_at_99(demo, login):
    owner, northwind = demo.users["owner"], demo.organizations["northwind"]
    client = login(owner, northwind)
    unread = Notification.objects.filter(user=owner, organization=northwind, read_at__isnull=True)
    missing = 99 - unread.count()
    Notification.objects.bulk_create(
        Notification(user=owner, organization=northwind, title=f"News {i}") for i in range(missing)
    )
    nav = _nav(client.get("/"))
    assert _badge(nav) == 99 and ", 99 unread" in nav

    Notification.objects.create(user=owner, organization=northwind, title="One more")
    nav = _nav(client.get("/"))
    assert '<span class="badge" aria-hidden="true">99+</span>' in nav
    assert "more than 99 unread" in nav
    assert unread.count() == 100  # the badge stopped counting, the data did not


def test_the_current_page_and_the_language_are_marked(demo, login):
    owner, northwind = demo.users["owner"], demo.organizations["northwind"]
    client = login(owner, northwind)
    nav = _nav(client.get("/p/notifications/"))
    assert re.search(r'href="/p/notifications/" aria-current="page"', nav)
    assert 'href="/" aria-current' not in nav

    nav = _nav(client.get("/"))
    assert re.search(r'href="/" aria-current="page"', nav)
    assert 'href="/p/notifications/" aria-current' not in nav

    owner.language = "ro"
    owner.save(update_fields=["language"])
    nav = _nav(client.get("/"))
    assert "Prezentare generală" in nav


def test_the_menu_follows_the_role(demo, login):
    viewer, owner = demo.users["viewer"], demo.users["owner"]
    northwind = demo.organizations["northwind"]
    viewer_nav = _nav(login(viewer, northwind).get("/"))
    owner_nav = _nav(login(owner, northwind).get("/"))
    viewer_links = set(re.findall(r'href="(/p/[^"]+/)"', viewer_nav))
    owner_links = set(re.findall(r'href="(/p/[^"]+/)"', owner_nav))
    assert viewer_links <= owner_links

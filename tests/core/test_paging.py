"""Counts that don't grow with the data: lists past 10,000 rows say "10,000+" and still page;
the API walks long lists by cursors."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.client_portal.core import paging
from apps.client_portal.core.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 30 rows stands for 10,000: the same code, a cheap test."""
    monkeypatch.setattr(paging, "COUNT_CAP", 30)
    monkeypatch.setattr(paging.paginate, "__defaults__", (30,))
    monkeypatch.setattr(paging.count_capped, "__defaults__", (30,))


@pytest.fixture
def inbox(demo):
    user, org = demo.users["owner"], demo.organizations["northwind"]
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(user=user, organization=org, title=f"Bulk {i:03d}",
                     created_at=now - dt.timedelta(minutes=i))
        for i in range(60))
    return Notification.objects.filter(user=user, organization=org)


def test_the_count_stops_at_the_cap_and_says_so(inbox, small_cap):
    assert paging.count_capped(inbox) == (30, True)
    assert paging.count_capped(inbox.filter(title="Bulk 001")) == (1, False)
    ordered = inbox.order_by("-created_at", "-id")
    second = paging.paginate(ordered, 2, 25)
    assert second.capped and second.num_pages is None
    assert second.has_next and second.has_previous and len(second) == 25
    third = paging.paginate(ordered, 3, 25)  # past the cap: read, not counted
    assert len(third) == inbox.count() - 50 and not third.has_next


def test_the_portal_list_shows_cap_plus_and_still_pages(demo, login, inbox, small_cap):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    first = client.get("/p/notifications/?page_size=25").content.decode()
    assert "30+ records" in first
    assert "Page 1" in first and "of" not in first.split("Page 1")[1][:10]
    total = inbox.count()
    last_page = -(-total // 25)
    last = client.get(f"/p/notifications/?page_size=25&page={last_page}")
    assert last.status_code == 200
    assert len(last.context["objects"]) == total - 25 * (last_page - 1)
    assert not last.context["page"].has_next


def test_the_api_count_is_capped_and_next_still_leads_on(demo, login, inbox, small_cap):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    body = client.get("/api/v1/notifications/?page_size=25").json()
    assert (body["count"], body["count_capped"]) == (30, True)
    seen = [r["uuid"] for r in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        seen += [r["uuid"] for r in body["results"]]
    assert len(seen) == len(set(seen)) == inbox.count()


def test_the_api_walks_a_list_by_cursors(demo, login, inbox):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    body = client.get("/api/v1/notifications/?cursor=&page_size=20").json()
    assert "count" not in body and len(body["results"]) == 20
    seen = [r["uuid"] for r in body["results"]]
    # A row added while walking is neither skipped in what follows nor repeated.
    Notification.objects.create(user=demo.users["owner"], organization=demo.organizations[
        "northwind"], title="Arrived meanwhile")
    while body["next"]:
        body = client.get(body["next"]).json()
        seen += [r["uuid"] for r in body["results"]]
    assert len(seen) == len(set(seen))
    assert set(seen) == {str(u) for u in inbox.exclude(title="Arrived meanwhile")
                         .values_list("uuid", flat=True)}

"""The API list and the portal list agree: same filters, search, presets, order, counts.

Query strings are built from the registry and the demo rows, no code per resource.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from apps.client_portal.core.registry import registry

pytestmark = pytest.mark.django_db


def _value(obj, flt):
    path = flt.field_name.split("__")
    value = obj
    for part in path:
        value = getattr(value, part, None)
        if value is None:
            return None
    lookup = flt.lookup_expr
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if lookup in {"exact", "gte", "lte", "date__gte", "date__lte"} or lookup.endswith("exact"):
        return str(value)
    return None


def _queries(resource, rows):
    queries = [{}]
    if rows and resource.search_fields:
        word = next((w for w in str(rows[0]).split() if len(w) >= 3), str(rows[0])[:10])
        queries.append({"search": word})
    for preset in resource.presets:
        queries.append({"view": preset.name})
    for name, flt in resource.filterset_class().base_filters.items():
        for obj in rows[:2]:
            value = _value(obj, flt)
            if value is not None:
                queries.append({name: value})
    for field in resource.sortable_fields():
        queries.append({"ordering": field})
        queries.append({"ordering": f"-{field}"})
    return queries


def _api_resources():
    return [r for r in registry if r.api and not r.singleton]


@pytest.mark.parametrize("resource", _api_resources(), ids=lambda r: r.slug)
def test_api_and_portal_lists_agree(demo, login, resource):
    owner = demo.users["owner"]
    northwind = demo.organizations["northwind"]
    access = owner.memberships.get(organization=northwind).access()
    rows = list(resource.get_queryset(access)[:5])
    assert rows, f"{resource.slug}: no demo rows"
    client = login(owner, northwind)
    mismatches = []
    for query in _queries(resource, rows):
        params = {**query, "page_size": 25}
        portal = client.get(f"/p/{resource.slug}/", params)
        api = client.get(f"/api/v1/{resource.slug}/", params)
        assert portal.status_code == 200 and api.status_code == 200, query
        portal_uuids = [str(obj.uuid) for obj in portal.context["objects"]]
        api_uuids = [item["uuid"] for item in api.json()["results"]]
        if portal.context["page"].count != api.json()["count"]:
            mismatches.append(f"{query}: portal {portal.context['page'].count}, "
                              f"api {api.json()['count']}")
        elif portal_uuids != api_uuids:
            mismatches.append(f"{query}: different rows or order")
    assert not mismatches, f"{resource.slug}:\n" + "\n".join(mismatches)


def test_filters_narrow_the_list(demo, login):
    """The parity test above would pass if both ignored filters; they do not."""
    client = login(demo.users["owner"], demo.organizations["northwind"])
    everything = client.get("/api/v1/notifications/").json()["count"]
    unread = client.get("/api/v1/notifications/", {"view": "unread"}).json()["count"]
    info = client.get("/api/v1/notifications/", {"level": "info"}).json()["count"]
    assert 0 < unread < everything
    assert info <= everything
    nothing = client.get("/api/v1/feedback/", {"search": "no such words anywhere"}).json()
    assert nothing["count"] == 0


def test_api_pages_follow_page_size(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    total = client.get("/api/v1/people/").json()["count"]
    assert total >= 3
    first = client.get("/api/v1/people/", {"page_size": 2}).json()
    second = client.get("/api/v1/people/", {"page_size": 2, "page": 2}).json()
    assert len(first["results"]) == 2
    assert first["next"] and "page=2" in first["next"]
    assert not {r["uuid"] for r in first["results"]} & {r["uuid"] for r in second["results"]}


def test_yes_no_filters_offer_any_yes_no_and_filter_both_ways(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    page = client.get("/p/announcements/?filters=open").content.decode()
    select = re.search(r'<select name="important"[^>]*>(.*?)</select>', page, re.S)
    assert select, "no yes/no filter on the page"
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
    assert options == [("", "Any"), ("true", "Yes"), ("false", "No")]

    counts = {}
    for value in ("true", "false", ""):
        portal = client.get("/p/announcements/", {"important": value}, follow=True)
        api = client.get("/api/v1/announcements/", {"important": value}).json()
        assert portal.context["page"].count == api["count"]
        counts[value] = api["count"]
    assert counts["true"] >= 1 and counts["false"] >= 1
    assert counts["true"] + counts["false"] == counts[""]

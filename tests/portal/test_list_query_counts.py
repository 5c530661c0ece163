"""Every generated list page costs a fixed number of queries, whatever its number of rows.

The test walks the registry: no code per resource. Rows are grown by copying
the demo rows the northwind Owner can read.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.client_portal.core.registry import registry

from .cloning import clone

pytestmark = pytest.mark.django_db

SMALL = 3
LARGE = 30
BUDGET = 12


def _list_resources():
    return [r for r in registry if not r.singleton]


def _count_queries(client, path):
    # A request just before warms the caches and does the session bookkeeping that
    # depends on the time since the last request (a "last seen" update), so that
    # the measured request is the steady cost of the page.
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def _grow(resource, access, target):
    rows = list(resource.get_queryset(access))
    assert rows, f"{resource.slug}: no demo rows to copy"
    tenancy = resource.model.tenancy
    keep = {tenancy.organization.split("__")[0]}
    if tenancy.user:
        keep.add(tenancy.user.split("__")[0])
    index = 0
    while resource.get_queryset(access).count() < target:
        clone(rows[index % len(rows)], keep=keep)
        index += 1


@pytest.mark.parametrize("resource", _list_resources(), ids=lambda r: r.slug)
def test_list_queries_do_not_grow_with_rows(demo, login, resource):
    owner = demo.users["owner"]
    northwind = demo.organizations["northwind"]
    access = owner.memberships.get(organization=northwind).access()
    client = login(owner, northwind)
    paths = [f"/p/{resource.slug}/"]
    if resource.api:
        paths.append(f"/api/v1/{resource.slug}/")

    # The demo's few rows (at least SMALL), then many more: deleting rows down to
    # SMALL could remove the signed-in person's own membership.
    _grow(resource, access, SMALL)
    few = resource.get_queryset(access).count()
    assert few >= SMALL
    small = {path: _count_queries(client, path) for path in paths}

    many = max(LARGE, 2 * few)  # the demo may already hold a page of some kind (audit)
    _grow(resource, access, many)
    assert resource.get_queryset(access).count() >= many
    large = {path: _count_queries(client, path) for path in paths}

    for path in paths:
        count_small, sql_small = small[path]
        count_large, sql_large = large[path]
        assert count_small == count_large, (
            f"{path}: {count_small} queries with few rows, {count_large} with {LARGE}:\n"
            + "\n".join(sql_large)
        )
        # What the page reads; session bookkeeping (savepoints, a last-seen update)
        # is the same on every request and is left out of the budget.
        reads = [sql for sql in sql_large if sql.lstrip().upper().startswith("SELECT")]
        assert len(reads) <= BUDGET, f"{path}: {len(reads)} reads:\n" + "\n".join(reads)


def test_every_list_resource_is_measured():
    slugs = {r.slug for r in _list_resources()}
    assert slugs, "the registry is empty"
    assert all(not r.singleton for r in _list_resources())

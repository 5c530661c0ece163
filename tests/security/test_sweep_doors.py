"""Invariant 1, door by door: each test walks one door of one resource as an outsider.

The test ids name the resource and the door (``invoices-portal-detail``,
``invoices-api-action-publish``, ``feedback-portal-export``), generated from the
registry when the tests are collected: a new resource or action gets its own
tests, and a failure says which door let something through. The intruder is the
Owner of contoso (no role hides anything from them); the row is the first
northwind-only demo row of the resource. ``test_cross_organization_sweep.py`` walks
the same doors over every row.
"""

import pytest

from apps.client_portal.core import audit
from apps.client_portal.core.models import AuditEvent
from apps.client_portal.core.registry import registry

from .sweep import (
    INTRUDER,
    INTRUDER_ORG,
    body_of,
    doors,
    exclusive_rows,
    needles,
    send,
)

pytestmark = pytest.mark.django_db


def _door_params():
    for resource in registry:
        if resource.model.tenancy.shared:
            continue  # the same rows for every organization: nothing to leak
        for door in doors(resource):
            yield pytest.param(resource.slug, door, id=f"{resource.slug}-{door.name}")


DOORS = list(_door_params())


def test_the_doors_are_generated_from_the_registry():
    """Every organization-scoped resource has its doors walked, including its actions."""
    ids = {param.id for param in DOORS}
    for resource in registry:
        if resource.model.tenancy.shared:
            continue
        assert f"{resource.slug}-portal-detail" in ids
        for action in resource.actions:
            assert f"{resource.slug}-portal-action-{action.name}" in ids
            if resource.api:
                assert f"{resource.slug}-api-action-{action.name}" in ids
    assert "invoices-api-action-publish" in ids
    assert "feedback-portal-export" in ids


@pytest.mark.parametrize("slug,door", DOORS)
def test_outsider_gets_nothing_through_the_door(demo, login, slug, door):
    """A record door answers 404 and a list door 200, with nothing of another
    organization's row in the body; nothing changes and nothing is recorded."""
    resource = registry.get(slug)
    rows = exclusive_rows(resource, demo)
    assert rows, f"{slug}: no demo rows that only northwind may read (add them to demo.py)"
    obj = rows[0]
    secret = needles(resource, obj, demo)
    before = audit.snapshot(type(obj)._default_manager.get(pk=obj.pk))
    client = login(demo.users[INTRUDER], demo.organizations[INTRUDER_ORG])

    path = door.url(obj)
    response = send(client, door.method, path, door.data, follow=door.lists)

    expected = 200 if door.lists else 404
    assert response.status_code == expected, f"{door.method.upper()} {path}"
    body = body_of(response)
    assert not [text for text in secret if text in body], f"{path} shows the row"
    if door.changes:
        assert audit.snapshot(type(obj)._default_manager.get(pk=obj.pk)) == before
        assert not AuditEvent.objects.filter(actor=demo.users[INTRUDER],
                                             object_id=str(obj.uuid)).exists()

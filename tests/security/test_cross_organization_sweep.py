"""Invariant 1: another organization's record answers 404, with nothing of it in the body.

The sweep walks every registered resource and its demo rows; there is no code
per resource. A resource without northwind-only demo rows fails the sweep.
``test_sweep_doors.py`` walks the same doors (``sweep.doors``) one test each, named
``<resource>-<door>``, on one row per resource; the tests here walk every row.
"""

import pytest
from django.contrib.auth import get_user_model

from apps.client_portal.api.models import ApiKey
from apps.client_portal.core import audit
from apps.client_portal.core.models import AuditEvent
from apps.client_portal.core.registry import registry
from apps.client_portal.core.tenancy import Role

from .sweep import (
    INTRUDER,
    INTRUDER_ORG,
    body_of,
    exclusive_rows,
    intruder_strings,
    list_doors,
    needles,
    object_requests,
    send,
)

pytestmark = pytest.mark.django_db


def _leaks(body, texts):
    return sorted(t for t in texts if t and t in body)


def _victim_rows(demo):
    """{resource: rows}; a resource with none is reported as a failure."""
    rows, missing = {}, []
    for resource in registry:
        if resource.model.tenancy.shared:
            continue  # the same rows for everyone (a price list): nothing to leak
        found = exclusive_rows(resource, demo)
        if not found:
            missing.append(resource.slug)
        rows[resource] = found
    return rows, missing


def test_every_resource_ships_northwind_only_demo_rows(demo):
    """The sweep can only prove what demo data shows: each resource needs rows.

    Only a resource declared ``shared`` (the same rows for every organization) is exempt.
    """
    _rows, missing = _victim_rows(demo)
    assert not missing, (
        "resources without demo rows that only northwind may read (add them to "
        f"<module>/demo.py): {missing}"
    )


def test_member_of_another_organization_reaches_nothing(demo, login):
    rows, missing = _victim_rows(demo)
    failures = [f"{slug}: no northwind-only demo rows" for slug in missing]
    client = login(demo.users[INTRUDER], demo.organizations[INTRUDER_ORG])
    intruder = demo.users[INTRUDER]

    for resource, objects in rows.items():
        texts = intruder_strings(resource, demo)
        for obj in objects:
            secret = needles(resource, obj, demo, texts)
            before = audit.snapshot(type(obj)._default_manager.get(pk=obj.pk))
            for label, method, path, data in object_requests(resource, obj):
                response = send(client, method, path, data)
                if response.status_code != 404:
                    failures.append(f"{resource.slug} {label} {method.upper()} {path}: "
                                    f"status {response.status_code}, expected 404")
                leaked = _leaks(body_of(response), secret)
                if leaked:
                    failures.append(f"{resource.slug} {label} {path}: body shows {leaked}")
            after = audit.snapshot(type(obj)._default_manager.get(pk=obj.pk))
            if before != after:
                failures.append(f"{resource.slug} {obj.uuid}: changed by the intruder")
            if AuditEvent.objects.filter(actor=intruder, object_id=str(obj.uuid)).exists():
                failures.append(f"{resource.slug} {obj.uuid}: intruder's action was recorded")

            # Lists: plain, searched for the record, exported, and through the API.
            for door in list_doors(resource):
                path = door.url(obj)
                response = client.get(path, follow=True)
                if response.status_code != 200:
                    failures.append(f"{resource.slug} {door.name} {path}: status "
                                    f"{response.status_code}, expected 200")
                leaked = _leaks(body_of(response), secret)
                if leaked:
                    failures.append(f"{resource.slug} {door.name} {path}: shows {leaked}")

    assert not failures, "cross-organization leaks:\n" + "\n".join(failures)


def test_anonymous_reaches_nothing(demo, client):
    rows, missing = _victim_rows(demo)
    failures = [f"{slug}: no northwind-only demo rows" for slug in missing]
    for resource, objects in rows.items():
        for obj in objects[:2]:
            secret = needles(resource, obj, demo)
            for label, method, path, data in object_requests(resource, obj):
                response = send(client, method, path, data)
                body = body_of(response)
                if path.startswith("/api/"):
                    if response.status_code not in (401, 403):
                        failures.append(f"{resource.slug} {label} {path}: status "
                                        f"{response.status_code}, expected 401/403")
                    elif not isinstance(response.json().get("error"), dict):
                        failures.append(f"{resource.slug} {label} {path}: no error shape")
                elif response.status_code != 302 or not response["Location"].startswith(
                    "/accounts/login/"
                ):
                    failures.append(f"{resource.slug} {label} {path}: status "
                                    f"{response.status_code}, expected a redirect to login")
                leaked = _leaks(body, secret)
                if leaked:
                    failures.append(f"{resource.slug} {label} {path}: body shows {leaked}")
        for path in [f"/p/{resource.slug}/", f"/p/{resource.slug}/export.csv"]:
            response = client.get(path)
            if response.status_code != 302 or "/accounts/login/" not in response["Location"]:
                failures.append(f"{resource.slug} {path}: anonymous got {response.status_code}")
        if resource.api:
            response = client.get(f"/api/v1/{resource.slug}/")
            if response.status_code not in (401, 403) or "error" not in response.json():
                failures.append(f"{resource.slug} api list: anonymous got "
                                f"{response.status_code}")
    assert not failures, "anonymous access:\n" + "\n".join(failures)


def _key(organization, role, creator):
    key = ApiKey(name="Sweep", organization=organization, role=role, created_by=creator)
    raw = key.generate()
    key.full_clean()
    key.save()
    return raw


def test_organization_api_key_reaches_only_its_organization(demo, client):
    raw = _key(demo.organizations[INTRUDER_ORG], Role.MANAGER, demo.users[INTRUDER])
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    rows, missing = _victim_rows(demo)
    failures = [f"{slug}: no northwind-only demo rows" for slug in missing]
    for resource, objects in rows.items():
        if not resource.api:
            continue
        for obj in objects:
            secret = needles(resource, obj, demo)
            for label, method, path, data in object_requests(resource, obj):
                if not path.startswith("/api/"):
                    continue
                response = send(client, method, path, data, **auth)
                if response.status_code != 404:
                    failures.append(f"{resource.slug} {label} {path}: status "
                                    f"{response.status_code}, expected 404")
                if _leaks(body_of(response), secret):
                    failures.append(f"{resource.slug} {label} {path}: leaks")
            response = client.get(f"/api/v1/{resource.slug}/?page_size=500", **auth)
            if response.status_code not in (200, 404):
                failures.append(f"{resource.slug} api list: status {response.status_code}")
            if _leaks(body_of(response), secret):
                failures.append(f"{resource.slug} api list shows {obj.uuid}")
    assert not failures, "API key leaks:\n" + "\n".join(failures)


def test_provider_wide_key_reaches_every_organization(demo, client):
    admin = demo.users["admin"]
    assert admin.is_staff
    raw = _key(None, Role.VIEWER, admin)
    rows, _missing = _victim_rows(demo)
    failures = []
    for resource, objects in rows.items():
        if not resource.api:
            continue
        for obj in objects:
            response = client.get(f"/api/v1/{resource.slug}/{obj.uuid}/", HTTP_X_API_KEY=raw)
            if response.status_code != 200 or response.json().get("uuid") != str(obj.uuid):
                failures.append(f"{resource.slug} {obj.uuid}: status {response.status_code}")
    assert not failures, "provider-wide key refused:\n" + "\n".join(failures)


def test_provider_wide_key_needs_a_staff_creator(demo):
    from django.core.exceptions import ValidationError

    key = ApiKey(name="Not staff", organization=None, created_by=demo.users["owner"])
    key.generate()
    with pytest.raises(ValidationError):
        key.full_clean()
    assert not get_user_model().objects.get(pk=demo.users["owner"].pk).is_staff


def test_shared_resources_hold_no_organization_data(demo):
    """A resource may call itself shared only if every organization reads the same rows."""
    from .sweep import access_of

    for resource in registry:
        if not resource.model.tenancy.shared:
            continue
        seen = [
            set(resource.get_queryset(access_of(demo, user, org)).values_list("pk", flat=True))
            for user, org in [("owner", "northwind"), ("contoso_owner", "contoso"),
                              ("ana", "ana"), ("fabrikam_owner", "fabrikam")]
        ]
        assert seen[0], f"{resource.slug}: no demo rows"
        assert all(s == seen[0] for s in seen), f"{resource.slug} differs by organization"

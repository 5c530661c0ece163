"""Every declared action can be fired by the least role allowed to, on a demo row.

Generated from the registry: one test per action, named ``<resource>-<action>``. A
client action is fired in the portal by a northwind person of exactly its role, and
refused (403) to the role below; a provider action (``PROVIDER``) is fired through the
API with a provider-wide key, and refused (403) to a client Owner in both doors. An
action that no demo row allows fails its test by name: an action nobody can try in
the demo is an action nobody has seen work.
"""

from dataclasses import replace

import pytest

from apps.client_portal.api.models import ApiKey
from apps.client_portal.core import audit
from apps.client_portal.core.models import AuditEvent, Membership
from apps.client_portal.core.registry import registry
from apps.client_portal.core.tenancy import PROVIDER, ROLE_RANK, Access, Role

pytestmark = pytest.mark.django_db

VICTIM_ORG = "northwind"
# Actions that opening the record does by itself (a notice is read when opened): the
# page offers no button for them; they are fired by POST, as programs do.
DONE_BY_OPENING = {("notifications", "mark_read")}
# The demo person of northwind holding each role.
PERSON = {Role.VIEWER: "viewer", Role.MEMBER: "member", Role.MANAGER: "manager",
          Role.OWNER: "owner"}


def _actions(provider: bool):
    return [pytest.param(resource.slug, action.name, id=f"{resource.slug}-{action.name}")
            for resource in registry for action in resource.actions
            if (action.role == PROVIDER) == provider]


def _role_below(role):
    lower = [r for r in PERSON if ROLE_RANK[r] < ROLE_RANK[role]]
    return max(lower, key=ROLE_RANK.get) if lower else None


def _access(demo, role) -> Access:
    return Membership.objects.get(user=demo.users[PERSON[role]],
                                  organization=demo.organizations[VICTIM_ORG]).access()


def _first_available(resource, action, access, *, as_role=None):
    """The first row ``access`` reads on which the action is allowed (to ``as_role``)."""
    deciding = replace(access, role=as_role) if as_role else access
    for obj in resource.get_queryset(access).order_by("pk"):
        if resource.refusal(obj, action, deciding) is None:
            return obj
    return None


def _fresh(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


def _fired(resource, action, obj, user=None) -> bool:
    events = AuditEvent.objects.filter(action=f"{resource.slug}.{action.name}",
                                       object_id=str(obj.uuid))
    return (events.filter(actor=user) if user else events).exists()


@pytest.mark.parametrize("slug,name", _actions(provider=False))
def test_least_role_fires_the_action_in_the_portal(demo, login, slug, name):
    """The least role allowed sees the button, fires it, is redirected to the record,
    and the record changes with an audit event; the role below is refused with 403
    (or 404 where it may not read the resource at all), and nothing changes."""
    resource = registry.get(slug)
    action = resource.action(name)
    organization = demo.organizations[VICTIM_ORG]
    access = _access(demo, action.role)
    assert access.role == action.role
    obj = _first_available(resource, action, access)
    assert obj is not None, (
        f"{slug}: no northwind demo row on which a {action.role} may fire {name!r}; "
        "add one to the module's demo.py")
    url = f"/p/{slug}/{obj.uuid}/do/{name}/"

    lower = _role_below(action.role)
    if lower is not None:
        lower_access = _access(demo, lower)
        client = login(lower_access.user, organization)
        if not lower_access.has_role(resource.read_role):
            target, expected = obj, 404  # beyond the role looks absent
        else:
            target, expected = _first_available(resource, action, lower_access,
                                                as_role=action.role), 403
            assert target is not None, (
                f"{slug}: no northwind demo row a {lower} reads on which only the role "
                f"keeps them from {name!r}")
        before = audit.snapshot(_fresh(target))
        response = client.post(f"/p/{slug}/{target.uuid}/do/{name}/")
        assert response.status_code == expected, f"{lower} firing {name}"
        if expected == 403:
            assert "Your role does not allow this." in response.content.decode()
            detail = client.get(f"/p/{slug}/{target.uuid}/")
            assert f"/do/{name}/" not in detail.content.decode(), "the button shows"
        assert audit.snapshot(_fresh(target)) == before
        assert not _fired(resource, action, target)

    client = login(access.user, organization)
    if (slug, name) not in DONE_BY_OPENING:
        detail = client.get(f"/p/{slug}/{obj.uuid}/")
        assert detail.status_code == 200
        assert url in detail.content.decode(), f"no {name!r} button for a {action.role}"
    before = audit.snapshot(_fresh(obj))
    response = client.post(url)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == f"/p/{slug}/{obj.uuid}/"
    assert _fired(resource, action, obj, access.user)
    assert audit.snapshot(_fresh(obj)) != before, "the action changed nothing"


@pytest.fixture
def provider_key(demo):
    """A provider-wide API key of the staff administrator (the header value)."""
    key = ApiKey(name="Provider actions", organization=None, created_by=demo.users["admin"],
                 role=Role.VIEWER)
    raw = key.generate()
    key.full_clean()
    key.save()
    return raw


@pytest.mark.parametrize("slug,name", _actions(provider=True))
def test_provider_fires_the_action_through_the_api(demo, login, client, provider_key, slug,
                                                   name):
    """A provider action is fired with a provider-wide key on a northwind row where its
    state allows it: 200, the record changes, an audit event. A client Owner who reads
    the row is refused with 403 in both doors."""
    resource = registry.get(slug)
    action = resource.action(name)
    organization = demo.organizations[VICTIM_ORG]
    provider = Access.provider(user=demo.users["admin"], organization=organization)
    obj = _first_available(resource, action, provider)
    assert obj is not None, (
        f"{slug}: no northwind demo row on which the provider may fire {name!r}; "
        "add one to the module's demo.py")

    owner = _access(demo, Role.OWNER)
    readable = resource.get_queryset(owner)
    target = readable.filter(pk=obj.pk).first() or readable.order_by("pk").first()
    assert target is not None, f"{slug}: a client Owner reads no northwind row"
    before = audit.snapshot(_fresh(target))
    owner_client = login(owner.user, organization)
    portal = owner_client.post(f"/p/{slug}/{target.uuid}/do/{name}/")
    api = owner_client.post(f"/api/v1/{slug}/{target.uuid}/actions/{name}/",
                            content_type="application/json")
    assert (portal.status_code, api.status_code) == (403, 403)
    assert api.json()["error"]["code"] == "forbidden"
    assert audit.snapshot(_fresh(target)) == before
    owner_client.logout()

    before = audit.snapshot(_fresh(obj))
    response = client.post(f"/api/v1/{slug}/{obj.uuid}/actions/{name}/",
                           content_type="application/json", HTTP_X_API_KEY=provider_key)
    assert response.status_code == 200, response.content.decode()[:500]
    assert response.json()["uuid"] == str(obj.uuid)
    assert _fired(resource, action, obj, demo.users["admin"])
    assert audit.snapshot(_fresh(obj)) != before, "the action changed nothing"

"""Both doors answer alike, because both call one operation.

For every resource, the portal (``/p/<slug>/...``) and the API (``/api/v1/<slug>/...``)
give the same status for the same request by the same person: a record the person
cannot see is 404; one they see but may not change is 403 (in the portal, a page in
the portal's layout that says why); a step the record's state rules out is 409;
invalid input is 400 with errors on the same fields. The tests are generated from
the registry; the person is northwind's Viewer unless a role is needed to get past
the role check (409, 400), then the least role allowed.
"""

import uuid

import pytest
from django.db import models

from apps.client_portal.api.models import ApiKey
from apps.client_portal.core import operations
from apps.client_portal.core.models import Feedback, Membership
from apps.client_portal.core.registry import registry
from apps.client_portal.core.tenancy import PROVIDER, Access, Role, role_rank
from tests.security.sweep import answer, api_data, portal_data, record_values, send

pytestmark = pytest.mark.django_db

ORG = "northwind"
OTHER_ORG, OTHER_USER = "contoso", "contoso_owner"
PERSON = {Role.VIEWER: "viewer", Role.MEMBER: "member", Role.MANAGER: "manager",
          Role.OWNER: "owner"}
REFUSAL_TEXT = {403: "Your role does not allow this.",
                409: "This cannot be done in the record&#x27;s present state."}


def _access(demo, role=Role.VIEWER) -> Access:
    return Membership.objects.get(user=demo.users[PERSON[role]],
                                  organization=demo.organizations[ORG]).access()


def _outcome(status: int):
    """A success is a success, whatever its status (a redirect, 200, 201)."""
    return "ok" if status < 400 else status


def _both(client, portal, api, values):
    """Send one request through both doors: ``portal`` and ``api`` are (method, path)."""
    return (send(client, portal[0], portal[1], portal_data(values)),
            send(client, api[0], api[1], api_data(values)))


def _check_portal_page(response):
    """A refused portal page is in the portal's layout and, unless 404, says why."""
    if response.status_code in (403, 404, 409):
        body = response.content.decode()
        assert 'class="topbar"' in body, "the refusal is not in the portal's layout"
        if response.status_code in REFUSAL_TEXT:
            assert REFUSAL_TEXT[response.status_code] in body


def _assert_alike(portal, api, expected, what):
    got = (_outcome(portal.status_code), _outcome(api.status_code))
    assert got == (expected, expected), f"{what}: portal, API answered {got}"
    _check_portal_page(portal)
    if api.status_code >= 400:
        assert isinstance(api.json().get("error"), dict), f"{what}: no API error shape"


def _any_row(resource, demo):
    """A northwind row of ``resource`` as the provider sees it (for its values)."""
    access = Access.provider(organization=demo.organizations[ORG])
    return resource.get_queryset(access).order_by("pk").first()


def _available(resource, action, access, *, as_role=None, exclude=()):
    """The first row ``access`` reads on which ``action`` is allowed to ``as_role``."""
    deciding = Access(user=access.user, organization=access.organization,
                      role=as_role or access.role)
    for obj in resource.get_queryset(access).exclude(pk__in=exclude).order_by("pk"):
        if resource.refusal(obj, action, deciding) is None:
            return obj
    return None


def _expected(access, *roles):
    """404 beyond the read role, 403 below the others, else a success."""
    if not access.has_role(roles[0]):
        return 404
    return "ok" if all(access.has_role(role) for role in roles[1:]) else 403


# --- a record the viewer sees but may not change: 403 ---------------------------------
def _with(attr):
    return [pytest.param(r.slug, id=r.slug) for r in registry if getattr(r, attr)]


@pytest.mark.parametrize("slug", _with("create_fields"))
def test_create_by_a_viewer_answers_alike(demo, login, slug):
    """A viewer's create (with values that would be valid) is refused alike: 403 below
    the create role, 404 where the viewer may not read the resource at all."""
    resource = registry.get(slug)
    access = _access(demo)
    row = _any_row(resource, demo)
    assert row is not None, f"{slug}: no northwind demo row to take valid values from"
    client = login(access.user, access.organization)
    before = resource.model._default_manager.count()
    portal, api = _both(client, ("post", f"/p/{slug}/new/"), ("post", f"/api/v1/{slug}/"),
                        record_values(resource, row, resource.create_fields))
    _assert_alike(portal, api, _expected(access, resource.read_role, resource.create_role),
                  f"{slug} create")
    if _expected(access, resource.read_role, resource.create_role) != "ok":
        assert resource.model._default_manager.count() == before


@pytest.mark.parametrize("slug", _with("edit_fields"))
def test_edit_by_a_viewer_answers_alike(demo, login, slug):
    """A viewer's edit of a row they read is refused alike with 403 (404 where the
    viewer may not read the resource)."""
    resource = registry.get(slug)
    access = _access(demo)
    row = resource.get_queryset(access).order_by("pk").first() or _any_row(resource, demo)
    assert row is not None, f"{slug}: no northwind demo row"
    client = login(access.user, access.organization)
    portal, api = _both(client, ("post", f"/p/{slug}/{row.uuid}/edit/"),
                        ("patch", f"/api/v1/{slug}/{row.uuid}/"),
                        record_values(resource, row, resource.edit_fields))
    expected = _expected(access, resource.read_role)
    if expected == "ok":
        expected = "ok" if resource.can_edit(row, access) else 403
    _assert_alike(portal, api, expected, f"{slug} edit")


def _actions(provider=None):
    return [pytest.param(r.slug, a.name, id=f"{r.slug}-{a.name}") for r in registry
            for a in r.actions if provider is None or (a.role == PROVIDER) == provider]


@pytest.mark.parametrize("slug,name", _actions())
def test_action_by_a_viewer_answers_alike(demo, login, slug, name):
    """A viewer's action on a row they read, in a state that allows it: 403 in both
    doors below the action's role, a success in both where the viewer may fire it."""
    resource = registry.get(slug)
    action = resource.action(name)
    access = _access(demo)
    client = login(access.user, access.organization)
    expected = _expected(access, resource.read_role, action.role)
    if expected == 404:
        rows = [_any_row(resource, demo)] * 2
    elif expected == 403:
        # The role is refused before the state is looked at: any row the viewer reads
        # will do, one whose state allows the action (if the viewer reads any) best.
        rows = [_available(resource, action, access, as_role=action.role)
                or resource.get_queryset(access).order_by("pk").first()] * 2
    else:
        first = _available(resource, action, access)
        rows = [first, first and _available(resource, action, access, exclude=[first.pk])]
    assert all(rows), f"{slug}: no northwind row a viewer reads where {name!r} is allowed"
    portal = client.post(f"/p/{slug}/{rows[0].uuid}/do/{name}/")
    api = send(client, "post", f"/api/v1/{slug}/{rows[1].uuid}/actions/{name}/", {})
    _assert_alike(portal, api, expected, f"{slug} action {name}")


# --- a record the person cannot see: 404 ----------------------------------------------
def _organization_params():
    return [pytest.param(r.slug, id=r.slug) for r in registry
            if not r.model.tenancy.shared]


@pytest.mark.parametrize("slug", _organization_params())
def test_another_organizations_row_is_404_in_both_doors(demo, login, slug):
    """Read, edit and every action on a row of another organization: 404 in both doors."""
    resource = registry.get(slug)
    access = _access(demo)
    other = Membership.objects.get(user=demo.users[OTHER_USER],
                                   organization=demo.organizations[OTHER_ORG]).access()
    theirs = resource.get_queryset(other).exclude(
        pk__in=resource.model._default_manager.all().for_access(
            Access.provider(organization=access.organization)).values("pk"))
    row = theirs.order_by("pk").first()
    assert row is not None, f"{slug}: no contoso-only demo row"
    client = login(access.user, access.organization)
    pairs = [("read", ("get", f"/p/{slug}/{row.uuid}/"), ("get", f"/api/v1/{slug}/{row.uuid}/"))]
    if resource.edit_fields:
        pairs.append(("edit", ("post", f"/p/{slug}/{row.uuid}/edit/"),
                      ("patch", f"/api/v1/{slug}/{row.uuid}/")))
    for action in resource.actions:
        pairs.append((action.name, ("post", f"/p/{slug}/{row.uuid}/do/{action.name}/"),
                      ("post", f"/api/v1/{slug}/{row.uuid}/actions/{action.name}/")))
    for what, portal_door, api_door in pairs:
        portal, api = _both(client, portal_door, api_door, {})
        _assert_alike(portal, api, 404, f"{slug} {what}")
        assert api.json()["error"]["code"] == "not_found"


# --- a step the state rules out: 409 --------------------------------------------------
@pytest.mark.parametrize("slug,name", _actions(provider=False))
def test_action_the_state_rules_out_is_409_in_both_doors(demo, login, slug, name):
    """An action the record's state does not allow (a withdrawn report withdrawn again, a
    read notification marked read), by a role that may fire it: 409 in both doors, the
    portal's page saying why, and the record unchanged."""
    resource = registry.get(slug)
    action = resource.action(name)
    access = _access(demo, action.role)
    row = next((o for o in resource.get_queryset(access).order_by("pk")
                if getattr(resource.refusal(o, action, access), "code", None) == "not_allowed"),
               None)
    if row is None:  # none in the demo: fire it once, and the state rules it out
        row = _available(resource, action, access)
        assert row is not None, f"{slug}: no northwind row where a {action.role} may fire {name}"
        operations.run_action(resource, access=access, lookup=row.uuid, name=name)
        row = resource.model._default_manager.get(pk=row.pk)
        assert resource.refusal(row, action, access).code == "not_allowed", (
            f"{slug}: {name!r} may be fired twice; give this test a row it refuses")
    client = login(access.user, access.organization)
    portal, api = _both(client, ("post", f"/p/{slug}/{row.uuid}/do/{name}/"),
                        ("post", f"/api/v1/{slug}/{row.uuid}/actions/{name}/"), {})
    _assert_alike(portal, api, 409, f"{slug} action {name}")
    assert api.json()["error"]["code"] == "not_allowed"


def test_withdrawing_an_answered_report_is_409_in_both_doors(demo, login):
    """The example of the promise: a report staff have answered can't be withdrawn."""
    access = _access(demo, Role.MEMBER)
    report = Feedback.objects.filter(organization=access.organization).order_by("pk").first()
    Feedback.objects.filter(pk=report.pk).update(status=Feedback.Status.ANSWERED)
    client = login(access.user, access.organization)
    portal, api = _both(client, ("post", f"/p/feedback/{report.uuid}/do/withdraw/"),
                        ("post", f"/api/v1/feedback/{report.uuid}/actions/withdraw/"), {})
    _assert_alike(portal, api, 409, "feedback withdraw")
    assert Feedback.objects.get(pk=report.pk).status == Feedback.Status.ANSWERED


# --- invalid input: 400 with the same fields ------------------------------------------
def _invalid(resource, names, row) -> dict:
    """A value each field refuses, by its type; a field that refuses nothing keeps
    ``row``'s valid value, so that both doors are sent every field."""
    values = record_values(resource, row, names)
    invalid = set()
    for name in names:
        field = resource.model._meta.get_field(name)
        if field.is_relation:
            values[name] = uuid.uuid4()  # no row anyone may choose
        elif field.choices:
            values[name] = "no-such-choice"
        elif isinstance(field, models.EmailField):
            values[name] = "not-an-email"
        elif isinstance(field, (models.DateField, models.TimeField)):
            values[name] = "not-a-date"
        elif isinstance(field, (models.IntegerField, models.DecimalField,
                                models.FloatField)):
            values[name] = "abc"
        elif isinstance(field, (models.CharField, models.TextField)) and field.max_length:
            values[name] = "x" * (field.max_length + 1)
        else:
            continue
        invalid.add(name)
    assert invalid, f"{resource.slug}: no field of {names} to send an invalid value to"
    return values


def _forms():
    found = []
    for r in registry:
        if r.create_fields:
            found.append(pytest.param(r.slug, "create", id=f"{r.slug}-create"))
        if r.edit_fields:
            found.append(pytest.param(r.slug, "edit", id=f"{r.slug}-edit"))
    return found


@pytest.mark.parametrize("slug,form", _forms())
def test_invalid_input_is_400_with_the_same_fields_in_both_doors(demo, login, slug, form):
    """Invalid values, by the least role allowed: 400 in both doors, the portal showing
    the form again, errors on the same fields, and nothing saved."""
    resource = registry.get(slug)
    names = resource.create_fields if form == "create" else resource.edit_fields
    role = resource.create_role if form == "create" else resource.edit_role
    access = _access(demo, max(role, resource.read_role, key=role_rank))
    client = login(access.user, access.organization)
    before = resource.model._default_manager.count()
    if form == "create":
        row = _any_row(resource, demo)
        assert row is not None, f"{slug}: no northwind demo row to take valid values from"
        portal_door, api_door = ("post", f"/p/{slug}/new/"), ("post", f"/api/v1/{slug}/")
    else:
        row = next(o for o in resource.get_queryset(access).order_by("pk")
                   if resource.can_edit(o, access))
        portal_door = ("post", f"/p/{slug}/{row.uuid}/edit/")
        api_door = ("patch", f"/api/v1/{slug}/{row.uuid}/")
        snapshot = record_values(resource, row, names)
    values = _invalid(resource, names, row)
    portal, api = _both(client, portal_door, api_door, values)
    (portal_status, portal_fields), (api_status, api_fields) = answer(portal), answer(api)
    assert (portal_status, api_status) == (400, 400), f"sent {values}"
    assert api.json()["error"]["code"] == "invalid"
    assert portal_fields, "the portal shows no field errors"
    assert portal_fields == api_fields, f"portal {portal_fields}, API {api_fields}"
    assert portal.context["form"].is_bound  # the form again, with what was typed
    assert resource.model._default_manager.count() == before
    if form == "edit":
        fresh = resource.model._default_manager.get(pk=row.pk)
        assert record_values(resource, fresh, names) == snapshot


# --- an operation the resource does not declare ---------------------------------------
def test_an_operation_a_resource_does_not_declare_answers_alike(demo, login):
    """A create or edit that a resource does not declare: the portal and the API give the
    same status to a viewer (whatever it is: the operation refuses it, not the router)."""
    access = _access(demo)
    client = login(access.user, access.organization)
    differences = []
    for resource in registry:
        slug = resource.slug
        pairs = []
        if not resource.create_fields:
            pairs.append(("create", ("post", f"/p/{slug}/new/"), ("post", f"/api/v1/{slug}/")))
        row = resource.get_queryset(access).order_by("pk").first() or _any_row(resource, demo)
        if not resource.edit_fields and row is not None:
            pairs.append(("edit", ("post", f"/p/{slug}/{row.uuid}/edit/"),
                          ("patch", f"/api/v1/{slug}/{row.uuid}/")))
        for what, portal_door, api_door in pairs:
            portal, api = _both(client, portal_door, api_door, {})
            if portal.status_code != api.status_code:
                differences.append(f"{slug} {what}: portal {portal.status_code}, "
                                   f"API {api.status_code}")
    assert not differences, "the doors differ:\n" + "\n".join(differences)


# --- a secret shown once, in both doors -----------------------------------------------
def test_an_api_keys_secret_is_shown_once_in_both_doors(demo, login):
    """Creating an API key answers its secret once (API: ``"secret": "cp_..."``; portal:
    a page showing it); the key's later pages and answers never contain it."""
    access = _access(demo, Role.OWNER)
    client = login(access.user, access.organization)

    response = send(client, "post", "/api/v1/api-keys/", {"name": "ERP", "role": "viewer"})
    assert response.status_code == 201, response.content
    secret = response.json()["secret"]
    assert secret.startswith("cp_")
    key_uuid = response.json()["uuid"]
    later = [client.get(f"/api/v1/api-keys/{key_uuid}/"), client.get("/api/v1/api-keys/"),
             client.get(f"/p/api-keys/{key_uuid}/"), client.get("/p/api-keys/")]
    assert all(r.status_code == 200 for r in later)
    assert not [r.request["PATH_INFO"] for r in later if secret in r.content.decode()]
    assert secret not in ApiKey.objects.get(uuid=key_uuid).secret_hash

    page = client.post("/p/api-keys/new/", {"name": "Warehouse", "role": "viewer"}, follow=True)
    assert page.status_code == 200
    shown = page.context["secret"]
    assert shown.startswith("cp_") and shown in page.content.decode()
    key = ApiKey.objects.get(name="Warehouse", organization=access.organization)
    assert shown not in client.get(f"/p/api-keys/{key.uuid}/").content.decode()
    assert shown not in client.get(f"/api/v1/api-keys/{key.uuid}/").content.decode()

    client.logout()
    assert client.get("/api/v1/me/", HTTP_X_API_KEY=secret).status_code == 200
    assert client.get("/api/v1/me/", HTTP_X_API_KEY=shown).status_code == 200


def _with_secrets():
    from apps.client_portal.core.registry import Resource

    return [pytest.param(r.slug, id=r.slug) for r in registry if r.create_fields
            and r.secret_once.__func__ is not Resource.secret_once.__func__]


@pytest.mark.parametrize("slug", _with_secrets())
def test_a_secret_made_with_a_record_is_shown_once_in_both_doors(demo, login, slug):
    """Every resource that makes a secret on creation (``secret_once``) shows it right
    after creation in both doors, and in none of the record's later pages or answers."""
    resource = registry.get(slug)
    access = _access(demo, max(resource.create_role, resource.read_role, key=role_rank))
    row = _any_row(resource, demo)
    assert row is not None, f"{slug}: no northwind demo row to take valid values from"
    values = record_values(resource, row, resource.create_fields)
    client = login(access.user, access.organization)

    created = send(client, "post", f"/api/v1/{slug}/", api_data(values))
    assert created.status_code == 201, created.content
    api_secret = created.json().get("secret")
    page = client.post(f"/p/{slug}/new/", portal_data(values), follow=True)
    assert page.status_code == 200, "the portal shows no page with the secret"
    portal_secret = page.context.get("secret")
    assert api_secret and portal_secret, "the secret is shown in one door only"
    assert portal_secret in page.content.decode()

    newest = resource.get_queryset(access).order_by("-pk")[:2]
    for obj in newest:
        for path in (f"/p/{slug}/{obj.uuid}/", f"/api/v1/{slug}/{obj.uuid}/",
                     f"/p/{slug}/", f"/api/v1/{slug}/"):
            body = client.get(path).content.decode()
            assert api_secret not in body and portal_secret not in body, path

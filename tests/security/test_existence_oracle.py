"""No answer tells one organization that another organization's row exists.

The intruder (contoso's Owner) creates records, and edits their own, with the values
of a northwind row: the fields of the form, and every value the model holds unique
(its uuid, a client code, a key prefix), sent along as extra keys. The same request
is then sent with each unique value replaced by a fresh one. Both must get the same
status code and errors on the same fields, in the portal and the API, and no answer
may name northwind's unique values or say that something "already exists".

Uniqueness is read from the model's ``_meta`` (unique fields, unique_together,
UniqueConstraints), so a new unique field is swept as soon as it is declared.

Timing is not asserted: what the operations check makes no query that depends on
another organization's rows (a typed value is unique per organization, system check
client_portal.E016), so there is nothing for a stopwatch to tell either.
"""

import datetime as dt
import uuid

import pytest
from django.db import models, transaction

from apps.client_portal.core.registry import registry

from .sweep import (
    INTRUDER,
    INTRUDER_ORG,
    access_of,
    answer,
    api_data,
    body_of,
    exclusive_rows,
    portal_data,
    record_values,
    send,
)

pytestmark = pytest.mark.django_db


def _params(attr):
    return [pytest.param(resource.slug, id=f"{resource.slug}-{attr.split('_')[0]}")
            for resource in registry if getattr(resource, attr)]


def unique_sets(model) -> list[tuple[str, ...]]:
    """Every set of fields whose values the database holds unique together."""
    sets = [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    sets += [tuple(fields) for fields in model._meta.unique_together]
    sets += [tuple(c.fields) for c in model._meta.constraints
             if isinstance(c, models.UniqueConstraint) and c.fields]
    return sets


def unique_fields(model) -> list[str]:
    """The fields of the unique sets a client could send a value for (not the scope)."""
    scope = model.tenancy.organization.split("__")[0]
    names = []
    for fields in unique_sets(model):
        for name in fields:
            field = model._meta.get_field(name)
            if name != scope and not field.is_relation and name not in names:
                names.append(name)
    return names


def _fresh(field, value):
    """A value of ``field`` that no row holds, valid wherever ``value`` was."""
    if field.choices or isinstance(field, models.BooleanField):
        return value  # the other fields of its unique set make the request fresh
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.CharField):
        return f"Z{uuid.uuid4().hex}"[: field.max_length or 32]
    if isinstance(field, (models.IntegerField, models.DecimalField)):
        return 987654321
    if isinstance(field, models.DateField):
        return dt.date(1999, 12, 31)
    raise AssertionError(f"no fresh value for {field!r}: extend _fresh()")


def _values(resource, obj, names, *, fresh=()):
    """{name: value} of ``obj`` for ``names``; the names in ``fresh`` get a fresh value."""
    values = record_values(resource, obj, names)
    for name in fresh:
        values[name] = _fresh(resource.model._meta.get_field(name), values[name])
    return values


def _tells(body, texts) -> list[str]:
    told = [text for text in texts if text in body]
    if "already exists" in body.lower():
        told.append("already exists")
    return told


def _isolated(fn, *args):
    """Send one request and undo what it saved: each request meets the demo as seeded,
    not the row the request before it created with the same values."""
    savepoint = transaction.savepoint()
    try:
        return fn(*args)
    finally:
        transaction.savepoint_rollback(savepoint)


def _compare(client, resource, obj, method_path, typed):
    """Send the victim-valued and the fresh-valued request to both doors; compare."""
    uniques = unique_fields(resource.model)
    names = list(dict.fromkeys([*typed, *uniques]))
    victim = _values(resource, obj, names)
    fresh = _values(resource, obj, names, fresh=set(uniques))
    secrets = {str(victim[name]) for name in uniques if len(str(victim[name] or "")) >= 4}
    problems = []
    for door, (method, path) in method_path.items():
        encode = api_data if door == "api" else portal_data
        first = _isolated(send, client, method, path, encode(victim))
        second = _isolated(send, client, method, path, encode(fresh))
        if answer(first) != answer(second):
            problems.append(f"{door} {method.upper()} {path}: with northwind's values "
                            f"{answer(first)}, with fresh ones {answer(second)}")
        # A record saved answers with what the intruder typed: only a refusal could
        # tell something about another organization's row.
        told = _tells(body_of(first), secrets) if first.status_code >= 400 else []
        if told:
            problems.append(f"{door} {method.upper()} {path}: the answer tells {told}")
    return problems


@pytest.mark.parametrize("slug", _params("create_fields"))
def test_creating_with_another_organizations_values_tells_nothing(demo, login, slug):
    """Create with a northwind row's values (unique ones included): the same answer as
    with fresh values, in both doors, and nothing of northwind's values in it."""
    resource = registry.get(slug)
    rows = exclusive_rows(resource, demo)
    assert rows, f"{slug}: no northwind-only demo row to take values from"
    client = login(demo.users[INTRUDER], demo.organizations[INTRUDER_ORG])
    problems = _compare(client, resource, rows[0], {
        "portal": ("post", f"/p/{slug}/new/"),
        "api": ("post", f"/api/v1/{slug}/"),
    }, resource.create_fields)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("slug", _params("edit_fields"))
def test_editing_with_another_organizations_values_tells_nothing(demo, login, slug):
    """Edit one's own row with a northwind row's values: the same answer as with fresh
    values, in both doors, and nothing of northwind's values in it."""
    resource = registry.get(slug)
    rows = exclusive_rows(resource, demo)
    assert rows, f"{slug}: no northwind-only demo row to take values from"
    intruder = access_of(demo, INTRUDER, INTRUDER_ORG)
    own = next((o for o in resource.get_queryset(intruder).order_by("pk")
                if resource.can_edit(o, intruder)), None)
    assert own is not None, f"{slug}: contoso's Owner can edit no row of their own"
    client = login(demo.users[INTRUDER], demo.organizations[INTRUDER_ORG])
    problems = _compare(client, resource, rows[0], {
        "portal": ("post", f"/p/{slug}/{own.uuid}/edit/"),
        "api": ("patch", f"/api/v1/{slug}/{own.uuid}/"),
    }, resource.edit_fields)
    assert not problems, "\n".join(problems)


def test_the_sweep_finds_the_unique_values():
    """The comparison above is only as good as its list of unique values."""
    from apps.client_portal.billing.models import FinancialDocument, Payment
    from apps.client_portal.core.models import Organization

    assert set(unique_fields(Organization)) == {"uuid", "client_code"}
    assert {"kind", "number"} <= set(unique_fields(FinancialDocument))
    assert {"method", "reference"} <= set(unique_fields(Payment))
    assert "organization" not in unique_fields(Payment)

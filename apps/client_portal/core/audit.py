"""Writing audit events. Every state change goes through ``record``."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile

from .context import client_ip, current_request
from .models import AuditEvent, Membership, Organization


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def snapshot(instance, fields=None) -> dict:
    """Field values of ``instance`` (concrete, non-relational-m2m) for a before/after diff."""
    data = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = field.value_from_object(instance)
        if isinstance(value, FieldFile):
            value = value.name or None  # the stored path, not the file
        data[field.name] = value
    return _jsonable(data)


def organization_of(obj):
    """The organization ``obj`` belongs to, along its tenancy path (None if many or none)."""
    if obj is None:
        return None
    if isinstance(obj, Organization):
        return obj
    path = getattr(getattr(type(obj), "tenancy", None), "organization", None)
    if not path or path == "self":
        return None
    value = obj
    for part in path.split("__"):
        if not hasattr(value, f"{part}_id"):
            return None  # not a plain link (a many-to-many): no single organization
        value = getattr(value, part)
        if value is None:
            return None
    return value if isinstance(value, Organization) else None


def label_of(obj) -> str:
    """How the log names ``obj``: a person (a user, a membership) by name, not by the
    "Name <email> @ Organization (Role)" of their ``__str__``."""
    person = getattr(obj, "user", None) if isinstance(obj, Membership) else obj
    if hasattr(person, "get_full_name"):
        return person.get_full_name() or getattr(person, "email", "") or str(person)
    return str(obj)


def record(
    action: str,
    *,
    obj=None,
    changes: dict | None = None,
    organization=None,
    actor=None,
    actor_label: str = "",
    request=None,
) -> AuditEvent:
    request = request or current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if not actor_label:
        access = getattr(request, "api_access", None) if request is not None else None
        if access is not None and access.api_key is not None:
            actor_label = access.actor_label
        else:
            actor_label = str(actor) if actor is not None else "system"
    if organization is None:
        organization = organization_of(obj)
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor_label[:200],
        organization=organization,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(getattr(obj, "uuid", None) or getattr(obj, "pk", "") or "") if obj else "",
        object_repr=label_of(obj)[:200] if obj is not None else "",
        changes=_jsonable(changes or {}),
        ip=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
    )

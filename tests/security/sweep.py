"""Helpers of the cross-organization sweep: which rows, which URLs, what may not leak.

Nothing here names a resource: everything is read from the registry, so a new
resource is swept as soon as it is registered (and fails until it ships demo rows).
"""

import decimal
import json
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from django.db import models
from django.utils.html import escape

from apps.client_portal.core.tenancy import Access, Role

VICTIM = "northwind"
VICTIM_USER = "owner"  # a northwind person: user-scoped rows are theirs
INTRUDER_ORG = "contoso"
INTRUDER = "contoso_owner"  # Owner of contoso, so no role hides anything


def access_of(demo, user_key, org_key, role=Role.OWNER):
    return Access(user=demo.users[user_key], organization=demo.organizations[org_key], role=role)


def exclusive_rows(resource, demo):
    """Rows of ``resource`` the victim organization reaches and the intruder does not.

    Rows both may read (an announcement to all clients) prove nothing and are left out.
    """
    manager = resource.model._default_manager
    victim = manager.all().for_access(access_of(demo, VICTIM_USER, VICTIM))
    intruder = manager.all().for_access(access_of(demo, INTRUDER, INTRUDER_ORG))
    return list(victim.exclude(pk__in=intruder.values("pk")).order_by("pk"))


def intruder_strings(resource, demo):
    manager = resource.model._default_manager
    return {str(o) for o in manager.all().for_access(access_of(demo, INTRUDER, INTRUDER_ORG))}


def needles(resource, obj, demo, intruder_texts=None):
    """Texts of ``obj`` that must not appear in an intruder's response.

    The uuid always; ``str(obj)`` (raw, HTML- and JSON-escaped) unless the intruder
    has a row of the same resource that reads the same, or it is too short to mean much.
    """
    result = {str(obj.uuid)}
    text = str(obj)
    if intruder_texts is None:
        intruder_texts = intruder_strings(resource, demo)
    if len(text) >= 6 and not any(text in other for other in intruder_texts):
        result |= {text, escape(text), json.dumps(text, ensure_ascii=False)[1:-1]}
    return result


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def search_term(obj) -> str:
    text = str(obj).strip()
    words = [w for w in text.split() if len(w) >= 4]
    return (words[0] if words else text)[:40]


@dataclass(frozen=True)
class Door:
    """One way into a resource: a page or an API call, named ``<door>`` ("api-action-publish").

    ``path`` is a template: ``{uuid}`` is the record's, ``{term}`` a search term for it.
    A record door (``lists`` false) must answer an outsider 404; a list door answers 200
    without the record. ``changes`` marks the doors that could change the record.
    """

    name: str
    method: str
    path: str
    data: dict | None = None
    lists: bool = False

    @property
    def changes(self) -> bool:
        return self.method != "get"

    def url(self, obj) -> str:
        return self.path.format(uuid=obj.uuid, term=quote(search_term(obj)))


def object_doors(resource) -> list[Door]:
    """The doors that reach one record of ``resource``, read from its declaration."""
    slug = resource.slug
    base = f"/p/{slug}/{{uuid}}/"
    found = [Door("portal-detail", "get", base)]
    if resource.edit_fields:
        found.append(Door("portal-edit", "get", f"{base}edit/"))
        found.append(Door("portal-edit-post", "post", f"{base}edit/", {}))
    for action in resource.actions:
        found.append(Door(f"portal-action-{action.name}", "post", f"{base}do/{action.name}/",
                          {}))
    for field in resource.files:
        found.append(Door(f"portal-file-{field}", "get", f"{base}files/{field}/"))
    if resource.api:
        api = f"/api/v1/{slug}/{{uuid}}/"
        found.append(Door("api-detail", "get", api))
        if resource.edit_fields:
            found.append(Door("api-patch", "patch", api, {}))
        for action in resource.actions:
            found.append(Door(f"api-action-{action.name}", "post",
                              f"{api}actions/{action.name}/", {}))
        for field in resource.files:
            found.append(Door(f"api-file-{field}", "get", f"{api}files/{field}/"))
    return found


def list_doors(resource) -> list[Door]:
    """The lists of ``resource``: plain, searched for the record, exported, in the API."""
    slug = resource.slug
    found = [Door("portal-list", "get", f"/p/{slug}/?page_size=100", lists=True)]
    if resource.search_fields:
        found.append(Door("portal-search", "get", f"/p/{slug}/?page_size=100&search={{term}}",
                          lists=True))
    if resource.export and not resource.singleton:
        found.append(Door("portal-export", "get", f"/p/{slug}/export.csv", lists=True))
    if resource.api:
        found.append(Door("api-list", "get", f"/api/v1/{slug}/?page_size=500", lists=True))
        if resource.search_fields:
            found.append(Door("api-search", "get", f"/api/v1/{slug}/?search={{term}}",
                              lists=True))
    return found


def doors(resource) -> list[Door]:
    return object_doors(resource) + list_doors(resource)


def object_requests(resource, obj):
    """(door name, method, path, data) for every URL that reaches one record."""
    return [(door.name, door.method, door.url(obj), door.data)
            for door in object_doors(resource)]


def send(client, method, path, data, **extra):
    if method == "get":
        return client.get(path, **extra)
    if path.startswith("/api/"):
        return getattr(client, method)(path, data=json.dumps(data or {}),
                                       content_type="application/json", **extra)
    return getattr(client, method)(path, data or {}, **extra)


# --- what a door is sent and what it answers ---------------------------------------
def record_values(resource, obj, names) -> dict:
    """{name: value} of ``obj``'s fields ``names``; a link is given by the linked uuid."""
    values = {}
    for name in names:
        field = resource.model._meta.get_field(name)
        if isinstance(field, models.FileField):
            continue  # a file is uploaded, not a value to copy from another record
        value = getattr(obj, name)
        if field.is_relation and value is not None:
            value = getattr(value, "uuid", value.pk)
        values[name] = value
    return values


def portal_data(values: dict) -> dict:
    """``values`` as a browser posts them: an empty field or an unticked box is not sent."""
    data = {}
    for name, value in values.items():
        if value is None or value is False:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(item) for item in value]  # a multiple choice: one per box
        else:
            data[name] = "on" if value is True else (
                value.isoformat() if hasattr(value, "isoformat") else str(value))
    return data


def api_data(values: dict) -> dict:
    """``values`` as a JSON body."""
    return {name: (value.isoformat() if hasattr(value, "isoformat")
                   else str(value) if isinstance(value, (uuid.UUID, decimal.Decimal))
                   else value)
            for name, value in values.items()}


def answer(response) -> tuple[int, set[str]]:
    """The status, and the fields with errors (the portal's form or the API's error shape)."""
    fields = set()
    if response.status_code >= 400:
        if response["Content-Type"].startswith("application/json"):
            fields = set(response.json()["error"].get("fields", {}))
        elif response.context is not None and "form" in response.context:
            fields = {"non_field_errors" if name == "__all__" else name
                      for name in response.context["form"].errors}
    return response.status_code, fields

"""Helpers of the cross-organization sweep: which rows, which URLs, what may not leak.

Nothing here names a resource: everything is read from the registry, so a new
resource is swept as soon as it is registered (and fails until it ships demo rows).
"""

import json

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


def object_requests(resource, obj):
    """(label, method, path, data) for every URL that reaches one record."""
    slug, uuid = resource.slug, obj.uuid
    base = f"/p/{slug}/{uuid}/"
    found = [("portal detail", "get", base, None)]
    if resource.edit_fields:
        found.append(("portal edit", "get", f"{base}edit/", None))
        found.append(("portal edit", "post", f"{base}edit/", {}))
    for action in resource.actions:
        found.append((f"portal action {action.name}", "post", f"{base}do/{action.name}/", {}))
    for field in resource.files:
        found.append((f"portal file {field}", "get", f"{base}files/{field}/", None))
    if resource.api:
        api = f"/api/v1/{slug}/{uuid}/"
        found.append(("api detail", "get", api, None))
        if resource.edit_fields:
            found.append(("api patch", "patch", api, {}))
        for action in resource.actions:
            found.append((f"api action {action.name}", "post", f"{api}actions/{action.name}/",
                          {}))
        for field in resource.files:
            found.append((f"api file {field}", "get", f"{api}files/{field}/", None))
    return found


def send(client, method, path, data, **extra):
    if method == "get":
        return client.get(path, **extra)
    if path.startswith("/api/"):
        return getattr(client, method)(path, data=json.dumps(data or {}),
                                       content_type="application/json", **extra)
    return getattr(client, method)(path, data or {}, **extra)

"""Outgoing webhooks: events turned into signed HTTP POSTs, retried until they arrive.

``on_event`` (connected to ``core.events.event_emitted`` in ``ApiConfig.ready``)
makes one ``WebhookDelivery`` per subscribed endpoint and queues ``deliver``.
Each attempt is signed as the Standard Webhooks specification says (headers
``webhook-id``, ``webhook-timestamp``, ``webhook-signature``). A failed attempt
is retried on the specification's schedule by ``deliver_due``, which the
``deliver_webhooks`` command runs from cron; after the last one the delivery
gives up, and an endpoint whose deliveries keep giving up is disabled.

Addresses are checked against server-side request forgery twice: when an
endpoint is saved and again before each attempt, when the connection goes to
the very address that was checked (a host that resolves elsewhere by then
cannot slip in between).
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from standardwebhooks import Webhook

from apps.client_portal.core import audit, jobs, messages
from apps.client_portal.core.context import current_request
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import Membership
from apps.client_portal.core.notify import notify
from apps.client_portal.core.registry import registry
from apps.client_portal.core.tenancy import Access, Role

from .generate import output_serializer
from .models import (
    WEBHOOK_DISABLED_FAILING,
    WEBHOOK_DISABLED_NOTICE,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

USER_AGENT = "ClientPortal-Webhooks/1.0"
# The Standard Webhooks recommendation: the first attempt at once, then a retry
# after each of these (about 28 hours in all), then give up.
SCHEDULE = [dt.timedelta(0), dt.timedelta(seconds=5), dt.timedelta(minutes=5),
            dt.timedelta(minutes=30), dt.timedelta(hours=2), dt.timedelta(hours=5),
            dt.timedelta(hours=10), dt.timedelta(hours=10)]
RESPONSE_KEPT = 1000

URL_MESSAGES = {
    "scheme": _("Use an https:// address."),
    "http": _("Use an https:// address: plain http:// is allowed only for the hosts the "
              "provider lists."),
    "host": _("Enter a full address with a host name, such as https://example.com/hooks."),
    "userinfo": _("Leave the user name and password out of the address."),
    "port": _("The port in the address is not valid."),
    "private": _("This address leads into a private or reserved network (%(address)s); "
                 "webhooks go only to public addresses."),
    "unresolved": _("The host name %(host)s could not be resolved."),
}


def timeout() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT", 10))


def disable_after() -> int:
    return int(getattr(settings, "WEBHOOK_DISABLE_AFTER", 5))


def _allowed_hosts() -> set[str]:
    return {h.lower() for h in getattr(settings, "WEBHOOK_ALLOW_HTTP_HOSTS", [])}


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is the loopback, whatever its spelling
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve_required: bool = False) -> str | None:
    """The address ``url`` may be sent to, or a ``ValidationError`` saying why not.

    Only https (http for the hosts of ``WEBHOOK_ALLOW_HTTP_HOSTS``), and only to
    public addresses unless the host is in that same list. A host that does not
    resolve passes when saving (it may not exist yet) and fails a delivery
    (``resolve_required``); the result is None then.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    allowed = host in _allowed_hosts()
    if parts.scheme not in ("https", "http"):
        raise ValidationError(URL_MESSAGES["scheme"], code="scheme")
    if not host:
        raise ValidationError(URL_MESSAGES["host"], code="host")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(URL_MESSAGES["userinfo"], code="userinfo")
    if parts.scheme == "http" and not allowed:
        raise ValidationError(URL_MESSAGES["http"], code="http")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError(URL_MESSAGES["port"], code="port") from None
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        if resolve_required:
            raise ValidationError(URL_MESSAGES["unresolved"], code="unresolved",
                                  params={"host": host}) from None
        return None
    addresses = [info[4][0] for info in found]
    if not allowed:
        # Every address the name gives, not only the first: a client might reach another.
        for address in addresses:
            if not _public(address):
                raise ValidationError(URL_MESSAGES["private"], code="private",
                                      params={"address": address})
    return addresses[0]


# --- events into deliveries ---------------------------------------------------------
def on_event(sender, event, **kwargs):
    """The receiver of ``event_emitted``: a delivery per subscribed endpoint.

    It runs once the change has committed; a failure here must not turn that
    committed change into an error page, so it is logged instead.
    """
    try:
        queue_deliveries(event)
    except Exception:
        log.exception("webhooks: could not queue the deliveries of %s", event.type)


def _subscribers(event) -> list[WebhookEndpoint]:
    endpoints = WebhookEndpoint.objects.filter(is_active=True)
    if event.organization is None:
        endpoints = endpoints.filter(organization__isnull=True)
    else:
        endpoints = endpoints.filter(Q(organization=event.organization)
                                     | Q(organization__isnull=True))
    # Filtered here, not in SQL: JSON "contains" is not available on every database.
    return [e for e in endpoints if e.subscribes_to(event.type)]


def queue_deliveries(event) -> list[WebhookDelivery]:
    endpoints = _subscribers(event)
    if not endpoints:
        return []
    message_id = f"msg_{uuid.uuid4().hex}"
    payloads = {}
    created = []
    for endpoint in endpoints:
        provider = endpoint.organization_id is None
        if provider not in payloads:
            payloads[provider] = build_payload(event, provider=provider)
        payload = payloads[provider]
        if payload is None:
            continue
        delivery = WebhookDelivery.objects.create(
            organization_id=endpoint.organization_id, endpoint=endpoint,
            event_id=message_id, event_type=event.type, payload=payload,
            next_attempt_at=timezone.now(),
        )
        jobs.enqueue(deliver, delivery.pk)
        created.append(delivery)
    return created


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def build_payload(event, *, provider: bool) -> dict | None:
    """The body of ``event``: type, time, and the data with the record it names.

    The record is read the way its reader would read it in the API: provider-wide
    endpoints as the provider, an organization's as its Owner. An organization's
    endpoint is told nothing of a record the organization may not read (a draft,
    one person's notification): None, no delivery.
    """
    data = dict(event.data)
    organization = event.organization
    data["organization"] = str(organization.uuid) if organization is not None else None
    slug, lookup = data.get("resource"), data.get("id")
    if slug and lookup:
        try:
            resource = registry.get(slug)
        except Refused:
            resource = None
        if resource is not None:
            if provider:
                access = Access.provider(organization=organization)
            else:
                access = Access(user=None, organization=organization, role=Role.OWNER,
                                via="webhook")
            try:
                obj = resource.get_queryset(access).filter(
                    **{resource.lookup_field: lookup}).first()
            except (ValidationError, ValueError):
                obj = None
            if obj is not None:
                data["object"] = output_serializer(resource)(obj).data
            elif not provider:
                return None
    return _jsonable({"type": event.type, "timestamp": event.at.isoformat(), "data": data})


# --- sending ----------------------------------------------------------------------------
def _lease(now):
    # While an attempt is under way its delivery is not due: no second worker takes it.
    # Should the worker die, the delivery is due again once the lease runs out.
    return now + dt.timedelta(seconds=timeout() + 60)


def _due(now):
    return WebhookDelivery.objects.filter(
        status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED],
        next_attempt_at__lte=now)


def deliver(delivery_id: int, *, now=None) -> WebhookDelivery | None:
    """Make the next attempt of one delivery if it is due and nobody else is making it.

    The job queued for each new delivery and each redelivery. ``now`` is the time
    the schedule counts from (tests pass one in the future).
    """
    now = now or timezone.now()
    # A conditional UPDATE claims the row: of two workers, one changes it, the other none.
    if not _due(now).filter(pk=delivery_id).update(next_attempt_at=_lease(now)):
        return None
    return _attempt(delivery_id, now)


def deliver_due(now=None, *, limit: int = 100) -> int:
    """Make the attempts that are due (retries, and first attempts a worker lost).

    Run by ``manage.py deliver_webhooks``. Rows another worker holds are skipped
    where the database can, so that two runs at once never send the same one.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = _due(now).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=_lease(now))
    for delivery_id in ids:
        try:
            _attempt(delivery_id, now)
        except Exception:  # one broken delivery must not hold up the others
            log.exception("webhooks: delivery %s failed unexpectedly", delivery_id)
    return len(ids)


def _attempt(delivery_id: int, now) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        delivery.status = WebhookDelivery.Status.GAVE_UP
        delivery.next_attempt_at = None
        delivery.last_error = str(_("The webhook is disabled."))
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
        return delivery
    code, body, error = send(endpoint, delivery.event_id, delivery.payload)
    delivery.attempts += 1
    delivery.last_response_code = code
    delivery.last_response_body = body[:RESPONSE_KEPT]
    delivery.last_error = error[:500]
    if error == "" and code is not None and 200 <= code < 300:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts < len(SCHEDULE):
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = now + SCHEDULE[delivery.attempts]
    else:
        delivery.status = WebhookDelivery.Status.GAVE_UP
        delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "attempts", "last_response_code",
                                 "last_response_body", "last_error", "delivered_at",
                                 "next_attempt_at"])
    if delivery.status == WebhookDelivery.Status.SUCCEEDED:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, consecutive_failures__gt=0).update(
            consecutive_failures=0)
    elif delivery.status == WebhookDelivery.Status.GAVE_UP:
        _count_failure(endpoint)
    return delivery


def send(endpoint: WebhookEndpoint, message_id: str, payload) -> tuple[int | None, str, str]:
    """POST ``payload`` to ``endpoint``, signed; (status code, response text, error)."""
    body = json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False,
                      separators=(",", ":"))
    try:
        address = check_url(endpoint.url, resolve_required=True)
    except ValidationError as exc:
        return None, "", str(_("Refused: %(why)s") % {"why": " ".join(exc.messages)})
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(message_id, now, body),
    }
    parts = urlsplit(endpoint.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, port, timeout=timeout(),
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout())

    # Connect to the address just checked; TLS still verifies the certificate for the
    # host name. http.client follows no redirects and reads no proxy settings.
    def connect_checked(_address, timeout=None, source_address=None):
        return socket.create_connection((address, port), timeout, source_address)

    conn._create_connection = connect_checked
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", path, body=body.encode("utf-8"), headers=headers)
        response = conn.getresponse()
        text = response.read(RESPONSE_KEPT * 4).decode("utf-8", errors="replace")
        return response.status, text, ""
    except TimeoutError:
        return None, "", str(_("No answer within %(s)s seconds.") % {"s": f"{timeout():g}"})
    except (OSError, http.client.HTTPException) as exc:
        return None, "", f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


def _count_failure(endpoint: WebhookEndpoint) -> None:
    """One more delivery gave up; past the limit the endpoint is disabled and its
    organization's Owners are told (for a provider-wide endpoint, the log)."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            consecutive_failures=F("consecutive_failures") + 1)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if not endpoint.is_active or endpoint.consecutive_failures < disable_after():
            return
        endpoint.disable(message=WEBHOOK_DISABLED_FAILING,
                         params=messages.params(count=endpoint.consecutive_failures))
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason",
                                     "disabled_message", "disabled_params"])
        with translation.override(settings.LANGUAGE_CODE):
            reason = endpoint.why_disabled  # for the log and the audit: the site's language
        # The system did it, not whoever's request happened to run the job inline.
        token = current_request.set(None)
        try:
            audit.record("webhooks.disable", obj=endpoint, actor_label="system",
                         changes={"is_active": [True, False], "reason": str(reason)},
                         organization=endpoint.organization)
        finally:
            current_request.reset(token)
        if endpoint.organization is None:
            log.warning("webhooks: provider-wide endpoint %s disabled: %s", endpoint.url, reason)
            return
        owners = [m.user for m in Membership.objects.filter(
            organization=endpoint.organization, role=Role.OWNER, is_active=True,
            user__is_active=True).select_related("user")]
        notify(owners, endpoint.organization, message=WEBHOOK_DISABLED_NOTICE,
               params=messages.params(url=endpoint.url),
               link=endpoint.get_absolute_url(), level="warning")

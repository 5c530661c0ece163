"""Outgoing webhooks, end to end against a real HTTP receiver on the loopback.

The receiver checks nothing itself: each test verifies what it received with
``standardwebhooks``, as an integrator's code would. Events are sent when the
emitting transaction commits; the tests run those callbacks (and the delivery
jobs they queue, inline) with ``django_capture_on_commit_callbacks``.
"""

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from apps.client_portal.api.models import (
    WebhookDelivery,
    WebhookEndpoint,
    generate_webhook_secret,
)
from apps.client_portal.api.webhooks import SCHEDULE, deliver_due
from apps.client_portal.core import events
from apps.client_portal.core.models import AuditEvent, Feedback, Notification

pytestmark = pytest.mark.django_db


# --- the receiver -----------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        receiver.requests.append((dict(self.headers), body))
        if receiver.hang:
            receiver.release.wait(10)
            return
        reply = receiver.reply.encode()
        self.send_response(receiver.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


class Receiver:
    """Records each POST; answers ``status`` with ``reply``, or never (``hang``)."""

    def __init__(self, url):
        self.url = url
        self.requests = []
        self.status = 200
        self.reply = "ok"
        self.hang = False
        self.release = threading.Event()

    def payloads(self, secret):
        return [Webhook(secret).verify(body, headers) for headers, body in self.requests]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.receiver = Receiver(f"http://127.0.0.1:{server.server_port}/hooks?source=portal")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.receiver
    server.receiver.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs what waits for the commit: events, then delivery jobs."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _endpoint(demo, url, org="northwind", events_=("*",), creator="owner"):
    endpoint = WebhookEndpoint(
        organization=demo.organizations[org] if org else None, url=url,
        event_types=list(events_), created_by=demo.users[creator],
        secret=generate_webhook_secret())
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def _feedback(demo, org="northwind", author="member", subject="Webhook test"):
    return Feedback.objects.create(organization=demo.organizations[org],
                                   author=demo.users[author], kind=Feedback.Kind.WISH,
                                   subject=subject, body="Body.")


def _emit(demo, feedback, event_type="feedback.created"):
    events.emit(event_type, organization=feedback.organization,
                data={"resource": "feedback", "id": str(feedback.uuid)})


def _post(client, path, data=None):
    return client.post(path, data=json.dumps(data or {}), content_type="application/json")


# --- creating an endpoint ---------------------------------------------------------------
def test_owner_creates_an_endpoint_through_the_api_and_sees_the_secret_once(
        demo, login, receiver, committed):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    with committed():
        response = _post(client, "/api/v1/webhooks/", {
            "url": receiver.url, "description": "ERP", "event_types": ["feedback.created"]})
    assert response.status_code == 201, response.content
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert body["event_types"] == ["feedback.created"] and body["is_active"] is True

    endpoint = WebhookEndpoint.objects.get(uuid=body["uuid"])
    assert endpoint.secret == secret
    assert endpoint.organization == demo.organizations["northwind"]
    assert endpoint.created_by == demo.users["owner"]
    for path in [f"/api/v1/webhooks/{endpoint.uuid}/", "/api/v1/webhooks/",
                 f"/p/webhooks/{endpoint.uuid}/", "/p/webhooks/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert secret not in response.content.decode(), path
    assert "secret" not in client.get(f"/api/v1/webhooks/{endpoint.uuid}/").json()
    audit = AuditEvent.objects.get(action="webhooks.create")
    assert secret not in json.dumps(audit.changes)


def test_the_portal_form_offers_event_types_as_checkboxes(demo, login, receiver):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    page = client.get("/p/webhooks/new/").content.decode()
    assert 'type="checkbox"' in page
    assert 'value="feedback.created"' in page and 'value="*"' in page
    response = client.post("/p/webhooks/new/", {
        "url": receiver.url, "description": "From the form",
        "event_types": ["feedback.created", "feedback.withdraw"]}, follow=True)
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(description="From the form")
    assert endpoint.event_types == ["feedback.created", "feedback.withdraw"]
    assert endpoint.secret in response.content.decode()  # the one time it is shown


@pytest.mark.parametrize("url,message", [
    ("http://hooks.example.com/in", "Use an https:// address: plain http://"),
    ("ftp://hooks.example.com/in", "Use an https:// address."),
    ("https://127.0.0.1/in", "private or reserved network (127.0.0.1)"),
    ("https://localhost:8443/in", "private or reserved network"),
    ("https://10.1.2.3/in", "private or reserved network (10.1.2.3)"),
    ("https://192.168.0.10/in", "private or reserved network"),
    ("https://169.254.169.254/latest/meta-data/", "private or reserved network"),
    ("https://[::1]/in", "private or reserved network (::1)"),
    ("https://[::ffff:127.0.0.1]/in", "private or reserved network"),
    ("https://0.0.0.0/in", "private or reserved network"),
    ("https://user:pass@hooks.example.com/in", "Leave the user name and password out"),
])
def test_unsafe_addresses_are_refused_with_a_field_error(demo, login, settings, url, message):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = _post(client, "/api/v1/webhooks/", {"url": url, "event_types": ["*"]})
    assert response.status_code == 400, response.content
    errors = response.json()["error"]["fields"]["url"]
    assert any(message in e for e in errors), errors
    assert not WebhookEndpoint.objects.filter(url=url).exists()


def test_allow_listed_hosts_may_use_http_and_private_addresses(demo, login, settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = _post(client, "/api/v1/webhooks/",
                     {"url": "http://127.0.0.1:9/in", "event_types": ["*"]})
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("event_types,message", [
    (["feedback.created", "nope.created"], "nope.created is not one of the available"),
    ([], "Choose at least one event type."),
    ("feedback.created", "Enter a list of values."),
])
def test_event_types_are_checked(demo, login, receiver, event_types, message):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = _post(client, "/api/v1/webhooks/",
                     {"url": receiver.url, "event_types": event_types})
    assert response.status_code == 400, response.content
    assert any(message in e for e in response.json()["error"]["fields"]["event_types"])


def test_the_model_names_unknown_event_types(demo, receiver):
    endpoint = WebhookEndpoint(organization=demo.organizations["northwind"], url=receiver.url,
                               event_types=["feedback.created", "nope", "gone.away"],
                               secret=generate_webhook_secret())
    with pytest.raises(ValidationError) as caught:
        endpoint.full_clean()
    assert caught.value.message_dict["event_types"] == [
        "Unknown event type: nope, gone.away. Choose from the list of event types."]


def test_a_manager_can_neither_see_nor_create_webhooks(demo, login, receiver):
    demo_endpoint = WebhookEndpoint.objects.get(url="https://hooks.northwind.example.com/portal")
    client = login(demo.users["manager"], demo.organizations["northwind"])
    for path in ["/api/v1/webhooks/", f"/api/v1/webhooks/{demo_endpoint.uuid}/",
                 "/api/v1/webhook-deliveries/", "/p/webhooks/", "/p/webhooks/new/",
                 "/p/webhook-deliveries/"]:
        assert client.get(path).status_code == 404, path
    response = _post(client, "/api/v1/webhooks/", {"url": receiver.url, "event_types": ["*"]})
    assert response.status_code == 404
    assert not WebhookEndpoint.objects.filter(url=receiver.url).exists()
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    assert demo_endpoint.url in owner.get("/api/v1/webhooks/").content.decode()


# --- delivering -------------------------------------------------------------------------
def test_feedback_sent_in_the_portal_is_delivered_signed(demo, login, receiver, committed):
    endpoint = _endpoint(demo, receiver.url, events_=["feedback.created"])
    client = login(demo.users["member"], demo.organizations["northwind"])
    with committed():
        response = client.post("/p/feedback/new/", {
            "kind": "wish", "subject": "Webhooks please", "body": "Sent to our ERP."})
    assert response.status_code == 302

    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    payload = Webhook(endpoint.secret).verify(body, headers)
    feedback = Feedback.objects.get(subject="Webhooks please")
    assert payload["type"] == "feedback.created"
    assert payload["data"]["resource"] == "feedback"
    assert payload["data"]["id"] == str(feedback.uuid)
    assert payload["data"]["organization"] == str(demo.organizations["northwind"].uuid)
    assert payload["data"]["object"]["uuid"] == str(feedback.uuid)
    assert payload["data"]["object"]["subject"] == "Webhooks please"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("ClientPortal-Webhooks/")
    assert headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(body.replace(b"Webhooks", b"Hijacked"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_webhook_secret()).verify(body, headers)

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        WebhookDelivery.Status.SUCCEEDED, 1, 200)
    assert delivery.event_id == headers["webhook-id"]
    assert delivery.organization == demo.organizations["northwind"]
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_a_failing_receiver_is_retried_on_the_schedule_then_given_up(
        demo, login, receiver, committed):
    receiver.status, receiver.reply = 500, "Internal trouble " + "x" * 2000
    endpoint = _endpoint(demo, receiver.url)
    feedback = _feedback(demo)
    with committed():
        _emit(demo, feedback)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        WebhookDelivery.Status.FAILED, 1, 500)
    assert delivery.last_response_body.startswith("Internal trouble")
    assert len(delivery.last_response_body) == 1000
    first_try = delivery.next_attempt_at - SCHEDULE[1]
    assert abs(first_try - timezone.now()) < dt.timedelta(seconds=30)

    now = delivery.next_attempt_at
    assert deliver_due(now - dt.timedelta(seconds=1)) == 0  # not due yet
    for attempt in range(2, len(SCHEDULE) + 1):
        assert deliver_due(now) == 1
        delivery.refresh_from_db()
        assert delivery.attempts == attempt and delivery.last_response_code == 500
        if attempt < len(SCHEDULE):
            assert delivery.status == WebhookDelivery.Status.FAILED
            assert delivery.next_attempt_at == now + SCHEDULE[attempt]
            now = delivery.next_attempt_at
    assert delivery.status == WebhookDelivery.Status.GAVE_UP
    assert delivery.next_attempt_at is None
    assert deliver_due(now + dt.timedelta(days=30)) == 0

    assert len(receiver.requests) == 8
    assert {h["webhook-id"] for h, _b in receiver.requests} == {delivery.event_id}
    assert len(receiver.payloads(endpoint.secret)) == 8
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.is_active

    client = login(demo.users["owner"], demo.organizations["northwind"])
    rows = client.get("/api/v1/webhook-deliveries/?status=gave_up").json()["results"]
    row = next(r for r in rows if r["uuid"] == str(delivery.uuid))
    assert (row["last_response_code"], row["attempts"], row["endpoint"]) == (
        500, 8, str(endpoint.uuid))
    page = client.get("/p/webhook-deliveries/").content.decode()
    assert "500" in page and "feedback.created" in page


def test_a_receiver_that_does_not_answer_times_out(demo, receiver, committed, settings):
    settings.WEBHOOK_TIMEOUT = 0.3
    receiver.hang = True
    endpoint = _endpoint(demo, receiver.url)
    with committed():
        _emit(demo, _feedback(demo))
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_response_code is None
    assert "No answer within 0.3 seconds" in delivery.last_error


def test_the_address_is_checked_again_before_each_attempt(demo, receiver, committed,
                                                          settings):
    endpoint = _endpoint(demo, receiver.url)
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []  # the provider took the host off the list
    with committed():
        _emit(demo, _feedback(demo))
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_error.startswith("Refused: Use an https:// address")
    assert receiver.requests == []


def test_an_endpoint_whose_deliveries_keep_giving_up_is_disabled_and_the_owner_told(
        demo, login, receiver, committed, settings):
    settings.WEBHOOK_DISABLE_AFTER = 2
    receiver.status = 503
    endpoint = _endpoint(demo, receiver.url)
    with committed():
        _emit(demo, _feedback(demo, subject="One"))
        _emit(demo, _feedback(demo, subject="Two"))
    now = timezone.now()
    for _step in range(len(SCHEDULE) - 1):
        now += dt.timedelta(hours=11)  # past the longest pause
        with committed():
            assert deliver_due(now) == 2
    assert set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list(
        "status", flat=True)) == {WebhookDelivery.Status.GAVE_UP}

    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert endpoint.disabled_message == "webhooks.disabled_failing"
    with translation.override("en"):
        assert "2 deliveries in a row gave up" in endpoint.why_disabled
    with translation.override("ro"):
        assert "2" in endpoint.why_disabled and "deliveries" not in endpoint.why_disabled
    told = Notification.objects.filter(message="webhooks.disabled_notice")
    assert [n.user for n in told] == [demo.users["owner"]]
    assert told[0].link == f"/p/webhooks/{endpoint.uuid}/"
    event = AuditEvent.objects.get(action="webhooks.disable", object_id=str(endpoint.uuid))
    assert event.actor_label == "system"

    with committed():
        _emit(demo, _feedback(demo, subject="Three"))
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2  # nothing new

    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = _post(client, f"/api/v1/webhooks/{endpoint.uuid}/actions/enable/")
    assert response.status_code == 200 and response.json()["is_active"] is True
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.why_disabled == ""


def test_the_owner_redelivers_through_the_api(demo, login, receiver, committed):
    receiver.status = 500
    endpoint = _endpoint(demo, receiver.url, events_=["feedback.created"])
    with committed():
        _emit(demo, _feedback(demo))
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == WebhookDelivery.Status.FAILED

    receiver.status = 204
    client = login(demo.users["owner"], demo.organizations["northwind"])
    with committed():
        response = _post(client, f"/api/v1/webhook-deliveries/{delivery.uuid}/actions/"
                                 "redeliver/")
    assert response.status_code == 200, response.content
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        WebhookDelivery.Status.SUCCEEDED, 1, 204)
    assert [h["webhook-id"] for h, _b in receiver.requests] == [delivery.event_id] * 2
    assert AuditEvent.objects.filter(action="webhook-deliveries.redeliver").exists()

    manager = login(demo.users["manager"], demo.organizations["northwind"])
    response = _post(manager, f"/api/v1/webhook-deliveries/{delivery.uuid}/actions/redeliver/")
    assert response.status_code == 404


def test_another_organizations_endpoint_never_gets_northwinds_events(demo, receiver,
                                                                     committed):
    contoso = _endpoint(demo, receiver.url, org="contoso", creator="contoso_owner")
    northwind = _endpoint(demo, receiver.url)
    with committed():
        _emit(demo, _feedback(demo))
    assert WebhookDelivery.objects.filter(endpoint=northwind).count() == 1
    assert not WebhookDelivery.objects.filter(
        endpoint__organization=demo.organizations["contoso"]).exclude(
        event_id__startswith="msg_demo").exists()
    assert not WebhookDelivery.objects.filter(endpoint=contoso).exists()
    assert len(receiver.requests) == 1
    assert receiver.payloads(northwind.secret)[0]["data"]["object"]["subject"] == (
        "Webhook test")


def test_staff_add_a_provider_wide_endpoint_that_gets_every_organizations_events(
        demo, client, login, receiver, committed):
    client.force_login(demo.users["admin"])
    response = client.post("/admin/api/webhookendpoint/add/", {
        "organization": "", "url": receiver.url, "description": "Provider ERP",
        "event_types": ["feedback.created"]})
    assert response.status_code == 302, response.content.decode()[:3000]
    endpoint = WebhookEndpoint.objects.get(description="Provider ERP")
    assert endpoint.organization is None and endpoint.created_by == demo.users["admin"]
    assert endpoint.secret.startswith("whsec_")

    with committed():
        _emit(demo, _feedback(demo, "northwind", "member", "From Northwind"))
        _emit(demo, _feedback(demo, "contoso", "contoso_owner", "From Contoso"))
    payloads = receiver.payloads(endpoint.secret)
    assert sorted(p["data"]["object"]["subject"] for p in payloads) == [
        "From Contoso", "From Northwind"]
    assert {p["data"]["organization"] for p in payloads} == {
        str(demo.organizations["northwind"].uuid), str(demo.organizations["contoso"].uuid)}
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert {d.organization for d in deliveries} == {None}

    # What went to the provider's endpoint is the provider's: no organization lists it.
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    listed = owner.get("/api/v1/webhook-deliveries/?page_size=500").json()["results"]
    assert not {r["uuid"] for r in listed} & {str(d.uuid) for d in deliveries}


def test_an_organization_is_not_told_of_a_record_it_may_not_read(demo, receiver, committed):
    """A person's notification is theirs alone: the organization's endpoint hears nothing,
    the provider's endpoint hears it all."""
    own = _endpoint(demo, receiver.url, events_=["notifications.mark_read"])
    provider = _endpoint(demo, receiver.url, org=None, events_=["*"], creator="admin")
    notification = Notification.objects.filter(
        organization=demo.organizations["northwind"]).first()
    with committed():
        events.emit("notifications.mark_read", organization=notification.organization,
                    data={"resource": "notifications", "id": str(notification.uuid)})
    assert not WebhookDelivery.objects.filter(endpoint=own).exists()
    sent = WebhookDelivery.objects.get(endpoint=provider)
    assert sent.payload["data"]["object"]["uuid"] == str(notification.uuid)


def test_the_command_sends_what_is_due(demo, receiver):
    endpoint = _endpoint(demo, receiver.url)
    delivery = WebhookDelivery.objects.create(
        organization=endpoint.organization, endpoint=endpoint, event_id="msg_command",
        event_type="feedback.created", payload={"type": "feedback.created", "data": {}},
        status=WebhookDelivery.Status.FAILED, attempts=1,
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("deliver_webhooks")
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and delivery.attempts == 2
    assert receiver.payloads(endpoint.secret) == [delivery.payload]


def test_seeding_the_demo_sent_nothing(demo):
    """The demo's own changes (invoices published while seeding) are events too: no
    delivery came of them, so seeding never reached for the network."""
    assert WebhookDelivery.objects.filter(event_id__startswith="msg_demo").count() == 3
    assert not WebhookDelivery.objects.exclude(event_id__startswith="msg_demo").exists()


def test_the_pages_of_endpoints_and_deliveries_render(demo, login, client):
    endpoint = WebhookEndpoint.objects.get(url="https://hooks.northwind.example.com/portal")
    gave_up = WebhookDelivery.objects.get(endpoint=endpoint, status="gave_up")
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    page = owner.get(f"/p/webhooks/{endpoint.uuid}/").content.decode()
    assert "feedback.mark_answered" in page and "/do/disable/" in page
    assert endpoint.secret not in page
    page = owner.get(f"/p/webhook-deliveries/{gave_up.uuid}/").content.decode()
    assert "Service Unavailable" in page and "/do/redeliver/" in page

    client.force_login(demo.users["admin"])
    for path in ["/admin/api/webhookendpoint/", f"/admin/api/webhookendpoint/{endpoint.pk}/change/",
                 "/admin/api/webhookendpoint/add/", "/admin/api/webhookdelivery/",
                 f"/admin/api/webhookdelivery/{gave_up.pk}/change/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert endpoint.secret not in response.content.decode(), path


def test_an_edit_checks_a_new_address_and_leaves_a_checked_one_alone(
        demo, login, receiver, settings):
    endpoint = _endpoint(demo, receiver.url)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    path = f"/api/v1/webhooks/{endpoint.uuid}/"
    response = client.patch(path, data=json.dumps({"url": "https://10.9.8.7/in"}),
                            content_type="application/json")
    assert response.status_code == 400
    assert "private or reserved network" in response.json()["error"]["fields"]["url"][0]

    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []  # the address saved earlier is no longer allowed
    response = client.patch(path, data=json.dumps({"description": "Renamed"}),
                            content_type="application/json")
    assert response.status_code == 200, response.content
    response = client.post(f"{path}actions/disable/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url and endpoint.description == "Renamed"
    with translation.override("en"):
        assert endpoint.why_disabled.startswith("Disabled by ")
        assert response.json()["why_disabled"].startswith("Disabled by ")

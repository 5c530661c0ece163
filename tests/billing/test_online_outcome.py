"""Why an online payment did not go through: a message id, written in the reader's language.

The attempt keeps the message id and its values (``failure_message``,
``failure_params``), never an English sentence; the client's page and the API
write it out when read (``why``). What the gateway itself said stays in
``failure_reason`` for staff: clients never see it.
"""

import importlib
import json
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from apps.client_portal.billing import online, online_models
from apps.client_portal.billing.models import PaymentIntent
from apps.client_portal.billing.online_resources import PaymentIntentResource
from apps.client_portal.core import messages

from .test_online_payment import (  # noqa: F401  (fake_gateway, gateways: fixtures)
    access_of,
    fake_gateway,
    gateways,
    make_doc,
    notify,
    start,
)

pytestmark = pytest.mark.django_db

def report(app, intent, status):
    data = app.status_notification_for(app.read_token(intent.gateway_token), status)
    return Client().post(reverse("billing:pay_callback", args=["redirect"]),
                         data=json.dumps(data), content_type="application/json")


def detail(client, intent):
    return client.get(reverse("portal:detail", args=["online-payments", intent.uuid]))


def test_every_way_an_attempt_ends_stores_a_message_id(demo, northwind, request):
    fake = request.getfixturevalue("gateways")
    owner = access_of(demo.users["owner"], northwind)
    declined = start(owner, [make_doc(northwind, "WO-1")])
    assert report(fake, declined, "failed").status_code == 200
    at_gateway = start(owner, [make_doc(northwind, "WO-2")])
    assert report(fake, at_gateway, "cancelled").status_code == 200
    by_client = online.cancel_payment(owner, start(owner, [make_doc(northwind, "WO-3")]))
    by_staff = start(owner, [make_doc(northwind, "WO-4")])
    by_staff.cancel(by=demo.users["admin"])
    by_staff.save()

    found = {}
    for intent in (declined, at_gateway, by_client, by_staff):
        intent.refresh_from_db()
        found[intent.status, intent.failure_message] = intent.failure_reason
    assert found == {
        ("failed", online_models.DECLINED): "",
        ("cancelled", online_models.CANCELLED_AT_GATEWAY): "",
        ("cancelled", online_models.CANCELLED_BY_CLIENT): "",
        ("cancelled", online_models.CANCELLED_BY_PROVIDER): "",
    }
    with translation.override("en"):
        assert declined.why == "The payment service declined the payment."
        assert by_client.why == "You cancelled this payment. Nothing was charged."


def test_a_gateway_that_does_not_answer_keeps_its_words_for_staff(settings, demo, northwind,
                                                                  request):
    request.getfixturevalue("gateways")
    settings.PAYMENT_GATEWAYS["redirect"]["BASE_URL"] = "http://127.0.0.1:9"
    doc = make_doc(northwind, "WO-5")
    with pytest.raises(online.Refused):
        start(access_of(demo.users["owner"], northwind), [doc])
    intent = PaymentIntent.objects.get(documents=doc)
    assert intent.failure_message == online_models.GATEWAY_UNAVAILABLE
    assert "127.0.0.1:9" in intent.failure_reason  # what the gateway call said, for staff
    with translation.override("en"):
        assert intent.why == "The payment service did not answer. Nothing was charged."


def test_an_expired_attempt_says_it_was_not_finished(demo, northwind, request):
    request.getfixturevalue("gateways")
    intent = start(access_of(demo.users["owner"], northwind), [make_doc(northwind, "WO-6")])
    PaymentIntent.objects.filter(pk=intent.pk).update(
        created_at=intent.created_at.replace(year=intent.created_at.year - 1))
    assert online.expire_abandoned() >= 1
    intent.refresh_from_db()
    assert (intent.status, intent.failure_message, intent.failure_reason) == (
        "cancelled", online_models.ABANDONED, "")


def test_the_client_page_and_the_api_write_it_in_the_readers_language(demo, northwind, login):
    """The demo's declined attempt, read in English and in Romanian; the gateway's own
    words are not shown to the client."""
    intent = PaymentIntent.objects.get(organization=northwind,
                                       failure_message=online_models.DECLINED)
    PaymentIntent.objects.filter(pk=intent.pk).update(failure_reason="card_declined_51")
    client = login(demo.users["viewer"], northwind)

    english = detail(client, intent).content.decode()
    assert "The payment service declined the payment." in english
    assert "card_declined_51" not in english and "online_payments." not in english

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    romanian = detail(client, intent).content.decode()
    api = client.get(f"/api/v1/online-payments/{intent.uuid}/",
                     HTTP_ACCEPT_LANGUAGE="ro").json()
    with translation.override("ro"):
        declined = gettext("The payment service declined the payment.")
    assert declined != "The payment service declined the payment."  # translated
    assert declined in romanian
    assert "The payment service declined" not in romanian
    assert api["why"] == declined
    assert api["failure_message"] == "online_payments.declined"
    assert "failure_reason" not in api and "card_declined_51" not in json.dumps(api)


def test_money_taken_after_a_cancel_clears_the_reason(demo, northwind, request):
    fake = request.getfixturevalue("gateways")
    owner = access_of(demo.users["owner"], northwind)
    intent = online.cancel_payment(owner, start(owner, [make_doc(northwind, "WO-7")]))
    assert intent.failure_message == online_models.CANCELLED_BY_CLIENT
    assert notify(Client(), fake, intent).status_code == 200
    intent.refresh_from_db()
    assert intent.status == "succeeded"
    assert (intent.failure_message, intent.failure_params, intent.why) == ("", {}, "")


def test_the_resource_shows_why_and_keeps_the_gateways_words_off(demo):
    assert "why" in PaymentIntentResource.detail_fields
    assert "failure_reason" not in PaymentIntentResource.detail_fields
    assert "failure_reason" not in PaymentIntentResource.api_fields


def test_the_migration_turns_the_english_reasons_into_message_ids(demo, northwind):
    """Rows written before message ids: each known English text becomes its id."""
    migration = importlib.import_module(
        "apps.client_portal.billing.migrations.0004_online_payment_failure_message")

    def old(reason, status, token="tok"):
        return PaymentIntent.objects.create(
            organization=northwind, amount=Decimal("1.00"), currency="RON",
            gateway="redirect", status=status, failure_reason=reason,
            idempotency_key=f"old-{reason}-{status}", gateway_token=token)

    rows = {
        "abandoned": old("abandoned", "cancelled"),
        "client": old("cancelled by the client", "cancelled"),
        "page": old("cancelled on the payment page", "cancelled"),
        "declined": old("gateway: declined", "failed"),
        "said": old("gateway: card_declined", "failed"),
        "expired": old("gateway: checkout.session.expired", "failed"),
        "down": old("gateway: POST http://pay.example.com failed: refused", "failed", token=""),
        "staff": old("", "cancelled"),
        "paid": old("", "succeeded"),
    }
    migration.to_message_ids(django_apps, None)
    got = {}
    for key, row in rows.items():
        row.refresh_from_db()
        got[key] = (row.failure_message, row.failure_reason)
    assert got == {
        "abandoned": (online_models.ABANDONED, ""),
        "client": (online_models.CANCELLED_BY_CLIENT, ""),
        "page": (online_models.CANCELLED_AT_GATEWAY, ""),
        "declined": (online_models.DECLINED, ""),
        "said": (online_models.DECLINED, "card_declined"),
        "expired": (online_models.ABANDONED, "checkout.session.expired"),
        "down": (online_models.GATEWAY_UNAVAILABLE, "POST http://pay.example.com failed: refused"),
        "staff": (online_models.CANCELLED_BY_PROVIDER, ""),
        "paid": ("", ""),
    }
    # Every id the migration writes is a declared message.
    assert all(messages.get(message) for message, _said in got.values() if message)

"""Coming back from the gateway: paid, cancelled, declined or still waiting, each with a way on.

The fake gateway reports a cancel or a decline as a signed status notification;
the return page reads the state from the database, and while nothing has come it
asks again a bounded number of times, then says what to do.
"""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from apps.client_portal.billing import views_online
from apps.client_portal.billing.models import PaymentIntent
from apps.client_portal.core.models import AuditEvent

from .test_online_payment import (  # noqa: F401  (fake_gateway, gateways: fixtures)
    access_of,
    doc_amounts,
    fake_gateway,
    gateways,
    make_doc,
    start,
)

pytestmark = pytest.mark.usefixtures("gateways")


@pytest.fixture
def fake(request):
    """The fake gateway's app (it signs the notifications)."""
    return request.getfixturevalue("gateways")


def report(app, intent, status, **change):
    """Post the fake gateway's signed status notification ("cancelled" or "failed")."""
    data = app.status_notification_for(app.read_token(intent.gateway_token), status)
    data.update(change)
    return Client().post(reverse("billing:pay_callback", args=["redirect"]),
                         data=json.dumps(data), content_type="application/json")


def return_page(client, intent, **query):
    return client.get(reverse("billing:pay_return", args=[intent.uuid]), query)


def audit_actions(intent):
    return list(AuditEvent.objects.filter(object_id=str(intent.uuid)).order_by("id")
                .values_list("action", flat=True))


def test_a_cancel_at_the_gateway_cancels_the_attempt_and_offers_to_pay_again(
        demo, northwind, login, fake):
    doc = make_doc(northwind, "RT-1", "1423.28")
    intent = start(access_of(demo.users["owner"], northwind), [doc])
    assert report(fake, intent, "cancelled").status_code == 200

    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.CANCELLED and intent.completed_at
    assert audit_actions(intent)[-1] == "online-payments.callback.cancelled"
    assert doc_amounts(doc) == ("unpaid", Decimal("0.00"), Decimal("1423.28"))

    body = return_page(login(demo.users["owner"], northwind), intent).content.decode()
    assert 'data-testid="intent-status">Cancelled<' in body
    assert "Nothing was charged" in body and "Waiting for the gateway" not in body
    assert f'href="{reverse("billing:pay", args=[doc.uuid])}" data-testid="pay-again"' in body
    assert f'href="{doc.get_absolute_url()}"' in body  # back to the invoice
    assert "hx-get" not in body  # nothing to wait for
    assert "1,423.28 RON" in body
    assert "redirect" not in body.split('id="pay-state"')[1]  # the gateway's human name only
    assert "Online bank transfer or card" in body


def test_a_declined_payment_fails_the_attempt_and_says_so(demo, northwind, login, fake):
    doc = make_doc(northwind, "RT-2")
    intent = start(access_of(demo.users["member"], northwind), [doc])
    assert report(fake, intent, "failed").status_code == 200
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.FAILED
    assert audit_actions(intent)[-1] == "online-payments.callback.failed"
    body = return_page(login(demo.users["member"], northwind), intent).content.decode()
    assert 'data-testid="intent-status">Failed<' in body and 'data-testid="pay-again"' in body
    assert "did not go through" in body


def test_a_forged_or_late_status_report_changes_nothing(demo, northwind, fake):
    doc = make_doc(northwind, "RT-3")
    intent = start(access_of(demo.users["owner"], northwind), [doc])
    assert report(fake, intent, "cancelled", sign="0" * 96).status_code == 400
    assert report(fake, intent, "refunded").status_code == 400  # sign over a wrong status
    assert report(fake, intent, "cancelled", amount=1).status_code == 400
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.PENDING

    # Paid first, then a cancel arrives: the payment stands.
    from .test_online_payment import notify

    assert notify(Client(), fake, intent).status_code == 200
    assert report(fake, intent, "cancelled").status_code == 200
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    assert audit_actions(intent)[-1] == "online-payments.callback.late_failure"
    assert doc_amounts(doc)[0] == "paid"


def test_the_waiting_page_asks_again_a_bounded_number_of_times(demo, northwind, login):
    doc = make_doc(northwind, "RT-4")
    intent = start(access_of(demo.users["owner"], northwind), [doc])
    client = login(demo.users["owner"], northwind)
    first = return_page(client, intent).content.decode()
    assert 'data-testid="intent-status">Waiting for the gateway<' in first
    assert f'hx-get="{intent.return_url_path()}?poll=1"' in first
    assert "updates by itself" in first

    middle = client.get(intent.return_url_path(), {"poll": 5}, HTTP_HX_REQUEST="true")
    text = middle.content.decode()
    assert text.lstrip().startswith("<div id=\"pay-state\"")  # the part only, not the page
    assert "?poll=6" in text

    last = client.get(intent.return_url_path(), {"poll": views_online.POLL_TIMES},
                      HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in last  # stops asking
    assert "has not confirmed this payment yet" in last
    assert "Cancel this payment" in last and f'href="{doc.get_absolute_url()}"' in last
    # A made-up count is clamped, never a reason to poll for ever.
    huge = client.get(intent.return_url_path(), {"poll": "99999"}).content.decode()
    assert "hx-get" not in huge
    assert client.get(intent.return_url_path(), {"poll": "x"}).status_code == 200


def test_after_cancelling_on_the_return_page_the_client_may_pay_again(demo, northwind, login):
    doc = make_doc(northwind, "RT-5")
    intent = start(access_of(demo.users["owner"], northwind), [doc])
    client = login(demo.users["owner"], northwind)
    response = client.post(reverse("billing:pay_cancel", args=[intent.uuid]), follow=True)
    body = response.content.decode()
    assert 'data-testid="intent-status">Cancelled<' in body and 'data-testid="pay-again"' in body
    again = client.post(reverse("billing:pay", args=[doc.uuid]), {"gateway": "redirect"})
    assert again.status_code == 302
    assert PaymentIntent.objects.filter(documents=doc, status="pending").count() == 1

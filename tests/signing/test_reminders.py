"""The reminder job: due requests are reminded, those past their deadline expire."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.client_portal.core.models import Notification
from apps.client_portal.documents.signing import services
from apps.client_portal.documents.signing.models import SignatureRequest

pytestmark = pytest.mark.django_db


def test_reminders_and_deadlines(demo, django_capture_on_commit_callbacks, login):
    now = timezone.now()
    contract = SignatureRequest.objects.get(title="Service contract 2026-14")
    act = SignatureRequest.objects.get(title="Readings act March 2026")
    SignatureRequest.objects.filter(status="open").update(last_reminded_at=now)
    SignatureRequest.objects.filter(pk=contract.pk).update(
        last_reminded_at=now - dt.timedelta(days=4))
    SignatureRequest.objects.filter(pk=act.pk).update(deadline=now - dt.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("signing_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    contract.refresh_from_db()
    act.refresh_from_db()
    assert act.status == "expired"
    assert contract.status == "open" and contract.last_reminded_at > now - dt.timedelta(minutes=1)
    assert contract.events.filter(kind="reminded").count() == 1
    assert services.verify_chain(contract)["intact"]
    told = Notification.objects.filter(message="signing.to_sign", link__contains=str(contract.uuid))
    assert "owner@northwind.example.com" in set(told.values_list("user__email", flat=True))
    # Nothing else was due: a second run sends nothing.
    assert services.send_reminders() == 0
    # An expired request is not open for signing, through any door.
    manager = login(demo.users["manager"], demo.organizations["northwind"])
    page = manager.get(f"/signatures/{act.uuid}/sign/")
    assert "no longer open for signing" in page.content.decode()


def test_decline_ends_the_request(demo, login):
    contract = SignatureRequest.objects.get(title="Service contract 2026-14")
    viewer = login(demo.users["viewer"], demo.organizations["northwind"])
    assert viewer.post(f"/api/v1/signatures/{contract.uuid}/decline/", {},
                       content_type="application/json").status_code == 403
    owner = login(demo.users["owner"], demo.organizations["northwind"])
    response = owner.post(f"/signatures/{contract.uuid}/decline/", {"reason": "Wrong address"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == "declined"
    event = contract.events.get(kind="declined")
    assert event.data == {"reason": "Wrong address"} and event.user == demo.users["owner"]
    assert services.verify_chain(contract)["intact"]
    # Nobody signs a declined request, by any door.
    response = owner.post(f"/api/v1/signatures/{contract.uuid}/sign/", {"typed_name": "O"},
                          content_type="application/json")
    assert response.status_code == 409

"""Notifications: stored as a message id, read in the reader's language; linked to their
record; all marked read at once; an online payment notifies the payer."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation

from apps.client_portal.core import messages
from apps.client_portal.core.models import AuditEvent, Membership, Notification
from apps.client_portal.core.notify import notify
from apps.client_portal.core.tenancy import Role

pytestmark = pytest.mark.django_db


def _role_notice(demo, user_key="owner"):
    user, org = demo.users[user_key], demo.organizations["northwind"]
    return notify([user], org, email=False, link="/p/people/", message=messages.ROLE_CHANGED,
                  params=messages.params(org=org.name, role=messages.choice(
                      Membership, "role", Role.MANAGER)))[0]


def test_a_system_notice_is_a_message_id_rendered_when_read(demo):
    note = _role_notice(demo)
    note.refresh_from_db()
    assert note.message == "people.role_changed" and note.title == "" and note.body == ""
    with translation.override("en"):
        assert note.subject == "Your role changed"
        assert note.text == "Your role in Northwind Trading SRL is now Manager."
    with translation.override("ro"):
        assert note.subject == "Rolul dvs. s-a schimbat"
        assert note.text == "Rolul dvs. în Northwind Trading SRL este acum Manager."


def test_amounts_and_dates_in_parameters_take_the_readers_formats(demo):
    values = messages.params(amount=Decimal("1234.50"), currency="RON")
    with translation.override("en"):
        assert messages.render_body(messages.PAYMENT_RECEIVED, values) == (
            "We received your payment of 1,234.50 RON. Thank you.")
    with translation.override("ro"):
        assert "1\xa0234,50 RON" in messages.render_body(messages.PAYMENT_RECEIVED, values)
    assert messages.params(day=dt.date(2026, 6, 21))["day"] == {"t": "date", "v": "2026-06-21"}


def test_free_text_written_by_staff_stays_as_written(demo):
    note = notify([demo.users["owner"]], demo.organizations["northwind"], "Hello from us",
                  "Written by a person.", email=False)[0]
    with translation.override("ro"):
        assert (note.subject, note.text) == ("Hello from us", "Written by a person.")


def test_the_page_and_the_api_speak_the_readers_language(demo, login):
    note = _role_notice(demo)
    client = login(demo.users["owner"], demo.organizations["northwind"])
    page = client.get(f"/p/notifications/{note.uuid}/", HTTP_ACCEPT_LANGUAGE="ro")
    body = page.content.decode()
    assert "Rolul dvs. s-a schimbat" in body and "Your role changed" not in body
    assert 'href="/p/people/"' in body  # the notice links to what it is about
    listing = client.get("/p/notifications/", HTTP_ACCEPT_LANGUAGE="ro").content.decode()
    assert "Rolul dvs. s-a schimbat" in listing
    api = client.get(f"/api/v1/notifications/{note.uuid}/", HTTP_ACCEPT_LANGUAGE="ro").json()
    assert api["subject"] == "Rolul dvs. s-a schimbat"
    assert api["text"] == "Rolul dvs. în Northwind Trading SRL este acum Manager."
    assert api["message"] == "people.role_changed" and api["link"] == "/p/people/"
    english = client.get(f"/api/v1/notifications/{note.uuid}/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["subject"] == "Your role changed"


def test_the_email_goes_out_in_the_recipients_language(demo, django_capture_on_commit_callbacks):
    user, org = demo.users["viewer"], demo.organizations["northwind"]
    user.language = "ro"
    user.save(update_fields=["language"])
    mail.outbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notify([user], org, link="/p/people/", message=messages.ROLE_CHANGED,
               params=messages.params(org=org.name, role=messages.choice(
                   Membership, "role", Role.MEMBER)))
    assert [m.to for m in mail.outbox] == [[user.email]]
    sent = mail.outbox[0]
    assert sent.subject == "Rolul dvs. s-a schimbat"
    assert "Rolul dvs. în Northwind Trading SRL este acum Membru." in sent.body
    assert "/p/people/" in sent.body and "Your role" not in sent.body


def test_mark_all_read_in_the_portal_reads_only_the_own_inbox(demo, login):
    owner, org = demo.users["owner"], demo.organizations["northwind"]
    mine = Notification.objects.filter(user=owner, organization=org)
    others = Notification.objects.filter(user=demo.users["member"], read_at__isnull=True)
    unread_others = others.count()
    unread = mine.filter(read_at__isnull=True).count()
    assert unread and unread_others
    client = login(owner, org)
    assert "Mark all as read" in client.get("/p/notifications/").content.decode()
    response = client.post("/p/notifications/read-all/")
    assert response.status_code == 302 and response["Location"] == "/p/notifications/"
    assert not mine.filter(read_at__isnull=True).exists()
    assert others.count() == unread_others
    event = AuditEvent.objects.get(action="notifications.mark_all_read", actor=owner)
    assert event.changes == {"count": unread} and event.organization == org
    assert client.get("/p/notifications/read-all/").status_code == 405


def test_mark_all_read_sits_in_the_lists_action_bar(demo, login):
    """Beside the list's other buttons (CSV, XLSX), after the heading; a plain POST form
    with its CSRF token, so it works without JavaScript."""
    client = login(demo.users["owner"], demo.organizations["northwind"])
    page = client.get("/p/notifications/").content.decode()
    head = page[page.index('<div class="page-head">'):page.index('<form class="filters"')]
    bar = head[head.index('<div class="actions">'):]
    form = bar[bar.index("<form"):bar.index("</form>")]
    assert 'method="post" action="/p/notifications/read-all/"' in form
    assert 'name="csrfmiddlewaretoken"' in form and "Mark all as read" in form
    assert bar.index("<form") < bar.index("CSV")  # one bar with the list's buttons
    assert head.index("<h1>") < head.index("Mark all as read")
    assert page.count("Mark all as read") == 1  # not above the heading any more
    assert page.index("Mark all as read") > page.index("<h1>")


def test_mark_all_read_through_the_api_gives_the_same_answer(demo, login):
    owner, org = demo.users["owner"], demo.organizations["northwind"]
    unread = Notification.objects.filter(user=owner, organization=org,
                                         read_at__isnull=True).count()
    client = login(owner, org)
    first = client.post("/api/v1/notifications/read-all/")
    assert first.status_code == 200 and first.json() == {"marked": unread}
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    assert AuditEvent.objects.filter(action="notifications.mark_all_read",
                                     actor=owner).count() == 1


def test_an_online_payment_notifies_the_payer_and_emails_them(
        demo, django_capture_on_commit_callbacks):
    from apps.client_portal.billing import services
    from apps.client_portal.billing.models import Payment

    payer, org = demo.users["member"], demo.organizations["northwind"]
    payer.language = "ro"
    payer.save(update_fields=["language"])
    before = set(Notification.objects.values_list("pk", flat=True))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.record_payment(
            organization=org, amount=Decimal("1423.28"), currency="RON",
            method=Payment.Method.ONLINE, reference="redirect:test-1", paid_at=timezone.now(),
            by=payer)
    new = Notification.objects.exclude(pk__in=before)
    assert [(n.user, n.organization, n.message) for n in new] == [
        (payer, org, "billing.payment_received")]
    note = new.get()
    assert note.link == payment.get_absolute_url() and note.level == "success"
    with translation.override("en"):
        assert note.text == "We received your payment of 1,423.28 RON. Thank you."
    assert [m.to for m in mail.outbox] == [[payer.email]]
    assert "1\xa0423,28 RON" in mail.outbox[0].body  # written in the payer's language's formats


def test_a_bank_payment_recorded_by_staff_sends_no_notice(
        demo, django_capture_on_commit_callbacks):
    from apps.client_portal.billing import services
    from apps.client_portal.billing.models import Payment

    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_payment(
            organization=demo.organizations["northwind"], amount=Decimal("10.00"),
            currency="RON", method=Payment.Method.BANK_TRANSFER, reference="BT-test-1",
            paid_at=timezone.now(), by=demo.users["billing"])
    assert Notification.objects.count() == before


def test_demo_notifications_have_varied_levels_and_links(demo):
    notes = Notification.objects.filter(organization=demo.organizations["northwind"])
    assert len(set(notes.values_list("level", flat=True))) >= 2
    assert not notes.filter(link="").exists() and not notes.filter(message="").exists()


def test_mark_all_read_needs_a_person_acting_for_an_organization(demo):
    from apps.client_portal.core.errors import Refused
    from apps.client_portal.core.notify import mark_all_read
    from apps.client_portal.core.tenancy import Access

    unread = Notification.objects.filter(read_at__isnull=True).count()
    assert unread
    with pytest.raises(Refused) as refused:
        mark_all_read(access=Access.provider())  # a provider-wide key reaches every inbox
    assert refused.value.code == "forbidden"
    assert Notification.objects.filter(read_at__isnull=True).count() == unread


def test_a_notice_whose_values_are_missing_shows_no_placeholder(demo):
    note = Notification(message="billing.payment_received", params={})
    with translation.override("en"):
        assert "%(" not in note.text and "%(" not in note.subject
        assert note.subject == "Payment received"


def _unread(user, org, **kwargs):
    return notify([user], org, email=False, message=messages.PAYMENT_RECEIVED,
                  params=messages.params(amount=Decimal("12.50"), currency="RON"),
                  level=Notification.Level.SUCCESS, **kwargs)[0]


def test_opening_a_notice_reads_it_once_without_an_audit_row(demo, login):
    owner, org = demo.users["owner"], demo.organizations["northwind"]
    note = _unread(owner, org, link="/p/payments/")
    client = login(owner, org)
    events = AuditEvent.objects.count()
    page = client.get(f"/p/notifications/{note.uuid}/")
    assert page.status_code == 200
    note.refresh_from_db()
    first = note.read_at
    assert first is not None
    body = page.content.decode()
    assert "Mark as read" not in body  # the page shows it read already
    client.get(f"/p/notifications/{note.uuid}/")
    note.refresh_from_db()
    assert note.read_at == first  # opening again changes nothing
    assert AuditEvent.objects.count() == events


def test_nobody_else_reads_a_persons_notice(demo, login):
    owner, org = demo.users["owner"], demo.organizations["northwind"]
    note = _unread(owner, org, link="/p/payments/")
    client = login(demo.users["manager"], org)
    assert client.get(f"/p/notifications/{note.uuid}/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_the_page_leaves_out_the_level_and_says_what_the_link_opens(demo, login):
    from apps.client_portal.billing.models import Payment

    owner, org = demo.users["owner"], demo.organizations["northwind"]
    payment = Payment.objects.filter(organization=org).first()
    client = login(owner, org)
    cases = [
        (payment.get_absolute_url(), f"Open: {payment}"),
        ("/p/payments/", "Open: Payments"),
        ("/", "Open: Overview"),
        ("https://example.com/elsewhere", "Open what this is about"),
        # Another organization's record: no title of it, the plain label.
        (Payment.objects.exclude(organization=org).first().get_absolute_url(),
         "Open what this is about"),
    ]
    for link, label in cases:
        note = _unread(owner, org, link=link)
        body = client.get(f"/p/notifications/{note.uuid}/", HTTP_ACCEPT_LANGUAGE="en"
                          ).content.decode()
        button = body[body.index('data-testid="notification-link"'):]
        assert button[button.index(">") + 1:button.index("</a>")] == label, link
        assert "Level" not in body and "Success" not in body
    # The API keeps the level for programs.
    data = client.get(f"/api/v1/notifications/{note.uuid}/").json()
    assert data["level"] == "success"

"""Notifications: the in-portal inbox, and email where the organization allows it.

What the system tells people is a message id and its parameters
(``core/messages.py``): the inbox writes it in the reader's language when it is
read, and the email is written in the recipient's language (their own, or the
site's) when it is sent. Free text written by staff is kept as written.
"""

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import audit, jobs, messages
from .errors import Refused
from .models import Notification


def send_notification_email(user_email: str, language: str, subject: str, body: str, link: str,
                            message: str = "", params: dict | None = None):
    """Write and send one notification email in ``language`` (the site's if empty)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        if message:
            subject, body = messages.render(message, params or {})
        context = {"subject": subject, "body": body, "link": link}
        subject = render_to_string("core/email/notification_subject.txt", context).strip()
        text = render_to_string("core/email/notification_message.txt", context)
        send_mail(" ".join(subject.split()), text, None, [user_email])


_without_email = contextvars.ContextVar("notify_without_email", default=False)


@contextmanager
def without_email():
    """Notices go to the inbox only, no email (the demo's seeding: nobody to write to)."""
    token = _without_email.set(True)
    try:
        yield
    finally:
        _without_email.reset(token)


def notify(users, organization, title: str = "", body: str = "", link: str = "",
           level="info", email: bool = True, *, message: str = "", params: dict | None = None,
           obj=None) -> list[Notification]:
    """Put a notice in each user's inbox; email it if the organization wants email.

    Give ``message`` (an id declared in core/messages.py) and ``params`` for what the
    system says, or ``title`` and ``body`` for free text a person wrote. ``obj`` is the
    record the notice is about: the notice links to its portal page.
    """
    if obj is not None and not link and hasattr(obj, "get_absolute_url"):
        link = obj.get_absolute_url()
    params = params or {}
    created = []
    for user in users:
        created.append(
            Notification.objects.create(
                user=user, organization=organization, title=title[:200], body=body, link=link,
                level=level, message=message, params=params,
            )
        )
        if email and organization.notify_by_email and user.email and not _without_email.get():
            absolute = f"{settings.PORTAL_BASE_URL}{link}" if link.startswith("/") else link
            jobs.enqueue(
                send_notification_email, user.email, getattr(user, "language", ""), title, body,
                absolute, message, params,
            )
    return created


def mark_all_read(*, access, request=None) -> int:
    """Mark every unread notice of ``access``'s inbox read; audited. The portal's button
    and the API's endpoint both call this, so both give the same answer."""
    if access.organization is None or access.user is None:
        # A provider-wide key reaches every organization's notices, and a key acts for
        # no inbox of its own: there is no "my inbox" to mark.
        raise Refused(_("Only a person acting for an organization has an inbox to mark read."),
                      code="forbidden")
    with transaction.atomic():
        unread = Notification.objects.for_access(access).filter(
            organization=access.organization, user=access.user, read_at__isnull=True)
        count = unread.update(read_at=timezone.now())
        if count:
            audit.record("notifications.mark_all_read", changes={"count": count},
                         organization=access.organization, actor=access.user, request=request)
    return count


def on_payment_received(event) -> list[Notification]:
    """The ``payments.received`` event: the payer of an online payment gets a notice and
    an email (in their language) that links to the payment."""
    from .models import Membership
    from .registry import registry

    data = event.data or {}
    if event.organization is None or "resource" not in data or data["resource"] not in {
            r.slug for r in registry}:
        return []
    model = registry.get(data["resource"]).model
    payment = model.objects.filter(organization=event.organization, uuid=data.get("id")).first()
    if payment is None or getattr(payment, "method", "") != "online":
        return []
    members = Membership.objects.filter(organization=event.organization, is_active=True,
                                        user__is_active=True).select_related("user")
    payer = [m.user for m in members if m.user_id == payment.created_by_id]
    users = payer or [m.user for m in members if m.role == "owner"]
    return notify(
        users, event.organization, level=Notification.Level.SUCCESS, obj=payment,
        message=messages.PAYMENT_RECEIVED,
        params=messages.params(amount=payment.amount, currency=payment.currency),
    )

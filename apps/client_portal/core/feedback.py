"""Feedback threads: a reply moves the status and tells the other side.

Staff answer from the back office (the inline on the feedback's change page),
clients reply from the feedback's page or the API (the ``feedback-replies``
resource, through ``core.operations.create``). Either way the status moves
(a staff answer: New or In progress -> Answered; a client's reply to an answered
or closed thread: back to New), the move is audited, and the other side hears of
it: the client in the inbox and by email, staff by email.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from . import audit, jobs, messages
from .models import Feedback, FeedbackReply, Membership, lock
from .notify import notify, send_notification_email


def _move(feedback: Feedback, transition: str, *, actor=None, request=None):
    method = getattr(feedback, transition)
    from django_fsm import can_proceed

    if not can_proceed(method):
        return
    before = feedback.status
    method()
    feedback.save(update_fields=["status", "updated_at"])
    audit.record(f"feedback.{transition}", obj=feedback, actor=actor, request=request,
                 changes={"status": [before, feedback.status]})


def staff_reply(*, feedback: Feedback, author, body: str, attachment=None,
                request=None) -> FeedbackReply:
    """Staff answer ``feedback``: the reply, Answered, and a notice to the client."""
    with transaction.atomic():
        feedback = lock(feedback)
        reply = FeedbackReply(organization_id=feedback.organization_id, feedback=feedback,
                              author=author, body=body, from_staff=True)
        if attachment:
            reply.attachment = attachment
        reply.full_clean()
        reply.save()
        audit.record("feedback.reply", obj=feedback, actor=author, request=request,
                     changes={"attachment": bool(reply.attachment)})
        _move(feedback, "mark_answered", actor=author, request=request)
        tell_client(feedback)
    return reply


def tell_client(feedback: Feedback):
    members = Membership.objects.filter(organization_id=feedback.organization_id,
                                        is_active=True, user__is_active=True)
    if feedback.author_id:
        members = members.filter(user_id=feedback.author_id)
    users = [m.user for m in members.select_related("user")]
    notify(users, feedback.organization, obj=feedback, message=messages.FEEDBACK_REPLY_STAFF,
           params=messages.params(subject=feedback.subject))


def client_replied(reply: FeedbackReply, access, request=None):
    """After a client's reply (created through the operations layer): reopen an
    answered or closed thread, and tell the staff."""
    feedback = lock(reply.feedback)
    _move(feedback, "reopen", actor=access.user, request=request)
    tell_staff(feedback)


def tell_staff(feedback: Feedback):
    """Email the staff who answered this thread, or those who handle feedback."""
    User = get_user_model()
    answered = FeedbackReply.objects.filter(feedback=feedback, from_staff=True,
                                            author__isnull=False).values("author_id")
    staff = User.objects.filter(is_active=True, is_staff=True, pk__in=answered)
    if not staff.exists():
        staff = User.objects.filter(is_active=True, is_staff=True).filter(
            Q(is_superuser=True) | Q(groups__permissions__codename="change_feedback")
        ).distinct()
    link = settings.PORTAL_BASE_URL + reverse("admin:core_feedback_change", args=[feedback.pk])
    values = messages.params(subject=feedback.subject, organization=feedback.organization.name)
    for user in staff:
        if user.email:
            jobs.enqueue(send_notification_email, user.email, getattr(user, "language", ""),
                         "", "", link, messages.FEEDBACK_REPLY_CLIENT, values)

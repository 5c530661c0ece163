"""Sign-in side effects: the one-session limit, the password-change flag, last seen."""

import time

from allauth.account.signals import password_changed, password_reset
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from apps.client_portal.core import audit

from .middleware import LAST_SEEN_KEY


@receiver(user_logged_in)
def start_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    request.session[LAST_SEEN_KEY] = int(time.time())
    if getattr(settings, "SINGLE_SESSION", False):
        end_other_sessions(request, user, reason="single_session")


def end_other_sessions(request, user, reason):
    """End every other session of ``user``; returns how many were ended."""
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    current = request.session.session_key
    others = list(UserSession.objects.filter(user_id=user.pk).exclude(session_key=current))
    if others:
        get_adapter().end_sessions(others)
    ended = len(others)
    if ended:
        audit.record("sessions.end_others", obj=user, actor=user, request=request,
                     changes={"ended": ended, "reason": reason})
    return ended


@receiver(password_changed)
@receiver(password_reset)
def clear_must_change(sender, request, user, **kwargs):
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit.record("account.password_change", obj=user, actor=user, request=request)

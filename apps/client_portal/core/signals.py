"""Login, logout and failed-login events go to the audit log; a payment received
notifies the payer."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .events import event_emitted


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record("login", obj=user, actor=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record("logout", obj=user, actor=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    login = credentials.get("email") or credentials.get("username") or credentials.get("login")
    audit.record(
        "login_failed",
        request=request,
        actor_label=f"unknown:{login}"[:200] if login else "unknown",
        changes={"login": str(login)[:200] if login else ""},
    )


@receiver(event_emitted)
def payment_received(sender, event, **kwargs):
    """After an online payment the payer gets a notice and an email (core/notify.py)."""
    if event.type == "payments.received":
        from .notify import on_payment_received

        on_payment_received(event)

"""Two-factor authentication: who must use it, the emailed-code second factor, audit.

TOTP and recovery codes are allauth.mfa's. The portal adds three things:

* a policy (``MFA_REQUIRED_ROLES``, ``MFA_REQUIRED_ORGANIZATIONS``,
  ``MFA_REQUIRED_FOR_STAFF``) deciding who must sign in with a second factor;
* a login stage that sends a one-time code by email to those who must use a
  second factor but have no authenticator app (``MFA_EMAIL_CODE``), or else a
  middleware that sends them to set one up before they use the portal;
* audit events for every authenticator added, removed, regenerated, used, and
  for every wrong code.
"""

from __future__ import annotations

import secrets
import time

from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core import audit

EMAIL_CODE_STAGE = "apps.client_portal.accounts.mfa.EmailCodeStage"
_TOTP_STAGE = "allauth.mfa.stages.AuthenticateStage"
EMAIL_CODE_DIGITS = 6


# --- Policy -------------------------------------------------------------------


def policy_active() -> bool:
    return bool(
        settings.MFA_REQUIRED_ROLES
        or settings.MFA_REQUIRED_ORGANIZATIONS
        or settings.MFA_REQUIRED_FOR_STAFF
    )


def mfa_required(user) -> bool:
    """Whether ``user`` must sign in with a second factor.

    True for staff when ``MFA_REQUIRED_FOR_STAFF``, and for anyone holding an
    active membership with a role in ``MFA_REQUIRED_ROLES`` or in an
    organization whose client code is in ``MFA_REQUIRED_ORGANIZATIONS``.
    """
    if user is None or not user.is_authenticated or not policy_active():
        return False
    if settings.MFA_REQUIRED_FOR_STAFF and user.is_staff:
        return True
    from apps.client_portal.core.models import Membership

    memberships = Membership.objects.filter(
        user=user, is_active=True, organization__is_active=True
    )
    roles = list(settings.MFA_REQUIRED_ROLES)
    codes = list(settings.MFA_REQUIRED_ORGANIZATIONS)
    return (bool(roles) and memberships.filter(role__in=roles).exists()) or (
        bool(codes) and memberships.filter(organization__client_code__in=codes).exists()
    )


def has_authenticator(user) -> bool:
    """An authenticator app (TOTP) is set up; recovery codes alone do not count."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


class MfaAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator):
        # Someone the policy covers keeps their authenticator app.
        return not mfa_required(authenticator.user)


# --- Emailed code as second factor --------------------------------------------


def login_stages(stages: list[str]) -> list[str]:
    """allauth's login stages with the emailed-code stage after the TOTP one."""
    stages = [stage for stage in stages if stage != EMAIL_CODE_STAGE]
    position = stages.index(_TOTP_STAGE) + 1 if _TOTP_STAGE in stages else len(stages)
    stages.insert(position, EMAIL_CODE_STAGE)
    return stages


def _hash_code(code: str) -> str:
    return salted_hmac("client_portal.mfa.email_code", code).hexdigest()


class EmailCodeStage(LoginStage):
    """After the password, a code sent by email, for those without an authenticator app.

    The code lives only as a salted hash in the pending login (kept in the
    session), expires after ``MFA_EMAIL_CODE_TIMEOUT`` seconds and allows
    ``MFA_EMAIL_CODE_ATTEMPTS`` wrong tries before the sign-in is abandoned.
    """

    key = "portal_mfa_email_code"
    urlname = "mfa_email_code"

    def handle(self):
        user = self.login.user
        if (
            user is None
            or not settings.MFA_EMAIL_CODE
            or not mfa_required(user)
            or has_authenticator(user)
        ):
            return None, True
        if not user.email:
            audit.record("mfa.email_code_unavailable", obj=user, actor=user,
                         request=self.request)
            messages.error(self.request, _(
                "Your account needs a second factor but has no email address. "
                "Please contact us."
            ))
            return headed_redirect_response("account_login"), False
        self.send_code()
        return headed_redirect_response(self.urlname), True

    def send_code(self) -> None:
        from allauth.account.adapter import get_adapter

        code = f"{secrets.randbelow(10**EMAIL_CODE_DIGITS):0{EMAIL_CODE_DIGITS}d}"
        self.state.update(
            hash=_hash_code(code),
            expires=time.time() + settings.MFA_EMAIL_CODE_TIMEOUT,
            attempts=0,
            sent=self.state.get("sent", 0) + 1,
        )
        user = self.login.user
        get_adapter(self.request).send_mail(
            "mfa/email/email_code",
            user.email,
            {
                "user": user,
                "code": code,
                "minutes": max(1, settings.MFA_EMAIL_CODE_TIMEOUT // 60),
            },
        )
        audit.record("mfa.email_code_sent", obj=user, actor=user, request=self.request)

    def check(self, code: str) -> str:
        """``"ok"``, ``"wrong"``, ``"expired"`` or ``"locked"``; counts the attempt."""
        state = self.state
        if not state.get("hash") or time.time() > state.get("expires", 0):
            return "expired"
        if state.get("attempts", 0) >= settings.MFA_EMAIL_CODE_ATTEMPTS:
            return "locked"
        if constant_time_compare(_hash_code(code.strip()), state["hash"]):
            state.pop("hash", None)
            return "ok"
        state["attempts"] = state.get("attempts", 0) + 1
        if state["attempts"] >= settings.MFA_EMAIL_CODE_ATTEMPTS:
            return "locked"
        return "wrong"

    @property
    def attempts_left(self) -> int:
        return max(0, settings.MFA_EMAIL_CODE_ATTEMPTS - self.state.get("attempts", 0))


# --- Enforcement ----------------------------------------------------------------


class MfaRequiredMiddleware:
    """Sends people the policy covers to set up an authenticator app.

    Only when the emailed code is not accepted as a second factor
    (``MFA_EMAIL_CODE`` off). The two-factor pages, sign-out and static files
    stay reachable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not settings.MFA_EMAIL_CODE
            and policy_active()
            and not self._exempt(request.path_info)
            and mfa_required(user)
            and not has_authenticator(user)
        ):
            setup = reverse("mfa_activate_totp")
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {"detail": str(_("Set up two-factor authentication first.")),
                     "code": "mfa_required"},
                    status=403,
                )
            messages.warning(request, _(
                "Your organization requires two-factor authentication. "
                "Set up an authenticator app to continue."
            ), fail_silently=True)
            if getattr(request, "htmx", False):
                response = HttpResponseRedirect(setup)
                response["HX-Redirect"] = setup
                return response
            return HttpResponseRedirect(setup)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        prefixes = (
            reverse("mfa_index"),
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            settings.STATIC_URL,
            "/i18n/",
            "/healthz",
        )
        return path.startswith(prefixes)


# --- Audit ----------------------------------------------------------------------


def _on_added(sender, request, user, authenticator, **kwargs):
    audit.record("mfa.added", obj=user, actor=user, request=request,
                 changes={"type": authenticator.type})


def _on_removed(sender, request, user, authenticator, **kwargs):
    audit.record("mfa.removed", obj=user, actor=user, request=request,
                 changes={"type": authenticator.type})


def _on_reset(sender, request, user, authenticator, **kwargs):
    audit.record("mfa.reset", obj=user, actor=user, request=request,
                 changes={"type": authenticator.type})


def _on_used(sender, request, user, authenticator, **kwargs):
    audit.record("mfa.used", obj=user, actor=user, request=request,
                 changes={"type": authenticator.type,
                          "reauthenticated": bool(kwargs.get("reauthenticated"))})


def _on_failed(sender, request, user, **kwargs):
    authenticator = kwargs.get("authenticator")
    audit.record("mfa.failed", obj=user, actor=user, request=request,
                 changes={"type": getattr(authenticator, "type", ""),
                          "reauthentication": bool(kwargs.get("reauthentication"))})


mfa_signals.authenticator_added.connect(_on_added, dispatch_uid="portal_mfa_added")
mfa_signals.authenticator_removed.connect(_on_removed, dispatch_uid="portal_mfa_removed")
mfa_signals.authenticator_reset.connect(_on_reset, dispatch_uid="portal_mfa_reset")
mfa_signals.authenticator_used.connect(_on_used, dispatch_uid="portal_mfa_used")
mfa_signals.authentication_failed.connect(_on_failed, dispatch_uid="portal_mfa_failed")

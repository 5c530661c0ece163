"""Work across models: activation codes, staff-granted access, people and roles."""

import datetime as dt
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.client_portal.core import audit, messages
from apps.client_portal.core.display import Formatter
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import Membership, Organization
from apps.client_portal.core.notify import notify
from apps.client_portal.core.tenancy import Role, role_rank

from . import sms, throttle
from .models import AccessGrant, ActivationCode, hash_code, new_code

ACTIVATION_SALT = "accounts.activation"


# --- the recipient's language ------------------------------------------------------------
def recipient_language(email="", user=None, fallback=None) -> str:
    """The language to write to ``user`` (or to the account of ``email``) in: their own,
    else the site's. Someone with no account yet has no language of their own (nor has
    an organization): ``fallback`` if given (the language they are using the site in),
    else the site's."""
    if user is None and email:
        user = get_user_model()._default_manager.filter(email__iexact=email).first()
    if user is not None:
        return getattr(user, "language", "") or settings.LANGUAGE_CODE
    return fallback or settings.LANGUAGE_CODE


def _send(language, subject, body, email):
    """Send an email whose ``subject`` and ``body`` are written by callables, in
    ``language`` (gettext is called inside, so the texts are in that language)."""
    with translation.override(language):
        send_mail(" ".join(str(subject()).split()), str(body()), None, [email])


def _when(value, with_time=True) -> str:
    """A date (and time) as the active language writes it, in the site's time zone."""
    value = timezone.localtime(value)
    return Formatter()(value if with_time else value.date())


# --- activation codes ------------------------------------------------------------
def activation_code_issue(*, organization, email, role=Role.MEMBER, user=None, person_name="",
                          created_by=None, days=None, send_email=False, request=None):
    """Create a code; returns ``(ActivationCode, plain_code)``. The plain code is not kept."""
    code = new_code()
    days = days or settings.ACTIVATION_CODE_DAYS
    activation = ActivationCode(
        organization=organization, email=email.strip().lower(), role=role, user=user,
        person_name=person_name, created_by=created_by, code_hash=hash_code(code),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    activation.full_clean()
    activation.save()
    audit.record("activation_code.issue", obj=activation, organization=organization,
                 changes={"email": activation.email, "role": role,
                          "expires_at": activation.expires_at.isoformat()},
                 actor=created_by, request=request)
    if send_email:
        send_activation_code_email(activation, code)
    return activation, code


def send_activation_code_email(activation, code):
    """The code, in the language of the account the code is for (or of the account
    with that address), else the site's: the provider sends it, not the recipient."""
    link = f"{settings.PORTAL_BASE_URL}{reverse('accounts:activate')}"
    _send(
        recipient_language(activation.email, activation.user),
        lambda: _("Your access code for %(site)s") % {"site": settings.SITE_TITLE},
        lambda: _("Hello,\n\n%(org)s can now be reached in our client portal.\n\n"
                  "Your activation code: %(code)s\nEnter it with this email address at "
                  "%(link)s\n\nThe code works once and expires on %(expires)s.")
        % {"org": activation.organization.name, "code": code, "link": link,
           "expires": _when(activation.expires_at)},
        activation.email,
    )


def _throttle_ids(email, ip):
    return [("activation-email", email), ("activation-ip", ip or "-")]


def activation_code_check(*, code, email, ip=None, request=None):
    """Find the open code for ``code`` and ``email``; throttled per email and per IP.

    Raises ``Refused`` (codes wrong, used, expired, taken, throttled) for a bad,
    expired, used or throttled code.
    """
    email = (email or "").strip().lower()
    limit, window = settings.ACTIVATION_MAX_FAILURES, settings.ACTIVATION_FAILURE_WINDOW
    if any(throttle.is_blocked(scope, ident, limit) for scope, ident in _throttle_ids(email, ip)):
        audit.record("activation_code.throttled", changes={"email": email}, request=request)
        raise Refused(
            _("Too many wrong codes. Wait %(minutes)d minutes and try again.")
            % {"minutes": window // 60}, code="throttled")
    activation = (ActivationCode.objects.select_related("organization")
                  .filter(code_hash=hash_code(code or "")).first())
    problem = None
    if activation is None or activation.email.lower() != email:
        problem = ("wrong", _("This code does not match this email address."))
    elif activation.used_at or activation.revoked_at:
        problem = ("used", _("This code has already been used."))
    elif activation.expires_at <= timezone.now():
        problem = ("expired", _("This code has expired. Ask us for a new one."))
    elif _organization_has_login(activation):
        problem = ("taken", _("This client account already has a portal login."))
    if problem:
        for scope, ident in _throttle_ids(email, ip):
            throttle.hit(scope, ident, window)
        if activation is not None:
            ActivationCode.objects.filter(pk=activation.pk).update(
                attempts=activation.attempts + 1)
        audit.record(f"activation_code.{problem[0]}", obj=activation,
                     organization=activation.organization if activation else None,
                     changes={"email": email}, request=request)
        raise Refused(problem[1], code=problem[0])
    return activation


def _organization_has_login(activation) -> bool:
    """Where the site allows one login per client account, is it taken already?"""
    if not settings.ONE_LOGIN_PER_ORGANIZATION:
        return False
    return Membership.objects.filter(organization_id=activation.organization_id,
                                     is_active=True).exists()


def activation_token(activation) -> str:
    return signing.TimestampSigner(salt=ACTIVATION_SALT).sign(str(activation.uuid))


def activation_from_token(token):
    """The open code a confirmation link names; ``Refused`` when stale or used."""
    try:
        value = signing.TimestampSigner(salt=ACTIVATION_SALT).unsign(
            token, max_age=settings.ACTIVATION_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise Refused(_("This link has expired. Enter your code again."),
                      code="expired") from exc
    except signing.BadSignature as exc:
        raise Refused(_("This link is not valid."), code="invalid") from exc
    activation = ActivationCode.objects.select_related("organization", "user").filter(
        uuid=value).first()
    if activation is None or activation.used_at or activation.revoked_at:
        raise Refused(_("This code has already been used."), code="used")
    if activation.expires_at <= timezone.now():
        raise Refused(_("This code has expired. Ask us for a new one."), code="expired")
    return activation


def send_activation_link(activation, request):
    link = request.build_absolute_uri(
        reverse("accounts:activate_confirm", args=[activation_token(activation)]))
    # Asked for on the page just now: someone with no account yet reads it in the
    # language they are using the site in.
    _send(
        recipient_language(activation.email, activation.user,
                           fallback=translation.get_language()),
        lambda: _("Confirm your email address"),
        lambda: _("Hello,\n\nTo finish opening your access to %(org)s, open this link and "
                  "choose your login and password:\n\n%(link)s\n\nThe link works for "
                  "%(hours)d hours. If you did not ask for it, ignore this message.")
        % {"org": activation.organization.name, "link": link,
           "hours": settings.ACTIVATION_LINK_MAX_AGE // 3600},
        activation.email,
    )
    audit.record("activation_code.link_sent", obj=activation,
                 organization=activation.organization, changes={"email": activation.email},
                 request=request)


def existing_account_for(activation):
    User = get_user_model()
    if activation.user_id:
        return activation.user
    return User._default_manager.filter(email__iexact=activation.email).first()


@transaction.atomic
def activation_complete(*, token, username=None, password=None, request=None):
    """Use the code: create (or link) the account and its membership. Single use.

    Returns the user. The row lock makes two simultaneous submissions of the
    same link end with one account and one used code.
    """
    activation = activation_from_token(token)
    activation = ActivationCode.objects.select_for_update().get(pk=activation.pk)
    if activation.used_at or activation.revoked_at:
        raise Refused(_("This code has already been used."), code="used")
    if _organization_has_login(activation):
        raise Refused(_("This client account already has a portal login."), code="taken")
    User = get_user_model()
    user = existing_account_for(activation)
    created = user is None
    if created:
        user = User(username=username, email=activation.email)
        first, _sep, last = activation.person_name.partition(" ")
        user.first_name, user.last_name = first[:150], last[:150]
        user.set_password(password)
        user.full_clean()
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=activation.email,
        defaults={"email": activation.email, "verified": True, "primary": created},
    )
    membership, made = Membership.objects.get_or_create(
        user=user, organization=activation.organization,
        defaults={"role": activation.role},
    )
    if not made and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    activation.used_at = timezone.now()
    activation.used_by = user
    activation.save(update_fields=["used_at", "used_by"])
    audit.record("activation_code.use", obj=activation, organization=activation.organization,
                 actor=user, changes={"account": "created" if created else "linked",
                                      "role": membership.role}, request=request)
    return user, created


# --- access granted by staff ---------------------------------------------------------
def one_time_password() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _grant_failed(organization, user, phone, message, by, request):
    grant = AccessGrant.objects.create(
        organization=organization, user=user if user and user.pk else None, phone=phone or "",
        outcome=AccessGrant.Outcome.FAILED, detail=str(message)[:300], granted_by=by,
    )
    audit.record("access_grant.failed", obj=grant, organization=organization, actor=by,
                 changes={"phone": phone or "", "reason": str(message)}, request=request)
    return grant


def grant_portal_access(*, organization, by, membership=None, request=None):
    """Give a person portal access: an account and a one-time password by SMS.

    For a membership the person is its user; for an organization alone, its
    contact (email and phone on the organization's record, the national ID of a
    private person). The password must be changed at first sign-in. If the SMS
    cannot go, nothing is created and the failure is recorded. Raises ``Refused``.
    """
    User = get_user_model()
    if membership is not None:
        user, email, phone = membership.user, membership.user.email, membership.user.phone
    else:
        email, phone = organization.email, organization.phone
        user = User._default_manager.filter(email__iexact=email).first() if email else None
        if user is not None and user.phone:
            phone = user.phone
    if not phone:
        message = _("No phone number on file for %(who)s: nothing was sent or created.") % {
            "who": email or organization.name}
        _grant_failed(organization, user, phone, message, by, request)
        raise Refused(message, code="no_phone")
    if user is None and not email:
        message = _("No email address on file for %(org)s: an account needs one.") % {
            "org": organization.name}
        _grant_failed(organization, None, phone, message, by, request)
        raise Refused(message, code="no_email")
    password = one_time_password()
    created = user is None
    try:
        with transaction.atomic():
            if created:
                user = _account_for_organization(organization, email, phone)
            user.set_password(password)
            user.must_change_password = True
            if not user.phone:
                user.phone = phone
            user.save()
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True})
            role = Role.OWNER if not organization.memberships.filter(
                role=Role.OWNER, is_active=True).exists() else Role.MEMBER
            member, _made = Membership.objects.get_or_create(
                user=user, organization=organization, defaults={"role": role})
            if not member.is_active:
                member.is_active = True
                member.save(update_fields=["is_active"])
            with translation.override(recipient_language(user=user)):
                text = _("%(site)s: your login is %(login)s and your one-time password is "
                         "%(password)s. You will choose a new password when you sign in.") % {
                    "site": settings.SITE_TITLE, "login": user.email, "password": password}
            message_id = sms.send_sms(phone, text, request=request)
            grant = AccessGrant.objects.create(
                organization=organization, user=user, phone=phone,
                outcome=AccessGrant.Outcome.SENT, created_account=created, granted_by=by,
                detail=_("Sent, message %(id)s") % {"id": message_id or "-"},
            )
            audit.record("access_grant.sent", obj=grant, organization=organization, actor=by,
                         changes={"account": user.email, "phone": phone,
                                  "created": created}, request=request)
    except Refused as exc:  # the text message did not go
        message = _("The password could not be sent to %(phone)s: %(reason)s Nothing was "
                    "created.") % {"phone": phone, "reason": exc.message}
        # A rolled-back new account is not there to point at.
        _grant_failed(organization, None if created else user, phone, message, by, request)
        raise Refused(message, code=exc.code, status=exc.status) from exc
    except ValidationError as exc:
        message = " ".join(exc.messages)
        _grant_failed(organization, None, phone, message, by, request)
        raise Refused(message, code="invalid") from exc
    return grant


def _account_for_organization(organization, email, phone):
    User = get_user_model()
    user = User(email=email.lower(), username=_free_username(email), phone=phone)
    if organization.kind == Organization.Kind.PERSON:
        first, _sep, last = organization.name.partition(" ")
        user.first_name, user.last_name = first[:150], last[:150]
        if organization.registration_number:
            user.national_id = organization.registration_number
            user.national_id_country = organization.country
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _free_username(email):
    User = get_user_model()
    base = email.split("@")[0][:140] or "client"
    candidate, n = base, 1
    while User._default_manager.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


# --- people in an organization ------------------------------------------------------
def assignable_roles(access):
    """Roles ``access`` may give: none above their own; Owner only by an Owner."""
    return [value for value, _label in Role.choices if role_rank(value) <= access.rank]


def _check_may_manage(access, membership):
    if not access.has_role(Role.MANAGER):
        raise Refused(_("Only the Owner and Managers manage people."), code="forbidden")
    if membership.user_id == getattr(access.user, "pk", None):
        raise Refused(_("You cannot change your own role or access."), code="self",
                      status=403)
    if role_rank(membership.role) > access.rank:
        raise Refused(_("You cannot change someone whose role is above yours."),
                      code="above", status=403)


def _is_last_owner(membership):
    if membership.role != Role.OWNER or not membership.is_active:
        return False
    return not Membership.objects.filter(
        organization_id=membership.organization_id, role=Role.OWNER, is_active=True
    ).exclude(pk=membership.pk).exists()


def _tell(membership, message, request, **values):
    link = reverse("portal:dashboard")
    notify([membership.user], membership.organization, link=link, message=message,
           params=messages.params(org=membership.organization.name, **values))


def membership_change_role(*, access, membership, role, request=None):
    """Change a person's role under the rules; audited and notified. Returns the membership."""
    from apps.client_portal.core.resources import MembershipResource

    if role not in Role.values:
        raise Refused(_("Choose a role."), code="invalid")
    with transaction.atomic():
        membership = MembershipResource.get_object(access, membership.uuid, for_update=True)
        _check_may_manage(access, membership)
        if role_rank(role) > access.rank:
            raise Refused(_("You cannot give a role above your own."), code="above",
                          status=403)
        if role == membership.role:
            return membership
        if _is_last_owner(membership):
            raise Refused(_("The organization must keep at least one active Owner."),
                          code="last_owner", status=409)
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record("people.change_role", obj=membership, organization=access.organization,
                     changes={"role": [before, role], "person": membership.user.email},
                     request=request)
    _tell(membership, messages.ROLE_CHANGED, request,
          role=messages.choice(Membership, "role", membership.role))
    return membership


def membership_set_active(*, access, membership, active: bool, request=None):
    from apps.client_portal.core.resources import MembershipResource

    with transaction.atomic():
        membership = MembershipResource.get_object(access, membership.uuid, for_update=True)
        _check_may_manage(access, membership)
        if membership.is_active == active:
            return membership
        if not active and _is_last_owner(membership):
            raise Refused(_("The organization must keep at least one active Owner."),
                          code="last_owner", status=409)
        membership.is_active = active
        membership.save(update_fields=["is_active"])
        audit.record("people.reactivate" if active else "people.deactivate", obj=membership,
                     organization=access.organization,
                     changes={"is_active": [not active, active],
                              "person": membership.user.email}, request=request)
    _tell(membership, messages.ACCESS_RESTORED if active else messages.ACCESS_SUSPENDED, request)
    return membership


def invite_person(*, access, email, role, person_name="", request=None):
    """An Owner or Manager invites someone by email: an activation code with the role."""
    if not access.has_role(Role.MANAGER):
        raise Refused(_("Only the Owner and Managers invite people."), code="forbidden")
    if role_rank(role) > access.rank or role not in Role.values:
        raise Refused(_("You cannot give a role above your own."), code="above", status=403)
    email = email.strip().lower()
    if Membership.objects.filter(organization=access.organization, user__email__iexact=email,
                                 is_active=True).exists():
        raise Refused(_("This person already belongs to the organization."), code="exists",
                      status=409)
    activation, code = activation_code_issue(
        organization=access.organization, email=email, role=role, person_name=person_name,
        created_by=access.user, days=settings.ACTIVATION_CODE_DAYS, send_email=False,
        request=request,
    )
    link = f"{settings.PORTAL_BASE_URL}{reverse('accounts:activate')}?email={email}"
    # The invited person's own language if they have an account already; else the
    # site's (not the inviter's: they may read another one).
    _send(
        recipient_language(email),
        lambda: _("%(who)s invites you to %(org)s") % {
            "who": access.user.display_name,
            "org": access.organization.name},
        lambda: _("Hello,\n\nYou are invited to act for %(org)s in %(site)s as %(role)s.\n\n"
                  "Your activation code: %(code)s\nOpen %(link)s and enter it with this "
                  "email address.\n\nThe code works once and expires on %(expires)s.")
        % {"org": access.organization.name, "site": settings.SITE_TITLE,
           "role": Role(role).label, "code": code, "link": link,
           "expires": _when(activation.expires_at, with_time=False)},
        email,
    )
    audit.record("people.invite", obj=activation, organization=access.organization,
                 changes={"email": email, "role": role}, request=request)
    return activation


"""Single sign-on (OpenID Connect and SAML 2.0) linked to existing portal accounts.

Sign-up stays closed: an identity from an identity provider signs a person in
only when it is linked to an account the provider already gave them. The first
time, it is linked by the national ID the identity carries (claims or
attributes named in ``SSO_NATIONAL_ID_CLAIMS``) or, when the identity provider
is trusted for it, by email address. Unknown identities get a clear page and an
audit entry; nothing is created.
"""

from __future__ import annotations

import re

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils.module_loading import import_string

from apps.client_portal.core import audit


def normalize_national_id(value) -> tuple[str, str]:
    """``(country, national_id)`` from a claim value.

    Accepts a bare number and the eIDAS form ``RO/PL/2850712400027`` (issuing
    country first); separators and spaces are dropped.
    """
    text = str(value or "").strip().upper()
    country = ""
    match = re.fullmatch(r"([A-Z]{2})/[A-Z]{2}/(.+)", text)
    if match:
        country, text = match.group(1), match.group(2)
    return country, re.sub(r"[\s\-./]", "", text)


def identity_claims(sociallogin: SocialLogin) -> dict:
    """The identity's claims or attributes as one flat ``{name: value}`` dict.

    OpenID Connect keeps ``userinfo`` and ``id_token``; SAML keeps attribute
    lists. A single value stands for a one-element list.
    """
    data = sociallogin.account.extra_data or {}
    flat: dict = {}
    sources = [data.get("id_token"), data.get("userinfo"), data]
    for source in sources:
        if not isinstance(source, dict):
            continue
        for name, value in source.items():
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            if value not in (None, "") and not isinstance(value, dict):
                flat[name] = value
    return flat


def national_id_of(sociallogin: SocialLogin) -> tuple[str, str]:
    claims = identity_claims(sociallogin)
    for name in settings.SSO_NATIONAL_ID_CLAIMS:
        if claims.get(name):
            country, number = normalize_national_id(claims[name])
            country = country or str(claims.get("national_id_country") or "").upper()
            return country, number
    return "", ""


def users_with_national_id(country: str, national_id: str) -> list:
    """Active accounts known by ``national_id`` (of ``country`` when it is known).

    The account's own national ID first; failing that, a private client's
    organization carries the national ID as its registration number, and its
    owners are that person.
    """
    if not national_id:
        return []
    User = get_user_model()
    users = User.objects.filter(national_id__iexact=national_id, is_active=True)
    if country:
        users = users.filter(national_id_country=country)
    users = list(users)
    if users:
        return users
    from apps.client_portal.core.models import Membership, Organization
    from apps.client_portal.core.tenancy import Role

    memberships = Membership.objects.filter(
        organization__kind=Organization.Kind.PERSON,
        organization__registration_number__iexact=national_id,
        organization__is_active=True,
        role=Role.OWNER,
        is_active=True,
        user__is_active=True,
    ).select_related("user")
    if country:
        memberships = memberships.filter(organization__country=country)
    return list({m.user_id: m.user for m in memberships}.values())


def _national_id_lookup():
    path = getattr(settings, "SSO_NATIONAL_ID_RESOLVER", "")
    return import_string(path) if path else users_with_national_id


def _verified_email(adapter, sociallogin: SocialLogin) -> str:
    provider = sociallogin.account.get_provider()
    for address in sociallogin.email_addresses:
        if address.email and (
            address.verified or adapter.is_email_verified(provider, address.email)
        ):
            return address.email
    email = getattr(sociallogin.user, "email", "") if sociallogin.user else ""
    if email and adapter.is_email_verified(provider, email):
        return email
    return ""


def find_account(adapter, sociallogin: SocialLogin):
    """``(user, linked_by)`` for an identity seen for the first time, or ``(None, "")``."""
    country, national_id = national_id_of(sociallogin)
    if national_id:
        users = _national_id_lookup()(country, national_id)
        if len(users) == 1:
            return users[0], "national_id"
    email = _verified_email(adapter, sociallogin)
    if email:
        from allauth.account.models import EmailAddress

        User = get_user_model()
        users = list(User.objects.filter(email__iexact=email, is_active=True))
        if not users:
            users = [
                a.user for a in EmailAddress.objects.filter(
                    email__iexact=email, user__is_active=True
                ).select_related("user")
            ]
        if len(users) == 1:
            return users[0], "email"
    return None, ""


def _provider_label(sociallogin: SocialLogin) -> str:
    provider = sociallogin.account.get_provider()
    return getattr(provider, "sub_id", None) or sociallogin.account.provider


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        provider = _provider_label(sociallogin)
        if sociallogin.is_existing:
            user = sociallogin.user
            if not user.is_active:
                self._refuse(request, "sso.refused_inactive", provider, sociallogin, user=user)
            audit.record("sso.signed_in", obj=user, actor=user, request=request,
                         changes={"provider": provider})
            return
        user, linked_by = find_account(self, sociallogin)
        if user is None:
            self._refuse(request, "sso.unknown_identity", provider, sociallogin)
        sociallogin.connect(request, user)
        audit.record("sso.linked", obj=user, actor=user, request=request,
                     changes={"provider": provider, "linked_by": linked_by})
        audit.record("sso.signed_in", obj=user, actor=user, request=request,
                     changes={"provider": provider})

    def _refuse(self, request, action, provider, sociallogin, user=None):
        audit.record(
            action, obj=user, actor=user, actor_label="" if user else f"sso:{provider}",
            request=request,
            changes={"provider": provider, "uid": str(sociallogin.account.uid)[:100]},
        )
        response = render(
            request, "socialaccount/unknown_identity.html",
            {"provider_name": sociallogin.account.get_provider().name}, status=403,
        )
        raise ImmediateHttpResponse(response)

    def on_authentication_error(self, request, provider, error=None, exception=None,
                                extra_context=None):
        extra_context = extra_context or {}
        changes = {
            "provider": getattr(provider, "sub_id", None) or getattr(provider, "id", ""),
            "error": str(error or ""),
        }
        if exception is not None:
            changes["exception"] = f"{type(exception).__name__}: {exception}"[:300]
        if "state_id" in extra_context:
            changes["reason"] = "state_mismatch"
        if extra_context.get("saml_errors"):
            changes["saml_errors"] = list(extra_context["saml_errors"])
            changes["reason"] = str(extra_context.get("saml_last_error_reason") or "")[:300]
        audit.record("sso.failed", actor_label=f"sso:{changes['provider']}",
                     request=request, changes=changes)
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )

"""Two-factor authentication with an authenticator app (TOTP) and recovery codes."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from apps.client_portal.core.models import AuditEvent
from apps.client_portal.core.tenancy import Role

from .idp.people import PASSWORD, add_member, make_org, make_user

pytestmark = pytest.mark.django_db


def totp_now(secret, offset=0):
    """The code an authenticator app shows now (RFC 6238, 30 s, 6 digits)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def enable_totp(client, user):
    """Sign in, activate TOTP through allauth's pages; return the secret."""
    response = sign_in(client, user.email)
    assert response.status_code == 302
    # allauth asks for the password again before changing two-factor settings.
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302, response.content[:500]
    client.post(reverse("account_logout"))
    return secret


@pytest.fixture
def person(db):
    user = make_user("olga@example.com")
    add_member(user, make_org("Olga Trading SRL", client_code="C-9001"), Role.OWNER)
    return user


def test_activating_totp_creates_authenticator_and_recovery_codes(
    client, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enable_totp(client, person)
    types = set(Authenticator.objects.filter(user=person).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert AuditEvent.objects.filter(action="mfa.added", actor=person).exists()


def test_login_with_totp_requires_the_code(client, person):
    secret = enable_totp(client, person)
    response = sign_in(client, person.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Password alone does not sign in.
    assert client.get(reverse("portal:dashboard")).status_code == 302
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    assert AuditEvent.objects.filter(action="mfa.used", actor=person).exists()


def test_wrong_otp_is_rejected_and_audited(client, person):
    secret = enable_totp(client, person)
    sign_in(client, person.email)
    wrong = f"{(int(totp_now(secret)) + 1) % 10**6:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="mfa.failed", actor=person)
    assert event.changes["type"] == Authenticator.Type.TOTP


def test_same_totp_code_cannot_be_used_twice(client, person):
    secret = enable_totp(client, person)
    code = totp_now(secret)
    sign_in(client, person.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    client.post(reverse("account_logout"))
    sign_in(client, person.email)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_recovery_code_works_once(client, person):
    enable_totp(client, person)
    authenticator = Authenticator.objects.get(user=person, type=Authenticator.Type.RECOVERY_CODES)
    code = RecoveryCodes(authenticator).get_unused_codes()[0]

    sign_in(client, person.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    client.post(reverse("account_logout"))

    sign_in(client, person.email)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    authenticator.refresh_from_db()
    assert code not in RecoveryCodes(authenticator).get_unused_codes()

"""Two-factor required per role or organization; emailed code as the second factor."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse

from apps.client_portal.core.models import AuditEvent
from apps.client_portal.core.tenancy import Role

from .idp.people import PASSWORD, add_member, make_org, make_user
from .test_mfa_totp import enable_totp, sign_in, totp_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    org = make_org("Policy Trading SRL", client_code="C-7001")
    other = make_org("Relaxed Imports SRL", client_code="C-7002")
    owner = make_user("owner@policy.example.com")
    member = make_user("member@policy.example.com")
    relaxed = make_user("member@relaxed.example.com")
    add_member(owner, org, Role.OWNER)
    add_member(member, org, Role.MEMBER)
    add_member(relaxed, other, Role.MEMBER)
    return {"owner": owner, "member": member, "relaxed": relaxed}


@pytest.fixture
def totp_only(settings):
    settings.MFA_EMAIL_CODE = False


def emailed_code():
    assert mail.outbox, "no email was sent"
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


# --- Required per role / organization, authenticator app only ------------------------


def test_required_role_is_sent_to_set_up_authenticator(client, settings, people, totp_only):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    assert sign_in(client, people["owner"].email).status_code == 302
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # The two-factor pages and signing out stay reachable.
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


def test_role_outside_policy_uses_portal_without_second_factor(
    client, settings, people, totp_only
):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    sign_in(client, people["member"].email)
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_required_organization_covers_all_its_members(client, settings, people, totp_only):
    settings.MFA_REQUIRED_ORGANIZATIONS = ["C-7001"]
    sign_in(client, people["member"].email)
    assert client.get(reverse("portal:dashboard"))["Location"] == reverse("mfa_activate_totp")
    client.post(reverse("account_logout"))
    sign_in(client, people["relaxed"].email)
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_api_answers_403_until_second_factor_is_set_up(client, settings, people, totp_only):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    sign_in(client, people["owner"].email)
    response = client.get("/api/v1/")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_with_authenticator_set_up_portal_opens_and_it_cannot_be_removed(
    client, settings, people, totp_only
):
    owner = people["owner"]
    secret = enable_totp(client, owner)
    settings.MFA_REQUIRED_ROLES = ["owner"]
    sign_in(client, owner.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert client.get(reverse("portal:dashboard")).status_code == 200

    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()


# --- Emailed code as the second factor ----------------------------------------------


def test_emailed_code_completes_sign_in(client, settings, people):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    owner = people["owner"]
    response = sign_in(client, owner.email)
    assert response["Location"] == reverse("mfa_email_code")
    assert "_auth_user_id" not in client.session
    assert mail.outbox[-1].to == [owner.email]
    code = emailed_code()
    # Only a hash of the code is kept.
    assert code not in str(dict(client.session))

    response = client.post(reverse("mfa_email_code"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)
    assert client.get(reverse("portal:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(action="mfa.used", actor=owner,
                                     changes__type="email_code").exists()


def test_wrong_emailed_code_is_rejected_and_audited(client, settings, people):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    owner = people["owner"]
    sign_in(client, owner.email)
    code = emailed_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(reverse("mfa_email_code"), {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="mfa.failed", actor=owner,
                                     changes__outcome="wrong").exists()
    # The right code still works afterwards.
    client.post(reverse("mfa_email_code"), {"code": code})
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_five_wrong_emailed_codes_abandon_the_sign_in(client, settings, people):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    owner = people["owner"]
    sign_in(client, owner.email)
    code = emailed_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        assert client.post(reverse("mfa_email_code"), {"code": wrong}).status_code == 200
    response = client.post(reverse("mfa_email_code"), {"code": wrong})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    # Even the right code is no use now: the pending sign-in is gone.
    response = client.post(reverse("mfa_email_code"), {"code": code})
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="mfa.failed", actor=owner,
                                     changes__outcome="locked").count() == 1


def test_expired_emailed_code_is_refused(client, settings, people, monkeypatch):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    sign_in(client, people["owner"].email)
    code = emailed_code()
    later = time.time() + settings.MFA_EMAIL_CODE_TIMEOUT + 1
    monkeypatch.setattr("apps.client_portal.accounts.mfa.time.time", lambda: later)
    response = client.post(reverse("mfa_email_code"), {"code": code})
    assert response.status_code == 200
    assert "expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_new_code_replaces_the_old_one(client, settings, people):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    sign_in(client, people["owner"].email)
    first = emailed_code()
    client.post(reverse("mfa_email_code"), {"resend": "1"})
    second = emailed_code()
    assert len(mail.outbox) == 2
    if first != second:
        assert client.post(reverse("mfa_email_code"), {"code": first}).status_code == 200
    client.post(reverse("mfa_email_code"), {"code": second})
    assert client.session["_auth_user_id"] == str(people["owner"].pk)


def test_no_emailed_code_outside_policy_or_with_authenticator(client, settings, people):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    sign_in(client, people["member"].email)
    assert client.session["_auth_user_id"] == str(people["member"].pk)
    assert not mail.outbox
    client.post(reverse("account_logout"))

    settings.MFA_REQUIRED_ROLES = []
    secret = enable_totp(client, people["owner"])
    settings.MFA_REQUIRED_ROLES = ["owner"]
    mail.outbox.clear()
    response = sign_in(client, people["owner"].email)
    # The authenticator app is asked for, not an emailed code.
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert client.session["_auth_user_id"] == str(people["owner"].pk)
    assert not mail.outbox

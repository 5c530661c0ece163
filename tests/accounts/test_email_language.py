"""Every email goes out in the recipient's language, whatever page or person sent it.

A known person: their own language (``User.language``), else the site's. Someone
with no account yet: the site's (an organization has no language of its own),
except for a confirmation they asked for on a page just now: that page's language.
The Romanian words asserted on are the translations in locale/ro.
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from apps.client_portal.accounts import services, sms
from apps.client_portal.core.models import Membership
from apps.client_portal.core.tenancy import Role

from .idp.people import add_member, make_org, make_user
from .test_mfa_totp import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def northwind(demo):
    return demo.organizations["northwind"]


@pytest.fixture
def romanian(db):
    user = make_user("radu.roman@example.com")
    user.language = "ro"
    user.save(update_fields=["language"])
    return user


def test_an_activation_code_for_a_romanian_reader_is_in_romanian(demo, northwind, romanian):
    """Issued by English-speaking staff, read by a person whose language is Romanian."""
    with translation.override("en"):
        services.activation_code_issue(organization=northwind, email=romanian.email,
                                       user=romanian, created_by=demo.users["admin"],
                                       send_email=True)
    message = mail.outbox[-1]
    assert message.to == [romanian.email]
    assert message.subject.startswith("Codul dvs. de acces pentru")
    assert "Codul dvs. de activare:" in message.body and "Hello" not in message.body
    # The expiry as Romanian writes dates (dd.mm.yyyy).
    assert re.search(r"expiră la \d{2}\.\d{2}\.\d{4}", message.body)


def test_an_activation_code_for_an_unknown_address_is_in_the_sites_language(
        demo, northwind, settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("ro"):  # staff reading the back office in Romanian
        services.activation_code_issue(organization=northwind, email="nobody.yet@example.com",
                                       created_by=demo.users["admin"], send_email=True)
    message = mail.outbox[-1]
    assert message.subject.startswith("Your access code for")
    assert "Your activation code:" in message.body


def test_the_site_default_is_used_for_a_person_without_a_language(demo, northwind, settings):
    settings.LANGUAGE_CODE = "ro"
    person = make_user("no.language@example.com")
    assert person.language == ""
    with translation.override("en"):
        services.activation_code_issue(organization=northwind, email=person.email,
                                       user=person, send_email=True)
    assert mail.outbox[-1].subject.startswith("Codul dvs. de acces pentru")


def test_the_confirmation_link_goes_to_a_known_person_in_their_language(demo, northwind,
                                                                        romanian, client):
    activation, code = services.activation_code_issue(organization=northwind,
                                                      email=romanian.email, user=romanian)
    mail.outbox.clear()
    client.post(reverse("accounts:activate"), {"code": code, "email": romanian.email},
                HTTP_ACCEPT_LANGUAGE="en")
    message = mail.outbox[-1]
    assert message.subject == "Confirmați adresa de e-mail"
    assert "Pentru a finaliza deschiderea accesului" in message.body


def test_the_confirmation_link_to_a_new_address_follows_the_page(demo, northwind, client):
    _activation, code = services.activation_code_issue(organization=northwind,
                                                       email="newcomer@example.com")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    client.post(reverse("accounts:activate"), {"code": code, "email": "newcomer@example.com"})
    assert mail.outbox[-1].subject == "Confirmați adresa de e-mail"


def test_an_invitation_is_written_in_the_invited_persons_language(demo, northwind, romanian,
                                                                   login):
    manager = login(demo.users["manager"], northwind)
    assert manager.post("/people/invite/", {"email": romanian.email, "role": Role.MEMBER},
                        HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    message = mail.outbox[-1]
    assert message.to == [romanian.email]
    assert " vă invită în " in message.subject
    assert "Sunteți invitat(ă)" in message.body
    assert "Membru" in message.body  # the role's label, in Romanian too
    assert re.search(r"expiră la \d{2}\.\d{2}\.\d{4}\.", message.body)


def test_an_invitation_to_a_new_address_is_in_the_sites_language(demo, northwind, login,
                                                                  settings):
    """Not in the inviter's: the person invited may read another language."""
    settings.LANGUAGE_CODE = "en"
    inviter = demo.users["manager"]
    inviter.language = "ro"
    inviter.save(update_fields=["language"])
    manager = login(inviter, northwind)
    manager.post("/people/invite/", {"email": "fresh.face@example.com", "role": Role.MEMBER})
    message = mail.outbox[-1]
    assert " invites you to " in message.subject
    assert "You are invited to act for" in message.body


def test_the_emailed_sign_in_code_is_in_the_persons_language(client, settings):
    settings.MFA_REQUIRED_ROLES = ["owner"]
    org = make_org("Limba Trading SRL", client_code="C-7101")
    owner = make_user("owner@limba.example.com")
    owner.language = "ro"
    owner.save(update_fields=["language"])
    add_member(owner, org, Role.OWNER)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = sign_in(client, owner.email)
    assert response["Location"] == reverse("mfa_email_code")
    message = mail.outbox[-1]
    assert message.to == [owner.email]
    assert "Codul dvs. de autentificare" in message.subject
    assert "Codul pentru finalizarea autentificării este" in message.body


def test_a_password_reset_is_in_the_persons_language(client, romanian):
    """allauth's own emails go through the same rule (its own Romanian texts)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("account_reset_password"), {"email": romanian.email})
    message = mail.outbox[-1]
    assert message.to == [romanian.email]
    assert "E-mail pentru resetarea parolei" in message.subject


def test_a_one_time_password_by_sms_is_in_the_persons_language(demo, northwind, romanian):
    romanian.phone = "+40722000777"
    romanian.save(update_fields=["phone"])
    membership = Membership.objects.create(user=romanian, organization=northwind,
                                           role=Role.MEMBER)
    with translation.override("en"):
        services.grant_portal_access(organization=northwind, by=demo.users["admin"],
                                     membership=membership)
    assert sms.outbox[-1]["to"] == "+40722000777"
    assert "parola de unică folosință" in sms.outbox[-1]["text"]

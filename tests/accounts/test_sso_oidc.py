"""Single sign-on with OpenID Connect against a local OpenID Provider."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.client_portal.core.models import AuditEvent
from apps.client_portal.core.tenancy import Role

from .idp.oidc import OpenIDProvider
from .idp.people import add_member, make_org, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def idp(settings):
    provider = OpenIDProvider().start()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [{
            "provider_id": "testidp",
            "name": "Test ID",
            "client_id": provider.client_id,
            "secret": provider.client_secret,
            "settings": {"server_url": provider.url, "oauth_pkce_enabled": True},
        }]},
    }
    yield provider
    provider.stop()


def start(client):
    """Portal → IdP: returns the IdP's redirect back to the portal (a path with query)."""
    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": "testidp"}))
    assert response.status_code == 302
    assert response["Location"].startswith("http://127.0.0.1:")
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.netloc == "testserver"
    return f"{back.path}?{back.query}"


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def test_identity_linked_by_verified_email(client, idp):
    user = make_user("ioana@example.com")
    add_member(user, make_org("Ioana Design SRL"))
    idp.identity = {"sub": "u-1", "email": "IOANA@example.com", "email_verified": True}

    response = client.get(start(client))
    assert response.status_code == 302
    assert signed_in_as(client) == str(user.pk)
    account = SocialAccount.objects.get(provider="testidp", uid="u-1")
    assert account.user == user
    assert AuditEvent.objects.filter(action="sso.linked", actor=user,
                                     changes__linked_by="email").exists()
    assert {"/token", "/userinfo"} <= set(idp.requests)


def test_identity_linked_by_national_id_claim(client, idp):
    user = make_user("radu@example.com")
    get_user_model().objects.filter(pk=user.pk).update(
        national_id="1800101221144", national_id_country="RO")
    add_member(user, make_org("Radu Consult SRL"))
    # The email the IdP knows is not the portal's: the national ID links them.
    idp.identity = {"sub": "u-2", "email": "radu.private@example.net",
                    "email_verified": True, "national_id": "1800101221144"}

    client.get(start(client))
    assert signed_in_as(client) == str(user.pk)
    assert AuditEvent.objects.filter(action="sso.linked", actor=user,
                                     changes__linked_by="national_id").exists()


def test_linked_identity_signs_in_again_without_matching(client, idp):
    user = make_user("petra@example.com")
    add_member(user, make_org("Petra SRL"))
    idp.identity = {"sub": "u-3", "email": "petra@example.com", "email_verified": True}
    client.get(start(client))
    client.post(reverse("account_logout"))
    # The IdP's email changed; the link made the first time still holds.
    idp.identity = {"sub": "u-3", "email": "petra.new@example.net", "email_verified": True}
    client.get(start(client))
    assert signed_in_as(client) == str(user.pk)
    assert SocialAccount.objects.filter(user=user).count() == 1


def test_unknown_identity_gets_clear_message_and_nothing_is_created(client, idp):
    make_user("someone@example.com")
    users_before = get_user_model().objects.count()
    idp.identity = {"sub": "stranger", "email": "stranger@example.net", "email_verified": True}

    response = client.get(start(client))
    assert response.status_code == 403
    assert "No portal account for this identity" in response.content.decode()
    assert signed_in_as(client) is None
    assert get_user_model().objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(action="sso.unknown_identity",
                                     changes__uid="stranger").exists()


def test_unverified_email_does_not_link(client, idp):
    make_user("vera@example.com")
    idp.identity = {"sub": "u-4", "email": "vera@example.com", "email_verified": False}
    response = client.get(start(client))
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_state_mismatch_is_refused_and_audited(client, idp):
    user = make_user("stan@example.com")
    idp.identity = {"sub": "u-5", "email": "stan@example.com", "email_verified": True}
    back = start(client)
    path, _, query = back.partition("?")
    params = dict(part.split("=", 1) for part in query.split("&"))
    params["state"] = "forged-state-value"
    tampered = path + "?" + "&".join(f"{k}={v}" for k, v in params.items())

    response = client.get(tampered)
    assert response.status_code == 401
    assert "Sign-in not completed" in response.content.decode()
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()
    event = AuditEvent.objects.get(action="sso.failed")
    assert event.changes["reason"] == "state_mismatch"
    assert event.actor is None
    # The code was never redeemed.
    assert "/token" not in idp.requests
    assert user.socialaccount_set.count() == 0


def test_person_in_several_organizations_chooses_after_sign_on(client, idp):
    user = make_user("dual.oidc@example.com")
    add_member(user, make_org("First Co SRL"), Role.MEMBER)
    add_member(user, make_org("Second Co SRL"), Role.MANAGER)
    idp.identity = {"sub": "u-6", "email": "dual.oidc@example.com", "email_verified": True}

    response = client.get(start(client), follow=True)
    assert signed_in_as(client) == str(user.pk)
    final_path = response.redirect_chain[-1][0]
    assert urlsplit(final_path).path == reverse("portal:select")
    assert "First Co SRL" in response.content.decode()
    assert "Second Co SRL" in response.content.decode()


def test_the_sign_in_page_offers_the_provider_and_its_button_starts_sign_on(client, idp):
    page = client.get(reverse("account_login") + "?next=/p/invoices/").content.decode()
    match = re.search(
        r'<form method="post" action="([^"]+)">\s*<input type="hidden" name="csrfmiddlewaretoken"'
        r'[^>]*>\s*<button type="submit" class="secondary" data-testid="sso-testidp">'
        r"Test ID</button>",
        page,
    )
    assert match, "no sign-on button for the configured provider"
    action = match.group(1).replace("&amp;", "&")
    assert action.startswith(reverse("openid_connect_login", kwargs={"provider_id": "testidp"}))
    assert "next=%2Fp%2Finvoices%2F" in action
    response = client.post(action)
    assert response.status_code == 302 and response["Location"].startswith(idp.url)


def test_no_sign_on_buttons_without_a_provider(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    page = client.get(reverse("account_login")).content.decode()
    assert 'class="sso"' not in page

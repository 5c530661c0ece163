"""Single sign-on with SAML 2.0 against a local identity provider."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.client_portal.core.models import AuditEvent
from apps.client_portal.core.tenancy import Role

from .idp.people import add_member, make_org, make_user
from .idp.saml import SamlIdentityProvider

pytestmark = pytest.mark.django_db

HOST = "portal.example.com"


@pytest.fixture
def client(client, settings):
    # python3-saml reads the Host header (a real browser always sends one) and
    # wants a dotted host name in the service provider's URLs.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    client.defaults["HTTP_HOST"] = HOST
    return client


@pytest.fixture
def idp(settings):
    provider = SamlIdentityProvider().start()
    settings.SOCIALACCOUNT_PROVIDERS = {"saml": {"APPS": [{
        "client_id": "testeid",
        "name": "Test eID",
        "settings": {
            "idp": {"entity_id": provider.entity_id, "sso_url": provider.sso_url,
                    "x509cert": provider.x509cert},
            "attribute_mapping": {"email": ["email"], "first_name": ["first_name"],
                                  "last_name": ["last_name"]},
            "verified_email": True,
            "advanced": {"strict": True, "want_assertion_signed": True,
                         "want_attribute_statement": False,
                         "reject_idp_initiated_sso": True},
        },
    }]}}
    yield provider
    provider.stop()


def fetch_response(client, idp):
    """Portal → IdP; returns the (ACS path, form data) the IdP's page would post."""
    response = client.post(reverse("saml_login", kwargs={"organization_slug": "testeid"}))
    assert response.status_code == 302
    assert response["Location"].startswith(idp.sso_url)
    page = requests.get(response["Location"], timeout=5).text
    action = re.search(r'action="([^"]+)"', page).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    return urlsplit(action).path, fields


def post_response(client, acs_path, fields):
    response = client.post(acs_path, fields)
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def test_metadata_is_served_and_parsed(idp):
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    parsed = OneLogin_Saml2_IdPMetadataParser.parse_remote(f"{idp.url}/metadata")
    assert parsed["idp"]["entityId"] == idp.entity_id
    assert parsed["idp"]["singleSignOnService"]["url"] == idp.sso_url


def test_signed_response_links_by_nameid_email(client, idp):
    user = make_user("elena@example.com")
    add_member(user, make_org("Elena Textiles SRL"))
    idp.name_id = "Elena@Example.com"
    idp.identity = {"first_name": "Elena"}

    response = post_response(client, *fetch_response(client, idp))
    assert response.status_code == 302
    assert signed_in_as(client) == str(user.pk)
    assert SocialAccount.objects.get().user == user
    assert AuditEvent.objects.filter(action="sso.linked", actor=user,
                                     changes__linked_by="email").exists()


def test_signed_response_links_by_national_id_attribute(client, idp):
    ana = make_user("ana.p@example.com")
    person = make_org("Ana P.", kind="person", registration_number="2900305400012")
    add_member(ana, person, Role.OWNER)
    idp.name_id = "ana-eid-7781@eid.example.net"
    idp.identity = {"national_id": "RO/RO/2900305400012"}

    post_response(client, *fetch_response(client, idp))
    assert signed_in_as(client) == str(ana.pk)
    assert AuditEvent.objects.filter(action="sso.linked", actor=ana,
                                     changes__linked_by="national_id").exists()


def test_replayed_response_is_refused(client, idp):
    user = make_user("rita@example.com")
    idp.name_id = "rita@example.com"
    acs_path, fields = fetch_response(client, idp)
    post_response(client, acs_path, fields)
    assert signed_in_as(client) == str(user.pk)
    client.post(reverse("account_logout"))

    response = post_response(client, acs_path, fields)
    assert response.status_code == 401
    assert "Sign-in not completed" in response.content.decode()
    assert signed_in_as(client) is None
    event = AuditEvent.objects.get(action="sso.failed")
    assert event.changes["saml_errors"] == ["replayed_response"]


def test_replay_in_another_browser_is_refused(client, idp, django_user_model):
    from django.test import Client

    make_user("tom@example.com")
    idp.name_id = "tom@example.com"
    acs_path, fields = fetch_response(client, idp)
    post_response(client, acs_path, fields)

    attacker = Client(HTTP_HOST=HOST)
    response = post_response(attacker, acs_path, fields)
    assert response.status_code == 401
    assert attacker.session.get("_auth_user_id") is None


@pytest.mark.parametrize("mode", ["unsigned", "wrong_key"])
def test_unsigned_or_wrongly_signed_assertion_is_refused(client, idp, mode):
    make_user("uma@example.com")
    users_before = get_user_model().objects.count()
    idp.mode = mode
    idp.name_id = "uma@example.com"

    response = post_response(client, *fetch_response(client, idp))
    assert response.status_code == 401
    assert "Sign-in not completed" in response.content.decode()
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()
    assert get_user_model().objects.count() == users_before
    event = AuditEvent.objects.get(action="sso.failed")
    assert event.changes["saml_errors"]
    assert event.changes["reason"]


def test_tampered_assertion_is_refused(client, idp):
    import base64

    make_user("victim@example.com")
    make_user("mallory@example.com")
    idp.name_id = "mallory@example.com"
    acs_path, fields = fetch_response(client, idp)
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    fields["SAMLResponse"] = base64.b64encode(
        xml.replace("mallory@example.com", "victim@example.com").encode()).decode()
    response = post_response(client, acs_path, fields)
    assert response.status_code == 401
    assert signed_in_as(client) is None


def test_unknown_identity_gets_clear_message(client, idp):
    users_before = get_user_model().objects.count()
    idp.name_id = "nobody@example.net"
    idp.identity = {"national_id": "1900101000000"}
    response = post_response(client, *fetch_response(client, idp))
    assert response.status_code == 403
    assert "No portal account for this identity" in response.content.decode()
    assert signed_in_as(client) is None
    assert get_user_model().objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(action="sso.unknown_identity").exists()


def test_person_in_several_organizations_goes_to_the_chooser(client, idp):
    user = make_user("dual.saml@example.com")
    add_member(user, make_org("Alpha SRL"), Role.OWNER)
    add_member(user, make_org("Beta SRL"), Role.VIEWER)
    idp.name_id = "dual.saml@example.com"
    response = post_response(client, *fetch_response(client, idp))
    assert signed_in_as(client) == str(user.pk)
    response = client.get(response["Location"], follow=True)
    assert urlsplit(response.redirect_chain[-1][0]).path == reverse("portal:select")
    assert "Alpha SRL" in response.content.decode()

"""Login by email, phone number or national ID, as the site allows."""

import pytest
from django.urls import reverse

from apps.client_portal.core.demo import DEMO_PASSWORD
from apps.client_portal.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def all_identifiers(settings):
    settings.LOGIN_IDENTIFIERS = ["email", "phone", "national_id"]
    return settings


@pytest.fixture
def email_only(settings):
    settings.LOGIN_IDENTIFIERS = ["email"]
    return settings


def _post(client, login, password=DEMO_PASSWORD):
    return client.post(LOGIN, {"login": login, "password": password})


def _signed_in_as(client):
    from django.contrib.auth import get_user

    return get_user(client)


def test_email_login_works_by_default(email_only, demo, client):
    response = _post(client, "owner@northwind.example.com")
    assert response.status_code == 302
    assert _signed_in_as(client) == demo.users["owner"]


def test_phone_login_is_refused_when_the_site_allows_only_email(email_only, demo, client):
    response = _post(client, "+40721000111")
    assert response.status_code == 200
    assert not _signed_in_as(client).is_authenticated


@pytest.mark.parametrize("typed", ["+40721000111", "+40 721 000 111", "0040721000111"])
def test_phone_login_in_any_spelling(all_identifiers, demo, client, typed):
    response = _post(client, typed)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _signed_in_as(client) == demo.users["owner"]


def test_national_id_login(all_identifiers, demo, client):
    response = _post(client, "2850712400027")
    assert response.status_code == 302
    assert _signed_in_as(client) == demo.users["ana"]
    assert AuditEvent.objects.filter(action="login", actor=demo.users["ana"]).exists()


def test_login_field_names_every_allowed_identifier(all_identifiers, demo, client):
    page = client.get(LOGIN).content.decode()
    assert "Email, phone number or national ID" in page


@pytest.mark.parametrize("typed,password", [
    ("+40721000111", "wrong-password-1"),
    ("2850712400027", "wrong-password-1"),
    ("+40721999999", DEMO_PASSWORD),   # nobody's phone
    ("1800101221144", DEMO_PASSWORD),  # a valid CNP of nobody
    ("1630615123450", DEMO_PASSWORD),  # owner's CNP with a wrong check digit
])
def test_failures_say_the_same_and_are_audited(all_identifiers, demo, client, typed, password):
    response = _post(client, typed, password)
    assert response.status_code == 200
    assert "The login or the password is not right." in response.content.decode()
    assert not _signed_in_as(client).is_authenticated
    assert AuditEvent.objects.filter(action="login_failed",
                                     changes__login=typed).exists()


def test_deactivated_account_cannot_sign_in_by_phone(all_identifiers, demo, client):
    owner = demo.users["owner"]
    owner.is_active = False
    owner.save()
    assert _post(client, "+40721000111").status_code == 200
    assert not _signed_in_as(client).is_authenticated


def test_failures_count_per_account_across_identifiers(all_identifiers, demo, client,
                                                       settings):
    """Five wrong passwords, by phone and by national ID in turn, lock the account."""
    settings.AXES_FAILURE_LIMIT = 5
    for index in range(5):
        typed = "+40721000111" if index % 2 else "1630615123457"
        _post(client, typed, f"wrong-password-{index}")
    response = _post(client, "owner@northwind.example.com")
    assert not _signed_in_as(client).is_authenticated
    assert response.status_code in (200, 403, 429)


def test_user_model_validates_and_normalizes_identifiers(demo):
    from django.core.exceptions import ValidationError

    user = demo.users["member"]
    user.phone, user.national_id_country, user.national_id = "0722 123 456", "RO", "1800101221144"
    user.full_clean()
    assert user.phone == "+40722123456"
    user.national_id = "1800101221145"
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "national_id" in exc.value.message_dict
    user.national_id, user.phone = "1800101221144", demo.users["owner"].phone
    with pytest.raises(ValidationError):
        user.full_clean()  # another account's phone


@pytest.mark.parametrize("country,value", [
    ("PL", "44051401359"), ("BG", "7523169263"), ("MD", "2002001234567"), ("UA", "1759013776"),
])
def test_national_ids_of_each_supported_country_sign_in(all_identifiers, demo, client,
                                                        country, value):
    from stdnum.md import idno

    if country == "MD":
        value = value[:-1] + idno.calc_check_digit(value[:-1])
    user = demo.users["member"]
    user.national_id_country, user.national_id = country, value
    user.full_clean()
    user.save()
    assert _post(client, value).status_code == 302
    assert _signed_in_as(client) == user


def test_login_page_links_to_activation(client, db):
    assert reverse("accounts:activate") in client.get(LOGIN).content.decode()

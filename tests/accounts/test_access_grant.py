"""Access granted by staff: a one-time password by SMS, a new password at first sign-in."""

import pytest
from django.contrib.auth import get_user, get_user_model

from apps.client_portal.accounts import services, sms
from apps.client_portal.accounts.models import AccessGrant
from apps.client_portal.accounts.sms.fake_provider import FakeSmsProvider
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import AuditEvent, Membership, Organization

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Chosen-By-Me-2026"


def _otp(text):
    return text.split("one-time password is ")[1].split(".")[0]


@pytest.fixture
def person_org(demo):
    org = Organization(kind="person", name="Ion Ionescu", country="RO",
                       registration_number="1800101221144", email="ion.ionescu@example.com",
                       phone="+40722000555")
    org.full_clean()
    org.save()
    return org


def test_grant_for_a_private_person_creates_the_account(person_org, demo):
    grant = services.grant_portal_access(organization=person_org, by=demo.users["admin"])
    assert grant.outcome == AccessGrant.Outcome.SENT and grant.created_account
    user = get_user_model().objects.get(email="ion.ionescu@example.com")
    assert user.must_change_password and user.national_id == "1800101221144"
    assert Membership.objects.get(user=user, organization=person_org).role == "owner"
    assert sms.outbox[-1]["to"] == "+40722000555"
    assert user.check_password(_otp(sms.outbox[-1]["text"]))
    assert AuditEvent.objects.filter(action="access_grant.sent", organization=person_org,
                                     actor=demo.users["admin"]).exists()


def test_first_sign_in_forces_a_new_password(person_org, demo, client, settings):
    settings.LOGIN_IDENTIFIERS = ["email", "phone", "national_id"]
    services.grant_portal_access(organization=person_org, by=demo.users["admin"])
    otp = _otp(sms.outbox[-1]["text"])
    response = client.post("/accounts/login/", {"login": "+40722000555", "password": otp})
    assert response.status_code == 302
    # Every portal page sends them to the password change first.
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/accounts/password/change/"
    response = client.post("/accounts/password/change/", {
        "oldpassword": otp, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user = get_user(client)
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="account.password_change", actor=user).exists()


def test_grant_reuses_the_account_of_a_membership(demo):
    membership = Membership.objects.get(user=demo.users["owner"],
                                        organization=demo.organizations["northwind"])
    before = get_user_model().objects.count()
    grant = services.grant_portal_access(organization=membership.organization,
                                         membership=membership, by=demo.users["admin"])
    assert not grant.created_account and get_user_model().objects.count() == before
    assert sms.outbox[-1]["to"] == "+40721000111"
    demo.users["owner"].refresh_from_db()
    assert demo.users["owner"].must_change_password


def test_no_phone_on_file_creates_nothing(demo):
    org = Organization.objects.create(name="Nophone Ltd", country="GB",
                                      email="nophone@example.com")
    before = get_user_model().objects.count()
    with pytest.raises(Refused) as exc:
        services.grant_portal_access(organization=org, by=demo.users["admin"])
    assert "No phone number on file" in str(exc.value.message)
    assert get_user_model().objects.count() == before
    assert not sms.outbox
    failed = AccessGrant.objects.get(organization=org)
    assert failed.outcome == AccessGrant.Outcome.FAILED
    assert AuditEvent.objects.filter(action="access_grant.failed", organization=org).exists()


def test_provider_refuses_an_unknown_phone(person_org, demo, settings):
    """The real HTTP backend, against the fake provider on 127.0.0.1."""
    with FakeSmsProvider(api_key="k-123", unknown_numbers={"+40722000555"}) as provider:
        settings.SMS_BACKEND = "apps.client_portal.accounts.sms.http.HttpBackend"
        settings.SMS_HTTP_URL, settings.SMS_HTTP_API_KEY = provider.url, "k-123"
        before = get_user_model().objects.count()
        with pytest.raises(Refused) as exc:
            services.grant_portal_access(organization=person_org, by=demo.users["admin"])
        assert "unknown number" in str(exc.value.message)
        assert "Nothing was created" in str(exc.value.message)
        assert len(provider.requests) == 1 and not provider.messages
    assert get_user_model().objects.count() == before
    assert not Membership.objects.filter(organization=person_org).exists()
    assert AuditEvent.objects.filter(action="access_grant.failed",
                                     organization=person_org).exists()


def test_http_backend_really_posts(demo, settings, person_org):
    with FakeSmsProvider(api_key="k-123") as provider:
        settings.SMS_BACKEND = "apps.client_portal.accounts.sms.http.HttpBackend"
        settings.SMS_HTTP_URL, settings.SMS_HTTP_API_KEY = provider.url, "k-123"
        settings.SMS_SENDER = "Northwind"
        services.grant_portal_access(organization=person_org, by=demo.users["admin"])
        assert provider.messages[0]["to"] == "+40722000555"
        assert provider.messages[0]["sender"] == "Northwind"
        assert "one-time password" in provider.messages[0]["text"]
        # A wrong key is refused by the provider and reported.
        settings.SMS_HTTP_API_KEY = "wrong"
        with pytest.raises(Refused) as exc:
            sms.send_sms("+40722000999", "hello")
        assert exc.value.code == "refused"


def test_unreachable_provider(settings):
    settings.SMS_BACKEND = "apps.client_portal.accounts.sms.http.HttpBackend"
    provider = FakeSmsProvider().start()
    settings.SMS_HTTP_URL = provider.url
    provider.stop()  # nobody listens there any more
    with pytest.raises(Refused) as exc:
        sms.send_sms("+40722000999", "hello")
    assert exc.value.code == "unreachable"


def test_rate_limits_per_phone_and_per_ip(settings, rf):
    settings.SMS_RATE_PER_PHONE, settings.SMS_RATE_PER_IP = 2, 3
    request = rf.get("/", REMOTE_ADDR="198.51.100.7")
    sms.send_sms("+40722000001", "one", request=request)
    sms.send_sms("+40722000001", "two", request=request)
    with pytest.raises(Refused) as exc:
        sms.send_sms("+40722000001", "three", request=request)
    assert (exc.value.code, exc.value.status) == ("rate_limited", 429)
    sms.send_sms("+40722000002", "other phone", request=request)
    with pytest.raises(Refused):
        sms.send_sms("+40722000003", "fourth from this address", request=request)
    assert [m["text"] for m in sms.outbox] == ["one", "two", "other phone"]


def test_invalid_phone_is_refused():
    with pytest.raises(Refused) as exc:
        sms.send_sms("12", "hello")
    assert exc.value.code == "invalid_phone"


def test_file_backend_writes_one_line_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "apps.client_portal.accounts.sms.backends.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    sms.send_sms("+40722000001", "hello")
    assert '"to": "+40722000001"' in (tmp_path / "sms.jsonl").read_text()


def test_admin_action_on_organization_and_visible_record(person_org, demo, client):
    client.force_login(demo.users["admin"])
    response = client.post("/admin/core/organization/", {
        "action": "grant_access_to_organizations", "_selected_action": [person_org.pk]},
        follow=True)
    assert "password sent to +40722000555" in response.content.decode()
    page = client.get(f"/admin/core/organization/{person_org.pk}/change/").content.decode()
    assert "Password sent" in page


def test_admin_action_reports_failure_clearly(demo, client):
    org = Organization.objects.create(name="Nophone Ltd", country="GB",
                                      email="nophone@example.com")
    client.force_login(demo.users["admin"])
    response = client.post("/admin/core/organization/", {
        "action": "grant_access_to_organizations", "_selected_action": [org.pk]}, follow=True)
    assert "No phone number on file" in response.content.decode()

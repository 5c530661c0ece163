"""The reports app's own pages (a report's PDF and JSON, the personal report, disputes)
answer another organization's or another person's record with 404, and show nothing of it.

The generated doors (lists, details, API, exports) are walked by the sweep."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from apps.client_portal.bureau.reports import demo as reports_demo
from apps.client_portal.bureau.reports.models import CreditReport, Dispute, PersonalReport
from apps.client_portal.core.models import Membership, Organization

pytestmark = pytest.mark.django_db


def _northwind_report(demo):
    return CreditReport.objects.filter(organization=demo.organizations["northwind"],
                                       kind="report").first()


@pytest.mark.parametrize("suffix", ["pdf", "json"])
def test_another_organizations_report_file_answers_404(login, demo, suffix):
    report = _northwind_report(demo)
    client = login(demo.users["contoso_owner"], demo.organizations["contoso"])
    response = client.get(f"/bureau/reports/{report.uuid}/{suffix}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert str(report.uuid) not in body and report.consent_reference not in body
    assert "RPT-1001" not in body


def test_anonymous_reaches_nothing(client, demo):
    report = _northwind_report(demo)
    personal = PersonalReport.objects.first()
    for path in (f"/bureau/reports/{report.uuid}/pdf/", f"/bureau/reports/{report.uuid}/json/",
                 "/bureau/personal-report/", f"/bureau/personal-report/{personal.uuid}/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response["Location"], path


def _maria(demo):
    """Another Moldovan person, with a personal organization of her own."""
    org = Organization.objects.create(kind="person", name="Maria Ceban", country="MD",
                                      registration_number=reports_demo.OTHER_IDNP)
    user = get_user_model().objects.create_user(
        username="maria.ceban", email="maria.ceban@example.com", password="x-Portal-2026",
        national_id_country="MD", national_id=reports_demo.OTHER_IDNP)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Membership.objects.create(user=user, organization=org, role="owner")
    return user, org


def test_another_persons_personal_report_and_its_disputes_answer_404(login, demo):
    personal = PersonalReport.objects.get(user=demo.users["ion"])
    ref = personal.content["debt_refs"][0]
    user, org = _maria(demo)
    client = login(user, org)
    response = client.get(f"/bureau/personal-report/{personal.uuid}/")
    assert response.status_code == 404
    assert "RPT-1001" not in response.content.decode()
    before = Dispute.objects.count()
    response = client.post(f"/bureau/personal-report/{personal.uuid}/dispute/{ref}/",
                           {"reason": "paid"})
    assert response.status_code == 404
    assert Dispute.objects.count() == before
    # Her own list shows her reports only.
    listing = client.get("/bureau/personal-report/").content.decode()
    assert str(personal.uuid) not in listing


def test_a_member_of_the_same_organization_does_not_read_the_persons_report(login, demo):
    personal = PersonalReport.objects.get(user=demo.users["ion"])
    other = get_user_model().objects.create_user(username="ion.helper",
                                                 email="helper@example.com", password="x")
    Membership.objects.create(user=other, organization=demo.organizations["ion"],
                              role="owner")
    client = login(other, demo.organizations["ion"])
    assert client.get(f"/bureau/personal-report/{personal.uuid}/").status_code == 404


def test_a_viewer_reads_reports_but_may_not_order(login, demo):
    client = login(demo.users["viewer"], demo.organizations["northwind"])
    assert client.get("/p/credit-reports/").status_code == 200
    response = client.post("/p/credit-reports/new/", {
        "kind": "report", "subject_kind": "person", "subject_id": reports_demo.PERSON_IDNP,
        "purpose": "credit_application", "consent_reference": "CNS-VIEWER"})
    assert response.status_code == 403
    assert not CreditReport.objects.filter(consent_reference="CNS-VIEWER").exists()


def test_a_client_reads_disputes_of_its_own_records_only(login, demo):
    northwind_dispute = Dispute.objects.get(organization=demo.organizations["northwind"])
    client = login(demo.users["contoso_owner"], demo.organizations["contoso"])
    response = client.get(f"/p/disputes/{northwind_dispute.uuid}/")
    assert response.status_code == 404
    assert northwind_dispute.account_number not in client.get("/p/disputes/").content.decode()

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.client_portal.bureau.models import Debt
from apps.client_portal.bureau.reports.models import CreditReport, Usage
from apps.client_portal.bureau.reports.resources import CreditReportResource
from apps.client_portal.core.errors import Refused

from .conftest import OTHER_IDNP, PERSON_IDNP, order

pytestmark = pytest.mark.django_db


def _used(org, service="reports"):
    return sum(Usage.objects.filter(organization=org, service=service).values_list("used",
                                                                                   flat=True))


def test_an_order_without_consent_is_refused_and_nothing_is_kept(nw_access, northwind):
    before, used = CreditReport.objects.count(), _used(northwind)
    with pytest.raises(Refused) as refused:
        order(nw_access, consent_reference="  ")
    assert refused.value.code == "invalid"
    assert "consent" in " ".join(refused.value.fields["consent_reference"]).lower()
    assert CreditReport.objects.count() == before
    assert _used(northwind) == used


def test_an_order_needs_a_purpose_and_a_valid_identifier(nw_access):
    with pytest.raises(Refused) as refused:
        order(nw_access, purpose="")
    assert "purpose" in refused.value.fields
    with pytest.raises(Refused) as refused:
        order(nw_access, purpose="other", purpose_detail="")
    assert "purpose_detail" in refused.value.fields
    with pytest.raises(Refused) as refused:
        order(nw_access, subject_id="2003012345670")
    assert "check digit" in " ".join(refused.value.fields["subject_id"])


def test_a_report_gathers_every_furnisher_and_is_logged(nw_access, northwind, demo):
    used = _used(northwind)
    report = order(nw_access)
    report.refresh_from_db()
    furnishers = {row["furnisher"] for row in report.content["accounts"]}
    # Contoso's debt on the person is in Northwind's report: the provider's view.
    assert {"Northwind Trading SRL", "Contoso Logistics Sp. z o.o."} <= furnishers
    assert report.requested_by == demo.users["member"]
    assert report.requested_by_name == demo.users["member"].display_name
    assert report.score and report.score_model == "MD-SC-2026.1"
    assert report.content["score"]["reasons"], "a delinquent subject has reasons"
    assert any(e["event"] == "delinquency" for e in report.content["negative_events"])
    # Earlier inquiries by other clients are listed (the demo's contoso orders).
    assert any(i["by"] == "Contoso Logistics Sp. z o.o." for i in report.content["inquiries"])
    assert _used(northwind) == used + 1


def test_a_score_alone_takes_the_scoring_quota_and_shows_no_accounts(nw_access, northwind):
    used = _used(northwind, "scoring")
    report = order(nw_access, kind="score", subject_id=OTHER_IDNP)
    report.refresh_from_db()
    assert "accounts" not in report.content
    assert report.score < 600, "a charged-off debt lowers the score"
    assert _used(northwind, "scoring") == used + 1


def test_the_quota_refuses_the_order_and_keeps_nothing(nw_access, northwind):
    Usage.objects.filter(organization=northwind, service="reports").delete()
    sub = northwind_subscription(northwind)
    sub.plan.quota_reports = 0
    sub.plan.save()
    before = CreditReport.objects.count()
    with pytest.raises(Refused) as refused:
        order(nw_access)
    assert refused.value.code == "no_subscription"
    assert CreditReport.objects.count() == before


def northwind_subscription(org):
    from apps.client_portal.bureau.reports.quota import current_subscription

    return current_subscription(org)


def test_reports_are_append_only(nw_access):
    report = order(nw_access)
    report = CreditReport.objects.get(pk=report.pk)
    report.purpose = "collection"
    with pytest.raises(ValidationError):
        report.save()
    with pytest.raises(ValidationError):
        report.delete()
    assert CreditReport.objects.get(pk=report.pk).purpose == "credit_application"


def test_a_client_sees_only_its_own_orders(nw_access, ct_access):
    mine = order(nw_access)
    theirs = order(ct_access)
    listed = set(CreditReportResource.get_queryset(nw_access).values_list("pk", flat=True))
    assert mine.pk in listed and theirs.pk not in listed
    with pytest.raises(Refused) as refused:
        CreditReportResource.get_object(nw_access, theirs.uuid)
    assert refused.value.code == "not_found"


def test_other_furnishers_debts_are_only_seen_inside_a_report(nw_access):
    """Northwind's own debts are its own; Contoso's reach it only in a consented report."""
    contoso_debts = Debt.objects.filter(account_number="RPT-2001")
    assert contoso_debts.exists()
    assert not Debt.objects.for_access(nw_access).filter(account_number="RPT-2001").exists()
    report = order(nw_access)
    report.refresh_from_db()
    assert "RPT-2001" in {row["account_number"] for row in report.content["accounts"]}


def test_the_reports_list_shows_description_and_who_asked(login, demo, nw_access):
    order(nw_access)
    page = login(demo.users["owner"], demo.organizations["northwind"]).get(
        "/p/credit-reports/").content.decode()
    assert "Credit report on Ion Rusu" in page
    assert demo.users["member"].display_name in page


def test_ordering_in_the_portal_then_pdf_and_json(login, demo, northwind):
    client = login(demo.users["member"], northwind)
    for slug in ("credit-reports", "registry-lookups"):
        form = client.get(f"/p/{slug}/new/").content.decode()
        assert ">Order</button>" in form and ">Save</button>" not in form, slug
        assert ">Choose a purpose</option>" in form, slug
    response = client.post("/p/credit-reports/new/", {
        "kind": "report", "subject_kind": "person", "subject_id": PERSON_IDNP,
        "purpose": "credit_application", "consent_reference": "CNS-PORTAL-1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    detail = client.get(response["Location"])
    body = detail.content.decode()
    assert "Accounts and debts" in body and "GDPR" in body and "Main reasons" in body
    report = CreditReport.objects.get(consent_reference="CNS-PORTAL-1")
    pdf = client.get(f"/bureau/reports/{report.uuid}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment")
    data = client.get(f"/bureau/reports/{report.uuid}/json/").json()
    assert data["consent_reference"] == "CNS-PORTAL-1"
    assert data["content"]["subject"]["id"] == PERSON_IDNP


def test_the_portal_form_says_why_without_consent(login, demo, northwind):
    client = login(demo.users["member"], northwind)
    response = client.post("/p/credit-reports/new/", {
        "kind": "report", "subject_kind": "person", "subject_id": PERSON_IDNP,
        "purpose": "credit_application", "consent_reference": ""})
    assert response.status_code == 400
    assert "consent" in response.content.decode()


def test_the_api_orders_with_the_same_rule(demo, northwind):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(demo.users["member"])
    session = client.session
    from apps.client_portal.core.middleware import SESSION_KEY

    session[SESSION_KEY] = str(northwind.uuid)
    session.save()
    refused = client.post("/api/v1/credit-reports/", {
        "kind": "report", "subject_kind": "person", "subject_id": PERSON_IDNP,
        "purpose": "credit_application"}, format="json")
    assert refused.status_code == 400
    assert "consent_reference" in str(refused.json())


def _exhaust(org, service="reports"):
    from apps.client_portal.bureau.reports import quota

    sub = quota.current_subscription(org)
    start, _end = sub.period_for(timezone.localdate())
    quota.take(org, service)  # the period's row exists
    Usage.objects.filter(subscription=sub, service=service, period_start=start).update(
        used=sub.plan.quota(service))


def test_both_doors_say_when_the_quota_is_used_up(login, demo, northwind):
    _exhaust(northwind)
    before = CreditReport.objects.count()
    data = {"kind": "report", "subject_kind": "person", "subject_id": PERSON_IDNP,
            "purpose": "credit_application", "consent_reference": "CNS-QUOTA"}
    page = login(demo.users["member"], northwind).post("/p/credit-reports/new/", data)
    assert page.status_code == 409
    assert "quota of your subscription" in page.content.decode()

    from rest_framework.test import APIClient

    from apps.client_portal.core.middleware import SESSION_KEY

    client = APIClient()
    client.force_authenticate(demo.users["member"])
    session = client.session
    session[SESSION_KEY] = str(northwind.uuid)
    session.save()
    api = client.post("/api/v1/credit-reports/", data, format="json")
    assert api.status_code == 409
    assert api.json()["error"]["code"] == "quota_exceeded"
    assert CreditReport.objects.count() == before


def test_the_lookups_list_reads_its_descriptions_in_the_pages_language(login, demo, northwind):
    from django.contrib.auth import get_user_model

    from apps.client_portal.bureau.reports.models import RegistryLookup

    lookup = RegistryLookup.objects.filter(organization=northwind).first()
    assert lookup is not None
    get_user_model().objects.filter(pk=demo.users["member"].pk).update(language="ro")
    client = login(demo.users["member"], northwind)
    body = client.get("/p/registry-lookups/").content.decode()
    subject = lookup.subject_name or lookup.subject_id
    assert f" despre {subject}" in body and f" on {subject}" not in body

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.client_portal.bureau.reports import services
from apps.client_portal.bureau.reports.models import (
    Dispute,
    PersonalReport,
    Plan,
    Subscription,
    Usage,
)
from apps.client_portal.bureau.reports.resources import DisputeResource
from apps.client_portal.core import operations
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import Notification
from apps.client_portal.core.tenancy import Access, Role

from .conftest import PERSON_IDNP, order

pytestmark = pytest.mark.django_db


def test_the_person_reads_who_furnished_and_who_asked(login, demo, nw_access):
    order(nw_access, purpose="other", purpose_detail="Mortgage pre-check")
    Dispute.objects.filter(account_number="RPT-2001").delete()  # a record without a dispute
    PersonalReport.objects.filter(user=demo.users["ion"]).update(  # last year's free one
        created_at=timezone.now() - dt.timedelta(days=400))
    client = login(demo.users["ion"], demo.organizations["ion"])
    response = client.post("/bureau/personal-report/")
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "Northwind Trading SRL" in body and "Contoso Logistics Sp. z o.o." in body
    assert "Mortgage pre-check" in body  # who asked and why
    assert "Dispute this record" in body
    report = PersonalReport.objects.filter(user=demo.users["ion"]).first()
    asked = report.content["asked"]
    assert any(a["by"] == "Northwind Trading SRL" and a["purpose"] == "other" for a in asked)


def test_one_free_report_a_year_then_the_subscription(ion_access, demo):
    ion = demo.organizations["ion"]
    # The demo's person had the free report of this year already.
    assert not services.free_report_left(demo.users["ion"])
    with pytest.raises(Refused) as refused:
        services.order_personal_report(ion_access)
    assert refused.value.code == "no_subscription"
    plan = Plan.objects.create(name="Person", price=Decimal("20.00"), quota_personal=1)
    Subscription.objects.create(organization=ion, plan=plan, contract_number="P-1",
                                starts_on=timezone.localdate(), price=plan.price)
    paid = services.order_personal_report(ion_access)
    assert not paid.free
    assert Usage.objects.get(organization=ion, service="personal").used == 1
    with pytest.raises(Refused) as refused:
        services.order_personal_report(ion_access)
    assert refused.value.code == "quota_exceeded"
    # A year on, the free one is back.
    PersonalReport.objects.filter(user=demo.users["ion"]).update(
        created_at=timezone.now() - dt.timedelta(days=366))
    assert services.order_personal_report(ion_access).free


def test_without_a_moldovan_national_id_there_is_no_personal_report(login, demo):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.get("/bureau/personal-report/")
    assert response.status_code == 403
    assert "IDNP" in response.content.decode()
    assert client.post("/bureau/personal-report/").status_code == 403


def test_a_dispute_flags_the_record_tells_the_furnisher_and_is_resolved(login, demo,
                                                                        ion_access, nw_access):
    personal = PersonalReport.objects.filter(user=demo.users["ion"]).first()
    refs = dict(zip([a["account_number"] for a in personal.content["accounts"]],
                    personal.content["debt_refs"], strict=True))
    # The demo's open dispute on RPT-1001 shows in a new report as "disputed".
    report = order(nw_access)
    report.refresh_from_db()
    flags = {a["account_number"]: a["disputed"] for a in report.content["accounts"]}
    assert flags["RPT-1001"] is True

    # A second dispute on the same record by the same person is refused.
    with pytest.raises(Refused) as refused:
        services.open_dispute(ion_access, personal, refs["RPT-1001"], reason="paid")
    assert refused.value.code == "conflict"

    client = login(demo.users["ion"], demo.organizations["ion"])
    Dispute.objects.filter(account_number="RPT-2001").delete()
    notices = Notification.objects.filter(organization=demo.organizations["contoso"]).count()
    response = client.post(f"/bureau/personal-report/{personal.uuid}/dispute/"
                           f"{refs['RPT-2001']}/", {"reason": "not_mine",
                                                       "explanation": "Never had this card."})
    assert response.status_code == 302
    dispute = Dispute.objects.get(account_number="RPT-2001", status="open")
    assert dispute.organization == demo.organizations["contoso"]
    assert dispute.deadline == timezone.localdate() + dt.timedelta(days=30)
    assert Notification.objects.filter(organization=demo.organizations["contoso"]).count() > (
        notices)
    # The furnisher reads it; another client does not.
    assert DisputeResource.get_object(
        Access(user=demo.users["contoso_owner"], organization=demo.organizations["contoso"],
               role="owner"), dispute.uuid)
    with pytest.raises(Refused):
        DisputeResource.get_object(nw_access, dispute.uuid)

    staff = Access.provider(user=demo.users["admin"])
    Dispute.objects.filter(pk=dispute.pk).update(outcome="The furnisher showed the signed "
                                                         "card agreement.")
    operations.run_action(DisputeResource, access=staff, lookup=dispute.uuid, name="reject")
    dispute.refresh_from_db()
    assert dispute.status == "rejected" and dispute.resolved_by == demo.users["admin"]
    assert Notification.objects.filter(user=demo.users["ion"],
                                       message="bureau_reports.dispute_resolved").exists()
    body = client.get(f"/bureau/personal-report/{personal.uuid}/").content.decode()
    assert "Rejected: the record stands" in body
    assert "signed card agreement" in body
    with pytest.raises(Refused) as refused:  # resolved once
        operations.run_action(DisputeResource, access=staff, lookup=dispute.uuid, name="uphold")
    assert refused.value.status == 409


def test_a_client_cannot_fire_the_staff_resolution(demo, ion_access):
    dispute = Dispute.objects.filter(organization=demo.organizations["northwind"]).first()
    owner = Access(user=demo.users["owner"], organization=demo.organizations["northwind"],
                   role="owner")
    Dispute.objects.filter(pk=dispute.pk).update(outcome="x")
    with pytest.raises(Refused) as refused:
        operations.run_action(DisputeResource, access=owner, lookup=dispute.uuid, name="uphold")
    assert refused.value.status in (403, 404)


def test_a_record_outside_ones_own_report_cannot_be_disputed(demo, ion_access):
    personal = PersonalReport.objects.filter(user=demo.users["ion"]).first()
    from apps.client_portal.bureau.models import Debt

    other = Debt.objects.get(account_number="RPT-2002")  # Maria Ceban's
    with pytest.raises(Refused) as refused:
        services.open_dispute(ion_access, personal, other.uuid, reason="paid")
    assert refused.value.code == "not_found"
    assert personal.national_id == PERSON_IDNP


def test_the_persons_dashboard_leads_to_the_personal_report(login, demo):
    client = login(demo.users["ion"], demo.organizations["ion"])
    page = client.get("/").content.decode()
    assert "/bureau/personal-report/" in page and "Personal report" in page
    assert "/p/credit-reports/" not in page  # a private person orders no reports
    assert client.get("/p/credit-reports/").status_code == 404
    # ... and the side menu leads there too, marked as the page one is on when there.
    nav = page[page.index('<nav class="sidenav"'):page.index("</nav>")]
    assert 'href="/bureau/personal-report/"' in nav and "Personal report" in nav
    here = client.get("/bureau/personal-report/").content.decode()
    assert 'href="/bureau/personal-report/" aria-current="page"' in here


def test_only_a_person_with_an_idnp_has_the_personal_report_in_the_menu(login, demo):
    page = login(demo.users["owner"], demo.organizations["northwind"]).get("/").content.decode()
    nav = page[page.index('<nav class="sidenav"'):page.index("</nav>")]
    assert "/bureau/personal-report/" not in nav


def test_the_person_signs_in_by_idnp_and_reads_the_report(settings, demo, client):
    from apps.client_portal.core.demo import DEMO_PASSWORD

    settings.LOGIN_IDENTIFIERS = ["email", "national_id"]
    response = client.post("/accounts/login/", {"login": PERSON_IDNP, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    listing = client.get("/bureau/personal-report/")
    assert listing.status_code == 200
    report = PersonalReport.objects.get(user=demo.users["ion"])
    body = client.get(f"/bureau/personal-report/{report.uuid}/").content.decode()
    assert "Your disputes" in body and "The amounts are wrong" in body  # the demo's dispute


def test_the_retention_job_may_remove_a_disputed_record(demo):
    from apps.client_portal.bureau.models import Debt, DebtIdentifier

    dispute = Dispute.objects.get(account_number="RPT-1001")
    debt = Debt.objects.filter(pk=dispute.debt_id)
    DebtIdentifier.objects.filter(debt__in=debt).delete()
    debt.delete()
    dispute.refresh_from_db()
    assert dispute.debt_id is None and dispute.account_number == "RPT-1001"


def test_a_viewer_may_not_spend_the_organizations_quota_on_a_personal_report(demo):
    """The free report is anyone's; a paid one takes the organization's quota: Member or up."""
    ion = demo.organizations["ion"]
    viewer = Access(user=demo.users["ion"], organization=ion, role=Role.VIEWER)
    plan = Plan.objects.create(name="Person", price=Decimal("20.00"), quota_personal=5)
    Subscription.objects.create(organization=ion, plan=plan, contract_number="P-2",
                                starts_on=timezone.localdate(), price=plan.price)
    assert not services.free_report_left(demo.users["ion"])
    before = PersonalReport.objects.count()
    with pytest.raises(Refused) as refused:
        services.order_personal_report(viewer)
    assert refused.value.code == "forbidden"
    assert PersonalReport.objects.count() == before
    assert not Usage.objects.filter(organization=ion, service="personal", used__gt=0).exists()
    # The free one of the year stays open to a viewer.
    PersonalReport.objects.filter(user=demo.users["ion"]).update(
        created_at=timezone.now() - dt.timedelta(days=400))
    assert services.order_personal_report(viewer).free
    # A member may take a paid one.
    member = Access(user=demo.users["ion"], organization=ion, role=Role.MEMBER)
    assert not services.order_personal_report(member).free


def test_a_record_with_an_open_dispute_shows_it_and_a_refusal_keeps_the_text(login, demo):
    personal = PersonalReport.objects.filter(user=demo.users["ion"]).first()
    refs = dict(zip([a["account_number"] for a in personal.content["accounts"]],
                    personal.content["debt_refs"], strict=True))
    open_one = Dispute.objects.get(account_number="RPT-1001", status="open")
    Dispute.objects.filter(account_number="RPT-2001").delete()
    client = login(demo.users["ion"], demo.organizations["ion"])
    body = client.get(f"/bureau/personal-report/{personal.uuid}/").content.decode()
    # RPT-1001 has his open dispute: no form for it, its deadline instead.
    assert f"/dispute/{refs['RPT-1001']}/" not in body
    assert f"/dispute/{refs['RPT-2001']}/" in body
    assert 'data-testid="open-dispute"' in body
    assert "Payment history, latest month first" in body  # as the add-debt form says
    assert 'data-testid="history-legend"' in body and "on time" in body
    assert open_one.deadline.strftime("%Y") in body
    # A refused dispute (here: one filed meanwhile) shows the form again with its text.
    from apps.client_portal.bureau.models import Debt

    Dispute.objects.create(organization=demo.organizations["contoso"],
                           debt=Debt.objects.get(account_number="RPT-2001"),
                           account_number="RPT-2001", filed_by=demo.users["ion"],
                           filed_by_name="Ion Rusu", reason="paid")
    response = client.post(f"/bureau/personal-report/{personal.uuid}/dispute/"
                           f"{refs['RPT-2001']}/", {"reason": "not_mine",
                                                       "explanation": "Never had this card."})
    assert response.status_code == 409
    text = response.content.decode()
    assert "You already have an open dispute about this record." in text
    assert "Never had this card." in text
    # An invalid one too.
    response = client.post(f"/bureau/personal-report/{personal.uuid}/dispute/"
                           f"{refs['RPT-1001']}/", {"explanation": "Paid in 2024."})
    assert response.status_code == 400
    assert "Paid in 2024." in response.content.decode()


def test_a_person_without_a_free_report_is_told_when_the_next_one_comes(login, demo):
    client = login(demo.users["ion"], demo.organizations["ion"])
    assert "the next is available on" in client.get("/bureau/personal-report/").content.decode()
    response = client.post("/bureau/personal-report/", follow=True)
    text = response.content.decode()
    assert "Your free report for this year has been used" in text
    assert "subscription" not in text.split("Your free report for this year")[1][:200]
    last = PersonalReport.objects.filter(user=demo.users["ion"], free=True).latest("created_at")
    assert services.next_free_report(demo.users["ion"]) == timezone.localdate(
        last.created_at + dt.timedelta(days=365))

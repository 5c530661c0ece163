import pytest

from apps.client_portal.bureau.reports.models import CreditReport, Plan, Subscription
from apps.client_portal.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_staff_add_a_plan_and_sign_a_contract(client, demo):
    client.force_login(demo.users["admin"])
    response = client.post("/admin/bureau_reports/plan/add/", {
        "name": "Pilot", "period_months": 3, "price": "750.50", "currency": "MDL",
        "quota_reports": 30, "quota_scoring": 0, "quota_lookups": 10, "quota_records": 1000,
        "quota_personal": 0, "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = Plan.objects.get(name="Pilot")
    assert str(plan.price) == "750.50"
    response = client.post("/admin/bureau_reports/subscription/add/", {
        "organization": demo.organizations["fabrikam"].pk, "plan": plan.pk,
        "contract_number": "BC-PILOT-1", "starts_on": "2026-12-01", "price": "700.00",
        "currency": "MDL", "status": "active",
        "usage-TOTAL_FORMS": 0, "usage-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.content.decode()[:3000]
    sub = Subscription.objects.get(contract_number="BC-PILOT-1")
    assert AuditEvent.objects.filter(action="admin.create", object_id=str(sub.uuid)).exists()


def test_orders_are_read_only_in_the_back_office(client, demo):
    client.force_login(demo.users["admin"])
    report = CreditReport.objects.first()
    page = client.get(f"/admin/bureau_reports/creditreport/{report.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/bureau_reports/creditreport/{report.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert CreditReport.objects.filter(pk=report.pk).exists()

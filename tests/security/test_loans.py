"""A borrower never sees another borrower's loan: list, detail, API, downloads, pay page."""

import pytest
from django.urls import reverse

from apps.client_portal.loans.models import Loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria(demo, login):
    return login(demo.users["borrower_maria"], demo.organizations["borrower_maria"])


def jans_loans(demo):
    return list(Loan.objects.filter(organization=demo.organizations["borrower_jan"]))


def test_the_list_holds_only_her_own_loan(demo, maria):
    html = maria.get(reverse("portal:list", args=["loans"])).content.decode()
    assert "PL-2025-0104" in html
    for loan in jans_loans(demo):
        assert loan.number not in html
    api = maria.get("/api/v1/loans/").json()
    numbers = {row["number"] for row in api.get("results", api)}
    assert numbers == {"PL-2025-0104"}


@pytest.mark.parametrize("door", [
    "detail", "api_detail", "api_schedule", "api_repayments", "schedule.pdf", "schedule.csv",
    "repayments.pdf", "repayments.csv", "pay",
])
def test_every_door_to_anothers_loan_is_404_and_says_nothing(demo, maria, door):
    for loan in jans_loans(demo):
        url = {
            "detail": loan.get_absolute_url(),
            "api_detail": f"/api/v1/loans/{loan.uuid}/",
            "api_schedule": f"/api/v1/loans/{loan.uuid}/schedule/",
            "api_repayments": f"/api/v1/loans/{loan.uuid}/repayments/",
            "pay": reverse("loans:pay", args=[loan.uuid]),
        }.get(door) or reverse("loans:download", args=[loan.uuid, door])
        response = maria.get(url)
        assert response.status_code == 404, (door, loan.number, response.status_code)
        body = response.content.decode(errors="replace")
        assert loan.number not in body and "Testowy" not in body


def test_a_post_to_pay_anothers_loan_opens_nothing(demo, maria):
    from apps.client_portal.billing.models import PaymentIntent

    loan = next(loan for loan in jans_loans(demo) if loan.status == Loan.Status.ACTIVE)
    response = maria.post(reverse("loans:pay", args=[loan.uuid]),
                          {"amount": "10.00", "gateway": "redirect"})
    assert response.status_code == 404
    assert not PaymentIntent.objects.filter(payable__endswith=str(loan.uuid)).exists()


def test_signed_out_visitors_get_nothing(client, demo):
    loan = jans_loans(demo)[0]
    assert client.get(f"/api/v1/loans/{loan.uuid}/schedule/").status_code in (401, 403)
    response = client.get(reverse("loans:download", args=[loan.uuid, "schedule.csv"]))
    assert response.status_code == 302 and "login" in response["Location"]

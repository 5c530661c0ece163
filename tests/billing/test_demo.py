"""The billing demo data: every organization has its documents and payments in its
currencies, with drafts hidden, some open, some paid; tariffs for everyone."""

import pytest

from apps.client_portal.billing import services
from apps.client_portal.billing.models import FinancialDocument, Payment, Tariff
from apps.client_portal.billing.resources import InvoiceResource, TariffResource
from apps.client_portal.core.tenancy import Access, Role

pytestmark = pytest.mark.django_db


def test_demo_billing_data(demo):
    expected = {"northwind": {"RON", "EUR"}, "contoso": {"PLN"}, "ana": {"RON"},
                "fabrikam": {"BGN", "EUR"}}
    for key, currencies in expected.items():
        org = demo.organizations[key]
        docs = FinancialDocument.objects.filter(organization=org)
        assert set(docs.values_list("currency", flat=True)) == currencies, key
        assert docs.filter(status=FinancialDocument.Status.DRAFT).exists()
        assert docs.filter(pdf__isnull=False).exists()
        assert Payment.objects.filter(organization=org).exists()
        assert services.balance(org)
    northwind = demo.organizations["northwind"]
    access = Access(user=demo.users["viewer"], organization=northwind, role=Role.VIEWER)
    seen = InvoiceResource.get_queryset(access)
    assert not seen.filter(status=FinancialDocument.Status.DRAFT).exists()
    assert seen.filter(status=FinancialDocument.Status.PAID).exists()
    assert Tariff.objects.exists()
    assert TariffResource.model.tenancy.shared and not InvoiceResource.model.tenancy.shared


def test_anonymous_gets_no_billing_page(demo, client):
    for path in ["/p/tariffs/", "/p/invoices/", "/billing/statement/"]:
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/billing/invoices/zip/", {"documents": ["x"]}).status_code == 302
    assert client.get("/api/v1/tariffs/").status_code in (401, 403)

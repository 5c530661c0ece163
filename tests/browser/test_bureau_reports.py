"""A lender orders a credit report in the portal and downloads its PDF."""

import pytest

pytestmark = pytest.mark.browser


def test_order_a_credit_report_and_download_its_pdf(demo_live, page, sign_in, shot):
    from apps.client_portal.bureau.reports.demo import PERSON_IDNP

    sign_in(page, "member@northwind.example.com")
    page.goto("/p/credit-reports/new/")
    page.locator("select[name=kind]").select_option("report")
    page.locator("select[name=subject_kind]").select_option("person")
    page.locator("input[name=subject_id]").fill(PERSON_IDNP)
    page.locator("select[name=purpose]").select_option("credit_application")
    page.locator("input[name=consent_reference]").fill("CNS-BROWSER-1")
    shot(page, "order")
    page.locator("form button[type=submit]").last.click()
    page.get_by_role("heading", name="Accounts and debts").wait_for()
    assert page.get_by_test_id("art22").is_visible()
    assert "Contoso Logistics" in page.get_by_test_id("accounts").inner_text()
    with page.expect_download() as download_info:
        page.get_by_test_id("pdf-link").click()
    download = download_info.value
    assert download.suggested_filename.startswith("credit-report-")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

"""The portal pages and the API of debts and imports, and what one client sees of another."""

import pytest

from apps.client_portal.api.models import ApiKey
from apps.client_portal.bureau.metro2 import writer
from apps.client_portal.bureau.models import Debt, DebtImport
from apps.client_portal.core.tenancy import Role

from .conftest import csv_file, csv_line, upload

pytestmark = pytest.mark.django_db


def _key(demo, org, creator, role=Role.MEMBER):
    key = ApiKey(name="Integration", organization=demo.organizations[org], role=role,
                 created_by=demo.users[creator])
    raw = key.generate()
    key.full_clean()
    key.save()
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


def test_api_post_import_then_read_status(client, demo, lender,
                                          django_capture_on_commit_callbacks):
    auth = _key(demo, "lender", "lender_owner")
    data = writer.write([writer.sample_account(i, consumerAccountNumber=f"API-{i}")
                         for i in range(3)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/debt-imports/",
                               {"file": upload(data, "api.dat"), "format": "metro2"}, **auth)
    assert response.status_code == 202, response.content
    uuid = response.json()["uuid"]
    body = client.get(f"/api/v1/debt-imports/{uuid}/", **auth).json()
    assert body["status"] == "done"
    assert (body["records_total"], body["records_done"], body["imported"]) == (3, 3, 3)
    assert body["errors"] == []
    debts = client.get("/api/v1/debts/?search=API-", **auth).json()
    assert debts["count"] == 3
    assert {d["account_number"] for d in debts["results"]} == {"API-0", "API-1", "API-2"}
    listed = client.get("/api/v1/debt-imports/", **auth).json()
    assert uuid in {row["uuid"] for row in listed["results"]}


def test_api_refused_file_reports_record_and_field(client, demo,
                                                   django_capture_on_commit_callbacks):
    auth = _key(demo, "lender", "lender_owner")
    data, record, field = writer.broken("bad_date")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/debt-imports/",
                               {"file": upload(data, "bad.dat"), "format": "metro2"}, **auth)
    body = client.get(f"/api/v1/debt-imports/{response.json()['uuid']}/", **auth).json()
    assert body["status"] == "refused" and body["imported"] == 0
    assert body["errors"][-1]["record"] == record and body["errors"][-1]["field"] == field
    assert "MMDDYYYY" in body["errors"][-1]["message"]
    assert set(body["errors"][-1]) == {"record", "field", "value", "message"}


def test_api_bad_upload_is_a_400_with_the_field(client, demo):
    auth = _key(demo, "lender", "lender_owner")
    response = client.post("/api/v1/debt-imports/",
                           {"file": upload(b"\x00\x01binary", "x.csv"), "format": "csv"},
                           **auth)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"] == [
        "the file holds binary data, not CSV text"]
    response = client.post("/api/v1/debt-imports/",
                           {"file": upload(b"a,b\n", "x.csv"), "format": "xlsx"}, **auth)
    assert response.status_code == 400


def test_another_client_sees_nothing_of_debts_or_imports(client, demo, lender, lender2,
                                                         login):
    own = Debt.objects.filter(organization=lender, is_current=True).first()
    imp = DebtImport.objects.filter(organization=lender).first()
    auth = _key(demo, "lender2", "lender2_owner")
    assert client.get(f"/api/v1/debts/{own.uuid}/", **auth).status_code == 404
    assert client.get(f"/api/v1/debt-imports/{imp.uuid}/", **auth).status_code == 404
    listed = client.get("/api/v1/debts/?page_size=500", **auth).json()
    assert own.account_number not in {d["account_number"] for d in listed["results"]}
    assert listed["count"] == Debt.objects.filter(organization=lender2, is_current=True).count()
    page = login(demo.users["lender2_owner"], lender2)
    for url in (f"/p/debts/{own.uuid}/", f"/p/debt-imports/{imp.uuid}/",
                f"/bureau/imports/{imp.uuid}/progress/"):
        response = page.get(url)
        assert response.status_code == 404, url
        assert own.account_number.encode() not in response.content
    response = page.post(f"/bureau/imports/{imp.uuid}/cancel/")
    assert response.status_code == 404
    listing = page.get("/p/debts/?page_size=100")
    assert own.account_number.encode() not in listing.content  # CE-... only lender has


def test_portal_upload_progress_and_lists(demo, lender, login, django_capture_on_commit_callbacks):
    page = login(demo.users["lender_owner"], lender)
    for url in ("/bureau/import/csv/", "/bureau/import/metro2/", "/bureau/debts/new/",
                "/p/debts/", "/p/debt-imports/"):
        assert page.get(url).status_code == 200, url
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post("/bureau/import/csv/",
                             {"file": csv_file([csv_line(i, account=f"WEB-{i}")
                                                for i in range(3)])})
    assert response.status_code == 302
    progress = page.get(response["Location"])
    assert b"3 records imported" in progress.content
    assert b'value="100"' in progress.content
    imp = DebtImport.objects.filter(organization=lender).order_by("-id").first()
    detail = page.get(f"/p/debt-imports/{imp.uuid}/")
    assert detail.status_code == 200
    debt = Debt.objects.get(organization=lender, account_number="WEB-1")
    assert page.get(f"/p/debts/{debt.uuid}/").status_code == 200


def test_portal_refused_upload_says_why(demo, lender, login):
    page = login(demo.users["lender_owner"], lender)
    response = page.post("/bureau/import/metro2/",
                         {"file": upload(b"plain text, not metro 2" * 20, "x.dat"),
                          "currency": "MDL"})
    assert response.status_code == 400
    assert b"HEADER" in response.content


def test_portal_add_one_debt(demo, lender, login):
    page = login(demo.users["lender_owner"], lender)
    fields = {"subject_kind": "person", "subject_id": "2002000000008",
              "subject_name": "Ion Formular", "account_number": "F-77", "balance": "120.50",
              "currency": "MDL", "status": "current", "opened_on": "2025-01-10"}
    response = page.post("/bureau/debts/new/", fields)
    assert response.status_code == 302
    debt = Debt.objects.get(organization=lender, account_number="F-77")
    assert response["Location"].endswith(f"/p/debts/{debt.uuid}/")
    bad = page.post("/bureau/debts/new/", dict(fields, subject_id="2002000000009"))
    assert bad.status_code == 400 and b"IDNP" in bad.content
    # A second version through the form, then the history on the debt's page.
    page.post("/bureau/debts/new/", dict(fields, balance="100.00"))
    current = Debt.objects.get(organization=lender, account_number="F-77", is_current=True)
    assert current.version == 2
    assert b"Earlier versions" in page.get(f"/p/debts/{current.uuid}/").content


def test_viewer_cannot_import(demo, lender, login):
    from apps.client_portal.core.models import Membership
    Membership.objects.filter(user=demo.users["lender_member"], organization=lender).update(
        role=Role.VIEWER)
    page = login(demo.users["lender_member"], lender)
    assert page.get("/bureau/import/csv/").status_code == 403
    assert page.post("/bureau/debts/new/", {}).status_code == 403


def test_refused_import_pages_list_the_bad_records(demo, lender, login, run_import):
    from apps.client_portal.core.models import Membership
    access = Membership.objects.get(user=demo.users["lender_owner"], organization=lender).access()
    data, record, _field = writer.broken("missing_rating")
    imp = run_import(access, upload(data, "rating.dat"), fmt="metro2")
    assert imp.status == "refused"
    page = login(demo.users["lender_owner"], lender)
    for url in (f"/p/debt-imports/{imp.uuid}/", f"/bureau/imports/{imp.uuid}/progress/"):
        body = page.get(url).content.decode()
        assert "account status 13 needs a payment rating" in body, url
        # The field as people read it, not the layout's name.
        assert ">payment rating<" in body and "paymentRating" not in body, url


def test_a_private_persons_organization_has_no_debts_nor_imports(client, demo, login):
    """Debts and imports are a company's: no menu entry, and every door answers 404."""
    ana = demo.organizations["ana"]
    assert ana.kind == "person"
    login(demo.users["ana"], ana)
    home = client.get("/").content.decode()
    assert "/p/debts/" not in home and "/p/debt-imports/" not in home
    for url in ("/p/debts/", "/p/debt-imports/", "/bureau/import/csv/",
                "/bureau/import/metro2/", "/bureau/debts/new/"):
        assert client.get(url).status_code == 404, url
    auth = _key(demo, "ana", "ana", role=Role.OWNER)
    for url in ("/api/v1/debts/", "/api/v1/debt-imports/"):
        assert client.get(url, **auth).status_code == 404, url
    response = client.post("/api/v1/debt-imports/",
                           {"file": csv_file([csv_line(1)]), "format": "csv"}, **auth)
    assert response.status_code == 404
    assert not DebtImport.objects.filter(organization=ana).exists()
    # A company's owner still has both.
    login(demo.users["owner"], demo.organizations["northwind"])
    home = client.get("/").content.decode()
    assert "/p/debts/" in home and "/p/debt-imports/" in home
    assert client.get("/bureau/debts/new/").status_code == 200

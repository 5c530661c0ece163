"""The import pipeline: all or nothing, idempotence, versions, cancel, bad files."""

import pytest
from django.core.cache import cache

from apps.client_portal.bureau import services
from apps.client_portal.bureau.metro2 import writer
from apps.client_portal.bureau.models import Debt, DebtIdentifier, DebtImport
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import AuditEvent

from .conftest import csv_file, csv_line, upload

pytestmark = pytest.mark.django_db


def _debts(org):
    return Debt.objects.filter(organization=org)


def test_csv_import_stores_every_record_with_identifiers(lender, lender_access, run_import):
    before = _debts(lender).count()
    imp = run_import(lender_access, csv_file([csv_line(i) for i in range(5)]))
    assert imp.status == DebtImport.Status.DONE, imp.error_report
    assert (imp.imported, imp.unchanged, imp.done_count) == (5, 0, 5)
    assert _debts(lender).count() == before + 5
    debt = _debts(lender).get(account_number="T-00003")
    assert debt.is_current and debt.version == 1 and str(debt.balance) == "1000.00"
    assert list(debt.identifiers.values_list("kind", flat=True)) == ["idnp"]
    assert not imp.file  # the upload is not kept
    assert AuditEvent.objects.filter(action="bureau.import_done", object_id=str(imp.uuid)).exists()


def test_reimport_adds_nothing_and_a_change_makes_a_version(lender, lender_access, run_import):
    lines = [csv_line(i) for i in range(4)]
    run_import(lender_access, csv_file(lines))
    count = _debts(lender).count()
    again = run_import(lender_access, csv_file(lines))
    assert (again.status, again.imported, again.unchanged) == ("done", 0, 4)
    assert _debts(lender).count() == count
    lines[2] = csv_line(2, balance="750.00")
    changed = run_import(lender_access, csv_file(lines))
    assert (changed.imported, changed.unchanged) == (1, 3)
    versions = list(_debts(lender).filter(account_number="T-00002").order_by("version")
                    .values_list("version", "is_current", "balance"))
    assert [(v, c, str(b)) for v, c, b in versions] == [(1, False, "1000.00"),
                                                       (2, True, "750.00")]


def test_deletion_is_a_version_and_leaves_no_current_row(lender, lender_access, run_import):
    run_import(lender_access, csv_file([csv_line(1)]))
    idnp = Debt.objects.get(account_number="T-00001").identifiers.get().value
    text = ("subject_kind,subject_id,subject_name,account_number,balance,currency,status,action\n"
            f"person,{idnp},Test Debtor 1,T-00001,0,MDL,,delete\n")
    deletion = run_import(lender_access, upload(text.encode(), "d.csv"))
    assert deletion.status == "done", deletion.error_report
    rows = _debts(lender).filter(account_number="T-00001").order_by("version")
    assert [(d.version, d.is_current, d.deleted) for d in rows] == [(1, False, False),
                                                                     (2, False, True)]
    again = run_import(lender_access, upload(text.encode(), "d.csv"))
    assert (again.imported, again.unchanged) == (0, 1)  # deleting it twice adds nothing


def test_one_bad_record_refuses_the_whole_file(lender, lender_access, run_import):
    before = _debts(lender).count()
    lines = [csv_line(i) for i in range(6)]
    lines[2] = csv_line(2, balance="12,5x")
    lines[4] = csv_line(4, idnp="2002000000009", opened_on="2024-02-30")
    imp = run_import(lender_access, csv_file(lines))
    assert imp.status == DebtImport.Status.REFUSED
    assert imp.imported == 0 and _debts(lender).count() == before
    found = {(e["record"], e["field"]) for e in imp.error_report}
    # Line 1 is the header: the third data line is line 4. "12,5x" splits into two values.
    assert (4, "line") in found
    assert {(6, "subject_id"), (6, "opened_on")} <= found


def test_failure_at_the_last_record_leaves_nothing(lender, lender_access, run_import,
                                                   monkeypatch):
    """A fault while storing the very last record (after the earlier batches were
    written) rolls back every record of the file."""
    monkeypatch.setattr(services, "BATCH", 10)
    before = _debts(lender).count(), DebtIdentifier.objects.count()
    real = services.store_rows
    calls = []

    def failing(imp, rows, state):
        calls.append(len(rows))
        real(imp, rows, state)
        if rows[-1].number == 26:  # the last data line: line 26 (25 records + header)
            raise RuntimeError("disk full")

    monkeypatch.setattr(services, "store_rows", failing)
    imp = run_import(lender_access, csv_file([csv_line(i) for i in range(25)]))
    assert calls == [10, 10, 5]  # two batches were stored before the last one failed
    assert imp.status == DebtImport.Status.REFUSED
    assert imp.error_report[0]["code"] == "internal"
    assert (_debts(lender).count(), DebtIdentifier.objects.count()) == before


def test_cancel_mid_way_leaves_nothing(lender, lender_access, run_import, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 5)
    before = _debts(lender).count()
    real = services.store_rows
    seen = []

    def cancel_after_first_batch(imp, rows, state):
        real(imp, rows, state)
        seen.append(len(rows))
        if len(seen) == 1:  # someone presses Cancel while the import runs
            cache.set(services._cancel_key(imp), True)

    monkeypatch.setattr(services, "store_rows", cancel_after_first_batch)
    imp = run_import(lender_access, csv_file([csv_line(i) for i in range(30)]))
    assert imp.status == DebtImport.Status.CANCELLED
    assert seen and seen[0] == 5
    assert _debts(lender).count() == before


def test_cancel_a_queued_import(lender, lender_access):
    imp = services.start_import(access=lender_access, upload=csv_file([csv_line(1)]),
                                fmt="csv", queue=False)
    services.cancel_import(access=lender_access, imp=imp)
    services.run_import(imp.pk)
    imp.refresh_from_db()
    assert imp.status == DebtImport.Status.CANCELLED and imp.imported == 0


def test_metro2_import_keeps_the_ssn_and_maps_status(lender, lender_access, run_import):
    accounts = [writer.sample_account(i) for i in range(3)]
    accounts[1].update(accountStatus="71", amountPastDue=120)
    accounts[2].update(accountStatus="13", paymentRating="0")
    imp = run_import(lender_access, upload(writer.write(accounts), "file.m2"), fmt="metro2",
                     currency="EUR")
    assert imp.status == "done", imp.error_report
    assert imp.imported == 3
    debt = _debts(lender).get(account_number="ACC000000001")
    assert (debt.status, debt.currency, str(debt.past_due)) == ("delinquent", "EUR", "120.00")
    assert debt.identifiers.get().kind == "ssn"
    assert debt.identifiers.get().value == "100000001"
    assert _debts(lender).get(account_number="ACC000000002").status == "paid"


@pytest.mark.parametrize("defect", writer.DEFECTS)
def test_broken_metro2_files_are_refused_naming_record_and_field(lender, lender_access,
                                                                 run_import, defect):
    data, record, field = writer.broken(defect)
    before = _debts(lender).count()
    imp = run_import(lender_access, upload(data, f"{defect}.dat"), fmt="metro2")
    assert imp.status == DebtImport.Status.REFUSED
    assert (imp.error_report[-1]["record"], imp.error_report[-1]["field"]) == (record, field)
    assert _debts(lender).count() == before


def test_corpus_bad_files_are_refused(lender, lender_access, run_import):
    from .test_metro2 import CORPUS
    for path in sorted((CORPUS / "bad").glob("*.dat")):
        try:
            imp = run_import(lender_access, upload(path.read_bytes(), path.name), fmt="metro2")
        except Refused as refusal:  # refused at the upload already (not a Metro 2 file)
            assert refusal.fields["file"]
            continue
        assert imp.status == DebtImport.Status.REFUSED, path.name
        err = imp.error_report[-1]
        assert err["record"] >= 1 and err["field"], err


@pytest.mark.parametrize("data,name,fmt,word", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "x.csv", "csv", "binary"),
    ("name;amount\nIon;5\n".encode("utf-16"), "x.csv", "csv", "UTF-8"),
    (b"subject_kind,balance\nperson,5\n", "x.dat", "metro2", "Metro 2"),
    (b"", "empty.csv", "csv", "empty"),
])
def test_bad_uploads_get_a_clear_error(lender_access, data, name, fmt, word):
    with pytest.raises(Refused) as exc:
        services.start_import(access=lender_access, upload=upload(data, name), fmt=fmt)
    assert word in " ".join(exc.value.fields["file"])
    assert not DebtImport.objects.filter(file_name=name).exists()


def test_too_large(lender_access, monkeypatch):
    monkeypatch.setattr(services, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(Refused) as exc:
        services.start_import(access=lender_access,
                              upload=csv_file([csv_line(i) for i in range(5)]), fmt="csv")
    assert "larger" in exc.value.fields["file"][0]


def test_csv_header_problems(lender, lender_access, run_import):
    imp = run_import(lender_access, upload(b"name,amount\nIon,5\n", "x.csv"))
    assert imp.status == "refused"
    assert imp.error_report[0]["field"] == "header"
    assert "subject_kind" in imp.error_report[0]["params"]["columns"]


def test_viewer_may_not_import(demo, lender):
    from apps.client_portal.core.tenancy import Access, Role
    viewer = Access(user=demo.users["lender_owner"], organization=lender, role=Role.VIEWER)
    with pytest.raises(Refused):
        services.start_import(access=viewer, upload=csv_file([csv_line(1)]), fmt="csv")


def test_add_one_debt_runs_the_same_checks(lender, lender_access):
    from .conftest import HEADER
    data = dict(zip(HEADER.split(","), csv_line(7, account="FORM-1").split(","), strict=True))
    imp = services.add_debt(access=lender_access, data=data)
    assert imp.status == "done" and imp.format == "form"
    assert _debts(lender).get(account_number="FORM-1").version == 1
    bad = services.add_debt(access=lender_access, data=dict(data, subject_id="123"))
    assert bad.status == "refused" and bad.error_report[0]["field"] == "subject_id"


def test_progress_is_reported(lender, lender_access, run_import, monkeypatch):
    seen = []
    imp = services.start_import(access=lender_access,
                                upload=csv_file([csv_line(i) for i in range(250)]), fmt="csv",
                                queue=False)
    monkeypatch.setattr(services._Progress, "step", _record_steps(seen))
    services.run_import(imp.pk)
    imp.refresh_from_db()
    assert imp.status == "done"
    assert seen[-1] == (250, 250)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    assert services.progress(imp)["percent"] == 100


def _record_steps(seen):
    original = services._Progress.step

    def step(self, done, force=False):
        seen.append((done, max(self.total, done)))
        return original(self, done, force=True)

    return step


def test_retention_removes_old_debts_with_an_audit_event(lender, lender_access, run_import):
    import datetime as dt

    from django.utils import timezone
    run_import(lender_access, csv_file([csv_line(i) for i in range(3)]))
    old = timezone.now() - dt.timedelta(days=5 * 366)
    Debt.objects.filter(organization=lender, account_number__in=["T-00000", "T-00001"]).update(
        updated_at=old)
    removed = services.sweep_expired_debts()
    assert removed >= 2
    assert not _debts(lender).filter(account_number__in=["T-00000", "T-00001"]).exists()
    assert _debts(lender).filter(account_number="T-00002").exists()
    event = AuditEvent.objects.filter(action="bureau.debts_expired", organization=lender).get()
    assert event.changes["accounts"] >= 2


def test_quota_refusal_rolls_the_import_back(lender, lender_access, run_import, monkeypatch):
    """Imported records count against the quota (bureau.reports.quota, when installed):
    a refusal there leaves nothing of the file."""
    import sys
    import types

    taken = []

    def take(organization, service, count):
        taken.append((organization.pk, service, count))
        raise Refused("Quota of imported records used up.", code="not_allowed")

    fake = types.ModuleType("apps.client_portal.bureau.reports.quota")
    fake.take = take
    monkeypatch.setitem(sys.modules, "apps.client_portal.bureau.reports.quota", fake)
    before = _debts(lender).count()
    imp = run_import(lender_access, csv_file([csv_line(i, account=f"Q-{i}") for i in range(4)]))
    assert taken == [(lender.pk, "records", 4)]
    assert imp.status == "refused" and imp.error_report[0]["code"] == "quota"
    assert _debts(lender).count() == before


def test_import_debts_command(lender, tmp_path, capsys):
    from django.core.management import call_command
    path = tmp_path / "cli.dat"
    writer.write_file(path, 120, start=5000)
    call_command("import_debts", str(path), "--org", lender.client_code, "--format", "metro2")
    out, err = capsys.readouterr()
    assert "Imported 120 records, 0 already present" in out
    assert "of 120 records" in err  # the progress line
    assert _debts(lender).filter(account_number="ACC000005119", is_current=True).exists()
    data, _record, _field = writer.broken("trailer_totals")
    bad = tmp_path / "bad.dat"
    bad.write_bytes(data)
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="Refused"):
        call_command("import_debts", str(bad), "--org", lender.client_code, "--format",
                     "metro2")
    assert "totalBaseRecords" in capsys.readouterr().out


def test_daily_command_marks_dead_imports_refused(lender, lender_access):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone
    imp = services.start_import(access=lender_access, upload=csv_file([csv_line(1)]),
                                fmt="csv", queue=False)
    DebtImport.objects.filter(pk=imp.pk).update(
        status="running", started_at=timezone.now() - dt.timedelta(hours=7))
    fresh = services.start_import(access=lender_access, upload=csv_file([csv_line(2)]),
                                  fmt="csv", queue=False)
    DebtImport.objects.filter(pk=fresh.pk).update(status="running", started_at=timezone.now())
    call_command("bureau_retention")
    imp.refresh_from_db()
    fresh.refresh_from_db()
    assert imp.status == "refused" and imp.error_report[0]["code"] == "internal"
    assert fresh.status == "running"


def test_a_refused_import_page_names_fields_and_values_as_people_read_them(
        demo, lender, lender_access, login, run_import):
    import re

    page = login(demo.users["lender_owner"], lender)
    for defect in ("bad_rdw", "bad_ecoa", "bad_date"):
        data, _record, _field = writer.broken(defect)
        imp = run_import(lender_access, upload(data, f"{defect}.dat"), fmt="metro2")
        assert imp.status == DebtImport.Status.REFUSED
        body = page.get(f"/bureau/imports/{imp.uuid}/progress/").content.decode()
        table = body[body.index('data-testid="import-errors"'):body.index("</table>")]
        cells = re.findall(r'data-label="Field">([^<]*)<', table)
        assert cells, defect
        for cell in cells:  # "block length", "J1 · ecoa code": no camelCase names
            assert not re.search(r"[a-z][A-Z]", cell), (defect, cell)
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", table), defect
        assert "<progress" not in body and "records checked" not in body  # not half filled
    from apps.client_portal.bureau import importer
    assert importer.printable("a\x01b") == "a0x01b"
    assert importer.field_label("blockDescriptorWord") == "block length"
    assert importer.field_label("J1.ecoaCode") == "J1 · ecoa code"
    assert importer.field_label("opened_on") == "opened"

    done = run_import(lender_access, csv_file([csv_line(900)]))
    body = page.get(f"/bureau/imports/{done.uuid}/progress/").content.decode()
    assert "1 record imported, 0 already present." in body


def test_an_imported_metro2_debt_reads_its_type_and_history_in_words(demo, lender, login):
    from apps.client_portal.bureau.metro2.codes import debt_type_label
    from apps.client_portal.bureau.resources import history_words

    assert debt_type_label("M48") == "debt in collection"
    assert debt_type_label("R99") == "revolving credit"
    assert debt_type_label("consumer loan") == "consumer loan"
    assert history_words("1000") == ("Latest month first: 30 days late (1 month), "
                                     "on time (3 months)")
    debt = Debt.objects.filter(organization=lender, is_current=True).first()
    Debt.objects.filter(pk=debt.pk).update(debt_type="M48", payment_history="100")
    page = login(demo.users["lender_owner"], lender)
    body = page.get(f"/p/debts/{debt.uuid}/").content.decode()
    assert "debt in collection" in body and "M48" not in body
    assert "30 days late (1 month), on time (2 months)" in body
    assert "M48" not in page.get("/p/debts/?page_size=100").content.decode()

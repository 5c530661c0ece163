"""PDF batches: chunks in background jobs, counters, failures, re-runs, cancel, the
command's progress line and the back office's progress page."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from apps.client_portal.billing import pdf_batch, services
from apps.client_portal.billing.models import FinancialDocument, PdfBatch
from apps.client_portal.core.management.commands.sync_roles import sync_roles
from apps.client_portal.core.models import AuditEvent

from .helpers import draft, organization, published, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """The ids ``attach_pdf`` was called with, in order; ``renders.fail`` ids raise."""
    real = services.attach_pdf
    calls = []

    def spy(doc, **kwargs):
        calls.append(doc.pk)
        if doc.pk in spy.fail:
            raise RuntimeError(f"no font for {doc.number}")
        result = real(doc, **kwargs)
        for hook in spy.after:
            hook(doc)
        return result

    spy.fail, spy.after, spy.calls = set(), [], calls
    monkeypatch.setattr(services, "attach_pdf", spy)
    return spy


def docs(count, org=None):
    org = org or organization()
    return [published(org) for _ in range(count)]


def actions(batch):
    return list(AuditEvent.objects.filter(object_type="billing.pdfbatch",
                                          object_id=str(batch.pk))
                .order_by("pk").values_list("action", flat=True))


def test_a_batch_renders_each_document_once_in_chunk_jobs(renders, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    batch_docs = docs(3)
    queued = []
    real_enqueue = pdf_batch.jobs.enqueue

    def enqueue(func, *args, queue="default", **kwargs):
        queued.append((func.__name__, args, queue))
        return real_enqueue(func, *args, queue=queue, **kwargs)

    monkeypatch.setattr(pdf_batch.jobs, "enqueue", enqueue)
    staff = user(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        batch = pdf_batch.start(FinancialDocument.objects.filter(
            pk__in=[d.pk for d in batch_docs]).order_by("pk"), by=staff, chunk_size=2)
    ids = [d.pk for d in batch_docs]
    # One job per chunk, on the default queue (the settings declare no "pdf" queue).
    assert queued == [("run_chunk", (batch.pk, 0, ids[:2]), "default"),
                      ("run_chunk", (batch.pk, 1, ids[2:]), "default")]
    assert sorted(renders.calls) == sorted(ids)
    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.done, batch.failed, batch.skipped) == (
        PdfBatch.Status.DONE, 3, 3, 0, 0)
    assert batch.chunks == 2 and batch.chunks_finished == [0, 1]
    assert batch.started_at and batch.finished_at and batch.created_by == staff
    assert batch.percent == 100 and batch.rate() > 0 and batch.seconds_left() is None
    for doc in batch_docs:
        doc.refresh_from_db()
        with doc.pdf.file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    assert actions(batch) == ["billing.pdf_batch.start", "billing.pdf_batch.run",
                              "billing.pdf_batch.finish"]
    assert AuditEvent.objects.get(object_type="billing.pdfbatch", object_id=str(batch.pk),
                                  action="billing.pdf_batch.start").actor == staff


def test_the_pdf_queue_is_used_where_the_settings_declare_it(settings):
    assert pdf_batch.queue_name() == "default"
    settings.RQ_QUEUES = {**settings.RQ_QUEUES, "pdf": {"URL": "redis://127.0.0.1:6379/0"}}
    assert pdf_batch.queue_name() == "pdf"


def test_one_failure_is_counted_and_listed_and_the_others_are_done(renders):
    batch_docs = docs(3)
    bad = batch_docs[1]
    renders.fail.add(bad.pk)
    batch = pdf_batch.start(batch_docs, by=None, now=True, chunk_size=2)
    assert (batch.status, batch.done, batch.failed) == (PdfBatch.Status.DONE, 2, 1)
    assert batch.errors == [{"id": bad.pk, "number": bad.number,
                             "message": f"no font for {bad.number}"}]
    assert [FinancialDocument.objects.get(pk=d.pk).pdf_id is not None for d in batch_docs] == [
        True, False, True]
    # Every document failing: the batch failed.
    renders.fail.add(batch_docs[1].pk)
    again = pdf_batch.start([bad], by=None, now=True)
    assert (again.status, again.done, again.failed) == (PdfBatch.Status.FAILED, 0, 1)


def test_a_chunk_run_again_renders_nothing_twice(renders):
    batch_docs = docs(2)
    ids = [d.pk for d in batch_docs]
    batch = pdf_batch.start(ids, by=None, now=True)
    assert renders.calls == ids
    # The same job delivered twice: a finished chunk does nothing.
    assert pdf_batch.run_chunk(batch.pk, 0, ids) == 0
    # A chunk a crashed worker left unfinished, run again: its documents have their PDFs.
    PdfBatch.objects.filter(pk=batch.pk).update(status=PdfBatch.Status.RUNNING,
                                                chunks_finished=[])
    assert pdf_batch.run_chunk(batch.pk, 0, ids) == 0
    assert renders.calls == ids
    batch.refresh_from_db()
    assert (batch.done, batch.failed, batch.status) == (2, 0, PdfBatch.Status.DONE)


def test_cancel_stops_further_documents(renders):
    batch_docs = docs(3)
    staff = user(is_staff=True)

    def cancel_after_first(doc):
        batch = PdfBatch.objects.latest("pk")
        assert pdf_batch.cancel(batch, by=staff)

    renders.after.append(cancel_after_first)
    batch = pdf_batch.start(batch_docs, by=staff, now=True, chunk_size=2)
    assert renders.calls == [batch_docs[0].pk]
    assert (batch.status, batch.done, batch.failed) == (PdfBatch.Status.CANCELLED, 1, 0)
    assert not FinancialDocument.objects.filter(pk__in=[d.pk for d in batch_docs[1:]],
                                                pdf__isnull=False).exists()
    assert "billing.pdf_batch.cancel" in actions(batch)
    assert "billing.pdf_batch.finish" not in actions(batch)
    assert not pdf_batch.cancel(batch, by=staff)  # finished: nothing to cancel


def test_a_publishing_batch_publishes_the_drafts_of_a_month(renders):
    org = organization()
    drafts = [draft(org) for _ in range(2)]
    out = io.StringIO()
    call_command("render_pdfs", "--publish", "2026-01", "--organization", org.client_code,
                 stdout=out)
    batch = PdfBatch.objects.latest("pk")
    assert (batch.kind, batch.total, batch.done, batch.period, batch.organization) == (
        PdfBatch.Kind.PUBLISH, 2, 2, "2026-01", org)
    for doc in drafts:
        doc.refresh_from_db()
        assert doc.status == FinancialDocument.Status.UNPAID and doc.pdf_id
    assert "2 of 2 rendered (100 %)" in out.getvalue()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_command_prints_progress_inline_plain_and_on_a_terminal(renders):
    org = organization()
    docs(2, org)
    plain = io.StringIO()
    call_command("render_pdfs", "--missing", "--organization", org.client_code, stdout=plain)
    batch = PdfBatch.objects.latest("pk")
    lines = plain.getvalue().splitlines()
    # The first document's line at once, then one every few seconds, and the last.
    assert len(lines) == 2
    assert lines[0].startswith(f"PDF batch {batch.pk}: 1 of 2 rendered (50 %), ")
    assert lines[0].endswith(" s left") and "/s, " in lines[0]
    assert lines[1].startswith(f"PDF batch {batch.pk}: 2 of 2 rendered (100 %), ")
    assert lines[1].endswith("/s, done")
    assert "\r" not in plain.getvalue()
    docs(2, org)
    tty = Terminal()
    call_command("render_pdfs", "--organization", org.client_code, stdout=tty)
    text = tty.getvalue()
    assert text.count("\r") >= 3 and "\033[K" in text and text.endswith("done\033[K\n")


def test_the_command_waits_for_jobs_in_workers(renders, settings, monkeypatch):
    org = organization()
    docs(3, org)
    settings.JOBS_INLINE = False
    ran = []

    def worker(func, *args, queue="default", **kwargs):  # a worker, at once
        ran.append(queue)
        func(*args, **kwargs)

    monkeypatch.setattr(pdf_batch.jobs, "enqueue", worker)
    out = io.StringIO()
    call_command("render_pdfs", "--organization", org.client_code, "--wait", stdout=out)
    text = out.getvalue()
    assert ran == ["default"]
    assert "started: 3 documents in 1 jobs on the queue 'default'" in text
    assert text.rstrip().endswith("done") and "3 of 3 rendered (100 %)" in text


@pytest.fixture
def clerk(demo, client):
    sync_roles()
    person = user(is_staff=True)
    person.groups.add(Group.objects.get(name="Billing clerk"))
    client.force_login(person)
    return client


def test_the_batch_page_shows_the_progress_and_cancels(clerk):
    batch = PdfBatch.objects.create(total=10, done=4, failed=1, chunks=1, status="running",
                                    errors=[{"id": 1, "number": "NW-X-1",
                                             "message": "Broken table"}])
    PdfBatch.objects.filter(pk=batch.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=10))
    url = f"/admin/billing/pdfbatch/{batch.pk}/change/"
    page = clerk.get(url).content.decode()
    assert '<progress value="5" max="10"' in page
    assert "5 / 10 (50 %)" in page and "4 rendered, 1 failed, of 10." in page
    assert "0.5 documents a second." in page and "About 10 s left." in page
    assert "NW-X-1" in page and "Broken table" in page
    assert 'http-equiv="refresh"' in page and 'data-testid="pdf-batch-cancel"' in page
    listing = clerk.get("/admin/billing/pdfbatch/").content.decode()
    assert '<progress value="5" max="10"' in listing
    assert clerk.get(f"/admin/billing/pdfbatch/{batch.pk}/cancel/").status_code == 405
    response = clerk.post(f"/admin/billing/pdfbatch/{batch.pk}/cancel/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == PdfBatch.Status.CANCELLED
    page = clerk.get(url).content.decode()
    assert 'http-equiv="refresh"' not in page and "pdf-batch-cancel" not in page


def test_only_staff_with_the_permission_see_batches(demo, client):
    batch = PdfBatch.objects.create(total=1, chunks=1)
    url = f"/admin/billing/pdfbatch/{batch.pk}/change/"
    client.force_login(demo.users["loans"])  # a Loan officer: no PDF batches
    assert client.get(url).status_code == 403
    assert client.post(f"/admin/billing/pdfbatch/{batch.pk}/cancel/").status_code == 403
    assert client.get("/admin/billing/financialdocument/render-missing-pdfs/").status_code == 403
    client.force_login(demo.users["owner"])  # a client: not staff at all
    assert client.get(url).status_code == 302
    batch.refresh_from_db()
    assert batch.status == PdfBatch.Status.QUEUED


def test_the_invoice_list_starts_batches(clerk, renders, django_capture_on_commit_callbacks):
    batch_docs = docs(2)
    listing = clerk.get("/admin/billing/financialdocument/").content.decode()
    assert 'value="render_selected_pdfs"' in listing
    assert "/admin/billing/financialdocument/render-missing-pdfs/" in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post("/admin/billing/financialdocument/", {
            "action": "render_selected_pdfs", "_selected_action": [d.pk for d in batch_docs]})
    batch = PdfBatch.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/billing/pdfbatch/{batch.pk}/change/"
    assert (batch.total, batch.done, batch.status) == (2, 2, PdfBatch.Status.DONE)
    confirm = clerk.get("/admin/billing/financialdocument/render-missing-pdfs/")
    missing = pdf_batch.missing_pdfs().count()
    assert confirm.status_code == 200 and missing
    assert f"{missing} published documents have no PDF" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = clerk.post("/admin/billing/financialdocument/render-missing-pdfs/")
    batch = PdfBatch.objects.latest("pk")
    assert response.status_code == 302 and batch.total == missing
    assert len(callbacks) == batch.chunks  # queued, one job per chunk; not run here

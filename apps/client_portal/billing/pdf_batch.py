"""Rendering many PDFs (month-end publishing, statement runs) in background jobs.

``start(documents, by=...)`` writes a ``PdfBatch``, splits the documents' ids into
chunks of ``CHUNK_SIZE`` and queues one job per chunk (``core.jobs.enqueue``:
RQ where Redis carries jobs, the database while Redis is down, inline where jobs
run inline) on the ``pdf`` queue where ``RQ_QUEUES`` declares one, on
``default`` otherwise. Each job (``run_chunk``) warms the PDF engine once, then,
document by document:

- stops when the batch was cancelled;
- locks the document and renders it only if it still has no PDF (publishing a
  draft first, for a publishing batch), so a chunk run twice (a job moved twice
  from the database queue, a job retried after a worker died) renders nothing
  twice, and a document rendered meanwhile elsewhere is left alone;
- counts it ``done`` (with an ``F()`` update, in the render's own transaction,
  so the count and the PDF go together) or, when the render fails, ``failed``,
  keeping the first ``PdfBatch.ERRORS_KEPT`` errors, and goes on with the next.

A chunk that finished is noted on the batch and not run again; the job that
finishes the last chunk finishes the batch: ``done`` (``failed`` when every
document failed), with ``skipped`` the documents that had a PDF by then. Every
change of state is audited (``billing.pdf_batch.*``).

A failure counted in a chunk that a crashed worker left half done is counted
again if that chunk is run again and the document fails again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.client_portal.core import audit, jobs

from .models import FinancialDocument, PdfBatch

log = logging.getLogger(__name__)

CHUNK_SIZE = 50
ERROR_LENGTH = 300

Doc = FinancialDocument


def queue_name() -> str:
    """The RQ queue of PDF jobs: ``pdf`` where the settings declare it, else ``default``."""
    return "pdf" if "pdf" in getattr(settings, "RQ_QUEUES", {}) else "default"


def missing_pdfs(organization=None):
    """Published documents without a PDF (all organizations, or one), oldest first."""
    docs = Doc.objects.published().filter(pdf__isnull=True)
    if organization is not None:
        docs = docs.filter(organization=organization)
    return docs.order_by("organization_id", "issue_date", "pk")


def drafts_of(start, end, organization=None):
    """The drafts issued from ``start`` to ``end`` (all organizations, or one)."""
    docs = Doc.objects.filter(status=Doc.Status.DRAFT, issue_date__range=(start, end))
    if organization is not None:
        docs = docs.filter(organization=organization)
    return docs.order_by("organization_id", "issue_date", "pk")


def _ids(documents) -> list[int]:
    if hasattr(documents, "values_list"):
        return list(documents.values_list("pk", flat=True))
    return [getattr(d, "pk", d) for d in documents]


def start(documents: Iterable, *, by, publish: bool = False, organization=None,
          period: str = "", chunk_size: int = CHUNK_SIZE, now: bool = False,
          progress: Callable[[PdfBatch], None] | None = None) -> PdfBatch:
    """A batch rendering ``documents`` (a queryset, documents or ids), its jobs queued.

    ``publish`` publishes the drafts among them first. ``now`` runs the chunks
    here, one after another, calling ``progress(batch)`` after each document:
    for a caller that is itself a background job, or a command that waits.
    """
    ids = list(dict.fromkeys(_ids(documents)))
    chunks = [ids[i:i + chunk_size] for i in range(0, len(ids), chunk_size)]
    queue = queue_name()
    with transaction.atomic():
        batch = PdfBatch.objects.create(
            kind=PdfBatch.Kind.PUBLISH if publish else PdfBatch.Kind.RENDER,
            organization=organization, period=period, total=len(ids), chunks=len(chunks),
            queue=queue, created_by=by if getattr(by, "pk", None) else None)
        audit.record("billing.pdf_batch.start", obj=batch, actor=by, changes={
            "kind": batch.kind, "total": batch.total, "chunks": batch.chunks, "queue": queue,
            "organization": str(organization) if organization else "", "period": period})
        if not chunks:
            _finish(batch.pk)
        elif not now:
            for index, chunk in enumerate(chunks):
                jobs.enqueue(run_chunk, batch.pk, index, chunk, queue=queue)
    if now:
        for index, chunk in enumerate(chunks):
            run_chunk(batch.pk, index, chunk, progress=progress)
    batch.refresh_from_db()
    return batch


def cancel(batch: PdfBatch, *, by=None) -> bool:
    """Stop ``batch``: its jobs render no further document. False if it had finished."""
    changed = PdfBatch.objects.filter(pk=batch.pk, status__in=PdfBatch.ACTIVE_STATUSES).update(
        status=PdfBatch.Status.CANCELLED, finished_at=timezone.now())
    batch.refresh_from_db()
    if changed:
        audit.record("billing.pdf_batch.cancel", obj=batch, actor=by, changes={
            "status": batch.status, "done": batch.done, "failed": batch.failed,
            "total": batch.total})
    return bool(changed)


def _cancelled(batch_id: int) -> bool:
    return PdfBatch.objects.filter(pk=batch_id, status=PdfBatch.Status.CANCELLED).exists()


def run_chunk(batch_id: int, index: int, ids: list[int], *,
              progress: Callable[[PdfBatch], None] | None = None) -> int:
    """The job of one chunk: render what its documents still lack; how many it rendered."""
    batch = PdfBatch.objects.filter(pk=batch_id).first()
    if batch is None or not batch.is_active or index in batch.chunks_finished:
        return 0
    if PdfBatch.objects.filter(pk=batch_id, status=PdfBatch.Status.QUEUED).update(
            status=PdfBatch.Status.RUNNING, started_at=timezone.now()):
        batch.refresh_from_db()
        audit.record("billing.pdf_batch.run", obj=batch,
                     changes={"status": batch.status, "total": batch.total})
    _warm_up()
    rendered = 0
    for doc_id in ids:
        if _cancelled(batch_id):
            break
        rendered += _render_one(batch, doc_id)
        if progress is not None:
            batch.refresh_from_db()
            progress(batch)
    _chunk_finished(batch_id, index)
    return rendered


def _warm_up():
    from apps.client_portal.documents.pdf import warm_up

    try:
        warm_up()
    except Exception:  # noqa: BLE001 - each document's render reports its own failure
        log.exception("PDF engine warm-up failed")


def _render_one(batch: PdfBatch, doc_id: int) -> int:
    """Render one document if it still needs it (1), else leave it (0); count a failure."""
    from . import services

    counted = PdfBatch.objects.filter(pk=batch.pk)
    number = ""
    try:
        with transaction.atomic():
            doc = (Doc.objects.select_for_update().select_related("organization")
                   .filter(pk=doc_id).first())
            if doc is None or doc.pdf_id is not None:
                return 0
            number = doc.number
            if doc.status == Doc.Status.DRAFT:
                if batch.kind != PdfBatch.Kind.PUBLISH:
                    return 0  # a draft's PDF is made when it is published
                services.publish_document(doc, by=batch.created_by)
                doc.refresh_from_db()
            if doc.pdf_id is None:
                services.attach_pdf(doc, by=batch.created_by)
            counted.update(done=F("done") + 1)
        return 1
    except Exception as exc:  # noqa: BLE001 - one document's failure does not stop the chunk
        log.exception("PDF batch %s: document %s failed", batch.pk, doc_id)
        message = (str(exc) or type(exc).__name__)[:ERROR_LENGTH]
        with transaction.atomic():
            counted.update(failed=F("failed") + 1)
            locked = PdfBatch.objects.select_for_update().get(pk=batch.pk)
            if len(locked.errors) < PdfBatch.ERRORS_KEPT:
                locked.errors = [*locked.errors, {"id": doc_id, "number": number,
                                                  "message": message}]
                locked.save(update_fields=["errors"])
        return 0


def _chunk_finished(batch_id: int, index: int):
    with transaction.atomic():
        batch = PdfBatch.objects.select_for_update().get(pk=batch_id)
        if index not in batch.chunks_finished:
            batch.chunks_finished = sorted([*batch.chunks_finished, index])
            batch.save(update_fields=["chunks_finished"])
        last = len(batch.chunks_finished) >= batch.chunks
    if last:
        _finish(batch_id)


def _finish(batch_id: int):
    """The last chunk ends the batch (unless it was cancelled); audited once."""
    batch = PdfBatch.objects.get(pk=batch_id)
    failed_all = batch.failed and not batch.done
    status = PdfBatch.Status.FAILED if failed_all else PdfBatch.Status.DONE
    now = timezone.now()
    changed = PdfBatch.objects.filter(pk=batch_id, status__in=PdfBatch.ACTIVE_STATUSES).update(
        status=status, finished_at=now, started_at=batch.started_at or now,
        skipped=max(batch.total - batch.done - batch.failed, 0))
    if changed:
        batch.refresh_from_db()
        audit.record("billing.pdf_batch.finish", obj=batch, changes={
            "status": batch.status, "done": batch.done, "failed": batch.failed,
            "skipped": batch.skipped, "total": batch.total})

"""Jobs that waited in the database while Redis was unreachable (``core.jobs``).

``enqueue`` writes a ``QueuedJob`` when it cannot hand the job to RQ; ``drain``
moves the waiting rows into RQ, oldest first, once Redis answers again. It runs
from the process that queued them (on its next successful enqueue), and from
``manage.py run_queued_jobs`` (cron every minute, or ``--loop`` beside the RQ
workers), so a job outlives the web process that queued it.

Delivery is at least once: a row is deleted in the same transaction that moved
it, so a crash between RQ's answer and the commit moves it again.
"""

from __future__ import annotations

import json
import logging
from typing import NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

# A job that fails this often (run inline, or refused by RQ for a reason other
# than Redis being unreachable) is left for a person to look at.
MAX_INLINE_ATTEMPTS = 5


class QueuedJob(models.Model):
    """A background job waiting for Redis: what to call, with what, since when."""

    queue = models.CharField(_("queue"), max_length=100, default="default")
    func_path = models.CharField(_("function"), max_length=255)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        app_label = "core"
        ordering = ["id"]
        verbose_name = _("queued job")
        verbose_name_plural = _("queued jobs")

    def __str__(self):
        return f"{self.func_path} ({self.queue}, {self.created_at:%Y-%m-%d %H:%M:%S})"


def func_path(func) -> str | None:
    """The dotted path a worker imports ``func`` by, or None if it has none."""
    if isinstance(func, str):
        return func
    path = f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', '')}"
    try:
        return path if import_string(path) is func else None
    except ImportError:
        return None


def _json_exact(value) -> bool:
    try:
        return json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        return False


def storable(func, args, kwargs) -> bool:
    return (func_path(func) is not None and _json_exact(list(args))
            and _json_exact(dict(kwargs)))


def store(func, args, kwargs, queue: str) -> QueuedJob:
    return QueuedJob.objects.create(queue=queue, func_path=func_path(func), args=list(args),
                                    kwargs=dict(kwargs))


def waiting() -> int:
    """Jobs a drain would move (not those given up on after MAX_INLINE_ATTEMPTS)."""
    return QueuedJob.objects.filter(attempts__lt=MAX_INLINE_ATTEMPTS).count()


def _push(row: QueuedJob, rq_queue) -> None:
    if settings.JOBS_INLINE:
        import_string(row.func_path)(*row.args, **row.kwargs)
    else:
        rq_queue(row.queue).enqueue(row.func_path, *row.args, **row.kwargs)


class Drained(NamedTuple):
    moved: int
    left: int
    error: BaseException | None  # the Redis error that stopped the drain


def drain(*, limit: int | None = None, batch: int = 100) -> Drained:
    """Move waiting jobs into RQ (or run them, where jobs run inline), oldest first.

    Stops at the first Redis error (the rest wait for the next run) and says which.
    """
    import redis

    from .jobs import rq_queue

    moved = 0
    stopped = None
    skip_locked = connection.features.has_select_for_update_skip_locked
    while stopped is None and (limit is None or moved < limit):
        size = batch if limit is None else min(batch, limit - moved)
        with transaction.atomic():
            rows = QueuedJob.objects.filter(attempts__lt=MAX_INLINE_ATTEMPTS).order_by("id")
            if skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            rows = list(rows[:size])
            if not rows:
                break
            done = []
            for row in rows:
                try:
                    _push(row, rq_queue)
                except (redis.exceptions.RedisError, OSError) as exc:
                    _failed(row, exc, count=False)  # Redis's fault, not the job's
                    log.warning("Queued jobs: Redis refused %s (%s); %d moved, the rest wait",
                                row, exc, moved + len(done))
                    stopped = exc
                    break
                except Exception as exc:  # noqa: BLE001 - an inline job's own failure
                    _failed(row, exc)
                    log.exception("Queued job %s failed when run inline", row)
                    continue
                done.append(row.pk)
            QueuedJob.objects.filter(pk__in=done).delete()
            moved += len(done)
        if len(rows) < size:
            break
    left = waiting()
    if moved:
        log.warning("Queued jobs: moved %d from the database to the queue, %d left", moved, left)
    return Drained(moved, left, stopped)


def _failed(row: QueuedJob, exc: BaseException, *, count: bool = True) -> None:
    if count:
        row.attempts += 1
    row.last_attempt_at = timezone.now()
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    row.save(update_fields=["attempts", "last_attempt_at", "last_error"])

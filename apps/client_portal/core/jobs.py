"""Background jobs: on Redis through django-rq, inline when Redis is not configured.

When Redis is configured but unreachable, a job waits in the database
(``queued_jobs.QueuedJob``) and is moved into RQ once Redis answers again: by
the process that queued it, on its next successful enqueue, and by
``manage.py run_queued_jobs``. It is not run in the request: mail, SMS, PDFs
and webhook calls take seconds, would hold one of the few web workers, and
would be lost if the process died; in the database the job survives the
process. Jobs keep their order: the waiting ones are moved oldest first, and a
process moves its own before it enqueues the next one.
"""

import logging
import threading

from django.conf import settings
from django.db import transaction

from . import queued_jobs, resilience

log = logging.getLogger(__name__)

# How long an enqueue may wait for Redis; redis-py's defaults are 5 s each.
ENQUEUE_CONNECT_TIMEOUT = 0.25
ENQUEUE_SOCKET_TIMEOUT = 2.0
# Jobs moved from the database by a web process after a successful enqueue.
DRAIN_IN_REQUEST = 200

_connections: dict = {}
_connections_lock = threading.Lock()
# This process put jobs in the database: move them once Redis answers.
_backlog = threading.Event()


def rq_queue(name: str = "default"):
    """The django-rq queue ``name``, on a connection with short time-outs, kept per process."""
    import django_rq
    from django_rq.connection_utils import filter_connection_params

    config = settings.RQ_QUEUES[name]
    key = repr(sorted(filter_connection_params(config).items()))
    connection = _connections.get(key)
    if connection is None:
        with _connections_lock:
            connection = _connections.get(key)
            if connection is None:
                connection = django_rq.get_connection(name)
                # Used only to enqueue (workers open their own): short time-outs,
                # unless the URL or RQ_QUEUES gives others.
                kwargs = connection.connection_pool.connection_kwargs
                kwargs.setdefault("socket_connect_timeout", ENQUEUE_CONNECT_TIMEOUT)
                kwargs.setdefault("socket_timeout", ENQUEUE_SOCKET_TIMEOUT)
                _connections[key] = connection
    # "auto": enqueue now. django-rq's default would defer it to the commit of a
    # surrounding transaction, out of reach of the fallback (enqueue already waits
    # for the commit; the drain runs inside a transaction of its own).
    return django_rq.get_queue(name, connection=connection, commit_mode="auto")


def enqueue(func, *args, queue: str = "default", **kwargs):
    """Run ``func`` after the current transaction commits, in a worker or inline."""

    def _go():
        if settings.JOBS_INLINE:
            return func(*args, **kwargs)
        return _to_redis_or_database(func, args, kwargs, queue)

    transaction.on_commit(_go)


def _to_redis_or_database(func, args, kwargs, queue):
    rq = rq_queue(queue)
    breaker = resilience.breaker_for(
        resilience.endpoint_of(rq.connection.connection_pool.connection_kwargs))
    if not breaker.allow():  # known to be down: no time-out to wait for
        return _wait_in_database(func, args, kwargs, queue)
    try:
        # Jobs that waited go first, so that jobs keep their order.
        still_waiting = _drain_backlog() if _backlog.is_set() else 0
        job = None if still_waiting else rq.enqueue(func, *args, **kwargs)
    except resilience.REDIS_ERRORS as exc:
        breaker.failed(exc, "enqueue", trip=isinstance(exc, resilience.UNREACHABLE))
        return _wait_in_database(func, args, kwargs, queue)
    breaker.succeeded()
    if still_waiting:  # more than one request moves: this job goes behind them
        return _wait_in_database(func, args, kwargs, queue)
    return job


def _wait_in_database(func, args, kwargs, queue):
    if queued_jobs.storable(func, args, kwargs):
        row = queued_jobs.store(func, args, kwargs, queue)
        _backlog.set()
        return row
    # Nothing a worker could import or JSON could carry: the last resort is now.
    log.error("Redis is unreachable and job %r cannot wait in the database; running it "
              "inline", func)
    try:
        return func(*args, **kwargs)
    except Exception:
        log.exception("Job %r failed inline", func)
        return None


def _drain_backlog() -> int:
    """Move the jobs that waited; how many still wait. Raises the Redis error that
    stopped it."""
    _backlog.clear()
    try:
        result = queued_jobs.drain(limit=DRAIN_IN_REQUEST)
    except Exception:  # noqa: BLE001 - a database error: the request must not fail for it
        log.exception("Moving queued jobs to Redis failed; run manage.py run_queued_jobs")
        _backlog.set()
        return 0
    if result.left:
        _backlog.set()
    if result.error is not None:
        raise result.error
    return result.left

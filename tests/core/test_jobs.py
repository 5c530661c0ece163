"""Background jobs: inline without Redis, through a real Redis queue with it."""

import uuid

import pytest
import redis
from django.db import transaction

from apps.client_portal.core import jobs

REDIS_URL = "redis://127.0.0.1:6379/7"


def _redis_or_skip():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("!!! Redis is not reachable on 127.0.0.1:6379: the Redis queue test is SKIPPED")


@pytest.mark.django_db(transaction=True)
def test_inline_job_runs_after_commit(settings):
    settings.JOBS_INLINE = True
    results = []
    with transaction.atomic():
        jobs.enqueue(results.append, "done")
        assert results == []  # not before the transaction commits
    assert results == ["done"]


@pytest.mark.django_db(transaction=True)
def test_job_goes_through_a_real_redis_queue(settings):
    _redis_or_skip()
    import django_rq
    from rq import SimpleWorker

    from .jobs_fixtures import remember

    queue_name = f"test-{uuid.uuid4().hex[:8]}"
    settings.JOBS_INLINE = False
    settings.RQ_QUEUES = {queue_name: {"URL": REDIS_URL}, "default": {"URL": REDIS_URL}}
    key = f"job-{uuid.uuid4().hex}"
    with transaction.atomic():
        jobs.enqueue(remember, key, "from-the-worker", queue=queue_name)
    queue = django_rq.get_queue(queue_name)
    assert queue.count == 1
    worker = SimpleWorker([queue], connection=queue.connection)
    assert worker.work(burst=True)
    assert queue.count == 0
    finished = queue.finished_job_registry.get_job_ids()
    assert len(finished) == 1
    assert queue.fetch_job(finished[0]).return_value() == "from-the-worker"
    queue.delete(delete_jobs=True)

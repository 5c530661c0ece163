"""Background jobs: on Redis through django-rq, inline when Redis is not configured."""

import logging

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)


def enqueue(func, *args, queue: str = "default", **kwargs):
    """Run ``func`` after the current transaction commits, in a worker or inline."""

    def _go():
        if settings.JOBS_INLINE:
            return func(*args, **kwargs)
        import django_rq

        return django_rq.get_queue(queue).enqueue(func, *args, **kwargs)

    transaction.on_commit(_go)

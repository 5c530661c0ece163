"""Functions run as background jobs by tests/core/test_jobs.py (importable by a worker)."""

from django.core.cache import cache


def remember(key, value):
    cache.set(key, value, 60)
    return value

import pytest


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    """Rate limits and throttles live in the cache; each test starts with none."""
    from django.core.cache import cache

    from apps.client_portal.accounts import sms

    settings.SMS_BACKEND = "apps.client_portal.accounts.sms.backends.LocmemBackend"
    cache.clear()
    sms.outbox.clear()
    yield
    cache.clear()
    sms.outbox.clear()

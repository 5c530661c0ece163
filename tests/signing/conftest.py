import pytest


@pytest.fixture(autouse=True)
def _fresh_verification_rate():
    """Each test starts with the public check's rate count at zero for the test client."""
    from django.core.cache import cache

    cache.delete("cp:signing:verify:127.0.0.1")
    yield

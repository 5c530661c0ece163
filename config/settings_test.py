"""Settings of the test suite: the production settings, with what tests need instead.

pytest selects this module (pyproject.toml); everything else is read exactly as
a site reads it (``config/settings.py``, the environment, the demo site's config).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-key-not-secret")

from config.settings import *  # noqa: E402,F403
from config.settings import STORAGES  # noqa: E402

# A fast hasher: a sign-in in a test costs microseconds instead of PBKDF2's 0.6 s.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Text messages are kept in memory, where tests read them.
SMS_BACKEND = "apps.client_portal.accounts.sms.backends.LocmemBackend"
# Tests that check the idle timeout turn it on themselves.
SESSION_IDLE_TIMEOUT = 0
# Static files straight from the apps, without a collectstatic run.
STORAGES = {**STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
# The signing module's local CA, certificates and timestamp authority: made once per test
# process in a folder of its own (the two legs of `make test` run side by side).
import tempfile  # noqa: E402

SIGNING_DIR = tempfile.mkdtemp(prefix="cp-test-signing-")
# The demo seeded once per test database writes its files here; each test then writes
# under a MEDIA_ROOT of its own and reads the seed's files from here (tests/seeded_storage.py).
SEEDED_MEDIA_ROOT = tempfile.mkdtemp(prefix="cp-test-seeded-files-")
STORAGES = {**STORAGES, "default": {"BACKEND": "tests.seeded_storage.SeededFallbackStorage"}}

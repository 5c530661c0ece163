import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    settings.SECURE_SSL_REDIRECT = False
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JOBS_INLINE = True


@pytest.fixture
def demo(db):
    """The demo data set, small: four organizations, their people, staff, records.

    ``demo.users[key]`` and ``demo.organizations[key]`` reach them; the keys are
    those of ``apps/client_portal/core/demo.py`` (owner, manager, member, viewer
    of "northwind"; "ana"; "contoso_owner"; "multi" in two organizations; staff).
    """
    from apps.client_portal.core.management.commands.seed_demo import seed_all

    return seed_all(rows=4)


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as ``user`` and returns the client."""

    def _login(user, organization=None):
        client.force_login(user)
        if organization is not None:
            session = client.session
            from apps.client_portal.core.middleware import SESSION_KEY

            session[SESSION_KEY] = str(organization.uuid)
            session.save()
        return client

    return _login

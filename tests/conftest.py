"""Shared fixtures.

The demo data set (four organizations, their people, staff and records) is
built once per test database, when pytest-django creates it, and every test
runs inside a transaction that is rolled back: a test sees the demo exactly as
it was seeded, whatever earlier tests did. Tests that need committed data (a
live server, row-lock races) use ``transactional_db``; Django empties the
tables after each of them, and ``demo_data()`` seeds again when it finds the
demo gone.
"""

import os

import pytest
from django.utils import translation

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_ROWS = 4
# Which demo person and organization each key names: {"users": {key: email}, ...}.
_SEEDED: dict = {}


def _seed():
    from django.conf import settings
    from django.test import override_settings

    from apps.client_portal.core.management.commands.seed_demo import seed_all

    with override_settings(MEDIA_ROOT=settings.SEEDED_MEDIA_ROOT):
        ctx = seed_all(rows=DEMO_ROWS)
    _SEEDED["users"] = {key: user.email for key, user in ctx.users.items()}
    _SEEDED["organizations"] = {key: org.client_code for key, org in ctx.organizations.items()}
    return ctx


def demo_data():
    """The demo context (``.users[key]``, ``.organizations[key]``) read afresh.

    Fresh model instances for each test, so that a change one test makes to an
    instance never reaches the next; seeds the demo where it is missing.
    """
    from django.contrib.auth import get_user_model

    from apps.client_portal.core.demo import DemoContext
    from apps.client_portal.core.models import Organization

    if _SEEDED:
        users = {u.email: u for u in get_user_model().objects.filter(
            email__in=_SEEDED["users"].values())}
        orgs = {o.client_code: o for o in Organization.objects.filter(
            client_code__in=_SEEDED["organizations"].values())}
        if len(users) == len(_SEEDED["users"]) and len(orgs) == len(_SEEDED["organizations"]):
            ctx = DemoContext(rows=DEMO_ROWS)
            ctx.users = {key: users[email] for key, email in _SEEDED["users"].items()}
            ctx.organizations = {key: orgs[code]
                                 for key, code in _SEEDED["organizations"].items()}
            return ctx
    return _seed()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the demo seeded once for the whole run."""
    with django_db_blocker.unblock():
        _seed()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    settings.SECURE_SSL_REDIRECT = False
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JOBS_INLINE = True
    yield
    # A request activates its reader's language in the thread and leaves it there;
    # the next test starts from the site's default.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def demo(db):
    """The demo data set, small: four organizations, their people, staff, records.

    ``demo.users[key]`` and ``demo.organizations[key]`` reach them; the keys are
    those of ``apps/client_portal/core/demo.py`` (owner, manager, member, viewer
    of "northwind"; "ana"; "contoso_owner"; "multi" in two organizations; staff).
    """
    return demo_data()


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

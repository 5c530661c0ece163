"""Fixtures of the fault tests: a MariaDB server of their own and a site served by gunicorn.

Nothing here uses the machine's shared MariaDB or the test database of the
rest of the suite: the server is started from a temporary data directory on a
free port (``mariadb_server.OwnMariaDB``), and the site is a throwaway one
(``bench/_common.py``'s ``ThrowawaySite``: its own folder, secret key, media),
driven through subprocesses exactly as it is deployed (manage.py, gunicorn).

Where MariaDB's server is not installed the tests skip, and say so in a banner
at the end of the run as well as in the skip reason ("FAULT TESTS SKIPPED: ...").
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from .mariadb_server import SKIP_PREFIX, MariaDBUnavailable, OwnMariaDB

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is a folder of scripts, not an installed package
    sys.path.insert(0, str(ROOT))

from bench._common import Gunicorn, ThrowawaySite  # noqa: E402

MARKER = "faults: starts and stops services of its own (a MariaDB) to test failures"
DATABASE = "cp_faults"
# The fake gateway serves only a site named "test..." (or "demo", or with DEBUG).
SITE_NAME = "test-faults"
WORKERS = 2

_skipped: list[str] = []


def pytest_configure(config):
    # Also in pyproject.toml's markers; here too, so --strict-markers accepts it either way.
    config.addinivalue_line("markers", MARKER)


def pytest_terminal_summary(terminalreporter):
    if not _skipped:
        return
    line = "!" * 78
    terminalreporter.write_line(line, red=True, bold=True)
    for reason in sorted(set(_skipped)):
        terminalreporter.write_line(f"!! {reason}", red=True, bold=True)
    terminalreporter.write_line(line, red=True, bold=True)


def skip_loudly(reason: str):
    message = f"{SKIP_PREFIX} {reason}"
    _skipped.append(message)
    print(f"\n{'!' * 78}\n!! {message}\n{'!' * 78}", file=sys.stderr)
    pytest.skip(message)


class FaultSite:
    """The MariaDB server, the site on it, and gunicorn serving the site."""

    def __init__(self, db: OwnMariaDB, site: ThrowawaySite, server: Gunicorn):
        self.db, self.site, self.server = db, site, server
        self.timings: dict[str, float] = {}

    @property
    def url(self) -> str:
        return self.server.base_url

    def sql(self, statement: str, params=None) -> list[tuple]:
        """Rows of ``statement`` in the site's database, as committed."""
        return self.db.query(statement, params, database=DATABASE)

    def sql_value(self, statement: str, params=None):
        rows = self.sql(statement, params)
        return rows[0][0] if rows else None

    def dirty_count(self, statement: str, params=None) -> int:
        """A count that also sees rows of transactions not yet committed."""
        connection = self.db.connect(DATABASE)
        try:
            cursor = connection.cursor()
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")
            cursor.execute(statement, params)
            return int(cursor.fetchone()[0])
        finally:
            connection.close()

    def app_connections(self) -> list[tuple]:
        """(id, host:port) of the connections the site's processes hold to its database."""
        rows = self.db.query("SELECT ID, HOST, DB FROM information_schema.PROCESSLIST "
                             "WHERE DB = %s", (DATABASE,))
        return sorted((row[0], row[1]) for row in rows)


@pytest.fixture(scope="module")
def own_mariadb():
    try:
        db = OwnMariaDB()
    except MariaDBUnavailable as exc:
        skip_loudly(str(exc))
    try:
        db.install()
        db.start()
        db.load_time_zones()
    except MariaDBUnavailable as exc:
        db.remove()
        skip_loudly(f"could not start a MariaDB server of their own: {exc}")
    try:
        yield db
    finally:
        db.remove()


@pytest.fixture(scope="module")
def fault_site(own_mariadb):
    began = time.monotonic()
    url = own_mariadb.create_database(DATABASE)
    site = ThrowawaySite(
        SITE_NAME, database_url=url,
        # The test settings: plain static files (no collectstatic), DEBUG still off.
        DJANGO_SETTINGS_MODULE="config.settings_test",
        FAKE_GATEWAY_ENABLED="1",
        # As deployed: connections kept for a minute, health-checked before reuse.
        DB_CONN_MAX_AGE="60",
    )
    server = None
    try:
        site.manage("migrate", "--noinput", "-v0")
        site.manage("seed_demo", "--rows", "4", "--logins", str(site.tmp / "logins.json"))
        server = Gunicorn(site, workers=WORKERS, threads=1)
        site.env["PORTAL_BASE_URL"] = server.base_url
        server.start()
        fault = FaultSite(own_mariadb, site, server)
        fault.timings["setup_s"] = round(time.monotonic() - began, 1)
        yield fault
    finally:
        if server is not None:
            server.stop()
        site.remove()


@pytest.fixture
def database_up(fault_site):
    """The site's database is running when a test starts, whatever the last one did."""
    if not fault_site.db.running:
        fault_site.db.start()
    return fault_site

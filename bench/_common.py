"""Helpers shared by the benchmarks: a throwaway site, gunicorn, wrk, the verdict line.

Nothing here touches the project's own sites: every server-side benchmark
builds a site of its own in a temporary folder (its own SQLite file, or a
throwaway database on the local MariaDB server, static files and secret key)
and removes it afterwards.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable


def cpu_count() -> int:
    return os.cpu_count() or 1


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def verdict_line(name: str, ratio: float, target: float, *, higher_is_better: bool = True) -> str:
    """``<name>: ratio=<x.xx> target=<y.yy> met|short``, as every bench ends."""
    ratio = round(ratio, 2)
    met = ratio >= target if higher_is_better else ratio <= target
    return f"{name}: ratio={ratio:.2f} target={target:.2f} {'met' if met else 'short'}"


def fail(name: str, message: str) -> int:
    """Say loudly why a bench could not measure; the caller returns the exit code."""
    print("!" * 72, file=sys.stderr)
    for line in message.splitlines():
        print(f"!! {name}: {line}", file=sys.stderr)
    print("!" * 72, file=sys.stderr)
    return 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchError(RuntimeError):
    """A step of a benchmark failed; the message says which and why."""


class ThrowawaySite:
    """A site of its own in a temporary folder: database, static files, secret key.

    The database is a SQLite file in the folder unless ``database_url`` names
    another one (a ``MariaDBDatabase``'s, which the caller creates and drops).
    Use as a context manager; ``env`` is the environment every command of the
    site runs with (manage.py, Django scripts, gunicorn).
    """

    def __init__(self, name: str = "bench", *, database_url: str | None = None,
                 **extra_env: str):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"cp-{name}-"))
        self.site_dir = self.tmp / name
        self.site_dir.mkdir()
        self.db_path = self.tmp / "db.sqlite3"
        self.database = (f"SQLite in {self.tmp}" if database_url is None
                         else f"MariaDB database {database_url.rsplit('/', 1)[-1]}")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "CLIENT_PORTAL_SITES_DIR": str(self.tmp),
                "CLIENT_PORTAL_SITE": name,
                "DATABASE_URL": database_url or f"sqlite:///{self.db_path}",
                "DEBUG": "0",
                "HTTPS": "0",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1",
                "STATIC_ROOT": str(self.tmp / "static"),
                "MEDIA_ROOT": str(self.tmp / "files"),
                "REDIS_URL": "",
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        env.update(extra_env)
        self.env = env

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    def remove(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run(self, args: list[str], *, timeout: float = 600, what: str = "") -> str:
        """Run a command with the site's environment; raise ``BenchError`` on failure."""
        done = subprocess.run(
            args, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
            raise BenchError(f"{what or ' '.join(args[:4])} failed:\n" + "\n".join(tail))
        return done.stdout

    def manage(self, *args: str, timeout: float = 600) -> str:
        return self.run([PYTHON, "manage.py", *args], timeout=timeout,
                        what=f"manage.py {' '.join(args)}")

    def django(self, code: str, *, timeout: float = 600) -> str:
        """Run ``code`` after ``django.setup()`` in the site's environment; its stdout."""
        script = "import django\ndjango.setup()\n" + code
        return self.run([PYTHON, "-c", script], timeout=timeout, what="Django script")

    def django_json(self, code: str, *, timeout: float = 600):
        """Like ``django``; the script prints one JSON document as its last line."""
        out = self.django(code, timeout=timeout).strip().splitlines()
        return json.loads(out[-1])

    def prepare(self, *, demo_rows: int = 4) -> None:
        """migrate, collectstatic (the manifest storage needs it with DEBUG off), seed_demo."""
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("seed_demo", "--rows", str(demo_rows),
                    "--logins", str(self.tmp / "logins.json"))

    def session_cookie(self, email: str, organization_name: str | None = None) -> str:
        """The ``Cookie`` value of a signed-in session of ``email``.

        Acting for ``organization_name`` if given, else naming no organization.
        """
        return self._make_session(email, organization_name)["cookie"]

    def _make_session(self, email: str, organization_name: str | None) -> dict:
        """A signed-in session for ``email``, acting for ``organization_name`` if given.

        Made directly in the session store (no password round trip, no login
        throttling), exactly as ``django.contrib.auth.login`` would store it. With
        an organization, the person's active membership of it must exist and the
        session names it as the active organization; without one, the session
        names no organization (what a member of staff has in the back office).
        """
        code = f"""
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from apps.client_portal.core.middleware import SESSION_KEY as ORG_KEY
from apps.client_portal.core.models import Membership

organization_name = {organization_name!r}
if organization_name is None:
    user = get_user_model().objects.get(email={email!r}, is_active=True)
    organization = None
else:
    membership = Membership.objects.select_related("user", "organization").get(
        user__email={email!r}, organization__name=organization_name, is_active=True)
    user, organization = membership.user, membership.organization
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
if organization is not None:
    session[ORG_KEY] = str(organization.uuid)
session.create()
print(json.dumps({{"cookie": settings.SESSION_COOKIE_NAME + "=" + session.session_key,
                   "is_staff": user.is_staff, "is_superuser": user.is_superuser}}))
"""
        return self.django_json(code)

    def staff_cookie(self, email: str, *, superuser: bool = True) -> str:
        """The ``Cookie`` value of a back-office session of ``email``, no organization.

        Fails unless the person is staff (and a superuser, if ``superuser``).
        """
        made = self._make_session(email, None)
        if not made["is_staff"] or (superuser and not made["is_superuser"]):
            raise BenchError(f"{email} is not {'a superuser' if superuser else 'staff'} "
                             "in this site")
        return made["cookie"]


MARIADB_HOST = "127.0.0.1"
MARIADB_PORT = 3306


def mariadb_answers(timeout: float = 2.0) -> bool:
    """Whether something accepts connections on MariaDB's port on 127.0.0.1."""
    try:
        with socket.create_connection((MARIADB_HOST, MARIADB_PORT), timeout=timeout):
            return True
    except OSError:
        return False


class MariaDBDatabase:
    """A throwaway database on the local MariaDB server (root, no password).

    Created on ``__enter__`` (utf8mb4, utf8mb4_unicode_ci, as the project's
    MariaDB sites), dropped on ``__exit__`` whatever happened in between; ``url``
    is the ``DATABASE_URL`` of a site using it.
    """

    def __init__(self, prefix: str = "cp_bench"):
        self.name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
        self.url = f"mysql://root@{MARIADB_HOST}:{MARIADB_PORT}/{self.name}"

    def _execute(self, sql: str) -> None:
        try:
            import MySQLdb
        except ImportError as exc:
            raise BenchError(f"MySQLdb (mysqlclient) is missing: {exc}") from exc
        try:
            connection = MySQLdb.connect(host=MARIADB_HOST, port=MARIADB_PORT, user="root",
                                         connect_timeout=10)
        except MySQLdb.Error as exc:
            raise BenchError(f"cannot connect to MariaDB on {MARIADB_HOST}:{MARIADB_PORT} "
                             f"as root: {exc}") from exc
        try:
            connection.cursor().execute(sql)
        except MySQLdb.Error as exc:
            raise BenchError(f"MariaDB refused {sql!r}: {exc}") from exc
        finally:
            connection.close()

    def __enter__(self):
        self._execute(f"CREATE DATABASE `{self.name}` "
                      "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return self

    def __exit__(self, exc_type, *exc):
        try:
            self._execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        except BenchError as error:
            if exc_type is None:
                raise
            print(f"!! could not drop the MariaDB database {self.name}: {error}",
                  file=sys.stderr)


def deploy_profile() -> tuple[int, int]:
    """(web workers, threads per worker) of the deployment profile.

    Read by ``scripts/profile.py``, as ``make run`` reads them for gunicorn, so
    a benchmark measures the server as it is deployed.
    """
    # Loaded by path: "profile" is also the name of a standard library module.
    spec = importlib.util.spec_from_file_location("cp_profile", ROOT / "scripts" / "profile.py")
    profile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profile)
    return int(profile.profile_value("web_workers")), int(profile.profile_value("web_threads"))


def load_arguments(description: str):
    """The options every throughput benchmark takes; the server's follow bench.cfg."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=2)
    workers, threads = deploy_profile()
    parser.add_argument("--workers", type=int, default=workers,
                        help=f"gunicorn workers (bench.cfg: {workers})")
    parser.add_argument("--threads", type=int, default=threads,
                        help=f"threads per worker; more than 1 is gthread (bench.cfg: {threads})")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway site")
    return parser


@dataclass(frozen=True)
class Target:
    """One URL as one person requests it: ``label`` names it in the output."""

    label: str
    url: str
    cookie: str


def measure_rounds(server: Gunicorn, targets: list[Target], args) -> dict[str, list[float]]:
    """wrk against each target in turn, the order alternating between rounds.

    Each target is its URL requested with its own session cookie. A 2 s warm-up
    of each target first (imports, templates, caches in every worker); any
    non-2xx/3xx answer under load fails the benchmark. Returns the requests per
    second of every round, by label.
    """
    labels = [t.label for t in targets]
    if len(set(labels)) != len(labels):
        raise BenchError(f"two targets share a label: {labels}")
    print(f"server: {server.description}; load: wrk -t{args.wrk_threads} "
          f"-c{args.connections} -d{args.seconds}s, {args.rounds} rounds, "
          f"URLs in alternating order")
    for target in targets:
        run_wrk(server.base_url + target.url, seconds=2, connections=args.connections,
                threads=args.wrk_threads, headers={"Cookie": target.cookie})
    rps: dict[str, list[float]] = {label: [] for label in labels}
    width = max(len(label) for label in labels)
    for index in range(args.rounds):
        for target in targets if index % 2 == 0 else list(reversed(targets)):
            result = run_wrk(server.base_url + target.url, seconds=args.seconds,
                             connections=args.connections, threads=args.wrk_threads,
                             headers={"Cookie": target.cookie})
            if result.bad_responses:
                raise BenchError(f"{target.label}: {result.bad_responses} non-2xx/3xx "
                                 f"responses under load\n{result.output}")
            rps[target.label].append(result.requests_per_second)
            print(f"round {index + 1} {target.label:{width}s} "
                  f"{result.requests_per_second:8.1f} req/s "
                  f"avg latency {result.latency_avg_ms:6.1f} ms"
                  + (f" socket errors {result.socket_errors}" if result.socket_errors else ""))
    return rps


def diagnose_script(targets: list[Target], *, explain: list[str], table: str) -> str:
    """A Django script printing, as JSON, each target's query count and some plans.

    Each target is requested twice through Django's test client with its own
    session cookie (the first to warm caches: templates, content types); the
    second is counted. For the targets labelled in ``explain``, every query of
    that second request that reads ``table`` is explained by the database
    (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on MariaDB), so the plans are
    those of the very SQL the page runs: its count, its rows, the menu badge.
    Prints ``{"vendor": ..., "counts": {label: {"url", "status", "queries"}},
    "plans": {label: [[sql head, [plan lines]], ...]}}``.
    """
    spec = [[t.label, t.url, t.cookie] for t in targets]
    return f"""
import json
import re
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

TABLE = {table!r}
counts, plans = {{}}, {{}}

def explain(sql):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN " + sql)
        names = [column[0] for column in cursor.description]
        lines = []
        for row in cursor.fetchall():
            info = dict(zip(names, row))
            lines.append(" ".join(f"{{key}}={{info.get(key)}}" for key in
                                  ("table", "type", "key", "rows", "Extra")))
        return lines

for label, url, cookie in {spec!r}:
    client = Client(HTTP_HOST="127.0.0.1")
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    counts[label] = {{"url": url, "status": response.status_code,
                     "queries": len(ctx.captured_queries)}}
    if label in {explain!r}:
        found = []
        for query in ctx.captured_queries:
            sql = query["sql"]
            if sql.lstrip().upper().startswith("SELECT") and re.search(
                    r'[`"]' + TABLE + r'[`"]', sql):
                head = re.sub(r"\\s+", " ", sql)[:90]
                found.append([head, explain(sql)])
        plans[label] = found
print(json.dumps({{"vendor": connection.vendor, "counts": counts, "plans": plans}}))
"""


def print_diagnosis(diagnosis: dict) -> None:
    for label, info in diagnosis["counts"].items():
        name = label if info["url"] in label else f"{label} ({info['url']})"
        print(f"queries: {name} -> {info['status']}, {info['queries']} queries")
    for label, queries in diagnosis["plans"].items():
        for head, plan in queries:
            print(f"plan ({label}; {head}...): " + " | ".join(plan))


# The portal's lists count no further than this ("10,000+ records" beyond it);
# apps/client_portal/core/paging.py, COUNT_CAP.
COUNT_CAP = 10_000


def check_list_page(body: str, what: str, slug: str, page_size: int,
                    expected_total: int | None) -> None:
    """``body`` shows ``page_size`` rows of ``slug`` and the count it should.

    With ``expected_total`` up to ``COUNT_CAP`` the page must say that exact
    number of records; above it, "10,000+ records" (the count stops there), the
    figure in any number format, "+" after it. ``None`` checks the rows only.
    """
    rows = len(re.findall(rf'href="/p/{slug}/[0-9a-f-]{{36}}/"', body))
    if rows != page_size:
        raise BenchError(f"{what}: expected {page_size} rows, found {rows}")
    if expected_total is None:
        return
    count = re.search(r"(\d[\d,.\s\u00a0\u202f']*?)\s*(\+?)\s*records?\b", body)
    if not count:
        raise BenchError(f"{what}: the page shows no count of records")
    total, capped = int(re.sub(r"\D", "", count.group(1))), count.group(2) == "+"
    said = f"the page says {count.group(0).strip()!r}"
    if expected_total > COUNT_CAP:
        if not capped or total != COUNT_CAP:
            raise BenchError(f"{what}: {expected_total} rows match, expected "
                             f"'{COUNT_CAP:,}+ records'; {said}")
    elif capped or total != expected_total:
        raise BenchError(f"{what}: expected {expected_total} records in all; {said}")


class Gunicorn:
    """gunicorn serving ``config.wsgi`` for a site, on 127.0.0.1 and a free port.

    As ``make run`` starts it: ``--workers`` and ``--threads`` (gunicorn itself
    uses the gthread worker when there is more than one thread, sync otherwise).
    """

    def __init__(self, site: ThrowawaySite, *, workers: int, threads: int):
        self.site = site
        self.port = free_port()
        self.args = [
            str(BIN / "gunicorn"), "config.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--threads", str(threads),
            "--log-level", "warning",
            "--backlog", "256",
            "--pid", str(site.tmp / "gunicorn.pid"),
            # gunicorn 27's control socket is one path per user: two servers would share it.
            "--no-control-socket",
        ]
        self.description = (
            f"gunicorn {workers} workers, "
            + (f"gthread x {threads} threads" if threads > 1 else "sync")
        )
        self.process: subprocess.Popen | None = None
        self.log = site.tmp / "gunicorn.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, timeout: float = 60) -> None:
        handle = open(self.log, "w")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.site.env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError("gunicorn exited at start:\n" + self.log.read_text()[-2000:])
            try:
                status, _body = http_get(self.base_url + "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchError("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # The arbiter forwards SIGTERM to its workers; its session holds only them.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http_get(url: str, cookie: str | None = None, timeout: float = 30) -> tuple[int, str]:
    """``(status, body)`` of one GET, redirects not followed."""
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


WRK = shutil.which("wrk") or "/usr/bin/wrk"


@dataclass
class WrkResult:
    requests_per_second: float
    requests: int
    latency_avg_ms: float
    bad_responses: int  # non-2xx/3xx
    socket_errors: int
    output: str


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def run_wrk(url: str, *, seconds: int, connections: int, threads: int,
            headers: dict[str, str] | None = None) -> WrkResult:
    if not (Path(WRK).is_file() and os.access(WRK, os.X_OK)):
        raise BenchError("wrk is missing: apt-get install wrk")
    args = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
            "--timeout", "10s"]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    args.append(url)
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    if done.returncode != 0:
        raise BenchError(f"wrk failed: {done.stderr.strip() or out.strip()}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s|m)\b", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if not rps or not total:
        raise BenchError(f"cannot read wrk's output:\n{out}")
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        requests=int(total.group(1)),
        latency_avg_ms=float(latency.group(1)) * _UNITS[latency.group(2)] if latency else 0.0,
        bad_responses=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
        output=out,
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


# --- The production stack: nginx in front of gunicorn on a unix socket -------------

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def profile_value_or(key: str, default: str) -> str:
    """The deployment profile's ``key`` (environment, else bench.cfg), else ``default``."""
    spec = importlib.util.spec_from_file_location("cp_profile", ROOT / "scripts" / "profile.py")
    profile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profile)
    try:
        return profile.profile_value(key)
    except KeyError:
        return default


def gunicorn_has_setting(name: str) -> bool:
    """Whether this gunicorn knows the setting ``name`` (e.g. control_socket_disable)."""
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:
        return False
    return any(setting.name == name for setting in KNOWN_SETTINGS)


def process_tree_cpu(root_pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes and their children."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                text = handle.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        # After the command: state ppid ... utime (14th field overall) stime (15th).
        stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    wanted = set(root_pids)
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _cpu) in stats.items():
            if ppid in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    return sum(stats[pid][1] for pid in wanted if pid in stats)


class ProxyStack:
    """The deployment as production runs it, for a throwaway site.

    gunicorn serving ``deploy.wsgi`` (config.wsgi taking the client's address
    from nginx) on a unix socket in the site's folder, with ``workers`` and
    ``threads`` (bench.cfg's by default); nginx from Debian's package in front
    of it on 127.0.0.1 and a free port, its configuration rendered from
    ``deploy/nginx.conf.template`` with a prefix in the site's folder (logs,
    temporary files, pid). ``direct=True`` also binds gunicorn to a loopback
    port, to compare with the proxy (``direct_url``). When run as root, nginx's
    workers run as www-data, and the site's folder is opened to others for
    traversal (0711) so they reach the static files and the socket.
    """

    def __init__(self, site: ThrowawaySite, *, workers: int, threads: int,
                 direct: bool = False, gunicorn_timeout: int | None = None,
                 proxy_workers: str | None = None):
        self.site = site
        # bench.cfg's [deploy] gunicorn_timeout and proxy_workers, as make serve reads them.
        if gunicorn_timeout is None:
            gunicorn_timeout = int(profile_value_or("gunicorn_timeout", "30"))
        self.proxy_workers = proxy_workers or profile_value_or("proxy_workers", "auto")
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.direct_port = free_port() if direct else None
        self.run_dir = site.tmp / "run"
        self.socket = self.run_dir / "gunicorn.sock"
        self.prefix = site.tmp / "nginx"
        self.conf = self.prefix / "nginx.conf"
        self.gunicorn_timeout = gunicorn_timeout
        self.gunicorn: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.gunicorn_log = site.tmp / "gunicorn.log"
        self.nginx_log = self.prefix / "logs" / "error.log"
        self.description = (
            f"nginx ({self.proxy_workers} worker processes) -> unix socket -> gunicorn "
            f"{workers} workers, " + (f"gthread x {threads} threads" if threads > 1 else "sync")
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def direct_url(self) -> str | None:
        return f"http://127.0.0.1:{self.direct_port}" if self.direct_port else None

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in
                (("nginx", self.nginx), ("gunicorn", self.gunicorn)) if process is not None}

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def render(self) -> None:
        if not (Path(NGINX).is_file() and os.access(NGINX, os.X_OK)):
            raise BenchError("nginx is missing: apt-get install nginx")
        args = [PYTHON, str(ROOT / "deploy" / "render_nginx.py"),
                "--listen", f"127.0.0.1:{self.port}",
                "--upstream", f"unix:{self.socket}",
                "--static-root", self.site.env["STATIC_ROOT"],
                "--prefix", str(self.prefix),
                "--gunicorn-timeout", str(self.gunicorn_timeout),
                "--worker-processes", self.proxy_workers,
                "-o", str(self.conf), "--check"]
        if "FILE_UPLOAD_MAX_BYTES" in self.site.env:
            args += ["--upload-max-bytes", self.site.env["FILE_UPLOAD_MAX_BYTES"]]
        if os.geteuid() == 0:
            args += ["--user", "www-data"]
        self.site.run(args, what="deploy/render_nginx.py")

    def start(self, timeout: float = 60) -> None:
        self.run_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            os.chmod(self.site.tmp, 0o711)
        self.render()
        args = [str(BIN / "gunicorn"), "deploy.wsgi:application",
                "--bind", f"unix:{self.socket}",
                "--workers", str(self.workers), "--threads", str(self.threads),
                "--timeout", str(self.gunicorn_timeout), "--graceful-timeout", "20",
                "--keep-alive", "75",  # above nginx's upstream keepalive_timeout (gthread)
                "--log-level", "warning", "--pid", str(self.run_dir / "gunicorn.pid")]
        if self.direct_port:
            args += ["--bind", f"127.0.0.1:{self.direct_port}"]
        if gunicorn_has_setting("control_socket_disable"):
            args.append("--no-control-socket")
        handle = open(self.gunicorn_log, "w")  # noqa: SIM115 - lives as long as the process
        self.gunicorn = subprocess.Popen(args, cwd=ROOT, env=self.site.env, stdout=handle,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        # nginx once the socket is there: a request before it would be a 502.
        while not self.socket.exists():
            if self.gunicorn.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise BenchError("gunicorn made no socket:\n"
                                 + self.gunicorn_log.read_text()[-2000:])
            time.sleep(0.05)
        self.nginx = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-c", str(self.conf), "-g", "daemon off;"],
            cwd=self.prefix, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        while time.monotonic() < deadline:
            for name, process, log in (("gunicorn", self.gunicorn, self.gunicorn_log),
                                       ("nginx", self.nginx, self.nginx_log)):
                if process.poll() is not None:
                    text = log.read_text() if log.exists() else ""
                    self.stop()
                    raise BenchError(f"{name} exited at start:\n{text[-2000:]}")
            try:
                status, _body = http_get(self.base_url + "/healthz", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchError(f"the stack did not answer /healthz within {timeout:.0f} s")

    def stop(self) -> None:
        # nginx first (SIGQUIT: finish the requests it holds), then gunicorn.
        for process, sig in ((self.nginx, signal.SIGQUIT), (self.gunicorn, signal.SIGTERM)):
            if process is None or process.poll() is not None:
                continue
            process.send_signal(sig)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def nginx_warnings(self) -> list[str]:
        """The lines of nginx's error log (warnings and worse), for the report."""
        if not self.nginx_log.exists():
            return []
        return [line for line in self.nginx_log.read_text(errors="replace").splitlines() if line]

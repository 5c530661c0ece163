"""Up with Redis down: a real redis-server of the test's own is stopped and started.

While it is down the cache answers as empty (and logs once, not per call),
sessions are read from the database (same cookie, no new login), jobs wait in
the database and reach RQ once Redis is back, and /healthz says "degraded"
with 200. The last test hammers pages from threads while Redis is stopped,
restarted and frozen (SIGSTOP): no request fails.
"""

import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection
from django.test import Client

from apps.client_portal.core import jobs, queued_jobs, resilience
from apps.client_portal.core.demo import DEMO_PASSWORD
from apps.client_portal.core.queued_jobs import QueuedJob

REDIS_SERVER = shutil.which("redis-server")
OWNER = "owner@northwind.example.com"
PAGES = ["/", "/p/invoices/", "/p/notifications/", "/api/v1/me/", "/api/v1/invoices/"]
RETRY_AFTER = 0.3  # the breaker's period in these tests (5 s in production)

# Jobs the worker runs: importable by path, so they can wait in the database.
ran_jobs: list = []


def remember_job(value):
    ran_jobs.append(value)
    return value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisProcess:
    """A redis-server on a port of its own: no persistence, so a restart starts empty."""

    def __init__(self, workdir):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir),
             "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.2, socket_timeout=0.2)
        deadline = time.monotonic() + 5
        while True:
            try:
                probe.ping()
                break
            except redis.exceptions.RedisError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on {self.port}") from None
                time.sleep(0.02)
        probe.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)  # in case it was frozen
            self.proc.terminate()
            self.proc.wait(timeout=5)
        self.proc = None

    def freeze(self):
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.proc.pid, signal.SIGCONT)

    def client(self):
        return redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)


@pytest.fixture
def redis_server(tmp_path):
    if not REDIS_SERVER:
        pytest.skip("!!! redis-server is not installed: the Redis outage tests are SKIPPED "
                    "(apt-get install redis-server)")
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.stop()


def _forget_state():
    caches.close_all()
    resilience.reset()
    jobs._connections.clear()
    jobs._backlog.clear()
    ran_jobs.clear()


@pytest.fixture
def redis_site(settings, redis_server):
    """The production settings with REDIS_URL pointing at the test's redis-server."""
    _forget_state()
    url = redis_server.url
    settings.REDIS_URL = url
    settings.CACHES = {"default": {
        "BACKEND": "apps.client_portal.core.resilience.ResilientRedisCache",
        "LOCATION": url, "KEY_PREFIX": "cp:test"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.RQ_QUEUES = {"default": {"URL": url, "DEFAULT_TIMEOUT": 600}}
    settings.JOBS_INLINE = False
    settings.REDIS_RETRY_AFTER = RETRY_AFTER
    settings.REDIS_HEALTH_INTERVAL = 0.2
    yield redis_server
    _forget_state()


def _sign_in(email=OWNER, ip="198.51.100.7") -> Client:
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def _me(client) -> str:
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    return response.json()["user"]


def _wait_for(predicate, seconds=3.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _run_worker(url):
    import django_rq
    from rq import SimpleWorker

    queue = django_rq.get_queue("default")
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


# --- the cache on its own --------------------------------------------------------------
@pytest.mark.django_db
def test_the_cache_answers_as_empty_while_redis_is_down_and_logs_once(redis_site, caplog):
    cache.set("kept", "before", 60)
    assert cache.get("kept") == "before"
    redis_site.stop()
    caplog.set_level(logging.WARNING, logger="apps.client_portal.core.resilience")
    started = time.monotonic()
    for _ in range(50):
        assert cache.get("kept") is None
        assert cache.get("kept", "default") == "default"
        assert cache.set("other", 1, 60) is None
        assert cache.add("lock", 1, 10) is True  # like DummyCache: lock takers go on
        assert cache.delete("kept") is False
        assert cache.get_many(["kept", "other"]) == {}
        assert cache.set_many({"a": 1}) == []
        assert cache.has_key("kept") is False
        assert "kept" not in cache
        assert cache.touch("kept") is False
        assert cache.get_or_set("computed", lambda: 42) == 42
        with pytest.raises(ValueError):
            cache.incr("counter")
        with pytest.raises(ValueError):
            cache.decr("counter")
        cache.delete_many(["a", "b"])
    elapsed = time.monotonic() - started
    assert elapsed < 1.5, f"{elapsed:.2f} s for 700 calls on a down Redis"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "unreachable" in errors[0].getMessage()
    assert resilience.breaker_for(redis_site.url).down
    # Back: after the breaker's period the next call reaches Redis again.
    redis_site.start()
    assert _wait_for(lambda: cache.set("back", "yes", 60) is None and cache.get("back") == "yes")
    assert not resilience.breaker_for(redis_site.url).down
    assert any("reachable again" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_value_changed_during_the_outage_is_not_read_stale_afterwards(redis_site):
    """Redis kept running but out of reach: what a write could not replace is deleted."""
    cache.set("profile", "old", 600)
    cache.set("untouched", "same", 600)
    breaker = resilience.breaker_for(redis_site.url)
    redis_site.freeze()  # unreachable while its data survives
    try:
        cache.set("profile", "new", 600)  # times out: Redis still holds "old"
        assert breaker.down
        cache.delete("untouched-but-deleted")
    finally:
        redis_site.thaw()
    assert redis_site.client().get("cp:test:1:profile") is not None  # the stale copy
    assert _wait_for(lambda: cache.get("untouched") == "same")
    assert cache.get("profile") is None  # deleted on the way back, not "old"
    assert redis_site.client().get("cp:test:1:profile") is None


# --- the site, request by request ---------------------------------------------------------
@pytest.mark.django_db
def test_the_site_stays_up_through_a_redis_outage(redis_site, demo, settings,
                                                   django_capture_on_commit_callbacks):
    owner = _sign_in()
    leaving = _sign_in("member@northwind.example.com", ip="198.51.100.8")
    for url in PAGES:
        assert owner.get(url).status_code == 200, url
    assert _me(owner) == OWNER
    session_keys = redis_site.client().keys("cp:test:*cached_db*")
    assert len(session_keys) >= 2  # the sessions are cached in Redis
    assert owner.get("/healthz").json() == {"status": "ok", "redis": "ok", "database": "ok"}

    redis_site.stop()
    started = time.monotonic()
    # The same cookie keeps working: sessions are read from the database.
    for _ in range(3):
        for url in PAGES:
            response = owner.get(url)
            assert response.status_code == 200, (url, response.status_code)
    assert _me(owner) == OWNER
    health = owner.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "redis": "down", "database": "ok"}
    # A wrong password is refused as usual (not 429, not after a second's wait for
    # allauth's rate-limit lock), and a good one still signs in.
    stranger = Client(REMOTE_ADDR="198.51.100.9")
    before = time.monotonic()
    response = stranger.post("/accounts/login/", {"login": OWNER, "password": "wrong-one"})
    assert response.status_code == 200 and time.monotonic() - before < 0.8
    assert _sign_in("manager@northwind.example.com", ip="198.51.100.10").get(
        "/").status_code == 200
    # The activation form answers, and refuses a wrong code.
    activation = Client(REMOTE_ADDR="198.51.100.11")
    assert activation.get("/accounts/activate/").status_code == 200
    response = activation.post("/accounts/activate/",
                               {"email": "nobody@example.com", "code": "AAAA-BBBB-CCCC"})
    assert response.status_code in (200, 400)
    # Someone signs out during the outage: the cached copy of their session in Redis
    # could not be deleted.
    old_cookie = leaving.cookies[settings.SESSION_COOKIE_NAME].value
    assert leaving.post("/accounts/logout/").status_code == 302
    # A job queued during the outage waits in the database.
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue(remember_job, "queued-while-down")
    assert list(QueuedJob.objects.values_list("func_path", "args")) == [
        ("tests.core.test_redis_down.remember_job", ["queued-while-down"])]
    assert ran_jobs == []  # not run in the request
    assert time.monotonic() - started < 5  # no request waited on a time-out

    redis_site.start()  # same port, empty (no persistence)
    assert _wait_for(lambda: owner.get("/healthz").json()["status"] == "ok")
    for url in PAGES:
        assert owner.get(url).status_code == 200, url
    assert _me(owner) == OWNER
    # The signed-out session stays signed out.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert replay.get("/").status_code == 302
    # The next enqueue moves the waiting job into RQ first; a worker runs both, in order.
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue(remember_job, "queued-after")
    assert QueuedJob.objects.count() == 0
    _run_worker(redis_site.url)
    assert ran_jobs == ["queued-while-down", "queued-after"]


@pytest.mark.django_db
def test_axes_still_locks_an_account_out_while_redis_is_down(redis_site, demo, settings):
    """allauth's rate limits live in the cache and fail open; the lockout is in the database."""
    settings.AXES_FAILURE_LIMIT = 3
    redis_site.stop()
    guesser = Client(REMOTE_ADDR="198.51.100.20")
    statuses = [guesser.post("/accounts/login/", {"login": "viewer@northwind.example.com",
                                                  "password": f"guess-{attempt}"}).status_code
                for attempt in range(3)]
    assert statuses == [200, 200, 429]  # the third failure locks the account
    response = guesser.post("/accounts/login/", {"login": "viewer@northwind.example.com",
                                                 "password": DEMO_PASSWORD})
    assert response.status_code == 429  # locked: the right password does not sign in
    assert guesser.get("/api/v1/me/").status_code in (401, 403)
    assert Client(REMOTE_ADDR="198.51.100.21").post("/accounts/login/", {
        "login": "viewer@northwind.example.com", "password": DEMO_PASSWORD}).status_code == 429


# --- /healthz ------------------------------------------------------------------------------
def _pings(server) -> int:
    return server.client().info("commandstats").get("cmdstat_ping", {}).get("calls", 0)


@pytest.mark.django_db
def test_healthz_asks_redis_at_most_every_few_seconds(redis_site, client, settings):
    settings.REDIS_HEALTH_INTERVAL = 30
    before = _pings(redis_site)
    for _ in range(20):
        assert client.get("/healthz").json() == {"status": "ok", "redis": "ok",
                                                 "database": "ok"}
    assert _pings(redis_site) - before == 1


@pytest.mark.django_db
def test_healthz_says_degraded_at_once_when_redis_hangs(redis_site, client):
    redis_site.freeze()
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        assert time.monotonic() - started < 0.6  # a 0.25 s time-out, not redis-py's 5 s
        assert response.status_code == 200
        assert response.json() == {"status": "degraded", "redis": "down", "database": "ok"}
    finally:
        redis_site.thaw()


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(redis_site, client, monkeypatch):
    from django.db import DatabaseError
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("database is gone")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "redis": "ok", "database": "down"}
    assert "gone" not in response.content.decode()


# --- jobs ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_jobs_wait_in_the_database_in_order_and_the_command_moves_them(
        redis_site, django_capture_on_commit_callbacks):
    redis_site.stop()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            jobs.enqueue(remember_job, f"job-{n}")
    assert QueuedJob.objects.count() == 5
    call_command("run_queued_jobs")  # Redis still down: nothing moves, nothing is lost
    assert QueuedJob.objects.count() == 5
    assert "ConnectionError" in QueuedJob.objects.first().last_error
    assert QueuedJob.objects.first().attempts == 0  # Redis's fault, not the job's

    redis_site.start()
    call_command("run_queued_jobs")
    assert QueuedJob.objects.count() == 0
    _run_worker(redis_site.url)
    expected = [f"job-{n}" for n in range(5)]
    assert ran_jobs == expected  # in the order they were queued


@pytest.mark.django_db
def test_a_job_no_worker_could_import_runs_inline_when_redis_is_down(
        redis_site, django_capture_on_commit_callbacks):
    redis_site.stop()
    seen = []
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue(seen.append, "inline")  # a bound method: not importable by path
    assert seen == ["inline"]
    assert QueuedJob.objects.count() == 0
    assert not queued_jobs.storable(remember_job, [object()], {})
    assert queued_jobs.storable(remember_job, [1, "x", None], {"flag": True})


# --- under load -------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_no_request_fails_while_redis_stops_restarts_and_freezes(redis_site, demo, settings):
    owner = _sign_in()
    cookie = owner.cookies[settings.SESSION_COOKIE_NAME].value
    stop = threading.Event()
    phase = {"name": "up"}
    results: list[tuple[str, str, int, float]] = []
    lock = threading.Lock()

    def hammer(index):
        client = Client(REMOTE_ADDR=f"198.51.100.{30 + index}")
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        urls = ["/p/invoices/", "/", "/api/v1/me/", "/healthz"]
        n = index
        try:
            while not stop.is_set():
                url = urls[n % len(urls)]
                n += 1
                before = time.monotonic()
                try:
                    status = client.get(url).status_code
                except Exception as exc:  # noqa: BLE001 - a 500 raises in the test client
                    status = f"{type(exc).__name__}: {exc}"
                with lock:
                    results.append((phase["name"], url, status, time.monotonic() - before))
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.6)
        phase["name"] = "stopped"
        redis_site.stop()
        time.sleep(1.5)
        phase["name"] = "restarted"
        redis_site.start()
        time.sleep(1.2)
        phase["name"] = "frozen"
        redis_site.freeze()
        time.sleep(1.5)
        phase["name"] = "thawed"
        redis_site.thaw()
        time.sleep(1.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    failures = [r for r in results if r[2] != 200]
    assert failures == [], failures[:10]
    per_phase = {name: sum(1 for r in results if r[0] == name)
                 for name in ("up", "stopped", "restarted", "frozen", "thawed")}
    assert all(count >= 5 for count in per_phase.values()), per_phase
    slowest = max(r[3] for r in results)
    assert slowest < 2.5, f"slowest request {slowest:.2f} s"
    assert _wait_for(lambda: Client().get("/healthz").json()["status"] == "ok")
    print(f"\nrequests per phase: {per_phase}; slowest {slowest:.2f} s; failures 0")

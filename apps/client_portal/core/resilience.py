"""Staying up while Redis is down: a circuit breaker, a cache that degrades to a
miss, and the Redis part of ``/healthz``.

Redis carries the cache, the session cache and the RQ queues. None of them is
the record of anything: sessions are in the database (``cached_db``), jobs that
cannot reach Redis wait in the database (``core.jobs``), and the cache only
saves work. So when Redis is unreachable the site keeps answering:

- ``ResilientRedisCache`` (the ``default`` cache) logs the error and answers as
  Django's ``DummyCache`` would: ``get`` gives the default, ``get_many`` ``{}``,
  ``set`` does nothing, ``add`` answers True, ``delete``/``touch``/``has_key``
  False, ``incr``/``decr`` raise ValueError (the key is "not there").
- Every Redis client of a process shares one ``Breaker`` per Redis server: after
  a connection error or a timeout, Redis is not tried again for
  ``REDIS_RETRY_AFTER`` seconds, so a request costs no time-out while Redis is
  known to be down; then one caller tries again and either closes the breaker
  or opens it for another period.
- Errors are logged once when Redis goes away, then at most once every
  ``REDIS_LOG_EVERY`` seconds (with how many were left out), and once when it
  is back.

Why ``add`` answers True: callers use it as "was this the first time?".
allauth's rate limiter takes a lock with ``add`` and waits a second for it
before refusing (429) every login; the SAML replay guard refuses a response
whose ID it "has seen"; the activation throttle counts from ``add``. Answering
False would turn every sign-in into a refusal while Redis is down. Answering
True makes those limits fail open for the outage; per-username lockout
(django-axes, database handler) still stops password guessing.

Stale values after an outage: a write or delete that could not reach Redis
leaves the old value there (a session changed or signed out during the
outage). Each process remembers those keys (up to ``REDIS_STALE_KEYS_MAX``) and
deletes them before its first use of Redis once it is back.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

# Errors that say "Redis cannot be reached now": they open the breaker.
UNREACHABLE = (
    redis.exceptions.ConnectionError,  # refused, reset, DNS, Sentinel without a master
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,  # a replica during a failover
    OSError,
)
# Any other Redis error (out of memory, a command refused) is logged and treated as
# a miss too, but does not make the process skip Redis.
REDIS_ERRORS = (redis.exceptions.RedisError, OSError)

# Defaults for the cache's connections (OPTIONS in CACHES win). A connect to a
# healthy Redis on the LAN takes well under a millisecond; a server that is gone
# costs at most this much, once per breaker period.
CONNECT_TIMEOUT = 0.25
SOCKET_TIMEOUT = 0.5
# A pooled connection that died with a Redis restart fails at once: one retry on a
# fresh connection. Not on a time-out: a frozen Redis would cost the wait twice.
ONE_RECONNECT = Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,))


def _setting(name: str, default):
    return getattr(settings, name, default)


def endpoint_name(url: str) -> str:
    """``host:port/db`` of a Redis URL, without the password: the breaker's key."""
    try:
        kw = redis.connection.parse_url(url)
    except (ValueError, TypeError):
        return url.rsplit("@", 1)[-1]
    return endpoint_of(kw)


def endpoint_of(connection_kwargs: dict) -> str:
    """The same name from a connection pool's ``connection_kwargs``."""
    kw = connection_kwargs
    where = kw.get("path") or f"{kw.get('host') or 'localhost'}:{kw.get('port') or 6379}"
    return f"{where}/{kw.get('db') or 0}"


class Breaker:
    """Per process and Redis server: is Redis believed down, and until when not to try."""

    def __init__(self, name: str, retry_after: float, log_every: float):
        self.name = name
        self.retry_after = retry_after
        self.log_every = log_every
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._down_since: float | None = None
        self._last_log = 0.0
        self._left_out = 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def allow(self) -> bool:
        """May this caller use Redis now? While open, no; once the period is over,
        one caller at a time tries (the others keep skipping until it answers)."""
        if self._down_since is None:
            return True
        now = time.monotonic()
        with self._lock:
            if self._down_since is None:
                return True
            if now < self._open_until:
                return False
            self._open_until = now + self.retry_after  # the others wait for this try
            return True

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            downtime = time.monotonic() - self._down_since
            left_out, self._left_out = self._left_out, 0
            self._down_since = None
            self._open_until = 0.0
        log.warning("Redis at %s is reachable again after %.1f s (%d errors not logged)",
                    self.name, downtime, left_out)

    def failed(self, exc: BaseException, what: str, *, trip: bool = True) -> None:
        now = time.monotonic()
        with self._lock:
            first = trip and self._down_since is None
            if trip:
                self._open_until = now + self.retry_after
                if first:
                    self._down_since = now
            emit = first or now - self._last_log >= self.log_every
            if emit:
                self._last_log = now
                left_out, self._left_out = self._left_out, 0
            else:
                self._left_out += 1
            since = self._down_since
        if not emit:
            return
        if first:
            log.error("Redis at %s is unreachable (%s: %s during %s): the cache answers "
                      "as empty, sessions are read from the database, jobs wait in the "
                      "database; next try in %.1f s", self.name, type(exc).__name__, exc,
                      what, self.retry_after)
        elif since is not None:
            log.error("Redis at %s still unreachable after %.0f s (%s: %s during %s; "
                      "%d errors not logged)", self.name, now - since, type(exc).__name__,
                      exc, what, left_out)
        else:
            log.error("Redis at %s answered %s: %s during %s (%d errors not logged)",
                      self.name, type(exc).__name__, exc, what, left_out)


_breakers: dict[str, Breaker] = {}
_registry_lock = threading.Lock()


def breaker_for(url_or_name: str) -> Breaker:
    name = endpoint_name(url_or_name) if "://" in url_or_name else url_or_name
    breaker = _breakers.get(name)
    if breaker is None:
        with _registry_lock:
            breaker = _breakers.get(name)
            if breaker is None:
                breaker = _breakers[name] = Breaker(
                    name, float(_setting("REDIS_RETRY_AFTER", 5)),
                    float(_setting("REDIS_LOG_EVERY", 60)))
    return breaker


def reset() -> None:
    """Forget every breaker, stale key and health result (tests)."""
    with _registry_lock:
        _breakers.clear()
        _stale.clear()
        _health.clear()
        _health_clients.clear()


def guarded(breaker: Breaker, what: str, call, fallback):
    """``call()`` through ``breaker``; ``fallback`` when Redis is skipped or fails."""
    if not breaker.allow():
        return fallback
    try:
        result = call()
    except UNREACHABLE as exc:
        breaker.failed(exc, what)
        return fallback
    except REDIS_ERRORS as exc:
        breaker.failed(exc, what, trip=False)
        return fallback
    breaker.succeeded()
    return result


# --- stale keys ---------------------------------------------------------------------
class _StaleKeys:
    """Keys whose write or delete did not reach Redis: deleted once Redis is back."""

    def __init__(self, name: str):
        self.name = name
        self.keys: set[str] = set()
        self.lock = threading.Lock()
        self.overflowed = False

    def add(self, keys) -> None:
        limit = int(_setting("REDIS_STALE_KEYS_MAX", 50_000))
        with self.lock:
            for key in keys:
                if len(self.keys) >= limit:
                    if not self.overflowed:
                        self.overflowed = True
                        log.error("Redis at %s: more than %d cache keys written during the "
                                  "outage; the others may read stale until they expire",
                                  self.name, limit)
                    return
                self.keys.add(key)

    def take(self) -> list[str]:
        with self.lock:
            return list(self.keys)

    def done(self, keys) -> None:
        with self.lock:
            self.keys.difference_update(keys)
            if not self.keys:
                self.overflowed = False


_stale: dict[tuple, _StaleKeys] = {}


def _stale_for(servers: tuple) -> _StaleKeys:
    state = _stale.get(servers)
    if state is None:
        with _registry_lock:
            state = _stale.setdefault(servers, _StaleKeys(endpoint_name(servers[0])))
    return state


# --- the cache ----------------------------------------------------------------------
_MISSING = object()


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that treats an unreachable Redis as an empty cache.

    OPTIONS are those of RedisCache (passed to redis-py's connection pool); this
    backend fills in short time-outs (``socket_connect_timeout`` 0.25 s,
    ``socket_timeout`` 0.5 s) and one immediate retry on a connection error (a
    pooled connection that died with a Redis restart is replaced at once) where
    they are not given.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        options = dict(self._options)
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        options.setdefault("retry", ONE_RECONNECT)
        self._options = options
        self._breaker_name = endpoint_name(self._servers[0])
        self._stale = _stale_for(tuple(self._servers))

    @property
    def breaker(self) -> Breaker:
        return breaker_for(self._breaker_name)

    def _run(self, what: str, call, fallback, written=()):
        breaker = self.breaker
        if not breaker.allow():
            if written:
                self._stale.add(written)
            return fallback
        try:
            if self._stale.keys:
                self._forget_stale()
            result = call()
        except REDIS_ERRORS as exc:
            if written:
                self._stale.add(written)
            breaker.failed(exc, f"cache {what}", trip=isinstance(exc, UNREACHABLE))
            return fallback
        breaker.succeeded()
        return result

    def _forget_stale(self) -> None:
        keys = self._stale.take()
        client = self._cache.get_client(None, write=True)
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start:start + 1000])
        self._stale.done(keys)
        log.warning("Redis at %s: deleted %d cache keys written during the outage",
                    self._breaker_name, len(keys))

    # Django's cache API, each operation guarded. Key errors (invalid keys) still raise.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        return self._run("add", lambda: self._cache.add(key, value, timeout), True, [key])

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._run("get", lambda: self._cache.get(key, default), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        self._run("set", lambda: self._cache.set(key, value, timeout), None, [key])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        return self._run("touch", lambda: self._cache.touch(key, timeout), False)

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._run("delete", lambda: self._cache.delete(key), False, [key])

    def get_many(self, keys, version=None):
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not key_map:
            return {}
        found = self._run("get_many", lambda: self._cache.get_many(key_map.keys()), {})
        return {key_map[k]: v for k, v in found.items()}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._run("has_key", lambda: self._cache.has_key(key), False)

    def incr(self, key, delta=1, version=None):
        made = self.make_and_validate_key(key, version=version)
        value = self._run("incr", lambda: self._cache.incr(made, delta), _MISSING, [made])
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found.")  # what a miss gives
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        safe = {self.make_and_validate_key(key, version=version): value
                for key, value in data.items()}
        timeout = self.get_backend_timeout(timeout)
        self._run("set_many", lambda: self._cache.set_many(safe, timeout), None, list(safe))
        return []

    def delete_many(self, keys, version=None):
        if not keys:
            return
        safe = [self.make_and_validate_key(key, version=version) for key in keys]
        self._run("delete_many", lambda: self._cache.delete_many(safe), None, safe)

    def clear(self):
        return self._run("clear", lambda: self._cache.clear(), False)

    def ping(self) -> bool:
        """True when Redis answers now (False at once while the breaker is open)."""
        return bool(self._run("ping", lambda: self._cache.get_client(None, write=True).ping(),
                              False))


# --- /healthz ------------------------------------------------------------------------
_health: dict[str, tuple[float, str]] = {}
_health_clients: dict[str, Any] = {}
_health_lock = threading.Lock()


def _health_client(url: str):
    client = _health_clients.get(url)
    if client is None:
        client = _health_clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT,
            retry=ONE_RECONNECT)
    return client


def redis_status() -> str | None:
    """"ok" or "down" for ``REDIS_URL``; None where Redis is not configured.

    Asks Redis at most once every ``REDIS_HEALTH_INTERVAL`` seconds per process,
    with a 0.25 s time-out, and not at all while the breaker is open.
    """
    url = _setting("REDIS_URL", "")
    if not url:
        return None
    now = time.monotonic()
    interval = float(_setting("REDIS_HEALTH_INTERVAL", 3))
    cached = _health.get(url)
    if cached and now - cached[0] < interval:
        return cached[1]
    with _health_lock:
        cached = _health.get(url)
        if cached and time.monotonic() - cached[0] < interval:
            return cached[1]
        answered = guarded(breaker_for(url), "health check",
                           lambda: _health_client(url).ping(), False)
        status = "ok" if answered else "down"
        _health[url] = (time.monotonic(), status)
    return status

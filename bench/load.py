"""Many signed-in sessions through the production stack: nginx in front of gunicorn.

Run from the project root:
    .venv/bin/python bench/load.py [--seconds N] [--sessions N] [--interval S]
                                   [--b2b-sessions N] [--url URL] [--direct]
                                   [--database sqlite|mariadb]

What it does, in a throwaway site of its own (temporary folder, DEBUG off,
plain HTTP on 127.0.0.1; SQLite unless ``--database mariadb``, which creates
and drops a database on the local MariaDB server), with the helpers of
``bench/_common.py``:

1. migrate, collectstatic, ``seed_demo --rows 4``.
2. Starts the stack as production runs it (``ProxyStack``): gunicorn serving
   ``deploy.wsgi`` with the workers and threads of ``bench.cfg`` on a unix
   socket, and nginx (Debian's package) in front of it on a free port, its
   configuration rendered from ``deploy/nginx.conf.template``.
3. Checks the stack: ``/healthz``; the page (``--url``, default
   ``/p/invoices/``) answers 200 with the portal's menu for a session of each
   active membership of the demo's clients (memberships whose page does not
   answer 200 are left out, and said so); the answer is gzipped for a client
   that asks; a hashed static file comes from nginx with a year's cache and
   its precompressed .gz; a body above the upload limit gets 413 from nginx;
   a failed sign-in answers 200 (not 403) and the portal records the
   client's address (127.0.0.1), which it takes from nginx's X-Real-IP.
4. Makes the signed-in sessions in one Django script (``bulk_create`` in the
   session store, as ``django.contrib.auth.login`` would store them), spread
   over those memberships, one cookie each.
5. Two phases, each ``--seconds`` long (default 60, or the environment's
   ``BENCH_LOAD_SECONDS``), one after the other,
   each starting once the stack is idle again (``/healthz`` within 50 ms):
   - back to back: ``--b2b-sessions`` (200) sessions, each sending its next
     request as soon as the previous one is answered: what the stack can
     serve;
   - paced: ``--sessions`` (1,000) sessions, each on its own keep-alive
     connection, asking for the page every ``--interval`` (5) seconds, each
     wait drawn between 0.9 and 1.1 times the interval, the first request of
     each session at a random moment of the first interval: about 200
     requests a second offered, printed against what the back-to-back phase
     served. A session waits for its answer before its next request; how
     late the requests left (the generator's own lag, or an answer slower
     than the interval) is printed too.
   Every request's latency (from writing the request, connection included
   when one is opened, to the last byte of the answer), its status and any
   connection error or timeout (``--timeout``, 10 s) is recorded. With
   ``--direct``, both phases run again straight at gunicorn (a loopback port
   of the same gunicorn), for information only.

The load generator is this one process (asyncio, raw HTTP/1.1 on asyncio
streams): it prints its own CPU time and that of nginx and gunicorn in each
phase, since all three share the machine's cores.

Verdicts (met only with no error at all: every answer 2xx, no connection
error, no timeout):

- ``load.paced: ratio=<300 ms / p99> target=1.00 met|short``;
- ``load.back_to_back: ratio=<10 x p50 / p99> target=1.00 met|short``;
- ``load: ratio=<the smaller> target=1.00 met|short``, met only if both are.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import random
import re
import resource
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BenchError,
    MariaDBDatabase,
    ProxyStack,
    ThrowawaySite,
    cpu_count,
    deploy_profile,
    fail,
    http_get,
    load_average,
    mariadb_answers,
    process_tree_cpu,
)

NAME = "load"
PACED_P99_MS = 300.0
B2B_SPREAD = 10.0
SIGNIN_EMAIL = "owner@northwind.example.com"

MEMBERSHIPS = """
import json
from apps.client_portal.core.models import Membership
rows = (Membership.objects.select_related("user", "organization")
        .filter(is_active=True, user__is_active=True, user__is_staff=False)
        .order_by("organization__name", "user__email"))
print(json.dumps([[m.user.email, m.organization.name, m.role] for m in rows]))
"""

# Sessions in bulk: what django.contrib.auth.login stores, for many at once.
MAKE_SESSIONS = """
import datetime as dt
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.utils import timezone
from apps.client_portal.core.middleware import SESSION_KEY as ORG_KEY
from apps.client_portal.core.models import Membership

wanted = {wanted!r}
count = {count!r}
members = []
for email, organization in wanted:
    m = Membership.objects.select_related("user", "organization").get(
        user__email=email, organization__name=organization, is_active=True)
    members.append(m)
store_class = import_module(settings.SESSION_ENGINE).SessionStore
model = store_class.get_model_class()
expires = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
rows, cookies = [], []
for i in range(count):
    m = members[i % len(members)]
    store = store_class()
    data = {{SESSION_KEY: str(m.user.pk),
             BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
             HASH_SESSION_KEY: m.user.get_session_auth_hash(),
             ORG_KEY: str(m.organization.uuid)}}
    key = store._get_new_session_key()
    rows.append(model(session_key=key, session_data=store.encode(data), expire_date=expires))
    cookies.append(settings.SESSION_COOKIE_NAME + "=" + key)
with transaction.atomic():
    model.objects.bulk_create(rows, batch_size=500)
print(json.dumps(cookies))
"""

LAST_FAILED_SIGNIN = """
import json
from apps.client_portal.core.models import AuditEvent
event = AuditEvent.objects.filter(action="login_failed").order_by("-at", "-pk").first()
print(json.dumps(None if event is None else {"ip": event.ip, "label": event.actor_label}))
"""


# --- HTTP/1.1 on asyncio streams -------------------------------------------------

class ResponseError(Exception):
    """The answer could not be read (cut short, malformed)."""


@dataclass
class Phase:
    """What one phase recorded."""

    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, answers of any status
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # connect, read, timeout
    lags: list[float] = field(default_factory=list)  # paced: send time - scheduled time
    connections: int = 0
    started: float = 0.0
    ended: float = 0.0
    client_cpu: float = 0.0
    server_cpu: dict[str, float] = field(default_factory=dict)
    body_bytes: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def served(self) -> float:
        """Answers (any status) a second over the phase."""
        wall = self.ended - self.started
        return len(self.latencies) / wall if wall > 0 else 0.0

    @property
    def bad_statuses(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    @property
    def error_count(self) -> int:
        return self.bad_statuses + sum(self.errors.values())

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000


class Connection:
    """One keep-alive HTTP/1.1 connection, opened when needed, reopened after a close."""

    def __init__(self, host: str, port: int, phase: Phase):
        self.host, self.port, self.phase = host, port, phase
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.transport.abort()
        self.reader = self.writer = None

    async def _read_answer(self) -> tuple[int, int, bool]:
        """(status, body bytes, whether the server closes the connection)."""
        reader = self.reader
        head = await reader.readuntil(b"\r\n\r\n")
        line_end = head.find(b"\r\n")
        status_line = head[:line_end].split(b" ", 2)
        if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
            raise ResponseError(f"bad status line {head[:line_end]!r}")
        status = int(status_line[1])
        headers = head[line_end:].lower()
        closing = b"\r\nconnection: close" in headers or status_line[0] == b"HTTP/1.0"
        size = 0
        if b"\r\ntransfer-encoding: chunked" in headers:
            while True:
                chunk = await reader.readuntil(b"\r\n")
                length = int(chunk.split(b";", 1)[0], 16)
                if length == 0:
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass  # trailers
                    break
                await reader.readexactly(length + 2)
                size += length
        elif (match := re.search(rb"\r\ncontent-length: *(\d+)", headers)):
            size = int(match.group(1))
            if size:
                await reader.readexactly(size)
        elif status not in (204, 304) and not 100 <= status < 200:
            size = len(await reader.read())
            closing = True
        return status, size, closing

    async def request(self, raw: bytes, timeout: float) -> float | None:
        """Send ``raw``, read the answer; its latency in seconds, or ``None`` on an error."""
        phase = self.phase
        started = time.perf_counter()
        stage = "connect"
        try:
            async with asyncio.timeout(timeout):
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(
                        self.host, self.port, limit=1 << 20)
                    sock = self.writer.get_extra_info("socket")
                    if sock is not None:
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    phase.connections += 1
                stage = "read"
                self.writer.write(raw)
                status, size, closing = await self._read_answer()
        except TimeoutError:
            phase.errors["timeout"] = phase.errors.get("timeout", 0) + 1
            self.close()
            return None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ResponseError, ValueError) as exc:
            key = f"{stage}: {type(exc).__name__}"
            phase.errors[key] = phase.errors.get(key, 0) + 1
            self.close()
            return None
        latency = time.perf_counter() - started
        phase.latencies.append(latency)
        phase.statuses[status] = phase.statuses.get(status, 0) + 1
        phase.body_bytes += size
        if closing:
            self.close()
        return latency


def request_bytes(url: str, host: str, cookie: str) -> bytes:
    """A browser's page request, as one byte string (asks for gzip, as browsers do)."""
    return (f"GET {url} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
            "User-Agent: cp-bench-load\r\nAccept: text/html\r\n"
            "Accept-Encoding: gzip\r\nAccept-Language: en\r\n\r\n").encode("latin-1")


async def paced_session(connection: Connection, raw: bytes, *, start: float, end: float,
                        interval: float, timeout: float, rng: random.Random) -> None:
    loop = asyncio.get_running_loop()
    due = start + rng.uniform(0, interval)
    while due < end:
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        connection.phase.lags.append(max(0.0, loop.time() - due))
        await connection.request(raw, timeout)
        due += interval * rng.uniform(0.9, 1.1)
    connection.close()


async def back_to_back_session(connection: Connection, raw: bytes, *, end: float,
                               timeout: float) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < end:
        await connection.request(raw, timeout)
    connection.close()


async def run_phase(phase: Phase, url_base: str, page: str, cookies: list[str], *,
                    seconds: float, paced: bool, interval: float, timeout: float,
                    server_pids: list[int], seed: int) -> Phase:
    host_port = url_base.removeprefix("http://")
    host, port = host_port.rsplit(":", 1)
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    server_before = {name: process_tree_cpu([pid]) for name, pid in server_pids}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    client_before = usage.ru_utime + usage.ru_stime
    phase.started = loop.time()
    end = phase.started + seconds
    tasks = []
    for cookie in cookies:
        connection = Connection(host, int(port), phase)
        raw = request_bytes(page, host_port, cookie)
        if paced:
            tasks.append(paced_session(connection, raw, start=phase.started, end=end,
                                       interval=interval, timeout=timeout, rng=rng))
        else:
            tasks.append(back_to_back_session(connection, raw, end=end, timeout=timeout))
    await asyncio.gather(*tasks)
    phase.ended = loop.time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    phase.client_cpu = usage.ru_utime + usage.ru_stime - client_before
    phase.server_cpu = {name: process_tree_cpu([pid]) - server_before[name]
                        for name, pid in server_pids}
    return phase


def describe(phase: Phase, *, offered: float | None) -> list[str]:
    wall = phase.ended - phase.started
    served = phase.served
    lines = [
        f"{phase.name}: {phase.requests} requests in {wall:.1f} s, served {served:.1f}/s"
        + (f" of {offered:.1f}/s offered" if offered else "")
        + f", {phase.connections} connections opened, "
        f"{phase.body_bytes / max(1, len(phase.latencies)) / 1024:.1f} KB a page on the wire",
        f"{phase.name}: latency ms p50 {phase.percentile(0.50):.1f}  p90 "
        f"{phase.percentile(0.90):.1f}  p99 {phase.percentile(0.99):.1f}  max "
        f"{phase.percentile(1.0):.1f}",
        f"{phase.name}: errors {phase.error_count} (non-2xx {phase.bad_statuses}"
        + "".join(f", {k} {v}" for k, v in sorted(phase.errors.items()))
        + "); statuses " + ", ".join(f"{k}: {v}" for k, v in sorted(phase.statuses.items())),
    ]
    if phase.lags:
        lags = sorted(phase.lags)
        late = sum(1 for lag in lags if lag > 0.05)
        lines.append(f"{phase.name}: start lag (the generator's own delay) p99 "
                     f"{lags[max(0, math.ceil(0.99 * len(lags)) - 1)] * 1000:.1f} ms, max "
                     f"{lags[-1] * 1000:.1f} ms, {late} requests more than 50 ms late")
    cpu = ", ".join(f"{name} {seconds / wall * 100:.0f}%" for name, seconds in
                    [("load generator", phase.client_cpu), *phase.server_cpu.items()])
    per_request = ""
    if phase.latencies and "gunicorn" in phase.server_cpu:
        each = phase.server_cpu["gunicorn"] / len(phase.latencies) * 1000
        per_request = f"; gunicorn {each:.1f} ms of CPU an answer"
    lines.append(f"{phase.name}: CPU (100% = one core of {cpu_count()}): {cpu}{per_request}")
    return lines


def wait_idle(base: str, limit: float = 120.0) -> None:
    """Until /healthz answers within 50 ms three times running: the requests a phase
    left queued in gunicorn (a client that gave up does not take its request back
    from a sync worker's queue) must not fall into the next phase."""
    started = time.monotonic()
    fast = 0
    while fast < 3 and time.monotonic() - started < limit:
        began = time.monotonic()
        try:
            status, _ = http_get(base + "/healthz", timeout=limit)
        except OSError:
            status = 0
        fast = fast + 1 if status == 200 and time.monotonic() - began < 0.05 else 0
        time.sleep(0.1)
    waited = time.monotonic() - started
    if fast < 3:
        raise BenchError(f"the stack was still busy {limit:.0f} s after a phase")
    if waited > 2:
        print(f"(the stack took {waited:.0f} s to drain the previous phase's queue)")


# --- Checks of the stack -----------------------------------------------------------

def raw_exchange(base: str, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data`` on a new connection; everything the server answers until it closes
    or pauses for a second after answering."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                sock.settimeout(1.0)
        except TimeoutError:
            pass
    return b"".join(chunks)


def head_of(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def check_stack(site: ThrowawaySite, stack: ProxyStack, page: str,
                probes: dict[str, str], upload_max: int) -> tuple[list[str], list[str]]:
    """The checks of step 3; (labels of the memberships whose page answers 200, notes)."""
    base, host = stack.base_url, stack.base_url.removeprefix("http://")
    notes = []
    good = []
    for label, cookie in probes.items():
        status, body = http_get(base + page, cookie)
        if status == 200 and '<nav class="sidenav"' in body:
            good.append(label)
        else:
            notes.append(f"left out: {label} ({page} answered {status})")
    if not good:
        raise BenchError(f"{page} answered no membership of the demo with 200 and the menu")
    cookie = probes[good[0]]

    answer = raw_exchange(base, request_bytes(page, host, cookie)
                          .replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    status, headers, body = head_of(answer)
    if status != 200 or headers.get("content-encoding") != "gzip":
        raise BenchError(f"{page} with Accept-Encoding: gzip answered {status}, "
                         f"Content-Encoding {headers.get('content-encoding')!r}")
    _, plain = http_get(base + page, cookie)
    notes.append(f"page: {page} {len(plain.encode())} bytes, gzipped by nginx")

    css = re.search(r'(/static/[^"\']+\.[0-9a-f]{12}\.css)', plain)
    if not css:
        raise BenchError(f"{page} links no hashed stylesheet under /static/")
    answer = raw_exchange(base, (f"GET {css.group(1)} HTTP/1.1\r\nHost: {host}\r\n"
                                 "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n").encode())
    status, headers, _ = head_of(answer)
    cache = headers.get("cache-control", "")
    if status != 200 or cache != "public, max-age=31536000, immutable":
        raise BenchError(f"{css.group(1)} answered {status} with Cache-Control {cache!r} "
                         "(expected nginx's 'public, max-age=31536000, immutable')")
    notes.append(f"static: {css.group(1)} from nginx, {cache}, "
                 f"Content-Encoding {headers.get('content-encoding', 'none')}")

    too_big = upload_max + 1024 * 1024 + 1
    answer = raw_exchange(base, (f"POST /accounts/login/ HTTP/1.1\r\nHost: {host}\r\n"
                                 "Content-Type: multipart/form-data; boundary=x\r\n"
                                 f"Content-Length: {too_big}\r\n\r\n").encode())
    status, _, _ = head_of(answer)
    if status != 413:
        raise BenchError(f"a body of {too_big} bytes was answered {status}, expected 413")
    notes.append(f"upload limit: a body of {too_big} bytes gets 413 from nginx")

    answer = raw_exchange(base, f"GET /accounts/login/ HTTP/1.1\r\nHost: {host}\r\n"
                                "Connection: close\r\n\r\n".encode())
    status, headers, body = head_of(answer)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", ""))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token or not csrf_cookie:
        raise BenchError(f"/accounts/login/ answered {status} without a CSRF token")
    form = (f"csrfmiddlewaretoken={token.group(1).decode()}&login="
            f"{SIGNIN_EMAIL.replace('@', '%40')}&password=not-the-password").encode()
    answer = raw_exchange(base, (f"POST /accounts/login/ HTTP/1.1\r\nHost: {host}\r\n"
                                 f"Cookie: csrftoken={csrf_cookie.group(1)}\r\n"
                                 "Content-Type: application/x-www-form-urlencoded\r\n"
                                 f"Content-Length: {len(form)}\r\n"
                                 "X-Real-IP: 203.0.113.9\r\nConnection: close\r\n\r\n")
                          .encode() + form)
    status, _, body = head_of(answer)
    if status != 200:
        raise BenchError(f"a failed sign-in through nginx answered {status} (expected 200, "
                         f"the form again): {body[:300]!r}")
    event = site.django_json(LAST_FAILED_SIGNIN)
    if not event or event["ip"] != "127.0.0.1":
        raise BenchError(f"the failed sign-in was recorded with the address "
                         f"{event and event['ip']!r}, expected 127.0.0.1 (nginx's X-Real-IP; "
                         "a client's own X-Real-IP must not count)")
    notes.append("sign-in: a failed attempt answers 200; the portal records 127.0.0.1 "
                 "(a client's own X-Real-IP is replaced)")
    return good, notes


# --- The run -----------------------------------------------------------------------

def arguments(argv: list[str]) -> argparse.Namespace:
    workers, threads = deploy_profile()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float,
                   default=float(os.environ.get("BENCH_LOAD_SECONDS", 60)),
                   help="length of each phase (default 60)")
    p.add_argument("--sessions", type=int, default=1000, help="paced sessions (1000)")
    p.add_argument("--interval", type=float, default=5.0,
                   help="seconds between two requests of a paced session (5)")
    p.add_argument("--b2b-sessions", type=int, default=200,
                   help="back-to-back sessions (200)")
    p.add_argument("--url", default="/p/invoices/", help="the page every session asks for")
    p.add_argument("--timeout", type=float, default=10.0, help="per request (10 s)")
    p.add_argument("--direct", action="store_true",
                   help="also run both phases straight at gunicorn, for information")
    p.add_argument("--database", choices=["sqlite", "mariadb"],
                   default=os.environ.get("BENCH_DATABASE", "sqlite")
                   if os.environ.get("BENCH_DATABASE") in ("sqlite", "mariadb") else "sqlite")
    p.add_argument("--workers", type=int, default=workers,
                   help=f"gunicorn workers (bench.cfg: {workers})")
    p.add_argument("--threads", type=int, default=threads,
                   help=f"threads per worker (bench.cfg: {threads})")
    p.add_argument("--keep", action="store_true", help="keep the throwaway site")
    return p.parse_args(argv)


def raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < needed:
            raise BenchError(f"{needed} open files needed, the hard limit is {hard}")


def verdict(name: str, ratio: float, errors: int) -> str:
    ratio = round(ratio, 2) if math.isfinite(ratio) else 0.0
    met = ratio >= 1.0 and errors == 0
    return f"{name}: ratio={ratio:.2f} target=1.00 {'met' if met else 'short'}"


def measure(site: ThrowawaySite, args) -> int:
    raise_file_limit(max(args.sessions, args.b2b_sessions) + 256)
    site.prepare(demo_rows=4)
    members = site.django_json(MEMBERSHIPS)
    upload_max = int(site.django("from django.conf import settings\n"
                                 "print(settings.FILE_UPLOAD_MAX_BYTES)").strip())
    with ProxyStack(site, workers=args.workers, threads=args.threads,
                    direct=args.direct) as stack:
        probe_cookies = site.django_json(MAKE_SESSIONS.format(
            wanted=[(email, org) for email, org, _role in members], count=len(members)))
        probes = {f"{email} in {org} ({role})": cookie
                  for (email, org, role), cookie in zip(members, probe_cookies, strict=True)}
        good, notes = check_stack(site, stack, args.url, probes, upload_max)
        chosen = [(email, org) for (email, org, role) in members
                  if f"{email} in {org} ({role})" in good]
        count = max(args.sessions, args.b2b_sessions)
        cookies = site.django_json(MAKE_SESSIONS.format(wanted=chosen, count=count),
                                   timeout=600)
        print(f"site: {site.database}, DEBUG off; {count} signed-in sessions spread over "
              f"{len(chosen)} memberships of the demo's clients; page {args.url}")
        print(f"stack: {stack.description}")
        for note in notes:
            print(f"check: {note}")
        # Warm-up: every worker has imported, compiled and cached what the page needs.
        for cookie in cookies[:4 * args.workers]:
            http_get(stack.base_url + args.url, cookie)

        targets = [("proxy", stack.base_url)]
        if args.direct:
            targets.append(("direct", stack.direct_url))
        results: dict[str, tuple[Phase, Phase]] = {}
        offered = args.sessions / args.interval
        for label, base in targets:
            pids = list(stack.pids().items()) if label == "proxy" else \
                [("gunicorn", stack.pids()["gunicorn"])]
            # Back to back first: it measures what the stack can serve, which the
            # paced phase's offered rate is then compared with.
            wait_idle(stack.base_url)
            print(f"{label}: back to back, {args.b2b_sessions} sessions, "
                  f"{args.seconds:g} s ...", flush=True)
            b2b = asyncio.run(run_phase(
                Phase(f"{label}.back_to_back"), base, args.url, cookies[:args.b2b_sessions],
                seconds=args.seconds, paced=False, interval=args.interval,
                timeout=args.timeout, server_pids=pids, seed=2))
            for line in describe(b2b, offered=None):
                print(line)
            wait_idle(stack.base_url)
            print(f"{label}: paced, {args.sessions} sessions, one page every "
                  f"{args.interval:g} s each (x 0.9 to 1.1), {args.seconds:g} s ...", flush=True)
            paced = asyncio.run(run_phase(
                Phase(f"{label}.paced"), base, args.url, cookies[:args.sessions],
                seconds=args.seconds, paced=True, interval=args.interval,
                timeout=args.timeout, server_pids=pids, seed=1))
            for line in describe(paced, offered=offered):
                print(line)
            capacity = b2b.served
            if capacity:
                print(f"{label}: the paced phase offered {offered:.1f}/s, "
                      f"{offered / capacity * 100:.0f}% of the {capacity:.1f}/s served "
                      "back to back")
            results[label] = (paced, b2b)
        # The 413 check leaves one line of its own ("client intended to send too
        # large body"); anything else is for the report.
        warnings = [line for line in stack.nginx_warnings()
                    if re.search(r"\[(warn|error|crit|alert|emerg)\]", line)
                    and "client intended to send too large body" not in line]
    if warnings:
        print(f"nginx error log: {len(warnings)} lines, the first: {warnings[:5]}")
    else:
        print("nginx error log: no warnings or errors")
    print(f"load average after {load_average()}")

    if args.direct:
        paced, b2b = results["direct"]
        print(f"for information, straight at gunicorn: paced p99 {paced.percentile(0.99):.1f} "
              f"ms, {paced.error_count} errors; back to back p50 "
              f"{b2b.percentile(0.5):.1f} ms p99 {b2b.percentile(0.99):.1f} ms, "
              f"{b2b.error_count} errors")
    paced, b2b = results["proxy"]
    paced_ratio = PACED_P99_MS / paced.percentile(0.99) if paced.latencies else 0.0
    b2b_ratio = (B2B_SPREAD * b2b.percentile(0.5) / b2b.percentile(0.99)
                 if b2b.latencies else 0.0)
    for phase in (paced, b2b):
        if phase.error_count:
            print(f"short: {phase.name} had {phase.error_count} errors")
    print(verdict(f"{NAME}.paced", paced_ratio, paced.error_count))
    print(verdict(f"{NAME}.back_to_back", b2b_ratio, b2b.error_count))
    print(verdict(NAME, min(round(paced_ratio, 2), round(b2b_ratio, 2)),
                  paced.error_count + b2b.error_count))
    return 0


def main(argv: list[str]) -> int:
    args = arguments(argv[1:])
    print(f"machine: {cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}, load average before {load_average()}")
    database_url = None
    db = None
    if args.database == "mariadb":
        if not mariadb_answers():
            return fail(NAME, "MariaDB does not answer on 127.0.0.1:3306")
        db = MariaDBDatabase("cp_load")
    site = None
    try:
        if db is not None:
            db.__enter__()
            database_url = db.url
        site = ThrowawaySite("load", database_url=database_url)
        return measure(site, args)
    except BenchError as exc:
        return fail(NAME, str(exc))
    finally:
        if site is not None:
            if args.keep:
                print(f"kept: {site.tmp}")
            else:
                site.remove()
        if db is not None:
            db.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""HTML to PDF with a warm Chromium (Debian's ``chromium``, driven by Playwright).

Used by :func:`apps.client_portal.documents.pdf.render_pdf` when the engine is
Chromium (setting ``PDF_ENGINE``); call that, not this module. Public API::

    get_engine() -> ChromiumEngine          # this process's engine (lazily made)
    ChromiumEngine.start() -> float         # launch if needed; seconds spent
    ChromiumEngine.render(html, stylesheets=(), timeout=None) -> bytes
    executable_path() -> str | None         # CHROMIUM_PATH or /usr/bin/chromium, if usable
    ChromiumUnavailable, ChromiumRenderError, PdfRenderTimeout

One browser per process, started on first use and kept warm; one page reused
for every render. Playwright's sync API is bound to the thread that started it,
so the browser lives on a dedicated thread ("pdf-chromium") and renders from
any thread are queued to it (serialized). A process that finds itself forked
(``os.getpid()`` changed) leaves the parent's browser alone and starts its own;
a browser (or page) that crashed is started again and the render retried once.

What a render does:

* ``page.set_content(html)`` with JavaScript disabled, on a page whose URL is
  ``http://pdf.invalid/`` (a name that never resolves), so ``/static/...``
  URLs resolve there;
* every request goes through route interception: ``static:`` URLs and
  ``http://pdf.invalid/<STATIC_URL>...`` are served from disk with
  :func:`~apps.client_portal.documents.pdf.find_static` (the resolver
  WeasyPrint's URL fetcher uses); everything else is refused and logged
  (``refused`` lists what the last render refused); a navigation (meta refresh,
  iframe) gets an empty 204 so the page stays put;
* no network at all, even for what route interception does not see (preconnect,
  DNS prefetch): Chromium is started with every host name mapped to "not found"
  and a proxy on a closed loopback port, loopback included;
* the static stylesheets (``documents/print.css`` ...) are inlined at the top of
  ``<head>`` in a cascade layer, so the document's own styles win over them, as
  WeasyPrint's "user" stylesheets lose to the document's; with them a rule that
  hides the document from the *screen* (``@media screen``), so Chromium lays it
  out only for print (it would also lay it out for the screen, twice);
* ``set_content`` waits only until the HTML is parsed when it names no
  subresource (no ``src=``, ``href=``, ``url(``...), else for the load event;
* ``page.pdf()`` with the CSS page size and margins (``@page``). Chromium 131 and
  later draws ``@page`` margin boxes (``@bottom-right { content: "Page "
  counter(page) " of " counter(pages) }``) as WeasyPrint does, so the running
  footer and "Page X of Y" come from the same CSS in both engines and no
  ``footer_template`` is used (it would print a second footer). An older
  Chromium is refused (``ChromiumUnavailable``) and WeasyPrint renders.

A render that takes longer than the timeout (setting ``PDF_RENDER_TIMEOUT``,
30 s) raises :class:`PdfRenderTimeout`; the browser is killed so the stuck page
cannot block the next render, and the next render starts a new one. A browser
left unused for ``PDF_CHROMIUM_IDLE_SECONDS`` (600 s; 0: never) is closed, and
started again by the next render: Chromium and Playwright's driver hold about
0.5 GB per process.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import logging
import mimetypes
import os
import queue
import re
import signal
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_EXECUTABLE = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No network even for what route interception never sees (preconnect, DNS
    # prefetch): no name resolves, and any connection would go to a closed
    # loopback port, loopback addresses included.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]
# The first Chromium that draws @page margin boxes (the footer and page numbers).
MIN_MAJOR_VERSION = 131
ORIGIN = "http://pdf.invalid"  # RFC 2606: never resolves
BLANK_URL = ORIGIN + "/"
BLANK_HTML = '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>'
DEFAULT_TIMEOUT = 30.0
LAUNCH_TIMEOUT = 30.0
# A browser with nothing to do for this long is closed (setting PDF_CHROMIUM_IDLE_SECONDS;
# 0: never): Chromium and Playwright's driver hold about 0.5 GB per process.
DEFAULT_IDLE_SECONDS = 600.0
# A new page now and then, so that a long-lived worker does not keep one page forever.
RECYCLE_PAGE_AFTER = 500
# WeasyPrint's default page margin (its user-agent @page rule), for documents
# without their own @page margin; an @page margin in the CSS always wins.
DEFAULT_MARGIN = {"top": "75px", "right": "75px", "bottom": "75px", "left": "75px"}

# Anything that may make the page load a subresource (then wait for "load").
_SUBRESOURCE = re.compile(
    r"""\b(?:src|srcset|href|data|poster|background)\s*=|url\s*\(|@import""", re.IGNORECASE
)
_HEAD_OPEN = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_DOCTYPE = re.compile(r"^\s*(?:<!--.*?-->\s*)*<!doctype[^>]*>", re.IGNORECASE | re.DOTALL)


class ChromiumUnavailable(RuntimeError):
    """Chromium is missing, will not start, or is too old to draw @page margin boxes."""


class ChromiumRenderError(RuntimeError):
    """Chromium failed to render a document (after one restart)."""


class PdfRenderTimeout(TimeoutError):
    """A PDF render took longer than its timeout."""


def _setting(name: str, default: Any) -> Any:
    try:
        from django.conf import settings

        if settings.configured:
            return getattr(settings, name, default)
    except ImportError:  # pragma: no cover - Django is a dependency
        pass
    return default


def executable_path() -> str | None:
    """The Chromium binary to use (setting or environment ``CHROMIUM_PATH``), if it is there."""
    path = _setting("CHROMIUM_PATH", None) or os.environ.get("CHROMIUM_PATH") or DEFAULT_EXECUTABLE
    path = str(path)
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return None


def idle_seconds() -> float:
    """Seconds an unused browser stays open (setting ``PDF_CHROMIUM_IDLE_SECONDS``; 0: always)."""
    return float(_setting("PDF_CHROMIUM_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))


def render_timeout() -> float:
    """Seconds a render may take (setting ``PDF_RENDER_TIMEOUT``, default 30)."""
    return float(_setting("PDF_RENDER_TIMEOUT", DEFAULT_TIMEOUT))


# --------------------------------------------------------------------------
# Static files and stylesheets


def _static_url_path() -> str:
    """The path part of STATIC_URL (``/static/``), where the page finds static files."""
    url = str(_setting("STATIC_URL", "/static/") or "/static/")
    path = urlsplit(url).path or "/static/"
    if not path.startswith("/"):
        path = "/" + path
    return path if path.endswith("/") else path + "/"


def _local_file(url: str) -> Path | None:
    """The static file ``url`` names, if it is one we serve, else None."""
    from .pdf import find_static

    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme == "static":
        return find_static(urlsplit(rest).path)
    if url.startswith(ORIGIN + "/"):
        path = unquote(urlsplit(url).path)
        prefix = _static_url_path()
        if path.startswith(prefix):
            return find_static(path[len(prefix):])
    return None


_css_cache: dict[str, tuple[int, str]] = {}
_css_lock = threading.Lock()


def _stylesheet_text(name: str) -> str:
    """The text of a static stylesheet, read again only when the file changes."""
    from .pdf import find_static

    path = find_static(name)
    if path is None:
        raise FileNotFoundError(f"static stylesheet not found: {name}")
    mtime = os.stat(path).st_mtime_ns
    with _css_lock:
        cached = _css_cache.get(str(path))
        if cached is None or cached[0] != mtime:
            cached = (mtime, path.read_text(encoding="utf-8"))
            _css_cache[str(path)] = cached
    return cached[1]


def clear_caches() -> None:
    with _css_lock:
        _css_cache.clear()


# Chromium lays a page out for the screen too (after the content is written, and
# again after printing): hiding the document from the screen leaves only the print
# layout, about a third less work per render. Print output is unchanged: printing
# uses the "print" media type.
_NO_SCREEN = "@media screen { html { display: none !important; } }"


def _prepared(html: str, stylesheets: Sequence[str]) -> str:
    """``html`` with our styles at the top of its head: the screen hidden, and the
    static stylesheets in a cascade layer.

    Unlayered styles (the document's own) win over layered ones whatever their
    specificity: the same precedence as WeasyPrint's user stylesheets.
    """
    parts = [_NO_SCREEN]
    if stylesheets:
        css = "\n".join(_stylesheet_text(name) for name in stylesheets)
        parts.append(f"@layer pdf-base {{\n{css}\n}}")
    block = "<style>" + "\n".join(parts) + "</style>"
    head = _HEAD_OPEN.search(html)
    if head:
        return html[: head.end()] + block + html[head.end():]
    doctype = _DOCTYPE.match(html)
    if doctype:  # keep the doctype first (no quirks mode); the parser makes the head
        return html[: doctype.end()] + block + html[doctype.end():]
    return block + html


# --------------------------------------------------------------------------
# The engine


class _Job:
    __slots__ = ("fn", "future", "started")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.future: concurrent.futures.Future = concurrent.futures.Future()
        self.started = threading.Event()


class ChromiumEngine:
    """One Chromium and one reused page, owned by one thread of this process."""

    def __init__(self, executable: str | None = None, *, timeout: float | None = None,
                 launch_timeout: float = LAUNCH_TIMEOUT, idle: float | None = None) -> None:
        self.executable = executable
        self.timeout = timeout
        self.launch_timeout = launch_timeout
        self.idle = idle_seconds() if idle is None else idle
        self.pid = os.getpid()
        self.version: str | None = None
        self.browser_pid: int | None = None
        self._running = False  # set by the worker thread after a launch, cleared on shut-down
        self.launches = 0
        self.renders = 0
        self.refused: list[str] = []  # what the last render refused
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._closed = False
        self._current: _Job | None = None  # the job the worker thread runs
        self._abandoned = False  # the caller gave up on the current job (timeout)
        # Owned by the worker thread only:
        self._playwright = None
        self._browser = None
        self._context = None
        self._page = None
        self._page_renders = 0

    # -- the caller's side -------------------------------------------------

    def _submit(self, fn: Callable[[], Any], *, timeout: float, what: str) -> Any:
        if self._closed:
            raise ChromiumUnavailable("the Chromium engine is closed")
        if os.getpid() != self.pid:
            raise ChromiumUnavailable("this engine belongs to another process (fork)")
        self._ensure_thread()
        job = _Job(fn)
        self._jobs.put(job)
        # Renders queued before this one have their own timeouts; wait for those too.
        if not job.started.wait(timeout * 4 + self.launch_timeout):
            job.future.cancel()
            raise PdfRenderTimeout(f"{what}: Chromium stayed busy with earlier renders")
        try:
            return job.future.result(timeout)
        except concurrent.futures.TimeoutError:
            if job.future.done():  # finished just now after all
                return job.future.result()
            if self._current is job:
                self._kill_browser(f"{what} took longer than {timeout:g} s")
            raise PdfRenderTimeout(f"{what} took longer than {timeout:g} s") from None

    @property
    def started(self) -> bool:
        """Whether this process's browser is up (a hint: a crash shows on the next render)."""
        return self._running and not self._closed and self.pid == os.getpid()

    def _ensure_thread(self) -> None:
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="pdf-chromium",
                                                daemon=True)
                self._thread.start()

    def start(self) -> float:
        """Launch Chromium if it is not running; the seconds spent (0.0 when warm).

        Raises :class:`ChromiumUnavailable` when it cannot be started.
        """
        return self._submit(self._start, timeout=self.launch_timeout + 5, what="launch")

    def render(self, html: str, *, stylesheets: Sequence[str] = (),
               timeout: float | None = None) -> bytes:
        """The PDF of ``html`` with the static ``stylesheets`` inlined first."""
        timeout = timeout if timeout is not None else (self.timeout or render_timeout())
        content = _prepared(html, stylesheets)
        wait_until = "load" if _SUBRESOURCE.search(content) else "commit"
        return self._submit(lambda: self._render(content, wait_until, timeout),
                            timeout=timeout, what="PDF render")

    def close(self, timeout: float = 10.0) -> None:
        """Close the page, the browser and Playwright, and end the thread."""
        if self._closed:
            return
        self._closed = True
        if os.getpid() != self.pid:
            return  # the parent's browser: not ours to close
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._jobs.put(None)
            thread.join(timeout)

    def _kill_browser(self, why: str) -> None:
        """Kill the browser process from any thread, to unblock a stuck render."""
        self._abandoned = True
        pid = self.browser_pid
        logger.error("PDF render (Chromium): %s; killing the browser (pid %s)", why, pid)
        if pid:
            with contextlib.suppress(OSError):  # already gone
                os.kill(pid, signal.SIGKILL)

    # -- the worker thread -------------------------------------------------

    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self.idle if self.idle > 0 and self._running
                                     else None)
            except queue.Empty:
                logger.info("PDF engine: Chromium unused for %g s; closing it", self.idle)
                self._shut_down()
                continue
            if job is None:
                break
            if not job.future.set_running_or_notify_cancel():
                continue
            self._abandoned = False
            self._current = job
            job.started.set()
            try:
                job.future.set_result(job.fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                job.future.set_exception(exc)
            finally:
                self._current = None
        self._shut_down()

    def _alive(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    def _start(self) -> float:
        if self._alive():
            return 0.0
        self._shut_down()
        started = time.perf_counter()
        executable = self.executable or executable_path()
        if executable is None:
            raise ChromiumUnavailable(
                f"no Chromium at {_setting('CHROMIUM_PATH', None) or DEFAULT_EXECUTABLE}")
        try:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True,
                timeout=self.launch_timeout * 1000,
            )
        except Exception as exc:
            self._shut_down()
            raise ChromiumUnavailable(f"Chromium ({executable}) did not start: {exc}") from exc
        self.version = self._browser.version
        try:
            major = int(self.version.split(".")[0])
        except ValueError:
            major = 0
        if major < MIN_MAJOR_VERSION:
            version = self.version
            self._shut_down()
            raise ChromiumUnavailable(
                f"Chromium {version} draws no @page margin boxes (footer, page numbers); "
                f"{MIN_MAJOR_VERSION} or later is needed")
        self.browser_pid = self._find_browser_pid()
        self.launches += 1
        self._running = True
        seconds = time.perf_counter() - started
        logger.info("PDF engine: Chromium %s started in %.2f s (pid %s)", self.version,
                    seconds, self.browser_pid)
        return seconds

    def _find_browser_pid(self) -> int | None:
        try:
            session = self._browser.new_browser_cdp_session()
            info = session.send("SystemInfo.getProcessInfo")
            session.detach()
        except Exception:  # noqa: BLE001 - only needed to kill a stuck browser
            logger.warning("PDF engine: could not learn Chromium's process id", exc_info=True)
            return None
        for process in info.get("processInfo", []):
            if process.get("type") == "browser":
                return int(process["id"])
        return None

    def _new_page(self):
        if self._context is None:
            self._context = self._browser.new_context(
                java_script_enabled=False, service_workers="block", accept_downloads=False,
            )
            self._context.route("**/*", self._route)
        page = self._context.new_page()
        page.goto(BLANK_URL, wait_until="load", timeout=self.launch_timeout * 1000)
        self._page_renders = 0
        return page

    def _route(self, route) -> None:
        request = route.request
        url = request.url
        try:
            if url == BLANK_URL:
                route.fulfill(status=200, body=BLANK_HTML,
                              content_type="text/html; charset=utf-8")
                return
            path = _local_file(url)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                route.fulfill(status=200, body=path.read_bytes(), content_type=content_type)
                return
            self.refused.append(url)
            logger.warning("PDF render: refused to fetch %.200s (Chromium)", url)
            if request.is_navigation_request():
                route.fulfill(status=204, body="")  # stay on the page
            else:
                route.abort("blockedbyclient")
        except Exception:  # noqa: BLE001 - the page went away meanwhile
            logger.debug("PDF render: route for %.200s failed", url, exc_info=True)

    def _render(self, html: str, wait_until: str, timeout: float) -> bytes:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for attempt in (1, 2):
            self._start()
            try:
                if self._page is None or self._page.is_closed() or \
                        self._page_renders >= RECYCLE_PAGE_AFTER:
                    if self._page is not None and not self._page.is_closed():
                        self._page.close()
                    self._page = self._new_page()
                elif self._page.url != BLANK_URL:  # navigated away somehow: back home
                    self._page.goto(BLANK_URL, wait_until="load")
                self.refused = []
                self._page.set_content(html, wait_until=wait_until, timeout=timeout * 1000)
                data = self._page.pdf(
                    format="A4", print_background=True, prefer_css_page_size=True,
                    margin=DEFAULT_MARGIN, display_header_footer=False,
                    tagged=False, outline=False,
                )
                self._page_renders += 1
                self.renders += 1
                return data
            except PlaywrightTimeout as exc:
                self._drop_page()
                raise PdfRenderTimeout(f"PDF render took longer than {timeout:g} s") from exc
            except PlaywrightError as exc:
                crashed = not self._alive()
                self._drop_page()
                if crashed:
                    self._shut_down()
                if self._abandoned:
                    raise PdfRenderTimeout("PDF render abandoned after its timeout") from exc
                if attempt == 1:  # a new page (and browser, if it went away), once
                    logger.warning("PDF engine: Chromium %s (%s); trying again",
                                   "went away" if crashed else "failed",
                                   str(exc).splitlines()[0] if str(exc) else exc)
                    continue
                raise ChromiumRenderError(f"Chromium could not render the PDF: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _drop_page(self) -> None:
        page, self._page = self._page, None
        if page is not None:
            with contextlib.suppress(Exception):  # a crashed page cannot be closed
                page.close()

    def _shut_down(self) -> None:
        """Close whatever is open (on the worker thread); never raises."""
        self._running = False
        self._drop_page()
        for attr in ("_context", "_browser"):
            obj = getattr(self, attr)
            setattr(self, attr, None)
            if obj is not None:
                with contextlib.suppress(Exception):  # a crashed browser cannot be closed
                    obj.close()
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            with contextlib.suppress(Exception):
                playwright.stop()
        self.browser_pid = None


# --------------------------------------------------------------------------
# One engine per process

_engine: ChromiumEngine | None = None
_engine_lock = threading.Lock()
# Engines inherited from a parent process: kept referenced, never used or closed
# (their thread and browser belong to the parent).
_inherited: list[ChromiumEngine] = []


def get_engine() -> ChromiumEngine:
    """This process's engine; a forked child gets a new one (and a new browser)."""
    global _engine
    with _engine_lock:
        if _engine is not None and (_engine.pid != os.getpid() or _engine._closed):
            if _engine.pid != os.getpid():
                _inherited.append(_engine)
            _engine = None
        if _engine is None:
            _engine = ChromiumEngine()
        return _engine


def shut_down() -> None:
    """Close this process's engine (at exit, or in tests)."""
    global _engine
    with _engine_lock:
        engine, _engine = _engine, None
    if engine is not None and engine.pid == os.getpid():
        engine.close()


def _after_fork_in_child() -> None:
    global _engine, _engine_lock
    _engine_lock = threading.Lock()  # it may have been held by another thread at fork
    if _engine is not None:
        _inherited.append(_engine)
        _engine = None


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(shut_down)

__all__ = [
    "CHROMIUM_ARGS",
    "ChromiumEngine",
    "ChromiumRenderError",
    "ChromiumUnavailable",
    "PdfRenderTimeout",
    "clear_caches",
    "executable_path",
    "get_engine",
    "render_timeout",
    "shut_down",
]

"""HTML to PDF rendering: a warm Chromium where there is one, WeasyPrint otherwise.

Public API::

    render_pdf(html, *, base_url=None, stylesheets=(), print_css=True,
               url_fetcher=None, engine=None) -> bytes
    render_template_to_pdf(template_name, context=None, request=None, *,
                           base_url=None, stylesheets=(), print_css=True) -> bytes
    warm_up(engine=None) -> float           # seconds spent; call once per process
    active_engine(engine=None) -> str       # "chromium" or "weasyprint", as render_pdf would
    engine_setting() -> str                 # settings.PDF_ENGINE: auto|chromium|weasyprint
    make_url_fetcher() -> LocalOnlyURLFetcher   # .refused lists refused URLs
    PdfResourceRefused                      # the error the fetcher raises
    PdfRenderTimeout                        # a Chromium render over PDF_RENDER_TIMEOUT

``render_pdf`` does not need Django; only ``render_template_to_pdf`` does (and
``render_pdf`` reads Django's settings and static directories when settings are
configured).

Engines (setting ``PDF_ENGINE``, default ``"auto"``):

* ``"auto"``: Chromium (``documents/chromium.py``: Debian's ``/usr/bin/chromium``
  or ``CHROMIUM_PATH``, driven by Playwright, one warm browser per process) when
  it is installed and starts; WeasyPrint otherwise. A Chromium that does not
  start is logged and tried again after 5 minutes; a render that Chromium fails
  (after restarting it once) is logged and rendered with WeasyPrint.
* ``"chromium"``: Chromium only; an error if it cannot start or render.
* ``"weasyprint"``: WeasyPrint only.

Both engines get the same HTML and the same static stylesheets
(``documents/print.css`` first, then ``stylesheets``) and give the same pages:
A4, the ``@page`` margins, the ``@page`` margin boxes (running footer, "Page X
of Y"), DejaVu Sans. tests/documents/test_pdf_engines.py compares them.

WeasyPrint, tuned for many small documents (``bench/pdf_render.py``):

* one process-wide ``FontConfiguration`` instead of one per document;
* the shared print stylesheet ``documents/print.css`` (and any extra static
  stylesheet) is parsed once into a ``weasyprint.CSS`` and reused, re-parsed
  only when the file changes;
* ``warm_up()`` pays the WeasyPrint import (about 0.35 to 0.55 s) and the first
  font load (or Chromium's start, about 1 s) at process start, not on the first
  request: web processes and RQ workers call it when they start. A forked child
  (RQ's default worker) cannot use its parent's Chromium and starts its own on
  its first render: render PDFs in a non-forking worker (``rq.SimpleWorker``);
* no web fonts (DejaVu Sans is a system font), no image re-encoding
  (``optimize_images`` off), subset fonts (``full_fonts`` off: embedding whole
  fonts more than doubled the render time).

Security: no engine touches the network. WeasyPrint's URL fetcher serves
``static:`` URLs (``<img src="static:documents/logo.png">``) and ``file:`` URLs
that lie inside a static directory from disk, and ``data:`` URLs; it refuses
everything else (``http:``, ``https:``, ``ftp:``, files outside static
directories), so a user-controlled string in a template cannot make the server
fetch an internal address (SSRF) or read a local file. A refused resource is
left out of the PDF and the render still succeeds. Chromium serves ``static:``
and ``/static/...`` URLs from the same directories (:func:`find_static`) and
refuses everything else; see ``chromium.py``.

Thread safety: WeasyPrint's font configuration (Pango/fontconfig) is not meant
to be shared between threads, so WeasyPrint renders in one process are
serialized by a lock; Chromium renders are queued to the one thread that owns
the browser. Scale with processes (gunicorn workers, RQ workers).
"""

from __future__ import annotations

import logging
import mimetypes
import os
import threading
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

logger = logging.getLogger(__name__)

DOCUMENTS_DIR = Path(__file__).resolve().parent
APPS_DIR = DOCUMENTS_DIR.parent
PRINT_CSS = "documents/print.css"

ENGINES = ("auto", "chromium", "weasyprint")
# After Chromium failed to start, "auto" renders with WeasyPrint for this long.
RETRY_CHROMIUM_AFTER = 300.0

_render_lock = threading.RLock()
_warm_lock = threading.Lock()
_warmed_pid: int | None = None
_chromium_state_lock = threading.Lock()
_chromium_failed_at: float | None = None
_no_chromium_logged = False


class PdfResourceRefused(ValueError):
    """A resource URL the PDF renderer will not fetch (remote, or outside static)."""


# --------------------------------------------------------------------------
# Static files, without the network


def _static_roots() -> tuple[tuple[str, Path], ...]:
    """(prefix, directory) pairs where static files may be read from.

    Without Django: every ``apps/client_portal/*/static``. With Django settings
    configured: also each installed app's ``static`` folder, STATICFILES_DIRS
    (with their optional prefix) and STATIC_ROOT.
    """
    roots: list[tuple[str, Path]] = [("", p) for p in sorted(APPS_DIR.glob("*/static"))]
    try:
        from django.conf import settings

        if settings.configured:
            from django.apps import apps

            if apps.ready:
                for app_config in apps.get_app_configs():
                    roots.append(("", Path(app_config.path) / "static"))
            for entry in getattr(settings, "STATICFILES_DIRS", ()) or ():
                if isinstance(entry, list | tuple):
                    roots.append((str(entry[0]).strip("/"), Path(entry[1])))
                else:
                    roots.append(("", Path(entry)))
            if getattr(settings, "STATIC_ROOT", None):
                roots.append(("", Path(settings.STATIC_ROOT)))
    except ImportError:  # pragma: no cover - Django is a dependency
        pass
    seen: set[tuple[str, Path]] = set()
    result = []
    for prefix, path in roots:
        try:
            resolved = path.resolve()
        except OSError:  # pragma: no cover
            continue
        if resolved.is_dir() and (prefix, resolved) not in seen:
            seen.add((prefix, resolved))
            result.append((prefix, resolved))
    return tuple(result)


_static_roots_cached = cache(_static_roots)


def clear_caches() -> None:
    """Forget the static directories and parsed stylesheets (tests, settings changes)."""
    _static_roots_cached.cache_clear()
    _stylesheet_cache.clear()
    from . import chromium

    chromium.clear_caches()


def find_static(relative_path: str) -> Path | None:
    """The file for a static path such as ``documents/print.css``, or None."""
    relative_path = unquote(relative_path).lstrip("/")
    if not relative_path or "\x00" in relative_path:
        return None
    for prefix, root in _static_roots_cached():
        rel = relative_path
        if prefix:
            if not rel.startswith(prefix + "/"):
                continue
            rel = rel[len(prefix) + 1 :]
        candidate = (root / rel).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


def _inside_static_roots(path: Path) -> bool:
    return any(path.is_relative_to(root) for _, root in _static_roots_cached())


# --------------------------------------------------------------------------
# WeasyPrint, imported lazily (the import alone costs about 0.35 to 0.55 s)


@cache
def _weasyprint():
    import weasyprint

    return weasyprint


@cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyURLFetcher(URLFetcher):
        """Serves ``static:``, in-static ``file:`` and ``data:`` URLs; refuses the rest.

        ``refused`` lists the URLs it refused, in order.
        """

        def __init__(self) -> None:
            super().__init__(timeout=1, allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []

        def _refuse(self, url: str, why: str):
            self.refused.append(url)
            logger.warning("PDF render: refused to fetch %.200s (%s)", url, why)
            raise PdfResourceRefused(f"refused to fetch {url[:200]}: {why}")

        def _file_response(self, url: str, path: Path):
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": content_type}
            )

        def fetch(self, url, headers=None):
            scheme, _, rest = url.partition(":")
            scheme = scheme.lower()
            if scheme == "data":
                # Decoded by urllib's DataHandler: no network involved.
                return super().fetch(url, headers)
            if scheme == "static":
                path = find_static(urlsplit(rest).path)
                if path is None:
                    self._refuse(url, "no such static file")
                return self._file_response(url, path)
            if scheme == "file":
                path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
                if not _inside_static_roots(path):
                    self._refuse(url, "local file outside the static directories")
                if not path.is_file():
                    self._refuse(url, "no such static file")
                return self._file_response(url, path)
            return self._refuse(url, f"{scheme or 'relative'} URLs are never fetched")

    return LocalOnlyURLFetcher


def make_url_fetcher():
    """A new network-free URL fetcher; its ``refused`` list records refusals."""
    return _fetcher_class()()


_stylesheet_cache: dict[tuple[str, int], Any] = {}


def _stylesheet(relative_path: str):
    """The parsed ``weasyprint.CSS`` for a static stylesheet, parsed once per version."""
    path = find_static(relative_path)
    if path is None:
        raise FileNotFoundError(f"static stylesheet not found: {relative_path}")
    key = (str(path), os.stat(path).st_mtime_ns)
    css = _stylesheet_cache.get(key)
    if css is None:
        css = _weasyprint().CSS(
            filename=str(path), url_fetcher=make_url_fetcher(), font_config=_font_config()
        )
        for old in [k for k in _stylesheet_cache if k[0] == key[0]]:
            del _stylesheet_cache[old]
        _stylesheet_cache[key] = css
    return css


# --------------------------------------------------------------------------
# Engine choice


def engine_setting() -> str:
    """``settings.PDF_ENGINE`` (``"auto"`` when unset or without Django settings)."""
    value = "auto"
    try:
        from django.conf import settings

        if settings.configured:
            value = getattr(settings, "PDF_ENGINE", "auto") or "auto"
    except ImportError:  # pragma: no cover - Django is a dependency
        pass
    return _checked_engine(value)


def _checked_engine(value: str) -> str:
    value = str(value).strip().lower()
    if value not in ENGINES:
        raise ValueError(f"PDF engine must be one of {', '.join(ENGINES)}, not {value!r}")
    return value


def _chromium(strict: bool):
    """The started Chromium engine, or None where "auto" falls back to WeasyPrint."""
    global _chromium_failed_at, _no_chromium_logged
    from . import chromium

    engine = chromium.get_engine()
    if engine.started:  # the usual case: warm (a crash is handled by the render itself)
        return engine
    if not strict:
        if chromium.executable_path() is None:
            if not _no_chromium_logged:
                _no_chromium_logged = True
                logger.info("PDF engine: no Chromium installed; rendering with WeasyPrint")
            return None
        with _chromium_state_lock:
            failed_at = _chromium_failed_at
        if failed_at is not None and time.monotonic() - failed_at < RETRY_CHROMIUM_AFTER:
            return None
    try:
        engine.start()
    except chromium.ChromiumUnavailable as exc:
        if strict:
            raise
        with _chromium_state_lock:
            _chromium_failed_at = time.monotonic()
        logger.warning("PDF engine: %s; rendering with WeasyPrint (trying Chromium again in "
                       "%.0f s)", exc, RETRY_CHROMIUM_AFTER)
        return None
    with _chromium_state_lock:
        _chromium_failed_at = None
    return engine


def active_engine(engine: str | None = None) -> str:
    """``"chromium"`` or ``"weasyprint"``: what :func:`render_pdf` renders with now.

    With Chromium chosen (or "auto" and Chromium installed) this starts it.
    """
    choice = _checked_engine(engine) if engine else engine_setting()
    if choice == "weasyprint":
        return "weasyprint"
    return "chromium" if _chromium(strict=choice == "chromium") is not None else "weasyprint"


# --------------------------------------------------------------------------
# Rendering


def render_pdf(
    html: str,
    *,
    base_url: str | None = None,
    stylesheets: Sequence[str] = (),
    print_css: bool = True,
    url_fetcher: Any = None,
    engine: str | None = None,
) -> bytes:
    """Render an HTML string to PDF bytes.

    ``stylesheets`` names extra static stylesheets (``"billing/invoice.css"``),
    applied after ``documents/print.css`` (left out with ``print_css=False``),
    with less weight than the document's own styles; each is read once and
    cached. ``engine`` overrides the ``PDF_ENGINE`` setting for this call.

    WeasyPrint only: ``base_url`` resolves relative URLs (only ``static:`` or
    ``file:`` URLs inside a static directory are ever read); ``url_fetcher``
    defaults to a new :func:`make_url_fetcher` (pass your own to inspect its
    ``refused`` list). Passing a ``url_fetcher`` renders with WeasyPrint. In
    Chromium, relative URLs resolve against the site root, so ``/static/...``
    is served from the static directories.
    """
    names = ([PRINT_CSS] if print_css else []) + list(stylesheets)
    choice = _checked_engine(engine) if engine else engine_setting()
    if url_fetcher is not None:
        if engine and choice == "chromium":
            raise ValueError("url_fetcher is WeasyPrint's: it cannot be used with Chromium")
        choice = "weasyprint"
    if choice != "weasyprint":
        from . import chromium

        strict = choice == "chromium"
        chromium_engine = _chromium(strict)
        if chromium_engine is not None:
            try:
                return chromium_engine.render(html, stylesheets=names)
            except chromium.ChromiumRenderError:
                if strict:
                    raise
                logger.exception("PDF render: Chromium failed; rendering with WeasyPrint")
    return _render_weasyprint(html, base_url=base_url, names=names, url_fetcher=url_fetcher)


def _render_weasyprint(html: str, *, base_url: str | None, names: Sequence[str],
                       url_fetcher: Any) -> bytes:
    weasyprint = _weasyprint()
    if url_fetcher is None:
        url_fetcher = make_url_fetcher()
    with _render_lock:
        sheets = [_stylesheet(name) for name in names]
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
        return document.write_pdf(
            stylesheets=sheets,
            font_config=_font_config(),
            optimize_images=False,
            full_fonts=False,
            hinting=False,
            pdf_tags=False,
        )


def render_template_to_pdf(
    template_name: str | Sequence[str],
    context: dict[str, Any] | None = None,
    request: Any = None,
    *,
    base_url: str | None = None,
    stylesheets: Sequence[str] = (),
    print_css: bool = True,
) -> bytes:
    """Render a Django template (``render_to_string``) and then the result to PDF."""
    from django.template.loader import render_to_string

    html = render_to_string(template_name, context or {}, request=request)
    return render_pdf(html, base_url=base_url, stylesheets=stylesheets, print_css=print_css)


_WARM_UP_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<h1>Warm-up</h1><p>Regular <strong>bold</strong> Кириллица ąęł 1 234,56</p>
<table><thead><tr><th>A</th><th class="num">B</th></tr></thead>
<tbody><tr><td>x</td><td class="num">1.00</td></tr></tbody></table></body></html>"""


def warm_up(*, force: bool = False, engine: str | None = None) -> float:
    """Start the engine and render a tiny document (Chromium: launch the browser;
    WeasyPrint: import it, load fonts, parse print.css).

    Call it once when a web process or RQ worker starts. Returns the seconds
    spent; later calls in the same process return 0.0 unless ``force``. A forked
    child is a new process here: its first call warms up again.
    """
    global _warmed_pid
    with _warm_lock:
        if _warmed_pid == os.getpid() and not force:
            return 0.0
        started = time.perf_counter()
        pdf = render_pdf(_WARM_UP_HTML, engine=engine)
        if not pdf.startswith(b"%PDF"):  # pragma: no cover
            raise RuntimeError("PDF warm-up produced no PDF")
        _warmed_pid = os.getpid()
        return time.perf_counter() - started


def __getattr__(name: str):
    # The Chromium engine's errors, without importing it (or Playwright) up front.
    if name in ("PdfRenderTimeout", "ChromiumUnavailable", "ChromiumRenderError"):
        from . import chromium

        return getattr(chromium, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ENGINES",
    "PRINT_CSS",
    "PdfResourceRefused",
    "active_engine",
    "clear_caches",
    "engine_setting",
    "find_static",
    "make_url_fetcher",
    "render_pdf",
    "render_template_to_pdf",
    "warm_up",
]

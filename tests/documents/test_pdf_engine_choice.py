"""Which engine renders: the PDF_ENGINE setting, and WeasyPrint as the fallback.

Most of these need no Chromium (a missing or broken one is the point); the one
that does is skipped, saying why, without it. No database.
"""

import logging
import os
import stat
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from apps.client_portal.documents import chromium, pdf
from apps.client_portal.documents.templatetags.pdf_css import css_quote

HTML = "<!DOCTYPE html><html><head><title>t</title></head><body><p>Engine check</p></body></html>"


def producer(data: bytes) -> str:
    return str(PdfFileReader(BytesIO(data)).trailer["/Info"]["/Producer"])


@pytest.fixture(autouse=True)
def fresh_engine_state():
    """No warm Chromium and no remembered launch failure, before and after."""

    def reset():
        chromium.shut_down()
        pdf._chromium_failed_at = None
        pdf._no_chromium_logged = False

    reset()
    yield
    reset()


@pytest.fixture
def broken_chromium(tmp_path):
    """A "chromium" that exits at once; ``runs`` counts how often it was started."""
    runs = tmp_path / "runs"
    script = tmp_path / "chromium"
    script.write_text(f"#!/bin/sh\necho run >> {runs}\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, runs


def test_auto_without_chromium_renders_with_weasyprint(settings, caplog):
    settings.PDF_ENGINE = "auto"
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    with caplog.at_level(logging.INFO, logger="apps.client_portal.documents.pdf"):
        assert pdf.active_engine() == "weasyprint"
        data = pdf.render_pdf(HTML)
    assert producer(data).startswith("WeasyPrint")
    assert "no Chromium installed; rendering with WeasyPrint" in caplog.text


def test_auto_falls_back_when_chromium_does_not_start(settings, caplog, broken_chromium):
    script, runs = broken_chromium
    settings.PDF_ENGINE = "auto"
    settings.CHROMIUM_PATH = str(script)
    with caplog.at_level(logging.WARNING, logger="apps.client_portal.documents.pdf"):
        first = pdf.render_pdf(HTML)
        second = pdf.render_pdf(HTML)
    assert producer(first).startswith("WeasyPrint")
    assert producer(second).startswith("WeasyPrint")
    assert "did not start" in caplog.text
    assert "rendering with WeasyPrint" in caplog.text
    # Tried once: the failure is remembered for RETRY_CHROMIUM_AFTER seconds.
    assert runs.read_text().count("run") == 1


def test_chromium_setting_is_strict(settings, broken_chromium):
    settings.PDF_ENGINE = "chromium"
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    with pytest.raises(chromium.ChromiumUnavailable, match="no Chromium"):
        pdf.render_pdf(HTML)
    chromium.shut_down()
    settings.CHROMIUM_PATH = str(broken_chromium[0])
    with pytest.raises(chromium.ChromiumUnavailable, match="did not start"):
        pdf.render_pdf(HTML)
    # The fallback stays one setting away.
    assert producer(pdf.render_pdf(HTML, engine="weasyprint")).startswith("WeasyPrint")


def test_weasyprint_setting_never_starts_chromium(settings, broken_chromium):
    script, runs = broken_chromium
    settings.PDF_ENGINE = "weasyprint"
    settings.CHROMIUM_PATH = str(script)
    assert producer(pdf.render_pdf(HTML)).startswith("WeasyPrint")
    assert pdf.active_engine() == "weasyprint"
    assert not runs.exists()


def test_an_unknown_engine_is_an_error(settings):
    settings.PDF_ENGINE = "prince"
    with pytest.raises(ValueError, match="auto, chromium, weasyprint"):
        pdf.render_pdf(HTML)
    settings.PDF_ENGINE = " Auto "  # case and spaces do not matter
    assert pdf.engine_setting() == "auto"


def test_the_setting_defaults_to_auto(settings):
    if hasattr(settings, "PDF_ENGINE"):
        del settings.PDF_ENGINE
    assert pdf.engine_setting() == "auto"


def test_a_url_fetcher_means_weasyprint(settings, broken_chromium):
    settings.PDF_ENGINE = "auto"
    settings.CHROMIUM_PATH = str(broken_chromium[0])
    fetcher = pdf.make_url_fetcher()
    data = pdf.render_pdf('<img src="http://198.51.100.1/x.png"><p>x</p>', url_fetcher=fetcher)
    assert producer(data).startswith("WeasyPrint")
    assert fetcher.refused == ["http://198.51.100.1/x.png"]
    assert not broken_chromium[1].exists()
    with pytest.raises(ValueError, match="WeasyPrint's"):
        pdf.render_pdf(HTML, url_fetcher=fetcher, engine="chromium")


class _FailingEngine:
    started = True

    def render(self, html, *, stylesheets=(), timeout=None):
        raise chromium.ChromiumRenderError("Chromium could not render the PDF: boom")


def test_a_failed_chromium_render_falls_back_in_auto_mode(settings, monkeypatch, caplog):
    monkeypatch.setattr(chromium, "get_engine", lambda: _FailingEngine())
    settings.PDF_ENGINE = "auto"
    with caplog.at_level(logging.ERROR, logger="apps.client_portal.documents.pdf"):
        data = pdf.render_pdf(HTML)
    assert producer(data).startswith("WeasyPrint")
    assert "Chromium failed; rendering with WeasyPrint" in caplog.text
    settings.PDF_ENGINE = "chromium"
    with pytest.raises(chromium.ChromiumRenderError):
        pdf.render_pdf(HTML)


def test_a_timeout_is_not_hidden_by_the_fallback(settings, monkeypatch):
    class SlowEngine(_FailingEngine):
        def render(self, html, *, stylesheets=(), timeout=None):
            raise chromium.PdfRenderTimeout("PDF render took longer than 30 s")

    monkeypatch.setattr(chromium, "get_engine", lambda: SlowEngine())
    settings.PDF_ENGINE = "auto"
    with pytest.raises(pdf.PdfRenderTimeout):
        pdf.render_pdf(HTML)


def test_an_old_chromium_is_refused_and_auto_falls_back(settings, monkeypatch, caplog):
    if chromium.executable_path() is None:
        pytest.skip("Chromium is not installed (/usr/bin/chromium or CHROMIUM_PATH): "
                    "apt-get install chromium")
    # Pretend the installed Chromium predates @page margin boxes.
    monkeypatch.setattr(chromium, "MIN_MAJOR_VERSION", 10_000)
    settings.PDF_ENGINE = "auto"
    with caplog.at_level(logging.WARNING, logger="apps.client_portal.documents.pdf"):
        data = pdf.render_pdf(HTML)
    assert producer(data).startswith("WeasyPrint")
    assert "draws no @page margin boxes" in caplog.text
    assert not chromium.get_engine().started


def test_stylesheets_go_first_in_the_head_in_a_layer():
    prepared = chromium._prepared('<!DOCTYPE html><html><HEAD lang="x"><style>p{}</style>',
                                  ["documents/print.css"])
    assert prepared.startswith('<!DOCTYPE html><html><HEAD lang="x"><style>@media screen')
    assert "@layer pdf-base {" in prepared
    assert prepared.index("@layer pdf-base") < prepared.index("<style>p{}")
    # No head: after the doctype, so that the page stays in standards mode.
    bare = chromium._prepared("<!doctype html><p>x", [])
    assert bare.startswith("<!doctype html><style>")
    assert chromium._prepared("<p>x", []).startswith("<style>")


def test_css_strings_are_escaped_for_a_style_element():
    # A hex escape ends at one space, which is not part of the text ("\\26  S": "& S").
    assert css_quote('Smith & Sons "Ltd"') == '"Smith \\26  Sons \\22 Ltd\\22 "'
    quoted = css_quote("</style><script>x</script>\\\n'")
    assert "<" not in quoted and ">" not in quoted and "\n" not in quoted
    assert quoted == ('"\\3C /style\\3E \\3C script\\3E x\\3C /script\\3E \\5C \\A \\27 "')


def test_the_footer_text_reaches_the_style_block_unescaped_for_html(settings):
    from django.template.loader import render_to_string

    settings.PROVIDER_LEGAL = {**settings.PROVIDER_LEGAL, "name": "Smith & Sons </style>"}
    from apps.client_portal.billing import services

    head = render_to_string("billing/_head.html", {"provider": services.provider_context()})
    assert "&amp;" not in head
    assert head.count("</style>") == 1
    assert '"Smith \\26  Sons \\3C /style\\3E  · ' in head
    assert os.linesep not in head.split("@bottom-left", 1)[1].split(";", 1)[0]

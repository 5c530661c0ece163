"""The dashboard, every list page and one record of each resource, at a desktop and a
phone width, in English and in Russian: nothing scrolls sideways; no figure, date,
badge or amount with its currency wraps; a figure column's sort arrow follows its label.

One browser, one context per width and language (signed in once, its cookies
reused). Screenshots land in ``var/test-artifacts/widths/`` (not versioned):
the whole page for the invoice list and an invoice, the window for the others.
"""

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

OWNER = "owner@northwind.example.com"
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LANGUAGES = ["en", "ru"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "widths"
FULL_PAGE = {"invoices", "dashboard", "audit"}

# What is wrong with the page as laid out now: the document wider than the window,
# a table that scrolls inside its frame, a figure or date broken over two lines.
CHECK_JS = """() => {
  const problems = [];
  const width = window.innerWidth;
  const root = document.documentElement;
  if (root.scrollWidth > width) problems.push(`document ${root.scrollWidth}px > window ${width}px`);
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    if (wrap.scrollWidth > wrap.clientWidth + 1)
      problems.push(`table scrolls: ${wrap.scrollWidth}px in ${wrap.clientWidth}px`);
  }
  const figures = document.querySelectorAll(
    "td.cell-number, td.cell-date, .fold .cell-number, .fold .cell-date, "
    + "dl .cell-number, dl .cell-date");
  let seen = 0;
  for (const cell of figures) {
    if (!cell.offsetParent) continue;  // not shown at this width
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      seen += 1;
      const range = document.createRange();
      range.selectNodeContents(node);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) problems.push(`wraps: "${node.textContent.trim()}"`);
    }
  }
  // An amount with its currency is one piece: never over two lines.
  for (const piece of document.querySelectorAll(".money")) {
    if (!piece.offsetParent) continue;
    seen += 1;
    const range = document.createRange();
    range.selectNodeContents(piece);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    if (tops.size > 1) problems.push(`wraps: "${piece.textContent.trim()}"`);
  }
  // The characters of an element's text that begin a new line.
  const lineStarts = (element) => {
    const starts = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let lastTop = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.textContent.length; i += 1) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getBoundingClientRect();
        if (!rect.width) continue;
        const top = Math.round(rect.top);
        if (lastTop !== null && top > lastTop + 2) starts.push([node.textContent, i]);
        lastTop = top;
      }
    }
    return starts;
  };
  // A badge: one line where there is room (a desktop); on a phone a long one may
  // go on between its words, never inside one.
  for (const pill of document.querySelectorAll(".pill")) {
    if (!pill.offsetParent) continue;
    seen += 1;
    for (const [text, i] of lineStarts(pill)) {
      if (width > 640) problems.push(`badge wraps: "${text.trim()}"`);
      else if (text[i - 1] !== " ") problems.push(`badge splits a word: "${text.trim()}"`);
    }
  }
  // An e-mail address: whole on a desktop; on a phone broken before its "@" or a
  // dot of its domain only.
  for (const email of document.querySelectorAll(".email")) {
    if (!email.offsetParent) continue;
    seen += 1;
    for (const [text, i] of lineStarts(email)) {
      if (width > 640 || !"@.".includes(text[i]))
        problems.push(`e-mail breaks: "${email.textContent}"`);
    }
  }
  // A figure column's heading: its sort arrow after its label, not before it.
  for (const link of document.querySelectorAll("th.cell-number a.sort")) {
    if (!link.offsetParent) continue;
    const icon = link.querySelector(".sort-icon").getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(link.firstChild);
    const label = range.getBoundingClientRect();
    if (icon.left < label.right - 1)
      problems.push(`sort arrow before "${link.firstChild.textContent.trim()}"`);
  }
  return {problems, figures: seen};
}"""


def _pages(owner, northwind):
    """(name, address) of every list page the owner may open and one record of each."""
    from apps.client_portal.core.registry import registry

    access = owner.memberships.get(organization=northwind).access()
    found = [("dashboard", "/")]
    for resource in registry:
        if not resource.may_read(access):
            continue
        if not resource.singleton:
            found.append((f"{resource.slug}-list", f"/p/{resource.slug}/"))
        obj = resource.get_queryset(access).first()
        assert obj is not None, f"{resource.slug}: no demo record for the owner"
        found.append((f"{resource.slug}-detail", f"/p/{resource.slug}/{obj.uuid}/"))
    return found


def test_no_page_scrolls_sideways_and_no_figure_wraps(browser, demo_live, live_server,
                                                       sign_in):
    from django.contrib.auth import get_user_model

    owner = demo_live.users["owner"]
    pages = _pages(owner, demo_live.organizations["northwind"])
    assert any(name == "invoices-detail" for name, _url in pages)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = []
    checked_figures = 0
    state = None
    for lang in LANGUAGES:
        # The person's chosen language wins over cookies and the browser's.
        get_user_model().objects.filter(pk=owner.pk).update(language=lang)
        for width_name, viewport in WIDTHS.items():
            context = browser.new_context(base_url=live_server.url, viewport=viewport,
                                          locale="ru-RU" if lang == "ru" else "en-GB",
                                          storage_state=state)
            context.set_default_timeout(8000)
            try:
                tab = context.new_page()
                errors = []
                tab.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                if state is None:
                    sign_in(tab, OWNER)
                    state = context.storage_state()
                for name, url in pages:
                    response = tab.goto(url)
                    assert response.status == 200, (url, response.status)
                    assert tab.evaluate("document.documentElement.lang") == lang, url
                    found = tab.evaluate(CHECK_JS)
                    checked_figures += found["figures"]
                    problems.extend(f"{lang} {width_name} {url}: {p}" for p in found["problems"])
                    tab.screenshot(path=str(ARTIFACTS / f"{lang}-{width_name}-{name}.png"),
                                   full_page=name.split("-")[0] in FULL_PAGE)
                assert not errors, errors
            finally:
                context.close()
    assert checked_figures > 100, "the check found almost no figures: the selectors are stale"
    assert not problems, "\n".join(problems)

"""The invoice's print preview in a browser, on a phone and at a desktop width: the
sheet fits the window, its lines do not overlap, no figure and no reference to quote
breaks over two lines; printing keeps the A4 layout of the PDF."""

import pytest

from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "owner@northwind.example.com"

CHECK_JS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth)
    problems.push(`document ${root.scrollWidth}px > window ${window.innerWidth}px`);
  const oneLine = (element, what) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) problems.push(`${what} wraps: "${node.textContent.trim()}"`);
    }
  };
  const rows = [...document.querySelectorAll(".lines tbody tr")];
  for (const row of rows) {
    const boxes = [...row.children].map((cell) => [cell, cell.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (ra.width && rb.width && ra.left < rb.right - 1 && rb.left < ra.right - 1
          && ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1)
        problems.push(`"${a.textContent.trim()}" overlaps "${b.textContent.trim()}"`);
    }
    for (const cell of row.children)
      if (cell.scrollWidth > cell.clientWidth + 1)
        problems.push(`"${cell.textContent.trim()}" overflows its cell`);
    for (const cell of row.querySelectorAll("td.num")) oneLine(cell, "figure");
  }
  for (const cell of document.querySelectorAll(".totals td")) oneLine(cell, "total");
  for (const ref of document.querySelectorAll(".payment strong")) {
    oneLine(ref, "reference");
    // Kept whole wherever it falls on the line, not only at this width and this text.
    if (getComputedStyle(ref).whiteSpace !== "nowrap") problems.push("the reference may break");
  }
  const labels = [...document.querySelectorAll(".lines td.num")].map(
    (cell) => getComputedStyle(cell, "::before").content);
  return {problems, rows: rows.length,
          display: rows.length ? getComputedStyle(rows[0]).display : "",
          labels, icon: !!document.querySelector('link[rel="icon"]')};
}"""


@pytest.fixture
def invoice(demo_live):  # noqa: F811
    """Northwind's published invoice with the most lines."""
    from django.db.models import Count

    from apps.client_portal.billing.models import FinancialDocument

    return (FinancialDocument.objects.filter(organization=demo_live.organizations["northwind"],
                                             kind="invoice").exclude(status="draft")
            .annotate(n=Count("lines")).order_by("-n", "number").first())


@pytest.mark.parametrize("width", [390, 1280])
def test_the_print_preview_fits_the_window_and_keeps_figures_whole(
        browser, demo_live, live_server, sign_in, invoice, width):  # noqa: F811
    from django.contrib.auth import get_user_model

    owner = demo_live.users["owner"]
    get_user_model().objects.filter(pk=owner.pk).update(language="ru")
    context = browser.new_context(base_url=live_server.url, locale="en-GB",
                                  viewport={"width": width, "height": 844})
    context.set_default_timeout(8000)
    try:
        tab = context.new_page()
        sign_in(tab, OWNER)
        response = tab.goto(f"/billing/invoices/{invoice.uuid}/preview/")
        assert response.status == 200
        found = tab.evaluate(CHECK_JS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"preview-ru-{width}.png"), full_page=True)
        assert found["rows"] >= 2 and found["icon"]
        assert not found["problems"], "\n".join(found["problems"])
        if width < 640:
            # Each figure of a line is named: "Кол-во", "Цена за единицу"...
            assert found["display"] == "block"
            assert all(label not in ("none", "normal", '""') for label in found["labels"])
        else:
            assert found["display"] == "table-row"
        # Printed, the page is the PDF's layout again, whatever the window.
        tab.emulate_media(media="print")
        printed = tab.evaluate(CHECK_JS)
        # (The print rules of the reference are the PDF's, which keeps it whole by itself.)
        assert printed["display"] == "table-row"
        assert set(printed["labels"]) <= {"none", "normal"}
    finally:
        context.close()

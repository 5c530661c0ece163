"""The portal shell in a real browser: sign-in, organizations, lists, language, keyboard, phone."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

OWNER = "owner@northwind.example.com"
DUAL = "dual@example.com"
NORTHWIND = "Northwind Trading SRL"
CONTOSO = "Contoso Logistics Sp. z o.o."


def _more_feedback(demo, count=30):
    """Enough Northwind feedback for two pages, with subjects a search can single out."""
    from apps.client_portal.core.models import Feedback

    kinds = list(Feedback.Kind.values)
    Feedback.objects.bulk_create(
        Feedback(organization=demo.organizations["northwind"], author=demo.users["member"],
                 kind=kinds[index % len(kinds)], subject=f"Extra report {index:02d}",
                 body="Plain words.", page="/")
        for index in range(count)
    )
    return Feedback.objects.filter(organization=demo.organizations["northwind"])


OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const root = document.documentElement;
  if (root.scrollWidth <= width) return [];
  // Name the widest culprits, leaving out what sits inside its own scroller.
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  };
  return [root.scrollWidth + " > " + width].concat(
    [...document.body.querySelectorAll("*")]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .filter((el) => !inScroller(el) || getComputedStyle(el).position === "absolute")
      .slice(0, 8)
      .map((el) => el.tagName.toLowerCase() + "." + el.className + " right="
                   + Math.round(el.getBoundingClientRect().right)));
}"""


def _horizontal_overflow(page):
    """What makes the page wider than the window; empty when nothing does."""
    return page.evaluate(OVERFLOW_JS)


def test_owner_signs_in_sees_dashboard_and_signs_out(page, demo_live, sign_in, live_server):
    sign_in(page, OWNER)

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    expect(page.get_by_test_id("active-organization")).to_have_text(NORTHWIND)
    cards = page.locator(".cards .card")
    expect(cards.first).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback")) \
        .to_be_visible()

    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/"))


def test_two_organization_user_chooses_then_switches(page, demo_live, sign_in, live_server):
    sign_in(page, DUAL)

    expect(page).to_have_url(re.compile(r"/select/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose an organization")
    page.get_by_role("button", name=re.compile(re.escape(CONTOSO))).click()

    expect(page).to_have_url(live_server.url + "/")
    header = page.get_by_test_id("active-organization")
    expect(header).to_have_text(CONTOSO)

    page.locator(".switcher summary").click()
    menu = page.locator(".switcher .menu-pop")
    expect(menu).to_be_visible()
    current = menu.get_by_role("button", name=re.compile(re.escape(CONTOSO)))
    expect(current).to_have_attribute("aria-current", "true")
    menu.get_by_role("button", name=re.compile(re.escape(NORTHWIND))).click()

    expect(header).to_have_text(NORTHWIND)
    expect(page.locator(".switcher .role")).to_have_text("Member")


def test_list_filters_sorts_pages_and_searches_with_htmx(page, demo_live, sign_in, shot):
    feedback = _more_feedback(demo_live)
    total = feedback.count()
    sign_in(page, OWNER)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback")
    results = page.locator("#results")
    expect(results.locator(".count")).to_have_text(f"{total} records")
    table = results.get_by_role("table")
    expect(table).to_have_accessible_name("Feedback")
    # A full page load would wipe this; htmx swaps must leave it alone.
    page.evaluate("window.__notReloaded = true")

    # The filter panel is closed; opening it loads its controls in place.
    expect(page.get_by_label("Sent from")).to_have_count(0)
    page.locator(".filter-panel summary").click()
    # Filter labels are short and an unset choice reads "All".
    expect(page.get_by_label("Sent from")).to_have_attribute("type", "date")
    expect(page.get_by_label("Status").locator("option").first).to_have_text("All")

    # Filter: the select alone updates the results.
    wishes = feedback.filter(kind="wish").count()
    with page.expect_response(lambda r: "kind=wish" in r.url):
        page.get_by_label("Kind").select_option("wish")
    expect(results.locator(".count")).to_have_text(f"{wishes} records")
    expect(page).to_have_url(re.compile(r"kind=wish"))
    kind_cells = table.locator("tbody td[data-label='Kind']")
    expect(kind_cells).to_have_count(wishes)
    assert set(kind_cells.all_inner_texts()) == {"Wish"}
    assert page.evaluate("window.__notReloaded") is True
    shot(page, "filtered")

    # Sort by subject, then reverse it; aria-sort sits on the header cell.
    subject_th = table.locator("thead th", has_text="Subject")
    subject_th.get_by_role("link").click()
    expect(subject_th).to_have_attribute("aria-sort", "ascending")
    subjects = table.locator("tbody td[data-label='Subject']").all_inner_texts()
    assert subjects == sorted(subjects, key=str.casefold)
    subject_th.get_by_role("link").click()
    expect(subject_th).to_have_attribute("aria-sort", "descending")
    subjects = table.locator("tbody td[data-label='Subject']").all_inner_texts()
    assert subjects == sorted(subjects, key=str.casefold, reverse=True)
    expect(page).to_have_url(re.compile(r"ordering=-subject"))
    assert page.evaluate("window.__notReloaded") is True

    # Page 2 of the unfiltered list.
    page.get_by_role("link", name="Clear").click()
    expect(results.locator(".count")).to_have_text(f"{total} records")
    page.evaluate("window.__notReloaded = true")
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager).to_contain_text("Page 1 of 2")
    pager.get_by_role("link", name=re.compile("Next")).click()
    expect(pager).to_contain_text("Page 2 of 2")
    expect(table.locator("tbody tr")).to_have_count(total - 25)
    expect(page).to_have_url(re.compile(r"page=2"))
    assert page.evaluate("window.__notReloaded") is True

    # Search narrows to one record and starts again at page 1.
    page.get_by_role("searchbox", name="Search").fill("Extra report 07")
    expect(results.locator(".count")).to_have_text("1 record")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody")).to_contain_text("Extra report 07")
    assert page.evaluate("window.__notReloaded") is True

    # Choice columns show their value as a badge.
    expect(table.locator("tbody td[data-label='Status'] .pill.pill-new")).to_have_text("New")


def test_language_switch_to_romanian(page, demo_live, sign_in):
    sign_in(page, OWNER)

    page.get_by_label("Language").select_option("ro")
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    expect(page.locator("#language-select option:checked")).to_have_text("Română")

    # A string from Django's own Romanian catalogue, reached through a real form error.
    page.goto("/p/feedback/new/")
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    page.locator("form.stacked button[type=submit]").click()
    subject = page.locator("#id_subject")
    expect(subject).to_have_attribute("aria-invalid", "true")
    described = subject.get_attribute("aria-describedby")
    assert described
    error = page.locator(f"#{described.split()[-1]}")
    expect(error).to_have_text("Acest câmp este obligatoriu.")

    # The choice survives signing out and in again (it is kept on the account).
    page.locator(".usermenu summary").click()
    page.locator("form[action$='/accounts/logout/'] button").click()
    sign_in_page = page
    sign_in_page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "ro")


def test_keyboard_reaches_skip_link_and_opens_switcher(page, demo_live, sign_in):
    sign_in(page, DUAL)
    page.locator("button.choice").first.click()
    page.wait_for_url(re.compile(r"/$"))

    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    skip = page.locator(".skip-link")
    expect(skip).to_be_visible()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.locator(".brand").focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.switcher summary')"):
            break
    else:
        pytest.fail("Tab never reached the organization switcher")
    # The focus ring is visible: an outline, not just the browser default nothing.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    expect(page.locator(".switcher")).to_have_attribute("open", "")
    expect(page.locator(".switcher .menu-pop")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.switcher .menu-pop')")
    page.keyboard.press("Escape")
    expect(page.locator(".switcher")).not_to_have_attribute("open", "")
    assert page.evaluate("document.activeElement.matches('.switcher summary')")


def test_phone_width_has_no_horizontal_overflow(open_page, demo_live, sign_in, shot):
    _more_feedback(demo_live, count=3)
    # A phone-sized window; not is_mobile, which zooms out to fit and would hide overflow.
    page = open_page(viewport={"width": 375, "height": 740}, has_touch=True)
    sign_in(page, OWNER)

    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    assert page.evaluate("window.innerWidth") == 375
    assert not _horizontal_overflow(page), "the dashboard scrolls sideways at 375px"
    shot(page, "dashboard")

    page.goto("/p/feedback/")
    expect(page.locator("#results table")).to_be_visible()
    assert not _horizontal_overflow(page), "the feedback list scrolls sideways at 375px"
    # Each row reads as a card: every cell carries its column's name.
    first_row = page.locator("#results tbody tr").first
    labels = first_row.locator("td").evaluate_all("cells => cells.map(c => c.dataset.label)")
    assert labels == ["Subject", "Kind", "Status", "Sent"]
    shot(page, "list")

    page.goto("/p/feedback/new/")
    assert not _horizontal_overflow(page), "the feedback form scrolls sideways at 375px"


def test_portal_works_without_javascript(open_page, demo_live, sign_in, live_server):
    _more_feedback(demo_live, count=3)
    page = open_page(java_script_enabled=False)
    sign_in(page, DUAL)

    expect(page).to_have_url(re.compile(r"/select/"))
    page.get_by_role("button", name=re.compile(re.escape(NORTHWIND))).click()
    expect(page.get_by_test_id("active-organization")).to_have_text(NORTHWIND)

    # The switcher is a <details>: it opens and submits without scripts.
    page.locator(".switcher summary").click()
    page.locator(".switcher").get_by_role("button", name=re.compile(re.escape(CONTOSO))).click()
    expect(page.get_by_test_id("active-organization")).to_have_text(CONTOSO)
    page.locator(".switcher summary").click()
    page.locator(".switcher").get_by_role("button", name=re.compile(re.escape(NORTHWIND))).click()
    expect(page.get_by_test_id("active-organization")).to_have_text(NORTHWIND)

    # Filters submit as a plain GET form; without scripts the panel opens by a link.
    page.goto("/p/feedback/?filters=open")
    page.get_by_label("Kind").select_option("question")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"kind=question"))
    cells = page.locator("#results tbody td[data-label='Kind']").all_inner_texts()
    assert cells and set(cells) == {"Question"}

    # A date filter through the browser's date control.
    page.get_by_label("Sent from").fill("2099-01-01")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"created_at__date__gte=2099-01-01"))
    expect(page.locator("#results .empty")).to_be_visible()
    page.get_by_label("Sent from").fill("")
    page.get_by_role("button", name="Filter").click()

    # Sorting is a plain link.
    page.locator("#results thead th", has_text="Subject").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"ordering=subject"))

    # New feedback: a normal form post, errors then success.
    page.goto("/p/feedback/new/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_subject")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Subject").fill("Sent without scripts")
    page.get_by_label("Description").fill("The form still works.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sent without scripts")
    expect(page.get_by_role("status")).to_contain_text("Saved.")

    # Language: the select has a plain submit button when scripts are off.
    page.get_by_label("Language").select_option("pl")
    page.locator("form.language button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")

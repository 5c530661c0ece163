"""In Chromium: upload a Metro 2 file and watch the progress bar reach the end."""

import threading
import time

import pytest

pytestmark = pytest.mark.browser


def test_metro2_upload_progress_bar_reaches_the_end(demo_live, page, sign_in, monkeypatch,
                                                   tmp_path):
    from apps.client_portal.bureau import services
    from apps.client_portal.bureau.metro2 import writer
    from apps.client_portal.bureau.models import Debt, DebtImport

    # The job is held back (as a worker would pick it up later), then run beside the
    # page, a little slowed, so the page's polling sees it move.
    queued = []
    monkeypatch.setattr(services.jobs, "enqueue", lambda func, *args: queued.append(args))
    monkeypatch.setattr(services, "BATCH", 100)
    real_store = services.store_rows

    def slow_store(imp, rows, state):
        real_store(imp, rows, state)
        time.sleep(0.25)

    monkeypatch.setattr(services, "store_rows", slow_store)
    path = tmp_path / "january.dat"
    writer.write_file(path, 800)

    sign_in(page, "owner@lender.example.com")
    page.goto("/bureau/import/metro2/")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/progress/")
    bar = page.locator("#import-progress progress")
    first = int(bar.get_attribute("value"))
    assert first < 100 and queued

    worker = threading.Thread(target=services.run_import, args=queued[0])
    worker.start()
    seen = [first]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        value = int(page.locator("#import-progress progress").get_attribute("value"))
        seen.append(value)
        if value == 100:
            break
        page.wait_for_timeout(250)
    worker.join(timeout=30)
    assert seen[-1] == 100, seen
    assert seen == sorted(seen)
    page.get_by_text("800 records imported").wait_for()
    imp = DebtImport.objects.get(file_name="january.dat")
    assert (imp.status, imp.imported, imp.done_count) == ("done", 800, 800)
    assert any(0 < v < 100 for v in seen), seen  # it moved, not only jumped to the end
    assert Debt.objects.filter(account_number="ACC000000799", is_current=True).exists()

    # The module's own pages fit a phone without sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ("/bureau/import/metro2/", "/bureau/import/csv/", "/bureau/debts/new/",
                f"/bureau/imports/{imp.uuid}/progress/"):
        page.goto(url)
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, (url, wide)

    # A refused file's errors fold into cards on a phone (the table was 468 px wide).
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.client_portal.core.models import Membership

    owner = Membership.objects.get(user__email="owner@lender.example.com")
    data, _record, _field = writer.broken("bad_rdw")
    bad = services.start_import(access=owner.access(), fmt="metro2",
                                upload=SimpleUploadedFile("bad.dat", data))
    services.run_import(*queued[-1])
    page.goto(f"/bureau/imports/{bad.uuid}/progress/")
    assert page.locator("[data-testid=import-errors] td").count() >= 4
    shown = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid=import-errors] td')].map((td) => getComputedStyle(td).display)""")
    assert "table-cell" not in shown, shown  # cards, as the portal's other tables
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, ("refused", wide)


def test_a_debts_header_figures_fit_a_phone(demo_live, open_page, sign_in):
    """The debt with the largest balance: its head figures stay inside their boxes at
    390 px, in English and in Russian, and nothing scrolls sideways."""
    from django.contrib.auth import get_user_model

    from apps.client_portal.bureau.models import Debt
    from tests.browser.test_widths import CHECK_JS

    owner = demo_live.users["owner"]
    northwind = demo_live.organizations["northwind"]
    debt = (Debt.objects.filter(organization=northwind, is_current=True)
            .order_by("-balance").first())
    assert debt is not None and debt.balance >= 10000, debt  # a wide figure to fit
    overflow_js = """() => [...document.querySelectorAll('.head-figures > div')]
        .filter((box) => box.scrollWidth > box.clientWidth + 1
                         || box.getBoundingClientRect().right > window.innerWidth)
        .map((box) => box.textContent.trim().replace(/\\s+/g, ' '))"""
    state = None  # signed in once (the sign-in page is in English), its cookies reused
    for lang, locale in (("en", "en-GB"), ("ru", "ru-RU")):
        get_user_model().objects.filter(pk=owner.pk).update(language=lang)
        tab = open_page(viewport={"width": 390, "height": 844}, locale=locale,
                        storage_state=state)
        if state is None:
            sign_in(tab, "owner@northwind.example.com")
            state = tab.context.storage_state()
        assert tab.goto(f"/p/debts/{debt.uuid}/").status == 200
        assert tab.locator(".head-figures .money").count() >= 1
        assert tab.evaluate(overflow_js) == [], lang
        found = tab.evaluate(CHECK_JS)
        assert found["figures"] > 0 and found["problems"] == [], (lang, found["problems"])

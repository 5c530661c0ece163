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

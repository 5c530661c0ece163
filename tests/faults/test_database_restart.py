"""Nothing lost on a database restart.

The site runs as it is deployed (gunicorn, 2 sync workers, connections kept for a
minute and health-checked) against a MariaDB server the test starts itself, which
is then stopped and started again under it:

- an import of a few thousand documents, cut by a crash (SIGKILL) in the middle
  of its transaction, is all or nothing: every row or none, never part, and
  running it again creates each document once;
- a payment notification that arrives while the database is down gets a 5xx
  without a traceback (so the gateway sends it again); the gateway's retry once
  the database is back records and allocates the payment exactly once, and a
  further replay changes nothing;
- while the database is down a portal page is an error page with no traceback,
  and once it is back the first request, and every worker's, succeeds: each
  worker reopens its connection (clean stop and crash alike).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import json
import re
import subprocess
import time
from decimal import Decimal

import pytest
import requests

from bench._common import PYTHON, ROOT

from .conftest import WORKERS

pytestmark = pytest.mark.faults

IMPORT_ROWS = 2000
OWNER = "owner@northwind.example.com"
NORTHWIND = "Northwind Trading SRL"
# What a page must not show, whatever went wrong behind it.
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "OperationalError", "MySQLdb",
                     'File "/', "site-packages", "Exception Value", "django.db.utils",
                     "Can't connect", "gone away", "Lost connection")


def assert_no_traceback(body: str, what: str) -> None:
    found = [marker for marker in TRACEBACK_MARKERS if marker in body]
    assert not found, f"{what} shows {found}:\n{body[:2000]}"


def write_csv(path, prefix: str, rows: int) -> str:
    """A file of ``rows`` invoices spread over the demo's four organizations; its SHA-256."""
    today = dt.date.today()
    lines = ["client_code,kind,number,issue_date,due_date,currency,net,vat,total"]
    for index in range(rows):
        net = Decimal(100 + index % 900)
        vat = (net * Decimal("0.19")).quantize(Decimal("0.01"))
        lines.append(f"C-100{1 + index % 4},invoice,{prefix}{index:05d},{today},"
                     f"{today + dt.timedelta(days=30)},RON,{net:.2f},{vat:.2f},{net + vat:.2f}")
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def run_import(fault_site, path, name: str) -> subprocess.Popen:
    log = fault_site.site.tmp / name
    return subprocess.Popen(
        [PYTHON, "manage.py", "import_documents", str(path)], cwd=ROOT,
        env=fault_site.site.env, stdout=open(f"{log}.out", "w"),  # noqa: SIM115
        stderr=open(f"{log}.err", "w"), text=True)  # noqa: SIM115


def outputs(fault_site, name: str) -> tuple[str, str]:
    log = fault_site.site.tmp / name
    return (open(f"{log}.out").read(), open(f"{log}.err").read())


def test_an_import_cut_by_a_database_crash_is_all_or_nothing(database_up, tmp_path):
    fs = database_up
    prefix = "FLTA-"
    path = tmp_path / "documents.csv"
    digest = write_csv(path, prefix, IMPORT_ROWS)
    count = ("SELECT COUNT(*) FROM billing_financialdocument WHERE number LIKE %s",
             (prefix + "%",))

    began = time.monotonic()
    process = run_import(fs, path, "import-1")
    # Wait until the import's transaction has written a third of its documents (a
    # dirty read sees them; nobody else does), then crash the server under it.
    written = 0
    deadline = time.monotonic() + 120
    while written < IMPORT_ROWS // 3:
        assert process.poll() is None, (
            "the import ended before the database could be stopped under it:\n"
            + "\n".join(outputs(fs, "import-1")))
        assert time.monotonic() < deadline, "the import never got a third of the way"
        written = fs.dirty_count(*count)
        time.sleep(0.1)
    cut_at = round(time.monotonic() - began, 1)
    restart = fs.db.restart(crash=True, down_for=1.0)

    # From the crash on, the file's documents are all there or none: watch until it ends.
    seen = [fs.sql_value(*count)]
    while process.poll() is None:
        assert time.monotonic() < deadline + 120, "the import did not end"
        seen.append(fs.sql_value(*count))
        time.sleep(0.25)
    code, (out, err) = process.returncode, outputs(fs, "import-1")
    first_run_s = round(time.monotonic() - began, 1)
    assert set(seen) <= {0, IMPORT_ROWS}, f"part of the file was visible: {sorted(set(seen))}"

    final = fs.sql_value(*count)
    batches = fs.sql("SELECT status, created FROM billing_importbatch WHERE sha256 = %s "
                     "ORDER BY id", (digest,))
    if code == 0:  # retried after the restart, and done
        assert final == IMPORT_ROWS, (final, out, err)
        assert batches == [("imported", IMPORT_ROWS)], batches
    else:  # reported as failed: nothing of it written
        assert final == 0, (final, out, err)
        assert ("imported", IMPORT_ROWS) not in batches, batches
        assert err.strip(), "the import failed without saying so"

    # The same file again: every document exactly once, one batch that imported it.
    again = run_import(fs, path, "import-2")
    assert again.wait(timeout=180) == 0, "\n".join(outputs(fs, "import-2"))
    again_out = outputs(fs, "import-2")[0]
    assert fs.sql_value(*count) == IMPORT_ROWS
    assert fs.sql_value("SELECT COUNT(DISTINCT number) FROM billing_financialdocument "
                        "WHERE number LIKE %s", (prefix + "%",)) == IMPORT_ROWS
    assert fs.sql("SELECT status, created FROM billing_importbatch WHERE sha256 = %s "
                  "AND status = 'imported'", (digest,)) == [("imported", IMPORT_ROWS)]
    assert fs.sql_value(
        "SELECT COUNT(*) FROM billing_financialdocument d JOIN billing_importbatch b "
        "ON d.import_batch_id = b.id WHERE d.number LIKE %s AND b.sha256 = %s",
        (prefix + "%", digest)) == IMPORT_ROWS
    print(json.dumps({
        "scenario": "import", "rows": IMPORT_ROWS, "crash_after_s": cut_at,
        "uncommitted_rows_at_crash": written, "restart": restart,
        "committed_counts_seen": sorted(set(seen)), "first_run_exit": code,
        "first_run_s": first_run_s, "first_run_stdout": out.strip()[-300:],
        "first_run_stderr_tail": err.strip().splitlines()[-3:],
        "second_run_stdout": again_out.strip()[-200:],
        "batches_after_first_run": batches}, default=str))


# --- payment notification -----------------------------------------------------------
NEW_INVOICE = """
import datetime as dt, json
from decimal import Decimal
from django.utils import timezone
from apps.client_portal.billing import services
from apps.client_portal.core.models import Organization
doc = services.create_document(
    organization=Organization.objects.get(client_code="C-1001"), kind="invoice",
    number="FLTB-1", issue_date=timezone.localdate() - dt.timedelta(days=5),
    due_date=timezone.localdate() + dt.timedelta(days=25), currency="RON",
    lines=[{"description": "Maintenance visit", "quantity": Decimal("1"), "unit": "pc",
            "unit_price": Decimal("321.00"), "vat_rate": Decimal("0")}])
doc.publish()
doc.save()
print(json.dumps({"uuid": str(doc.uuid), "total": str(doc.total)}))
"""

# The notification exactly as the fake gateway would send it for the intent's token.
NOTIFICATION = """
import json
from apps.client_portal.billing.models import PaymentIntent
from apps.client_portal.billing.views_online import _fake
intent = PaymentIntent.objects.get(documents__uuid="{doc}")
transaction = _fake().read_token(intent.redirect_url.rstrip("/").rsplit("/", 1)[-1])
print(json.dumps({{"intent": intent.uuid.hex, "intent_uuid": str(intent.uuid),
                  "status": intent.status, "url": transaction["urlStatus"],
                  "note": _fake().notification_for(transaction)}}))
"""


def payment_state(fs, doc_uuid: str, intent: dict, reference: str) -> dict:
    # Every payment that is this intent's or carries the gateway's reference for it.
    payments = fs.sql("SELECT id, amount, allocated FROM billing_payment WHERE reference = %s "
                      "OR id IN (SELECT payment_id FROM billing_paymentintent WHERE uuid = %s)",
                      (reference, intent["intent"]))
    ids = [row[0] for row in payments] or [0]
    marks = ",".join(["%s"] * len(ids))
    allocations = fs.sql(f"SELECT COUNT(*), SUM(amount) FROM billing_paymentallocation "
                         f"WHERE payment_id IN ({marks})", ids)[0]
    return {
        "intent": fs.sql("SELECT status, payment_id IS NOT NULL FROM billing_paymentintent "
                         "WHERE uuid = %s", (intent["intent"],))[0],
        "payments": [(str(amount), str(allocated)) for _id, amount, allocated in payments],
        "allocations": (allocations[0], str(allocations[1])),
        "document": tuple(str(v) for v in fs.sql(
            "SELECT status, paid, outstanding FROM billing_financialdocument WHERE uuid = %s",
            (doc_uuid.replace("-", ""),))[0]),
        "audit": dict(fs.sql("SELECT action, COUNT(*) FROM core_auditevent WHERE object_id = %s "
                             "GROUP BY action", (intent["intent_uuid"],))),
    }


def test_a_payment_notification_while_the_database_is_down_is_retried_and_applied_once(
        database_up):
    fs = database_up
    doc = fs.site.django_json(NEW_INVOICE)
    name, value = fs.site.session_cookie(OWNER, NORTHWIND).split("=", 1)
    http = requests.Session()
    http.cookies.set(name, value, domain="127.0.0.1")

    # The client presses Pay and is sent to the (fake) gateway: an intent is open.
    pay_url = f"{fs.url}/billing/pay/{doc['uuid']}/"
    page = http.get(pay_url, timeout=30)
    assert page.status_code == 200 and "321.00" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    to_gateway = http.post(pay_url, data={"csrfmiddlewaretoken": token, "gateway": "redirect"},
                           headers={"Referer": pay_url}, allow_redirects=False, timeout=60)
    assert to_gateway.status_code == 302, to_gateway.text[:500]
    assert "/billing/fake-gateway/trnRequest/" in to_gateway.headers["Location"]
    intent = fs.site.django_json(NOTIFICATION.format(doc=doc["uuid"]))
    assert intent["status"] == "pending"
    assert intent["url"] == f"{fs.url}/billing/pay/callback/redirect/"
    body = json.dumps(intent["note"]).encode()
    reference = str(intent["note"]["orderId"])  # the gateway's own reference, as recorded

    def notify() -> requests.Response:
        return requests.post(intent["url"], data=body, timeout=60,
                             headers={"Content-Type": "application/json"})

    # The gateway notifies while the database is down: a 5xx, no traceback.
    fs.db.stop()
    down = [notify() for _ in range(WORKERS)]
    for answer in down:
        assert 500 <= answer.status_code < 600, (answer.status_code, answer.text[:500])
        assert_no_traceback(answer.text, "the callback's answer while the database is down")
    fs.db.start()
    assert payment_state(fs, doc["uuid"], intent, reference)["intent"] == ("pending", 0)

    # The gateway's retry, once the database is back: paid and allocated, once.
    retry = notify()
    assert (retry.status_code, retry.text) == (200, "OK"), retry.text[:500]
    paid = payment_state(fs, doc["uuid"], intent, reference)
    assert paid["intent"] == ("succeeded", 1)
    assert paid["payments"] == [("321.00", "321.00")]
    assert paid["allocations"] == (1, "321.00")
    assert paid["document"] == ("paid", "321.00", "0.00")
    assert paid["audit"].get("online-payments.callback.succeeded") == 1

    # A further replay changes nothing.
    replay = notify()
    assert (replay.status_code, replay.text) == (200, "OK")
    after = payment_state(fs, doc["uuid"], intent, reference)
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in paid.items() if k != "audit"}
    assert after["audit"].get("online-payments.callback.succeeded") == 1
    assert after["audit"].get("online-payments.callback.replay") == 1
    print(json.dumps({"scenario": "callback",
                      "while_down": [[a.status_code, a.headers.get("Content-Type"),
                                      a.text[:80]] for a in down],
                      "retry": [retry.status_code, retry.text], "state": after}, default=str))


# --- pages and connections ------------------------------------------------------------
@pytest.fixture(scope="module")
def owner_cookie(fault_site):
    return fault_site.site.session_cookie(OWNER, NORTHWIND)


def get_many(url: str, cookie: str, count: int, parallel: int = 4) -> list[requests.Response]:
    def one(_):
        return requests.get(url, headers={"Cookie": cookie}, timeout=60, allow_redirects=False)

    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(one, range(count)))


def until_every_worker_connected(fs, cookie: str) -> list:
    """Requests until each gunicorn worker holds a connection; every answer must be 200."""
    statuses = []
    for _ in range(15):
        for answer in get_many(fs.url + "/", cookie, 8):
            statuses.append(answer.status_code)
            assert answer.status_code == 200, (answer.status_code, answer.text[:500])
        held = fs.app_connections()
        if len(held) >= WORKERS:
            return held
    raise AssertionError(f"after {len(statuses)} requests only {fs.app_connections()} "
                         f"connections are held by {WORKERS} workers")


@pytest.mark.parametrize("crash", [False, True], ids=["sigterm", "sigkill"])
def test_pages_while_the_database_is_down_and_every_worker_reconnects(database_up,
                                                                      owner_cookie, crash):
    fs = database_up
    before = until_every_worker_connected(fs, owner_cookie)
    assert len(before) == WORKERS, before  # one kept connection per worker (CONN_MAX_AGE)

    fs.db.stop(crash=crash)
    down = get_many(fs.url + "/", owner_cookie, 2 * WORKERS, parallel=WORKERS)
    for answer in down:
        assert 500 <= answer.status_code < 600, (answer.status_code, answer.text[:300])
        assert "Something went wrong" in answer.text
        assert_no_traceback(answer.text, "a portal page while the database is down")
    health = requests.get(fs.url + "/healthz", timeout=30)
    assert health.status_code == 503
    assert_no_traceback(health.text, "/healthz while the database is down")

    fs.db.start()
    first = requests.get(fs.url + "/", headers={"Cookie": owner_cookie}, timeout=60,
                         allow_redirects=False)
    assert first.status_code == 200, (first.status_code, first.text[:500])
    after = until_every_worker_connected(fs, owner_cookie)
    assert len(after) == WORKERS, after
    print(json.dumps({"scenario": f"pages ({'SIGKILL' if crash else 'SIGTERM'})",
                      "connections_before": before, "while_down": sorted(
                          {a.status_code for a in down}), "healthz_down": health.status_code,
                      "first_after": first.status_code, "connections_after": after}))

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections

from apps.client_portal.bureau.reports import quota
from apps.client_portal.bureau.reports.models import Plan, Subscription, Usage
from apps.client_portal.core.errors import Refused

pytestmark = pytest.mark.django_db


def _subscription(org, **quotas):
    plan = Plan.objects.create(name=f"Test {org.pk} {sorted(quotas.items())}",
                               price=Decimal("10.00"), **quotas)
    Subscription.objects.filter(organization=org).update(status="ended")
    return Subscription.objects.create(organization=org, plan=plan, contract_number=f"T-{plan.pk}",
                                       starts_on=dt.date(2026, 1, 31), price=plan.price)


def test_take_counts_and_refuses_beyond_the_quota(northwind):
    _subscription(northwind, quota_reports=3)
    assert quota.take(northwind, "reports", 2).used == 2
    assert quota.take(northwind, "reports").used == 3
    with pytest.raises(Refused) as refused:
        quota.take(northwind, "reports")
    assert refused.value.code == "quota_exceeded"
    assert "3 of 3" in refused.value.message
    assert Usage.objects.get(organization=northwind, service="reports",
                             subscription__status="active").used == 3


def test_a_service_outside_the_plan_or_no_subscription_is_refused(northwind, demo):
    _subscription(northwind, quota_reports=3)
    with pytest.raises(Refused) as refused:
        quota.take(northwind, "lookups")
    assert refused.value.code == "no_subscription"
    with pytest.raises(Refused):
        quota.take(demo.organizations["ion"], "reports")


def test_periods_follow_the_start_date_month_by_month(northwind):
    sub = _subscription(northwind, quota_reports=1)
    assert sub.period_for(dt.date(2026, 1, 31)) == (dt.date(2026, 1, 31), dt.date(2026, 2, 27))
    assert sub.period_for(dt.date(2026, 2, 28)) == (dt.date(2026, 2, 28), dt.date(2026, 3, 30))
    assert sub.period_for(dt.date(2026, 12, 1)) == (dt.date(2026, 11, 30), dt.date(2026, 12, 30))
    quota.take(northwind, "reports", day=dt.date(2026, 2, 1))
    with pytest.raises(Refused):
        quota.take(northwind, "reports", day=dt.date(2026, 2, 27))
    # A new period: the quota is whole again.
    assert quota.take(northwind, "reports", day=dt.date(2026, 2, 28)).used == 1


def test_overview_and_dashboard_cards_show_usage(login, demo, northwind):
    _subscription(northwind, quota_reports=10, quota_lookups=4)
    quota.take(northwind, "reports", 9)
    subscription, lines = quota.overview(northwind)
    assert {(line.service, line.used, line.limit) for line in lines} == {
        ("reports", 9, 10), ("lookups", 0, 4)}
    page = login(demo.users["owner"], northwind).get("/").content.decode()
    assert "9 of 10" in page and "0 of 4" in page
    detail = login(demo.users["owner"], northwind).get(subscription.get_absolute_url())
    assert detail.status_code == 200
    assert "Used this period" in detail.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_orders_at_once_cannot_exceed_the_quota(monkeypatch):
    """Two connections race for the last unit; the row lock lets one through."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks (it locks the whole file): the race needs MariaDB")
    from tests.conftest import demo_data

    org = demo_data().organizations["contoso"]
    sub = _subscription(org, quota_scoring=5)
    quota.take(org, "scoring", 4)
    # Widen the window between the locked read and the write: without the lock both
    # would read 4 and both would pass.
    monkeypatch.setattr(quota, "_after_lock", lambda usage: time.sleep(0.3))
    barrier = threading.Barrier(2)
    results = []

    def order():
        try:
            barrier.wait()
            quota.take(org, "scoring")
            results.append("ok")
        except Refused as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=order) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["ok", "quota_exceeded"]
    assert Usage.objects.get(subscription=sub, service="scoring").used == 5

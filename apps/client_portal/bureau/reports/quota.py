"""Quotas: what a client's subscription allows per service and period, taken atomically.

``take(organization, service, count)`` is the only way usage grows. It locks the
usage row of the current period (``SELECT ... FOR UPDATE``) before it reads it,
so two orders at the same moment are served one after the other and can never
together exceed the quota. Call it inside the transaction that stores what the
quota pays for: if that fails, the quota taken is rolled back with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core import audit
from apps.client_portal.core.errors import Refused

from .models import Service, Subscription, Usage

NO_SUBSCRIPTION = _("Your organization has no active subscription that includes this service.")
EXCEEDED = _("The quota of your subscription for %(service)s is used up for this period "
             "(%(used)s of %(limit)s, until %(end)s). Nothing was charged or ordered.")


def _after_lock(usage):
    """A hook between the lock and the check; the race test widens the window here."""


def current_subscription(organization, day: dt.date | None = None) -> Subscription | None:
    day = day or timezone.localdate()
    return (Subscription.objects.filter(organization=organization,
                                        status=Subscription.Status.ACTIVE, starts_on__lte=day)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
            .select_related("plan").order_by("-starts_on", "-id").first())


def _locked_usage(subscription, service, day) -> Usage:
    start, end = subscription.period_for(day)
    lookup = {"subscription": subscription, "service": service, "period_start": start}
    locked = Usage.objects.select_for_update()
    try:
        return locked.get(**lookup)
    except Usage.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            Usage.objects.create(organization_id=subscription.organization_id,
                                 period_end=end, **lookup)
    except IntegrityError:
        pass  # another order created it a moment ago: its row is what we lock
    # A locking read sees the latest committed row, even under REPEATABLE READ.
    return locked.get(**lookup)


def take(organization, service: str, count: int = 1, *, day: dt.date | None = None) -> Usage:
    """Take ``count`` of ``service`` from the quota of ``organization``'s subscription.

    Raises ``Refused`` (and takes nothing) without an active subscription or when
    the period's quota would be exceeded. Returns the usage row after the take.
    """
    if count < 1:
        raise ValueError("count must be positive")
    day = day or timezone.localdate()
    with transaction.atomic():
        subscription = current_subscription(organization, day)
        limit = subscription.plan.quota(service) if subscription else 0
        if subscription is None or limit == 0:
            raise Refused(NO_SUBSCRIPTION, code="no_subscription", status=403)
        usage = _locked_usage(subscription, service, day)
        _after_lock(usage)
        if usage.used + count > limit:
            raise Refused(EXCEEDED, code="quota_exceeded", status=409, params={
                "service": Service(service).label,
                "used": formats.number_format(usage.used, use_l10n=True, force_grouping=True),
                "limit": formats.number_format(limit, use_l10n=True, force_grouping=True),
                "end": formats.date_format(usage.period_end, "SHORT_DATE_FORMAT")})
        Usage.objects.filter(pk=usage.pk).update(used=F("used") + count)
        usage.used += count
        audit.record("bureau_reports.quota_taken", obj=subscription, organization=organization,
                     changes={"service": service, "count": count, "used": usage.used,
                              "limit": limit})
    return usage


@dataclass
class Line:
    service: str
    label: str
    used: int
    limit: int
    period_start: dt.date | None
    period_end: dt.date | None

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.limit)) if self.limit else 0


def overview(organization, day: dt.date | None = None) -> tuple[Subscription | None, list[Line]]:
    """The current subscription and, per service it includes, used of the quota this period."""
    day = day or timezone.localdate()
    subscription = current_subscription(organization, day)
    if subscription is None:
        return None, []
    start, end = subscription.period_for(day)
    used = dict(Usage.objects.filter(subscription=subscription, period_start=start)
                .values_list("service", "used"))
    lines = [Line(service.value, str(service.label), used.get(service.value, 0),
                  subscription.plan.quota(service.value), start, end)
             for service in Service if subscription.plan.quota(service.value)]
    return subscription, lines

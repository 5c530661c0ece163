"""Reports: what a credit report holds, how an order is completed, the personal report,
disputes.

A credit report is the provider's view across organizations: it gathers every
furnisher's current debts on the subject. This is the one place a client reads
other furnishers' debts, and only inside a report it ordered with the subject's
consent (``Order.clean`` refuses an order without it). Everything here reads as
the provider (``Access.provider()``); the caller has already decided the
person may order or read.

The content is stored as data (codes, dates, amounts as strings, organization
names), never as sentences: pages and the PDF write it in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from apps.client_portal.bureau.models import Debt, DebtIdentifier
from apps.client_portal.core import audit, messages, notify
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import Membership
from apps.client_portal.core.tenancy import Access, Role
from apps.client_portal.documents.pdf import render_pdf

from . import quota, scoring
from .identifiers import IDENTIFIER_KIND
from .models import (
    CreditReport,
    Dispute,
    PersonalReport,
    RegistryLookup,
    Service,
)

INQUIRY_YEARS = 2  # how far back a report lists inquiries
PERSONAL_FREE_DAYS = 365  # one free personal report in this many days

messages.declare("bureau_reports.dispute_opened", _("A record you furnished is disputed"),
                 _("A person disputes the record of account %(account)s (%(reason)s). "
                   "An answer is due by %(deadline)s."))
messages.declare("bureau_reports.dispute_resolved", _("Your dispute was answered"),
                 _("Your dispute of account %(account)s was answered: %(status)s."))

NEGATIVE = {"delinquent", "charged_off", "collection"}


def _provider():
    return Access.provider()


def subject_debts(subject_kind: str, subject_id: str):
    """Every furnisher's current debts on the subject: by their IDNP or IDNO, and by any
    other identifier (a Metro 2 file's SSN) that a debt of theirs carries with it."""
    kind = IDENTIFIER_KIND[subject_kind]
    direct = DebtIdentifier.objects.filter(kind=kind, value=subject_id).values("debt_id")
    linked = (DebtIdentifier.objects.filter(debt_id__in=direct)
              .exclude(kind=kind).values_list("kind", "value").distinct())
    condition = Q(identifiers__kind=kind, identifiers__value=subject_id)
    for other_kind, value in linked:
        condition |= Q(identifiers__kind=other_kind, identifiers__value=value)
    return (Debt.objects.for_access(_provider())
            .filter(condition, is_current=True, deleted=False, subject_kind=subject_kind)
            .select_related("organization").distinct()
            .order_by("organization__name", "account_number"))


def inquiries(subject_kind: str, subject_id: str, *, since: dt.datetime | None = None):
    """Who asked about the subject, newest first: reports, scores and look-ups."""
    since = since or timezone.now() - dt.timedelta(days=365 * INQUIRY_YEARS)
    rows = []
    for model in (CreditReport, RegistryLookup):
        for order in (model.objects.for_access(_provider()).about(subject_kind, subject_id)
                      .filter(requested_at__gte=since).select_related("organization")):
            rows.append(order)
    rows.sort(key=lambda o: o.requested_at, reverse=True)
    return rows


def _money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _open_disputes(debts) -> set[tuple[int, str]]:
    keys = {(d.organization_id, d.account_number) for d in debts}
    if not keys:
        return set()
    found = Dispute.objects.for_access(_provider()).filter(
        status=Dispute.Status.OPEN, account_number__in=[k[1] for k in keys])
    return {(d.organization_id, d.account_number) for d in found} & keys


def account_row(debt, disputed: set) -> dict:
    return {
        "furnisher": debt.organization.name, "account_number": debt.account_number,
        "debt_type": debt.debt_type, "opened_on": _date(debt.opened_on),
        "due_on": _date(debt.due_on), "first_delinquency_on": _date(debt.first_delinquency_on),
        "closed_on": _date(debt.closed_on), "last_payment_on": _date(debt.last_payment_on),
        "original_amount": _money(debt.original_amount), "balance": _money(debt.balance),
        "past_due": _money(debt.past_due), "charged_off": _money(debt.charged_off),
        "currency": debt.currency, "status": debt.status,
        "payment_history": debt.payment_history,
        "disputed": (debt.organization_id, debt.account_number) in disputed,
    }


def negative_events(debts) -> list[dict]:
    events = []
    for debt in debts:
        if debt.first_delinquency_on or (debt.status in NEGATIVE and debt.past_due):
            events.append({"event": "delinquency", "furnisher": debt.organization.name,
                           "account_number": debt.account_number,
                           "date": _date(debt.first_delinquency_on),
                           "amount": _money(debt.past_due), "currency": debt.currency})
        if debt.charged_off and debt.charged_off > 0 or debt.status == "charged_off":
            events.append({"event": "charged_off", "furnisher": debt.organization.name,
                           "account_number": debt.account_number,
                           "date": _date(debt.closed_on or debt.first_delinquency_on),
                           "amount": _money(debt.charged_off), "currency": debt.currency})
        if debt.status == "collection":
            events.append({"event": "collection", "furnisher": debt.organization.name,
                           "account_number": debt.account_number,
                           "date": _date(debt.first_delinquency_on),
                           "amount": _money(debt.balance), "currency": debt.currency})
    events.sort(key=lambda e: e["date"] or "", reverse=True)
    return events


def inquiry_row(order) -> dict:
    return {"by": order.organization.name, "on": order.requested_at.isoformat(),
            "purpose": order.purpose, "kind": f"{order._meta.model_name}:{order.kind}"}


def build_content(subject_kind: str, subject_id: str, *, kind: str, exclude=None,
                  today: dt.date | None = None) -> tuple[dict, scoring.Score]:
    """The content of a report (``kind`` "report") or a score alone ("score")."""
    today = today or timezone.localdate()
    debts = list(subject_debts(subject_kind, subject_id))
    asked = [o for o in inquiries(subject_kind, subject_id) if o is not exclude
             and not (exclude is not None and o._meta.model is type(exclude)
                      and o.pk == exclude.pk)]
    year_ago = timezone.now() - dt.timedelta(days=365)
    recent = sum(1 for o in asked if o.requested_at >= year_ago)
    result = scoring.score(debts, recent, today)
    names = [d.subject_name for d in debts if d.subject_name]
    content = {
        "subject": {"kind": subject_kind, "id": subject_id,
                    "name": names[0] if names else ""},
        "as_of": today.isoformat(),
        "score": result.as_dict(),
        "summary": {"accounts": len(debts),
                    "open": sum(1 for d in debts if not d.closed_on),
                    "past_due": sum(1 for d in debts if d.past_due > 0),
                    "inquiries_12m": recent},
    }
    if kind == CreditReport.Kind.REPORT:
        disputed = _open_disputes(debts)
        content["accounts"] = [account_row(d, disputed) for d in debts]
        content["negative_events"] = negative_events(debts)
        content["inquiries"] = [inquiry_row(o) for o in asked]
    return content, result


def complete_report(report: CreditReport) -> CreditReport:
    """Take the quota and fill the report, in the transaction that created it."""
    with transaction.atomic():
        quota.take(report.organization, report.service)
        content, result = build_content(report.subject_kind, report.subject_id,
                                        kind=report.kind, exclude=report)
        report.content = content
        report.score, report.score_model = result.value, result.model_version
        report.subject_name = report.subject_name or content["subject"]["name"]
        report._completing = True
        try:
            report.save(update_fields=["content", "score", "score_model", "subject_name"])
        finally:
            report._completing = False
    return report


def report_pdf(report, request=None) -> bytes:
    html = render_to_string("bureau_reports/report_pdf.html",
                            {"report": report, "view": report_context(report), "pdf": True},
                            request=request)
    return render_pdf(html)


def report_context(report) -> dict:
    """What the report's page and PDF read: the content with its texts looked up."""
    from .display import describe

    return describe(report.content)


def report_json(report) -> dict:
    return {
        "uuid": str(report.uuid), "kind": report.kind, "subject_kind": report.subject_kind,
        "subject_id": report.subject_id, "purpose": report.purpose,
        "consent_reference": report.consent_reference,
        "requested_by": report.requested_by_name, "requested_at": report.requested_at.isoformat(),
        "content": report.content,
    }


# --- the personal report -----------------------------------------------------------------
class NoNationalId(Refused):
    pass


def has_idnp(user) -> bool:
    """Whether ``user`` signs in with a Moldovan national ID: the personal report is theirs."""
    return bool(user is not None and getattr(user, "national_id_country", "") == "MD"
                and getattr(user, "national_id", ""))


def person_idnp(user) -> str:
    if not has_idnp(user):
        raise NoNationalId(_("The personal report is for people signed in with a Moldovan "
                             "national ID (IDNP). Add yours to your account first."),
                           code="no_national_id", status=403)
    return user.national_id


def free_report_left(user, now=None) -> bool:
    now = now or timezone.now()
    since = now - dt.timedelta(days=PERSONAL_FREE_DAYS)
    return not PersonalReport.objects.filter(user=user, free=True, created_at__gte=since).exists()


def next_free_report(user) -> dt.date:
    """The day the person's next free report is available (today when it already is)."""
    last = PersonalReport.objects.filter(user=user, free=True).order_by("-created_at").first()
    if last is None:
        return timezone.localdate()
    return timezone.localdate(last.created_at + dt.timedelta(days=PERSONAL_FREE_DAYS))


def personal_content(idnp: str) -> dict:
    content, _result = build_content("person", idnp, kind=CreditReport.Kind.REPORT)
    debts = subject_debts("person", idnp)
    content["debt_refs"] = [str(d.uuid) for d in debts]
    content["asked"] = [
        {"by": o.organization.name, "on": o.requested_at.isoformat(), "purpose": o.purpose,
         "purpose_detail": o.purpose_detail, "kind": f"{o._meta.model_name}:{o.kind}"}
        for o in inquiries("person", idnp)]
    return content


PAID_PERSONAL_ROLE = Role.MEMBER


def order_personal_report(access, request=None) -> PersonalReport:
    """The signed-in person's report on themselves: free once a year, then per quota."""
    idnp = person_idnp(access.user)
    with transaction.atomic():
        free = free_report_left(access.user)
        if not free and not access.has_role(PAID_PERSONAL_ROLE):
            # A paid one spends the organization's quota: as for any ordered report.
            raise Refused(code="forbidden")
        if not free:
            try:
                quota.take(access.organization, Service.PERSONAL)
            except Refused as exc:
                if exc.code != "no_subscription":
                    raise
                # A person has no subscription to speak of: say when the next free one comes.
                raise Refused(_("Your free report for this year has been used; the next is "
                                "available on %(date)s."), code="no_subscription",
                              status=exc.status, params={"date": formats.date_format(
                                  next_free_report(access.user), "SHORT_DATE_FORMAT")}) from None
        report = PersonalReport.objects.create(
            organization=access.organization, user=access.user, national_id=idnp, free=free,
            content=personal_content(idnp))
        audit.record("bureau_reports.personal_report", obj=report,
                     organization=access.organization, changes={"free": free}, request=request)
    return report


# --- disputes ------------------------------------------------------------------------------
def disputable_debt(access, personal: PersonalReport, debt_uuid) -> Debt:
    """A debt the person may dispute: one listed in their own personal report."""
    if str(debt_uuid) not in personal.content.get("debt_refs", []):
        raise Refused(code="not_found")
    debt = subject_debts("person", personal.national_id).filter(uuid=debt_uuid).first()
    if debt is None:
        raise Refused(code="not_found")
    return debt


def open_dispute(access, personal: PersonalReport, debt_uuid, *, reason: str,
                 explanation: str = "", request=None) -> Dispute:
    debt = disputable_debt(access, personal, debt_uuid)
    if Dispute.objects.for_access(_provider()).filter(
            organization=debt.organization, account_number=debt.account_number,
            filed_by=access.user, status=Dispute.Status.OPEN).exists():
        raise Refused(_("You already have an open dispute about this record."),
                      code="conflict")
    with transaction.atomic():
        dispute = Dispute(organization=debt.organization, debt=debt,
                          account_number=debt.account_number, filed_by=access.user,
                          filed_by_name=access.user.display_name, reason=reason,
                          explanation=explanation)
        dispute.full_clean()
        dispute.save()
        audit.record("bureau_reports.dispute_opened", obj=dispute,
                     organization=debt.organization,
                     changes={"reason": reason, "deadline": dispute.deadline.isoformat()},
                     request=request)
        managers = [m.user for m in Membership.objects.filter(
            organization=debt.organization, is_active=True,
            role__in=[Role.OWNER, Role.MANAGER]).select_related("user")]
        notify.notify(managers, debt.organization, message="bureau_reports.dispute_opened",
                      params=messages.params(account=debt.account_number,
                                             reason=messages.choice(Dispute, "reason", reason),
                                             deadline=dispute.deadline),
                      obj=dispute, level="warning")
    return dispute


def tell_person(dispute: Dispute):
    """The person who filed the dispute reads its outcome in their inbox."""
    if dispute.filed_by is None:
        return
    membership = Membership.objects.filter(user=dispute.filed_by, is_active=True).select_related(
        "organization").first()
    if membership is None:
        return
    notify.notify([dispute.filed_by], membership.organization,
                  message="bureau_reports.dispute_resolved",
                  params=messages.params(account=dispute.account_number,
                                         status=messages.choice(Dispute, "status",
                                                                dispute.status)),
                  link=reverse("bureau_reports:personal"))

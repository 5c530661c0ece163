"""Subscriptions and quotas, credit reports and scores, registry look-ups, personal
reports and disputes.

A credit report, a score and a registry look-up are **append-only**: once ordered,
a row is never changed or deleted (``AppendOnly``); the rows are the log of who
asked for what, when and why, which the ordering client reads on its Reports and
ASP reports lists and the person reads in their personal report.

Money is ``Decimal``; a plan's quotas count per period of the subscription
(``Subscription.period_for``), and ``quota.take`` is the only way usage grows.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from apps.client_portal.core.models import TenantModel
from apps.client_portal.core.tenancy import ScopedQuerySet, Tenancy

from . import identifiers


class Service(models.TextChoices):
    """What a subscription's quotas count."""

    REPORTS = "reports", _("Credit reports")
    SCORING = "scoring", _("Scores")
    LOOKUPS = "lookups", _("Registry look-ups")
    RECORDS = "records", _("Imported records")
    PERSONAL = "personal", _("Extra personal reports")


class Currency(models.TextChoices):
    MDL = "MDL", _("MDL — Moldovan leu")
    EUR = "EUR", _("EUR — euro")
    USD = "USD", _("USD — US dollar")
    RON = "RON", _("RON — Romanian leu")


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Plan(models.Model):
    """A subscription plan of the provider's price list: quotas per service, period, price."""

    class Period(models.IntegerChoices):
        MONTH = 1, _("Month")
        QUARTER = 3, _("Quarter")
        YEAR = 12, _("Year")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    period_months = models.PositiveSmallIntegerField(_("period"), choices=Period.choices,
                                                     default=Period.MONTH)
    price = models.DecimalField(_("price per period"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices,
                                default=Currency.MDL)
    quota_reports = models.PositiveIntegerField(_("credit reports per period"), default=0)
    quota_scoring = models.PositiveIntegerField(_("scores per period"), default=0)
    quota_lookups = models.PositiveIntegerField(_("registry look-ups per period"), default=0)
    quota_records = models.PositiveIntegerField(_("imported records per period"), default=0)
    quota_personal = models.PositiveIntegerField(
        _("extra personal reports per period"), default=0,
        help_text=_("Personal reports beyond the one free report a year."))
    is_active = models.BooleanField(_("offered"), default=True)

    objects = ScopedQuerySet.as_manager()
    # The provider's price list: the same for every client, no client data.
    tenancy = Tenancy(organization="", clients_see=Q(is_active=True))

    class Meta:
        verbose_name = _("subscription plan")
        verbose_name_plural = _("subscription plans")
        ordering = ["price", "name"]

    def __str__(self):
        return self.name

    def quota(self, service: str) -> int:
        return getattr(self, f"quota_{service}")


class Subscription(TenantModel):
    """A client's contract for a plan, from a start date (to an end date, or open)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions",
                             verbose_name=_("plan"))
    contract_number = models.CharField(_("contract number"), max_length=40)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    price = models.DecimalField(_("price per period"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))],
                                help_text=_("The price agreed in the contract."))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices,
                                default=Currency.MDL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "contract_number"],
                                    name="bureau_subscription_contract"),
        ]
        indexes = [models.Index(fields=["organization", "status", "starts_on"],
                                name="bureau_subscription_current")]

    def __str__(self):
        return f"{self.plan} ({self.contract_number})"

    def get_absolute_url(self):
        return reverse("portal:detail", args=["subscriptions", self.uuid])

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})

    def period_for(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """The quota period holding ``day``: [start, end] with both days included."""
        months = self.plan.period_months
        steps = 0
        if day >= self.starts_on:
            elapsed = (day.year - self.starts_on.year) * 12 + day.month - self.starts_on.month
            steps = elapsed // months
            if add_months(self.starts_on, steps * months) > day:
                steps -= 1
        start = add_months(self.starts_on, steps * months)
        end = add_months(self.starts_on, (steps + 1) * months) - dt.timedelta(days=1)
        if self.ends_on and end > self.ends_on:
            end = self.ends_on
        return start, end


class Usage(TenantModel):
    """How much of one service's quota a subscription used in one period."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE,
                                     related_name="usage", verbose_name=_("subscription"))
    service = models.CharField(_("service"), max_length=12, choices=Service.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    used = models.PositiveIntegerField(_("used"), default=0)

    class Meta:
        verbose_name = _("quota usage")
        verbose_name_plural = _("quota usage")
        ordering = ["-period_start", "service"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "service", "period_start"],
                                    name="bureau_usage_period"),
        ]

    def __str__(self):
        return f"{self.get_service_display()} {self.period_start:%Y-%m-%d}: {self.used}"


class AppendOnly(models.Model):
    """A row written once: never changed (but for its completion in the same
    transaction that created it, ``_completing``) and never deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not getattr(self, "_completing", False):
            raise ValidationError(_("This record is part of the log and cannot be changed."),
                                  code="append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("This record is part of the log and cannot be deleted."),
                              code="append_only")


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person (IDNP)")
    COMPANY = "company", _("Company (IDNO)")


class Purpose(models.TextChoices):
    """Why a report is asked for: a legitimate purpose is required (and logged)."""

    CREDIT_APPLICATION = "credit_application", _("Credit application")
    ACCOUNT_REVIEW = "account_review", _("Review of an existing credit")
    GUARANTEE = "guarantee", _("Guarantee or co-debtor check")
    COLLECTION = "collection", _("Collection of a debt")
    OTHER = "other", _("Other legitimate purpose (described)")


class ReportQuerySet(ScopedQuerySet):
    def about(self, subject_kind: str, subject_id: str):
        return self.filter(subject_kind=subject_kind, subject_id=subject_id)


class PurposeField(models.CharField):
    """The purpose, whose form select opens on "Choose a purpose" rather than dashes."""

    def get_choices(self, include_blank=True, blank_choice=None, *args, **kwargs):
        return super().get_choices(include_blank, blank_choice or [("", _("Choose a purpose"))],
                                   *args, **kwargs)


class Order(AppendOnly, TenantModel):
    """What every order shares: the subject, the purpose, the consent, who asked and when."""

    subject_kind = models.CharField(_("subject"), max_length=8, choices=SubjectKind.choices,
                                    default=SubjectKind.PERSON)
    subject_id = models.CharField(_("IDNP or IDNO"), max_length=13)
    subject_name = models.CharField(
        _("name of the subject"), max_length=200, blank=True,
        help_text=_("Optional; otherwise the name furnished with the subject's records."))
    purpose = PurposeField(_("purpose"), max_length=24, choices=Purpose.choices,
                               help_text=_("Logged with the order; the subject reads it."))
    purpose_detail = models.CharField(_("purpose, in words"), max_length=300, blank=True,
                                      help_text=_("Required when the purpose is “other”."))
    consent_reference = models.CharField(
        _("consent reference"), max_length=80,
        help_text=_("The reference of the subject's written consent to this inquiry."))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("asked by"))
    requested_by_name = models.CharField(_("asked by"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("asked on"), default=timezone.now)

    objects = ReportQuerySet.as_manager()
    consent_required = True
    error_messages = {
        "consent": _("A report needs the subject's consent: give the reference of the "
                     "signed consent."),
        "purpose_detail": _("Describe the purpose when it is “other”."),
    }

    class Meta:
        abstract = True

    def clean(self):
        errors = {}
        self.subject_id = (self.subject_id or "").strip()
        self.consent_reference = (self.consent_reference or "").strip()
        try:
            self.subject_id = identifiers.validate(self.subject_kind, self.subject_id)
        except ValidationError as exc:
            errors["subject_id"] = exc
        if self.consent_required and not self.consent_reference:
            errors["consent_reference"] = ValidationError(self.error_messages["consent"],
                                                          code="consent")
        if self.purpose == Purpose.OTHER and not self.purpose_detail.strip():
            errors["purpose_detail"] = ValidationError(self.error_messages["purpose_detail"],
                                                       code="purpose_detail")
        if errors:
            raise ValidationError(errors)


class CreditReport(Order):
    """A credit report, or a score alone, on a person or a company."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Credit report")
        SCORE = "score", _("Score")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.REPORT)
    content = models.JSONField(_("content"), default=dict, blank=True, editable=False)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, editable=False)
    score_model = models.CharField(_("scorecard version"), max_length=20, blank=True,
                                   editable=False)

    class Meta:
        verbose_name = _("credit report")
        verbose_name_plural = _("credit reports")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-requested_at", "-id"],
                         name="bureau_report_list"),
            models.Index(fields=["subject_kind", "subject_id"], name="bureau_report_subject"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject_name or self.subject_id}"

    def get_absolute_url(self):
        return reverse("portal:detail", args=["credit-reports", self.uuid])

    @property
    def service(self) -> str:
        return Service.SCORING if self.kind == self.Kind.SCORE else Service.REPORTS


class RegistryLookup(Order):
    """A look-up in a state register (the "ASP reports"): its answer is a report of its own."""

    class Kind(models.TextChoices):
        POPULATION = "population", _("Population register")
        COMPANY = "company", _("Company register")
        TAX = "tax", _("Tax authority data")

    kind = models.CharField(_("register"), max_length=12, choices=Kind.choices)
    found = models.BooleanField(_("found"), default=False, editable=False)
    result = models.JSONField(_("result"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("registry look-up")
        verbose_name_plural = _("registry look-ups")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-requested_at", "-id"],
                         name="bureau_lookup_list"),
            models.Index(fields=["subject_kind", "subject_id"], name="bureau_lookup_subject"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject_name or self.subject_id}"

    def get_absolute_url(self):
        return reverse("portal:detail", args=["registry-lookups", self.uuid])

    def clean(self):
        # A person is looked up in the population register; a company in the other two.
        self.subject_kind = (SubjectKind.PERSON if self.kind == self.Kind.POPULATION
                             else SubjectKind.COMPANY)
        super().clean()


class PersonalReport(AppendOnly, TenantModel):
    """The report a signed-in person got on themselves (by their IDNP)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("person"))
    national_id = models.CharField(_("IDNP"), max_length=13)
    free = models.BooleanField(_("free yearly report"), default=True)
    content = models.JSONField(_("content"), default=dict, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    # A person's own report: theirs alone, even inside their organization.
    tenancy = Tenancy(user="user")

    class Meta:
        verbose_name = _("personal report")
        verbose_name_plural = _("personal reports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="bureau_personal_user")]

    def __str__(self):
        return f"{self.national_id} {self.created_at:%Y-%m-%d}"


def dispute_deadline(start: dt.date | None = None) -> dt.date:
    days = getattr(settings, "BUREAU_DISPUTE_DAYS", 30)
    return (start or timezone.localdate()) + dt.timedelta(days=days)


class Dispute(TenantModel):
    """A person's dispute of one furnished record; ``organization`` is the furnisher,
    who is told of it and reads it; the provider's staff resolve it by its deadline."""

    class Reason(models.TextChoices):
        NOT_MINE = "not_mine", _("This debt is not mine")
        PAID = "paid", _("It is paid or closed")
        AMOUNT = "amount", _("The amounts are wrong")
        DATES = "dates", _("The dates or payment history are wrong")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CORRECTED = "corrected", _("Upheld: the record is corrected")
        REJECTED = "rejected", _("Rejected: the record stands")

    # The record version disputed; the retention job may remove it later (the dispute
    # stays, with the account number).
    debt = models.ForeignKey("bureau.Debt", null=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("disputed record"))
    account_number = models.CharField(_("account number"), max_length=30)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("filed by"))
    filed_by_name = models.CharField(_("filed by"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    explanation = models.TextField(_("explanation"), max_length=2000, blank=True)
    status = FSMField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN,
                      protected=False)
    deadline = models.DateField(_("answer due by"), default=dispute_deadline)
    outcome = models.TextField(_("outcome"), blank=True,
                               help_text=_("What was found and done; the person reads it."))
    created_at = models.DateTimeField(_("filed"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("resolved by"))

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status", "deadline"],
                                name="bureau_dispute_open")]

    def __str__(self):
        # The account and who disputes it: the audit keeps this text as it was, so it is
        # in no one language.
        return " · ".join(part for part in (self.account_number, self.filed_by_name) if part)

    def get_absolute_url(self):
        return reverse("portal:detail", args=["disputes", self.uuid])

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline < timezone.localdate()

    def _resolve(self, by):
        self.resolved_at = timezone.now()
        self.resolved_by = by

    @transition(field=status, source=Status.OPEN, target=Status.CORRECTED)
    def uphold(self, by=None, access=None):
        """Staff found the record wrong; the furnisher corrects it (a new version)."""
        self._resolve(by)

    @transition(field=status, source=Status.OPEN, target=Status.REJECTED)
    def reject(self, by=None, access=None):
        """Staff found the record right: it stands, with the outcome explained."""
        self._resolve(by)

"""Loan products, loans, their schedules (versioned), repayments and their allocation,
NBP reference rates and daily penalty interest.

A loan belongs to the borrower's organization (a private person's record): the
borrower and whoever acts for that organization see it, nobody else. The numbers
come from ``engine.py`` (pure Python); this module stores them. Money is ``Decimal``;
penalty accruals keep six decimals so that daily amounts add up exactly.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from apps.client_portal.core.display import format_money
from apps.client_portal.core.models import TenantModel
from apps.client_portal.core.tenancy import ScopedQuerySet, Tenancy

from . import engine

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def rate_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=4,
                               validators=[MinValueValidator(Decimal(0))], **kwargs)


class ReferenceRate(models.Model):
    """The NBP reference rate from a date on (kept by staff; the limits follow it)."""

    valid_from = models.DateField(_("valid from"), unique=True)
    rate = rate_field(_("reference rate (%)"))
    source = models.CharField(_("source"), max_length=200, blank=True,
                              help_text=_("Where the rate was published (NBP announcement)."))

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="")

    class Meta:
        verbose_name = _("NBP reference rate")
        verbose_name_plural = _("NBP reference rates")
        ordering = ["-valid_from"]

    def __str__(self):
        return f"{self.rate}% ({self.valid_from})"

    @classmethod
    def on(cls, day: dt.date) -> Decimal | None:
        """The rate in force on ``day``, or None when none is on file for it."""
        row = cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
        return row.rate if row else None

    @classmethod
    def table(cls) -> list[tuple[dt.date, Decimal]]:
        """All rates, oldest first: for applying the one in force on each day."""
        return list(cls.objects.order_by("valid_from").values_list("valid_from", "rate"))


def rate_in_table(table, day):
    """The rate of ``table`` (from ``ReferenceRate.table``) in force on ``day``."""
    found = None
    for valid_from, rate in table:
        if valid_from > day:
            break
        found = rate
    return found


ORDER_CHOICES = [
    (",".join(engine.DEFAULT_ORDER),
     _("Penalty interest, costs, interest, principal (art. 451 KC)")),
    ("interest,penalty,other,principal", _("Interest, penalty interest, costs, principal")),
    ("principal,interest,penalty,other", _("Principal, interest, penalty interest, costs")),
]


class LoanProduct(models.Model):
    """What a loan is made of: amortization, interest method, day count, frequency, limits."""

    class Amortization(models.TextChoices):
        EQUAL_INSTALMENTS = engine.EQUAL_INSTALMENTS, _("Equal instalments")
        EQUAL_PRINCIPAL = engine.EQUAL_PRINCIPAL, _("Equal principal")
        SINGLE_PAYMENT = engine.SINGLE_PAYMENT, _("Single payment")

    class InterestMethod(models.TextChoices):
        DECLINING = engine.DECLINING, _("Declining balance")
        FLAT = engine.FLAT, _("Flat")

    class DayCount(models.TextChoices):
        ACT_ACT = engine.ACT_ACT, _("Actual/actual")
        ACT_365 = engine.ACT_365, _("Actual/365")
        D30_360 = engine.D30_360, _("30/360")

    class Frequency(models.TextChoices):
        MONTHLY = engine.MONTHLY, _("Monthly")
        WEEKLY = engine.WEEKLY, _("Weekly")
        SINGLE = engine.SINGLE, _("Single")

    class Rounding(models.TextChoices):
        HALF_UP = "half_up", _("Half up")
        HALF_EVEN = "half_even", _("Half even (banker's)")

    name = models.CharField(_("name"), max_length=120, unique=True)
    amortization = models.CharField(_("amortization"), max_length=20,
                                    choices=Amortization.choices,
                                    default=Amortization.EQUAL_INSTALMENTS)
    interest_method = models.CharField(_("interest method"), max_length=20,
                                       choices=InterestMethod.choices,
                                       default=InterestMethod.DECLINING)
    day_count = models.CharField(_("day count"), max_length=16, choices=DayCount.choices,
                                 default=DayCount.D30_360)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.MONTHLY)
    annual_rate = rate_field(_("interest rate (% a year)"))
    penalty_rate = rate_field(_("penalty interest rate (% a year)"))
    # xgettext:no-python-format
    fee_percent = rate_field(_("upfront fee (% of the amount)"), default=Decimal(0))
    principal_grace = models.PositiveSmallIntegerField(_("grace on principal (instalments)"),
                                                       default=0)
    interest_grace = models.PositiveSmallIntegerField(_("grace on interest (instalments)"),
                                                      default=0)
    allocation_order = models.CharField(_("allocation order"), max_length=60,
                                        choices=ORDER_CHOICES, default=ORDER_CHOICES[0][0])
    rounding = models.CharField(_("rounding"), max_length=10, choices=Rounding.choices,
                                default=Rounding.HALF_UP)
    instalment_multiple = models.DecimalField(
        _("instalment rounded to"), max_digits=6, decimal_places=2, default=CENT,
        validators=[MinValueValidator(CENT)],
        help_text=_("The instalment amount is rounded to a multiple of this (0.01 or 1)."))
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="")

    class Meta:
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(self.allocation_order.split(","))

    def clean(self):
        check_rates(self.annual_rate, self.penalty_rate, timezone.localdate())


def limit_message(breach: engine.LimitBreach):
    texts = {
        "interest": _("The interest rate %(value)s%% is above the statutory maximum of "
                      "%(limit)s%% (twice the NBP reference rate plus 3.5 points)."),
        "penalty": _("The penalty interest rate %(value)s%% is above the statutory maximum of "
                     "%(limit)s%% (twice the NBP reference rate plus 5.5 points)."),
        "costs": _("The non-interest costs %(value)s are above the statutory maximum of "
                   "%(limit)s for this amount and term."),
    }
    return texts[breach.code] % {"value": breach.value.normalize(), "limit": breach.limit}


def check_rates(annual_rate, penalty_rate, day):
    """Refuse rates above the limits in force on ``day`` (a ValidationError per field)."""
    if annual_rate is None or penalty_rate is None:
        return
    reference = ReferenceRate.on(day)
    if reference is None:
        raise ValidationError(_("No NBP reference rate is on file for %(day)s: add one before "
                                "setting rates.") % {"day": day})
    errors = {}
    for breach in engine.check_limits(annual_rate=annual_rate, penalty_rate=penalty_rate,
                                      costs=ZERO, amount=Decimal(1), term_days=365,
                                      reference_rate=reference):
        field = "annual_rate" if breach.code == "interest" else "penalty_rate"
        errors[field] = ValidationError(limit_message(breach), code=f"limit_{breach.code}")
    if errors:
        raise ValidationError(errors)


class LoanQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(status=Loan.Status.ACTIVE)


class Loan(TenantModel):
    """A loan to a borrower: its terms, its state and what it owes at a glance."""

    class Status(models.TextChoices):
        TO_BE_DISBURSED = "to_be_disbursed", _("To be disbursed")
        ACTIVE = "active", _("Active")
        REPAID = "repaid", _("Repaid")
        TERMINATED = "terminated", _("Terminated")
        WRITTEN_OFF = "written_off", _("Written off")

    CLOSED = (Status.REPAID, Status.TERMINATED, Status.WRITTEN_OFF)

    number = models.CharField(_("loan number"), max_length=40)
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="loans",
                                verbose_name=_("product"))
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    amount = money_field(_("amount"), validators=[MinValueValidator(Decimal("1.00"))])
    instalments = models.PositiveSmallIntegerField(
        _("instalments"), validators=[MinValueValidator(1), MaxValueValidator(600)])
    annual_rate = rate_field(_("interest rate (% a year)"), blank=True,
                             help_text=_("Empty: the product's."))
    penalty_rate = rate_field(_("penalty interest rate (% a year)"), blank=True,
                              help_text=_("Empty: the product's."))
    fees = money_field(_("non-interest costs"),
                       help_text=_("Upfront costs of the credit (fees, commission)."))
    principal_grace = models.PositiveSmallIntegerField(_("grace on principal (instalments)"),
                                                       default=0)
    interest_grace = models.PositiveSmallIntegerField(_("grace on interest (instalments)"),
                                                      default=0)
    term_days = models.PositiveIntegerField(_("term of a single payment (days)"), default=30)
    disbursement_date = models.DateField(_("disbursement date"))
    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="loans",
                                 verbose_name=_("borrower"))
    repayment_account = models.CharField(_("account for repayments"), max_length=40,
                                         blank=True)
    status = FSMField(_("status"), max_length=20, choices=Status.choices,
                      default=Status.TO_BE_DISBURSED, protected=False)
    # What the loan stands at, kept by services.py (read by the list and the job).
    principal_outstanding = money_field(_("principal outstanding"), editable=False)
    penalty_paid = money_field(_("penalty interest paid"), editable=False)
    other_charged = money_field(_("other costs charged"), editable=False)
    other_paid = money_field(_("other costs paid"), editable=False)
    deposit = money_field(_("deposit (overpayment)"), editable=False)
    accrued_through = models.DateField(_("penalty accrued through"), null=True, blank=True,
                                       editable=False)
    oldest_unpaid_due = models.DateField(_("oldest unpaid due date"), null=True, blank=True,
                                         editable=False)
    # For the daily job, which reads the loan row alone: the principal of instalments due
    # before ``overdue_as_of`` and unpaid, and the first due date from then on. Kept by
    # services.py on every write and refreshed by the job when ``next_due`` has passed.
    overdue_principal = money_field(_("overdue principal"), editable=False)
    overdue_as_of = models.DateField(null=True, blank=True, editable=False)
    next_due = models.DateField(null=True, blank=True, editable=False)
    apr = models.DecimalField(_("APR (RRSO)"), max_digits=8, decimal_places=2, null=True,
                              blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-disbursement_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="loans_loan_number"),
        ]
        indexes = [
            models.Index(fields=["organization", "-disbursement_date", "-id"],
                         name="loans_loan_list"),
        ]

    def __str__(self):
        return _("Loan %(number)s") % {"number": self.number}

    def get_absolute_url(self):
        return reverse("portal:detail", args=["loans", self.uuid])

    @property
    def amount_display(self):
        return format_money(self.amount, self.currency)

    def terms(self, *, amount=None, start=None, instalments=None, rate=None) -> engine.Terms:
        product = self.product
        return engine.Terms(
            amount=Decimal(amount if amount is not None else self.amount),
            annual_rate=Decimal(rate if rate is not None else self.annual_rate),
            instalments=instalments or self.instalments,
            start=start or self.disbursement_date,
            amortization=product.amortization, interest_method=product.interest_method,
            day_count=product.day_count, frequency=product.frequency,
            principal_grace=self.principal_grace if amount is None else 0,
            interest_grace=self.interest_grace if amount is None else 0,
            term_days=self.term_days, rounding=product.rounding,
            multiple=product.instalment_multiple,
        )

    @cached_property
    def penalty_accrued(self) -> Decimal:
        """Penalty interest accrued: the exact sum of the daily accruals (six places),
        rounded half-up to the cent (what repayments settle). Summed when read, so the
        daily job writes its rows and nothing else on the loan."""
        total = self.accruals.aggregate(total=models.Sum("amount"))["total"] or Decimal(0)
        return Decimal(total).quantize(CENT, rounding=ROUND_HALF_UP)

    def days_past_due(self, day: dt.date | None = None) -> int:
        """Days since the oldest instalment still unpaid fell due (kept by the daily job)."""
        day = day or timezone.localdate()
        if self.oldest_unpaid_due is None or self.oldest_unpaid_due >= day:
            return 0
        return (day - self.oldest_unpaid_due).days

    @property
    def term_end(self) -> dt.date:
        return self.terms().due_dates()[-1]

    def clean(self):
        errors = {}
        if self.product_id is None or self.amount is None or self.instalments is None:
            return
        if self.annual_rate is None:
            self.annual_rate = self.product.annual_rate
        if self.penalty_rate is None:
            self.penalty_rate = self.product.penalty_rate
        if not self.fees and self.product.fee_percent:
            # The product's upfront fee, unless the loan names its own costs.
            self.fees = (self.amount * self.product.fee_percent / 100).quantize(
                CENT, rounding=ROUND_HALF_UP)
        try:
            self.terms().validate()
        except engine.EngineError:
            errors["instalments"] = ValidationError(
                _("These instalments, grace periods and frequency do not make a schedule."),
                code="terms")
        if not errors and self.disbursement_date:
            reference = ReferenceRate.on(self.disbursement_date)
            if reference is None:
                raise ValidationError(_("No NBP reference rate is on file for %(day)s.")
                                      % {"day": self.disbursement_date})
            term_days = (self.term_end - self.disbursement_date).days
            for breach in engine.check_limits(
                    annual_rate=self.annual_rate, penalty_rate=self.penalty_rate,
                    costs=self.fees or ZERO, amount=self.amount, term_days=term_days,
                    reference_rate=reference):
                field = {"interest": "annual_rate", "penalty": "penalty_rate",
                         "costs": "fees"}[breach.code]
                errors[field] = ValidationError(limit_message(breach),
                                                code=f"limit_{breach.code}")
        if errors:
            raise ValidationError(errors)

    # --- status (services.py calls these, locks the row and audits) -------------------
    @transition(field=status, source=Status.TO_BE_DISBURSED, target=Status.ACTIVE)
    def disburse(self, **kwargs):
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.REPAID)
    def mark_repaid(self, **kwargs):
        pass

    @transition(field=status, source=[Status.TO_BE_DISBURSED, Status.ACTIVE],
                target=Status.TERMINATED)
    def terminate(self, **kwargs):
        pass

    @transition(field=status, source=[Status.ACTIVE, Status.TERMINATED],
                target=Status.WRITTEN_OFF)
    def write_off(self, **kwargs):
        pass

    @transition(field=status, source=Status.REPAID, target=Status.ACTIVE)
    def reopen(self, **kwargs):
        """A reversed repayment makes a repaid loan owe again."""


class ScheduleVersion(TenantModel):
    """One version of a loan's schedule: the first at disbursement, then one per reschedule."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for approval")
        CURRENT = "current", _("Current")
        SUPERSEDED = "superseded", _("Superseded")
        REJECTED = "rejected", _("Rejected")

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="schedule_versions",
                             verbose_name=_("loan"))
    version = models.PositiveSmallIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    starts_on = models.DateField(_("from"))
    annual_rate = rate_field(_("interest rate (% a year)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("proposed by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("approved by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("schedule version")
        verbose_name_plural = _("schedule versions")
        ordering = ["loan", "version"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "version"], name="loans_schedule_version"),
        ]

    def __str__(self):
        return _("Schedule %(version)s") % {"version": self.version}


class Instalment(TenantModel):
    """One row of a schedule version, with what has been paid against it."""

    schedule = models.ForeignKey(ScheduleVersion, on_delete=models.CASCADE,
                                 related_name="rows", verbose_name=_("schedule"))
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    principal = money_field(_("principal"))
    interest = money_field(_("interest"))
    balance = money_field(_("balance after"))
    paid_principal = money_field(_("principal paid"))
    paid_interest = money_field(_("interest paid"))

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["schedule", "number"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "number"], name="loans_instalment"),
        ]

    def __str__(self):
        return f"{self.number} · {self.due_date}"

    @property
    def total(self):
        return self.principal + self.interest


class Repayment(TenantModel):
    """Money received for a loan, allocated by the product's order."""

    class Source(models.TextChoices):
        ONLINE = "online", _("Online payment")
        BANK = "bank", _("Bank transfer")
        STAFF = "staff", _("Entered by staff")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments",
                             verbose_name=_("loan"))
    date = models.DateField(_("date"))
    amount = money_field(_("amount"), validators=[MinValueValidator(CENT)])
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    reference = models.CharField(_("reference"), max_length=100)
    description = models.CharField(_("description"), max_length=200, blank=True)
    principal = money_field(_("principal"))
    interest = money_field(_("interest"))
    penalty = money_field(_("penalty interest"))
    other = money_field(_("other"))
    deposit = money_field(_("deposit"))
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan repayment")
        verbose_name_plural = _("loan repayments")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "source", "reference"],
                                    name="loans_repayment_reference"),
        ]

    def __str__(self):
        return f"{self.reference} · {format_money(self.amount, self.loan.currency)}"


class AllocationLine(models.Model):
    """One part of a repayment: a component of one instalment, or the deposit."""

    repayment = models.ForeignKey(Repayment, on_delete=models.CASCADE, related_name="lines",
                                  verbose_name=_("repayment"))
    component = models.CharField(_("component"), max_length=10)
    instalment = models.PositiveSmallIntegerField(_("instalment"), null=True, blank=True)
    amount = money_field(_("amount"))

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="repayment__organization")

    class Meta:
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        ordering = ["repayment", "id"]

    def __str__(self):
        return f"{self.component} {self.amount}"


class PenaltyAccrual(models.Model):
    """Penalty interest of one loan for one day (one row per loan and day: idempotent).

    Not a ``TenantModel``: no UUID (never addressed on its own; the daily job writes
    100,000 of them at a time); it belongs to its organization all the same.
    """

    # No index of their own: the unique (loan, day) serves the loan's lookups, and each
    # index more is written 100,000 times a day.
    organization = models.ForeignKey("core.Organization", on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organization"),
                                     db_index=False)
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="accruals",
                             verbose_name=_("loan"), db_index=False)
    day = models.DateField(_("day"))
    overdue_principal = money_field(_("overdue principal"))
    rate = rate_field(_("rate applied (% a year)"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=6, default=0)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy()

    class Meta:
        verbose_name = _("penalty interest accrual")
        verbose_name_plural = _("penalty interest accruals")
        ordering = ["loan", "day"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "day"], name="loans_accrual_day"),
        ]

    def __str__(self):
        return f"{self.day} · {self.amount}"


class DepositRefund(TenantModel):
    """Part of a loan's deposit (an overpayment) paid back to the borrower by staff."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="deposit_refunds",
                             verbose_name=_("loan"))
    date = models.DateField(_("date"))
    amount = money_field(_("amount"), validators=[MinValueValidator(CENT)])
    reference = models.CharField(_("reference"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("deposit refund")
        verbose_name_plural = _("deposit refunds")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.reference} · {format_money(self.amount, self.loan.currency)}"

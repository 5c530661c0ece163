"""Financial documents, their lines, payments and their allocation, tariffs, imports.

Money is ``Decimal`` with an explicit currency. A line is rounded on its own
(ROUND_HALF_UP to cents) and a document's totals are the sums of its rounded
lines, so the printed lines always add up to the printed totals.

Status: a document is a draft until published; from then on its status follows
its amounts (unpaid, partially paid, paid) or it is cancelled. "Overdue" is not
stored: it is an unpaid or partially paid document past its due date, decided at
query time (``FinancialDocument.OVERDUE`` / ``overdue_q()``), so it can never be stale.
"""

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from apps.client_portal.core.display import format_money
from apps.client_portal.core.models import TenantModel
from apps.client_portal.core.tenancy import ScopedQuerySet, Tenancy

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """``value`` as a Decimal rounded half-up to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Currency(models.TextChoices):
    RON = "RON", _("RON — Romanian leu")
    EUR = "EUR", _("EUR — euro")
    PLN = "PLN", _("PLN — Polish złoty")
    BGN = "BGN", _("BGN — Bulgarian lev")
    UAH = "UAH", _("UAH — Ukrainian hryvnia")
    MDL = "MDL", _("MDL — Moldovan leu")
    USD = "USD", _("USD — US dollar")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2,
                               default=ZERO, **kwargs)


class FinancialDocumentQuerySet(ScopedQuerySet):
    def published(self):
        return self.exclude(status__in=[FinancialDocument.Status.DRAFT])

    def open(self):
        """Published documents that still wait for money."""
        return self.filter(status__in=FinancialDocument.OPEN_STATUSES, outstanding__gt=0)

    def overdue(self, today=None):
        return self.filter(overdue_q(today))


def overdue_q(today=None) -> Q:
    today = today or timezone.localdate()
    return Q(status__in=FinancialDocument.OPEN_STATUSES, outstanding__gt=0, due_date__lt=today)


class FinancialDocument(TenantModel):
    """An invoice, credit note, debit note or tax invoice issued to an organization."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")
        DEBIT_NOTE = "debit_note", _("Debit note")
        TAX_INVOICE = "tax_invoice", _("Tax invoice")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        UNPAID = "unpaid", _("Unpaid")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        ISSUED = "issued", _("Issued")  # a credit note: nothing to pay
        CANCELLED = "cancelled", _("Cancelled")

    OVERDUE = "overdue"  # a derived status, see the module docstring
    STATUS_FILTER_CHOICES = [
        (Status.DRAFT, Status.DRAFT.label),
        (Status.UNPAID, Status.UNPAID.label),
        (Status.PARTIALLY_PAID, Status.PARTIALLY_PAID.label),
        (Status.PAID, Status.PAID.label),
        (OVERDUE, _("Overdue")),
        (Status.ISSUED, Status.ISSUED.label),
        (Status.CANCELLED, Status.CANCELLED.label),
    ]
    OPEN_STATUSES = (Status.UNPAID, Status.PARTIALLY_PAID)
    # Fixed once the document is published; corrections are credit or debit notes.
    LOCKED_FIELDS = ("organization_id", "kind", "number", "issue_date", "due_date", "currency",
                     "net", "vat", "total", "related_id")

    error_messages = {
        "total": _("The total must equal net plus VAT (%(expected)s)."),
        "published": _("A published document cannot be changed; issue a credit or debit "
                       "note instead (changed: %(fields)s)."),
        "due_date": _("The due date cannot be before the issue date."),
        "related": _("A credit or debit note refers to an invoice of the same organization "
                     "and currency."),
    }

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices,
                            default=Kind.INVOICE)
    number = models.CharField(_("number"), max_length=40)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    net = money_field(_("net"))
    vat = money_field(_("VAT"))
    total = money_field(_("total"))
    paid = money_field(_("paid"))
    outstanding = money_field(_("outstanding"))
    status = FSMField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT,
                      protected=False)
    related = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
        verbose_name=_("corrects"), help_text=_("The invoice a credit or debit note corrects."),
    )
    notes = models.TextField(_("notes"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("published by"),
    )
    first_downloaded_at = models.DateTimeField(_("first downloaded"), null=True, blank=True)
    pdf = models.ForeignKey(
        "documents.StoredFile", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("PDF"),
    )
    import_batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.PROTECT,
        related_name="documents", verbose_name=_("import batch"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = FinancialDocumentQuerySet.as_manager()
    # Drafts belong to the back office until they are published.
    tenancy = Tenancy(clients_see=~Q(status="draft"))

    class Meta:
        verbose_name = _("financial document")
        verbose_name_plural = _("financial documents")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="billing_doc_number"),
        ]
        indexes = [
            models.Index(fields=["organization", "-issue_date", "-id"], name="billing_doc_list"),
            models.Index(fields=["organization", "status", "due_date"], name="billing_doc_open"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_loaded", None)
        if loaded is not None and loaded.get("status", self.Status.DRAFT) != self.Status.DRAFT:
            changed = [
                name for name in self.LOCKED_FIELDS
                if name in loaded and loaded[name] != getattr(self, name)
                and not (isinstance(loaded[name], Decimal)
                         and Decimal(loaded[name]) == Decimal(getattr(self, name)))
            ]
            if changed:
                raise ValidationError(self.error_messages["published"],
                                      code="published", params={"fields": ", ".join(changed)})
        super().save(*args, **kwargs)
        self._loaded = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    def get_absolute_url(self):
        return reverse("portal:detail", args=["invoices", self.uuid])

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = dict(zip(field_names, values, strict=False))
        return instance

    def clean(self):
        errors = {}
        self.net, self.vat, self.total = money(self.net), money(self.vat), money(self.total)
        if self.total != self.net + self.vat:
            errors["total"] = ValidationError(self.error_messages["total"], code="total",
                                              params={"expected": self.net + self.vat})
        if self.issue_date and self.due_date and self.due_date < self.issue_date:
            errors["due_date"] = ValidationError(self.error_messages["due_date"],
                                                 code="due_date")
        if self.related_id and (
            self.related.organization_id != self.organization_id
            or self.related.currency != self.currency
        ):
            errors["related"] = ValidationError(self.error_messages["related"], code="related")
        if errors:
            raise ValidationError(errors)

    # --- amounts --------------------------------------------------------------
    @property
    def is_published(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def is_credit(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def signed_total(self) -> Decimal:
        """What the document adds to the organization's balance (a credit note subtracts)."""
        return -self.total if self.is_credit else self.total

    @property
    def is_overdue(self) -> bool:
        return (self.status in self.OPEN_STATUSES and self.outstanding > 0
                and self.due_date < timezone.localdate())

    @property
    def display_status(self) -> str:
        if self.is_overdue:
            return str(_("Overdue"))
        # The member's label: one translation, where get_status_display() would
        # rebuild the dictionary of all the choices (and translate each) per row.
        try:
            return str(self.Status(self.status).label)
        except ValueError:  # not one of the choices: shown as stored
            return self.get_status_display()

    def recalculate(self):
        """Totals from the (rounded) lines; only while a draft."""
        lines = list(self.lines.all())
        self.net = sum((line.net for line in lines), ZERO)
        self.vat = sum((line.vat for line in lines), ZERO)
        self.total = self.net + self.vat
        self._sync_amounts()

    def _sync_amounts(self):
        """Outstanding and the payment status from total and paid."""
        if self.is_credit:
            self.outstanding = ZERO
        else:
            self.outstanding = money(self.total - self.paid)
        if self.status in (self.Status.DRAFT, self.Status.CANCELLED, self.Status.ISSUED):
            return
        if self.outstanding <= 0:
            self.status = self.Status.PAID
        elif self.paid > 0:
            self.status = self.Status.PARTIALLY_PAID
        else:
            self.status = self.Status.UNPAID

    def apply_payment(self, amount: Decimal):
        """Add ``amount`` to what is paid (negative to undo); call on a locked row."""
        self.paid = money(self.paid + amount)
        self._sync_amounts()

    # --- workflow -------------------------------------------------------------
    @transition(field=status, source=Status.DRAFT,
                target=RETURN_VALUE(Status.UNPAID, Status.PARTIALLY_PAID, Status.PAID,
                                    Status.ISSUED))
    def publish(self, by=None, **kwargs):
        """Make the document visible to the client; see services.publish_document."""
        self.published_at = timezone.now()
        self.published_by = by if getattr(by, "pk", None) else None
        if self.is_credit:
            self.outstanding = ZERO
            return self.Status.ISSUED
        self.status = self.Status.UNPAID
        self._sync_amounts()
        return self.status

    def _nothing_paid(self):
        return self.paid == 0

    @transition(field=status, source=[Status.DRAFT, Status.UNPAID, Status.ISSUED],
                target=Status.CANCELLED, conditions=[_nothing_paid])
    def cancel(self, by=None, **kwargs):
        """Withdraw a document nothing was paid on (back office only)."""
        self.outstanding = ZERO


class FinancialDocumentLine(models.Model):
    """One line of a document: quantity times unit price, with its VAT rate."""

    document = models.ForeignKey(FinancialDocument, on_delete=models.CASCADE,
                                 related_name="lines", verbose_name=_("document"))
    position = models.PositiveIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3,
                                   default=Decimal("1"))
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2,
                                   default=Decimal("19"),
                                   validators=[MinValueValidator(Decimal("0"))])
    net = money_field(_("net"), editable=False)
    vat = money_field(_("VAT"), editable=False)
    total = money_field(_("total"), editable=False)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="document__organization")

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        ordering = ["document", "position", "id"]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        self._refuse_if_published()
        self.compute()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_published()
        return super().delete(*args, **kwargs)

    def compute(self):
        self.net = money(Decimal(self.quantity) * Decimal(self.unit_price))
        self.vat = money(self.net * Decimal(self.vat_rate) / 100)
        self.total = self.net + self.vat

    def _refuse_if_published(self):
        status = (FinancialDocument.objects.filter(pk=self.document_id)
                  .values_list("status", flat=True).first())
        if status not in (None, FinancialDocument.Status.DRAFT):
            raise ValidationError(
                FinancialDocument.error_messages["published"], code="published",
                params={"fields": "lines"},
            )


class Payment(TenantModel):
    """Money received from an organization, allocated to its documents."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Card")
        ONLINE = "online", _("Online payment")
        CASH = "cash", _("Cash")
        DIRECT_DEBIT = "direct_debit", _("Direct debit")
        OTHER = "other", _("Other")

    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(CENT)])
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices,
                              default=Method.BANK_TRANSFER)
    reference = models.CharField(_("reference"), max_length=100,
                                 help_text=_("The bank's or gateway's reference; unique per "
                                             "organization and method."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    allocated = money_field(_("allocated"), editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "method", "reference"],
                                    name="billing_payment_reference"),
        ]
        indexes = [models.Index(fields=["organization", "-date", "-id"], name="billing_pay_list")]

    def __str__(self):
        return f"{self.reference} · {format_money(self.amount, self.currency)}"

    def get_absolute_url(self):
        return reverse("portal:detail", args=["payments", self.uuid])

    @property
    def unallocated(self) -> Decimal:
        """Left as a credit on the balance: an over-payment, or not yet allocated."""
        return money(self.amount - self.allocated)


class PaymentAllocation(models.Model):
    """The part of a payment that settles one document."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations",
                                verbose_name=_("payment"))
    document = models.ForeignKey(FinancialDocument, on_delete=models.PROTECT,
                                 related_name="allocations", verbose_name=_("document"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(CENT)])
    created_at = models.DateTimeField(_("allocated"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="payment__organization")

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        ordering = ["payment", "id"]

    def __str__(self):
        return f"{self.amount} → {self.document}"


class TariffQuerySet(ScopedQuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=on), Q(valid_to__isnull=True) | Q(valid_to__gte=on))


class Tariff(models.Model):
    """A price of the provider's price list, current or past."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("shown to clients"), default=True)

    objects = TariffQuerySet.as_manager()
    # The provider's public price list: the same rows for every client, no client data.
    tenancy = Tenancy(organization="", clients_see=Q(is_active=True))

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["name", "-valid_from"]

    def __str__(self):
        return f"{self.name} ({self.valid_from:%Y-%m-%d})"

    def clean(self):
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end cannot be before the start.")})

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.valid_from <= today and (self.valid_to is None or self.valid_to >= today)


class ImportBatch(models.Model):
    """One imported CSV/XLSX file of documents; its SHA-256 makes re-imports harmless."""

    class Status(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Refused")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("documents created"), default=0)
    skipped = models.PositiveIntegerField(_("rows already present"), default=0)
    report = models.JSONField(_("report"), default=list, blank=True)
    publish = models.BooleanField(_("published on import"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("imported by"))
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else (
            self.file_name)


class PdfBatch(models.Model):
    """A run of PDF renders in background jobs (``billing/pdf_batch.py``): what, who, how far.

    A staff-side record: it names documents of many organizations and no client
    ever reads it. ``done`` and ``failed`` grow as the jobs of its chunks work;
    ``skipped`` is set when the batch finishes (documents that had a PDF by then,
    rendered elsewhere). ``errors`` keeps the first failures (document number and
    message), at most ``ERRORS_KEPT``.
    """

    ERRORS_KEPT = 20

    class Kind(models.TextChoices):
        RENDER = "render", _("Render missing PDFs")
        PUBLISH = "publish", _("Publish drafts and render their PDFs")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices,
                            default=Kind.RENDER)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.QUEUED, db_index=True)
    organization = models.ForeignKey(
        "core.Organization", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("organization"),
        help_text=_("Empty when the batch spans every organization."))
    period = models.CharField(_("period"), max_length=20, blank=True)
    total = models.PositiveIntegerField(_("documents"), default=0)
    done = models.PositiveIntegerField(_("rendered"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    skipped = models.PositiveIntegerField(_("already had a PDF"), default=0)
    chunks = models.PositiveIntegerField(_("jobs"), default=0)
    chunks_finished = models.JSONField(_("jobs finished"), default=list, blank=True)
    queue = models.CharField(_("queue"), max_length=100, default="default")
    errors = models.JSONField(_("first errors"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("started by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("PDF batch")
        verbose_name_plural = _("PDF batches")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} ({self.done}/{self.total})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def processed(self) -> int:
        return self.done + self.failed

    @property
    def percent(self) -> int:
        """How far, 0 to 100 (a finished batch is at 100 whatever it skipped)."""
        if self.status == self.Status.DONE or not self.total:
            return 100
        return min(100, self.processed * 100 // self.total)

    def elapsed(self, now=None) -> float | None:
        """Seconds since the first job started (until the batch finished)."""
        if self.started_at is None:
            return None
        end = self.finished_at or now or timezone.now()
        return max((end - self.started_at).total_seconds(), 0.0)

    def rate(self, now=None) -> float | None:
        """Documents per second so far, or None before anything was processed."""
        elapsed = self.elapsed(now)
        if not elapsed or not self.processed:
            return None
        return self.processed / elapsed

    def seconds_left(self, now=None) -> float | None:
        """The time left at the rate so far, while the batch runs."""
        rate = self.rate(now)
        if not self.is_active or not rate:
            return None
        return max(self.total - self.processed, 0) / rate


def default_due(issue_date: dt.date, days: int = 30) -> dt.date:
    return issue_date + dt.timedelta(days=days)


from .online_models import PaymentIntent  # noqa: E402,F401  (a model of this app)

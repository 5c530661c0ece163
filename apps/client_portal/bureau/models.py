"""Debts furnished by a client (a lender) and the imports that bring them.

A debt is identified, within its furnisher, by its account number. Each change
(a corrected record in a later file, a form edit, a deletion) writes a new row
with ``version`` one higher and moves ``is_current`` to it; older rows stay as
the history. A deletion is a version of its own with ``deleted`` set and
``is_current`` false, so no current row remains and reports no longer show it.

``record_hash`` is the SHA-256 of the record's significant fields: a record
equal to the current version adds nothing, which makes re-imports harmless.

Money is ``Decimal`` (Metro 2 gives whole units; CSV and the form may give
cents) with an explicit currency.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.models import Organization, TenantModel

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=ZERO,
                               **kwargs)


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class DebtStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    DELINQUENT = "delinquent", _("Past due")
    CHARGED_OFF = "charged_off", _("Charged off")
    COLLECTION = "collection", _("In collection")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")
    DELETED = "deleted", _("Deleted")


class Debt(TenantModel):
    """One version of one debt furnished by ``organization`` (the lender)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="furnished_debts",
                                     verbose_name=_("furnisher"))
    subject_kind = models.CharField(_("debtor kind"), max_length=8, choices=SubjectKind.choices)
    subject_name = models.CharField(_("debtor"), max_length=200)
    account_number = models.CharField(_("account number"), max_length=30)
    debt_type = models.CharField(_("type"), max_length=40)
    opened_on = models.DateField(_("opened"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    first_delinquency_on = models.DateField(_("first delinquency"), null=True, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    last_payment_on = models.DateField(_("last payment"), null=True, blank=True)
    original_amount = money_field(_("original amount"))
    balance = money_field(_("balance"))
    past_due = money_field(_("past due"))
    charged_off = money_field(_("charged off"))
    currency = models.CharField(_("currency"), max_length=3, default="MDL")
    status = models.CharField(_("status"), max_length=16, choices=DebtStatus.choices,
                              default=DebtStatus.CURRENT)
    payment_history = models.CharField(_("payment history"), max_length=24, blank=True)
    consent_reference = models.CharField(_("consent reference"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    deleted = models.BooleanField(_("deleted"), default=False)
    record_hash = models.CharField(_("record hash"), max_length=64, editable=False)
    source = models.ForeignKey("DebtImport", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="debts", verbose_name=_("import"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("debt")
        verbose_name_plural = _("debts")
        ordering = ["account_number", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "account_number", "version"],
                                    name="bureau_debt_version_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "is_current", "account_number"],
                         name="bureau_debt_current"),
        ]

    def __str__(self):
        return f"{self.account_number} ({self.subject_name})"


class DebtIdentifier(models.Model):
    """An identifier of a debt's subject, with its kind: IDNP, IDNO, or a Metro 2 file's SSN."""

    class Kind(models.TextChoices):
        IDNP = "idnp", _("IDNP")
        IDNO = "idno", _("IDNO")
        SSN = "ssn", _("Social security number")

    debt = models.ForeignKey(Debt, on_delete=models.CASCADE, related_name="identifiers",
                             verbose_name=_("debt"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=20)

    class Meta:
        verbose_name = _("debtor identifier")
        verbose_name_plural = _("debtor identifiers")
        indexes = [models.Index(fields=["kind", "value"], name="bureau_debtid_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["debt", "kind", "value"],
                                    name="bureau_debtid_unique"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"


class DebtImport(TenantModel):
    """One file (CSV or Metro 2) or one form submission, imported all or nothing."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        METRO2 = "metro2", _("Metro 2")
        FORM = "form", _("Form")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    ERRORS_KEPT = 200

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="debt_imports",
                                     verbose_name=_("organization"))
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="bureau/imports/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    # Metro 2 amounts carry no currency: the one the client chose for the file.
    currency = models.CharField(_("currency"), max_length=3, default="MDL")
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.QUEUED, db_index=True)
    # Stored at the end of a run; while it runs, services.progress() reads the live
    # figures (the API's records_total and records_done are those).
    total_count = models.PositiveIntegerField(_("records"), default=0)
    done_count = models.PositiveIntegerField(_("records checked"), default=0)
    imported = models.PositiveIntegerField(_("records imported"), default=0)
    unchanged = models.PositiveIntegerField(_("records already present"), default=0)
    # The bad records: {record, field, value, code, params}; importer.error_text words them.
    error_report = models.JSONField(_("errors"), default=list, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("imported by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("debt import")
        verbose_name_plural = _("debt imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        kind = str(self.get_format_display())
        return f"{self.file_name} ({kind})" if self.file_name else kind

    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE

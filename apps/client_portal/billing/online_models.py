"""Online payment: one payment intent per attempt to pay through a gateway.

An intent is opened for a set of documents (or for the balance of one currency)
with the amount owed at that moment; the gateway's signed notification is the
only thing that marks it succeeded, and only then is a payment recorded and
allocated (``online.handle_notification``). Nothing here changes a balance.

    created ──start──▶ pending ──succeed──▶ succeeded
       │                  │
       └──fail / cancel───┴──▶ failed | cancelled
"""


from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from apps.client_portal.core.models import TenantModel

__all__ = ["PaymentIntent"]


class PaymentIntent(TenantModel):
    """One attempt to pay documents (or a balance) online through a gateway."""

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        PENDING = "pending", _("Waiting for the gateway")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Scope(models.TextChoices):
        DOCUMENTS = "documents", _("Documents")
        BALANCE = "balance", _("Balance")

    OPEN_STATUSES = (Status.CREATED, Status.PENDING)

    scope = models.CharField(_("pays for"), max_length=16, choices=Scope.choices,
                             default=Scope.DOCUMENTS)
    documents = models.ManyToManyField(
        "billing.FinancialDocument", blank=True, related_name="payment_intents",
        verbose_name=_("documents"),
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    gateway = models.CharField(_("gateway"), max_length=30)
    status = FSMField(_("status"), max_length=16, choices=Status.choices,
                      default=Status.CREATED, protected=False)
    gateway_token = models.CharField(
        _("gateway session"), max_length=1000, blank=True,
        help_text=_("The gateway's token or checkout session of this attempt."),
    )
    gateway_ref = models.CharField(
        _("gateway reference"), max_length=100, blank=True,
        help_text=_("The gateway's reference of the payment, once it is made."),
    )
    redirect_url = models.URLField(_("payment page"), max_length=2000, blank=True)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=64, db_index=True,
        help_text=_("The same documents, amount and gateway give the same key; an open "
                    "attempt with it is reused instead of opening another."),
    )
    failure_reason = models.CharField(_("reason"), max_length=300, blank=True)
    payment = models.ForeignKey(
        "billing.Payment", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="payment_intents", verbose_name=_("payment"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)


    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="billing_intent_list"),
        ]

    def __str__(self):
        return _("Online payment of %(amount)s %(currency)s") % {
            "amount": self.amount, "currency": self.currency}

    def get_absolute_url(self):
        return reverse("portal:detail", args=["online-payments", self.uuid])

    def return_url_path(self):
        return reverse("billing:pay_return", args=[self.uuid])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def description(self) -> str:
        """What the payment is for, as the gateway shows it to the customer."""
        if self.scope == self.Scope.BALANCE:
            return str(_("Balance in %(currency)s") % {"currency": self.currency})
        numbers = ", ".join(str(doc) for doc in self.documents.all())
        return numbers or str(self)

    def payer_email(self) -> str:
        if self.created_by_id and self.created_by.email:
            return self.created_by.email
        return self.organization.email or ""

    # --- workflow (called by billing.online, which audits each step) -----------------
    @transition(field=status, source=Status.CREATED, target=Status.PENDING)
    def start(self, *, token: str, redirect_url: str, **kwargs):
        self.gateway_token = token[:1000]
        self.redirect_url = redirect_url

    # A success may follow a failure or a cancellation: the gateway took the money, so
    # the payment is recorded all the same.
    @transition(field=status, source=[Status.CREATED, Status.PENDING, Status.FAILED,
                                      Status.CANCELLED], target=Status.SUCCEEDED)
    def succeed(self, *, gateway_ref: str, payment=None, **kwargs):
        self.gateway_ref = gateway_ref[:100]
        self.payment = payment
        self.failure_reason = ""
        self.completed_at = timezone.now()

    @transition(field=status, source=[Status.CREATED, Status.PENDING], target=Status.FAILED)
    def fail(self, *, reason: str = "", **kwargs):
        self.failure_reason = reason[:300]
        self.completed_at = timezone.now()

    @transition(field=status, source=[Status.CREATED, Status.PENDING], target=Status.CANCELLED)
    def cancel(self, *, reason: str = "", **kwargs):
        self.failure_reason = reason[:300]
        self.completed_at = timezone.now()

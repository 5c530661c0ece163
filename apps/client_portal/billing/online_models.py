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
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from apps.client_portal.core import messages
from apps.client_portal.core.display import format_money
from apps.client_portal.core.models import TenantModel

__all__ = ["PaymentIntent"]

# Why an attempt ended without a payment, in the reader's language (core/messages.py).
ABANDONED = messages.declare(
    "online_payments.abandoned",
    _("Not finished: the payment page was left without paying. Nothing was charged."))
CANCELLED_BY_CLIENT = messages.declare(
    "online_payments.cancelled_by_client", _("You cancelled this payment. Nothing was charged."))
CANCELLED_AT_GATEWAY = messages.declare(
    "online_payments.cancelled_at_gateway",
    _("Cancelled on the payment page. Nothing was charged."))
CANCELLED_BY_PROVIDER = messages.declare(
    "online_payments.cancelled_by_provider",
    _("Closed by us because it was not finished. Nothing was charged."))
DECLINED = messages.declare(
    "online_payments.declined", _("The payment service declined the payment."))
GATEWAY_UNAVAILABLE = messages.declare(
    "online_payments.gateway_unavailable",
    _("The payment service did not answer. Nothing was charged."))


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
        # Something another module registered with ``online.register_payable`` (a loan).
        PAYABLE = "payable", _("Other payable")

    OPEN_STATUSES = (Status.CREATED, Status.PENDING)

    scope = models.CharField(_("pays for"), max_length=16, choices=Scope.choices,
                             default=Scope.DOCUMENTS)
    documents = models.ManyToManyField(
        "billing.FinancialDocument", blank=True, related_name="payment_intents",
        verbose_name=_("documents"),
    )
    # For the scope PAYABLE: "<kind>:<reference>" of what is paid, how it reads and
    # where the client goes back to (see ``online.register_payable``).
    payable = models.CharField(_("payable"), max_length=100, blank=True, editable=False)
    payable_label = models.CharField(_("pays for"), max_length=200, blank=True, editable=False)
    payable_url = models.CharField(_("payable page"), max_length=200, blank=True,
                                   editable=False)
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
    # Why it ended without a payment: what the system says, as a message id and its
    # values (written in the reader's language); ``failure_reason`` keeps what the
    # gateway itself said, for staff (it may name addresses and internal codes).
    failure_message = models.CharField(_("outcome"), max_length=100, blank=True,
                                       editable=False)
    failure_params = models.JSONField(default=dict, blank=True, editable=False,
                                      encoder=DjangoJSONEncoder)
    failure_reason = models.CharField(
        _("what the payment service said"), max_length=300, blank=True,
        help_text=_("The gateway's own words about a failure, as it sent them."))
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
        return _("Online payment of %(amount)s") % {
            "amount": format_money(self.amount, self.currency)}

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
        if self.scope == self.Scope.PAYABLE:
            return self.payable_label or str(self)
        numbers = ", ".join(str(doc) for doc in self.documents.all())
        return numbers or str(self)

    @property
    def why(self) -> str:
        """Why the attempt ended without a payment, in the reader's language."""
        if self.failure_message:
            return messages.render_title(self.failure_message, self.failure_params)
        return ""

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
        self._set_outcome("", None, "")
        self.completed_at = timezone.now()

    # ``message`` and ``params`` say why (a message id above); ``reason`` is what the
    # gateway said, if it said anything.
    @transition(field=status, source=[Status.CREATED, Status.PENDING], target=Status.FAILED)
    def fail(self, *, message: str = DECLINED, params=None, reason: str = "", **kwargs):
        self._set_outcome(message, params, reason)
        self.completed_at = timezone.now()

    # Staff's "Cancel" action gives no message: an attempt the client left open.
    @transition(field=status, source=[Status.CREATED, Status.PENDING], target=Status.CANCELLED)
    def cancel(self, *, message: str = CANCELLED_BY_PROVIDER, params=None, reason: str = "",
               **kwargs):
        self._set_outcome(message, params, reason)
        self.completed_at = timezone.now()

    def _set_outcome(self, message: str, params, reason: str):
        self.failure_message = message
        self.failure_params = params or {}
        self.failure_reason = str(reason)[:300]

"""The client's online payment attempts, read-only (imported by billing/resources.py)."""

from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.registry import (
    SECONDARY,
    Action,
    Column,
    Resource,
    computed,
    registry,
)
from apps.client_portal.core.tenancy import PROVIDER

from .gateways.base import gateway_label
from .models import PaymentIntent

__all__ = ["PaymentIntentResource"]


@registry.register
class PaymentIntentResource(Resource):
    model = PaymentIntent
    slug = "online-payments"
    label = _("Online payments")
    icon = "card"
    menu_order = 130
    list_columns = [
        Column("created_at", link=True), Column("pays_for", sortable=False), "amount",
        Column("currency", code=True), Column("method", priority=SECONDARY), "status",
        Column("paid_at", priority=SECONDARY, sortable=False),
    ]
    # Clients read the gateway's human name ("method"); its settings key stays for the API.
    filters = ["status", "currency", "scope", "created_at", "amount"]
    search_fields = ["gateway_ref", "documents__number"]
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "amount", "status", "completed_at"]
    select_related = ["organization", "created_by"]
    # The documents paid (a many-to-many shown by the API list): one query per page.
    prefetch_related = ["documents"]
    list_select_related = []  # the list columns are the payment's own fields
    list_prefetch_related = ["documents"]  # "pays for" names them: one query a page
    # Why an attempt did not go through is written in the reader's language ("why");
    # what the gateway itself said (failure_reason) names internals: staff read it in
    # the back office.
    detail_fields = [
        "status", "pays_for", "amount", "currency", "method", "gateway_ref",
        "why", "started_by", "created_at", "paid_at", "completed_at",
    ]
    # failure_message is the code of "why", for programs.
    api_fields = [
        "status", "scope", "documents", "amount", "currency", "gateway", "gateway_ref",
        "why", "failure_message", "created_by", "created_at", "completed_at",
    ]
    actions = [
        # Staff close an attempt the client abandoned; nothing is charged.
        Action("cancel", _("Cancel open attempts (nothing is charged)"), role=PROVIDER),
    ]

    @computed(_("Reason"), needs=("failure_message", "failure_params"))
    def why(obj):
        return obj.why

    @computed(_("Pays for"), needs=["scope", "documents", "payable_label"])
    def pays_for(obj):
        """The documents' numbers ("NW-2026-0122, NW-2026-0123"), or the balance."""
        if obj.scope == PaymentIntent.Scope.BALANCE:
            return _("The balance")
        if obj.scope == PaymentIntent.Scope.PAYABLE:
            return obj.payable_label
        numbers = sorted(doc.number for doc in obj.documents.all())
        return ", ".join(numbers) or PaymentIntent.Scope(obj.scope).label

    @computed(_("Paid at"), needs=["status", "completed_at"])
    def paid_at(obj):
        # completed_at is also when a cancelled or failed attempt ended: not "paid".
        return obj.completed_at if obj.status == PaymentIntent.Status.SUCCEEDED else None

    @computed(_("Started by"), needs=["created_by"])
    def started_by(obj):
        user = obj.created_by
        return user.display_name if user else ""

    @computed(_("Payment method"), needs=["gateway"])
    def method(obj):
        return gateway_label(obj.gateway)

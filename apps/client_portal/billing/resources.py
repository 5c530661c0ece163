import django_filters
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.registry import (
    Action,
    ActionError,
    Card,
    Column,
    Preset,
    Resource,
    build_filterset,
    format_value,
    registry,
)
from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.services import record_download

from . import services
from .links import pay_balance_url
from .models import (
    FinancialDocument,
    FinancialDocumentLine,
    Payment,
    PaymentAllocation,
    Tariff,
    overdue_q,
)

Doc = FinancialDocument


def _status_filter(self, queryset, name, value):
    if value == Doc.OVERDUE:
        return queryset.filter(overdue_q())
    return queryset.filter(status=value)


@registry.register
class InvoiceResource(Resource):
    model = FinancialDocument
    slug = "invoices"
    label = _("Invoices")
    icon = "receipt"
    menu_order = 100
    list_columns = [
        "number", "kind", "issue_date", "due_date", "currency", "net", "vat", "total", "paid",
        "outstanding", "status", "first_downloaded_at",
    ]
    filters = [
        "kind", "status", "currency", "issue_date", "due_date", "net", "vat", "total", "paid",
        "outstanding", "first_downloaded_at",
    ]
    search_fields = ["number"]
    ordering = ["-issue_date", "-id"]
    presets = [
        Preset("unpaid", _("Unpaid"), Q(status__in=Doc.OPEN_STATUSES)),
        Preset("overdue", _("Overdue")),  # the date is today's: see preset()
        Preset("paid", _("Paid"), Q(status=Doc.Status.PAID)),
    ]
    detail_fields = [
        "number", "kind", "status", "issue_date", "due_date", "currency", "net", "vat", "total",
        "paid", "outstanding", "related", "published_at", "first_downloaded_at", "notes",
    ]
    api_fields = detail_fields + ["line_items"]
    select_related = ["related"]
    # The API shows the lines of each row: one query for a whole page of them.
    prefetch_related = [
        Prefetch("lines", queryset=FinancialDocumentLine.objects.order_by("position", "id")),
    ]
    # The list columns are the document's own fields: no join, no lines.
    list_select_related = []
    list_prefetch_related = []
    files = ["pdf"]
    actions = [Action("publish", _("Publish"), role=Role.OWNER)]

    @classmethod
    def filterset_class(cls):
        if cls.__dict__.get("_filterset_class") is None:
            base = build_filterset(cls)
            status = django_filters.ChoiceFilter(
                label=_("Status"), choices=Doc.STATUS_FILTER_CHOICES, method="filter_status"
            )
            cls._filterset_class = type(
                "InvoiceFilterSet", (base,), {"status": status, "filter_status": _status_filter}
            )
        return cls._filterset_class

    @classmethod
    def preset(cls, name):
        if name == "overdue":
            return Preset("overdue", _("Overdue"), overdue_q(timezone.localdate()))
        return super().preset(name)

    @classmethod
    def col_status(cls, obj):
        return obj.display_status

    @classmethod
    def col_line_items(cls, obj):
        return [
            {"description": line.description, "quantity": str(line.quantity),
             "unit": line.unit, "unit_price": str(line.unit_price),
             "vat_rate": str(line.vat_rate), "net": str(line.net), "vat": str(line.vat),
             "total": str(line.total)}
            for line in obj.lines.all()
        ]

    @classmethod
    def can_publish(cls, obj, access):
        # Clients never publish: only the provider (back office, provider-wide API key).
        return access.provider_wide

    @classmethod
    def run_action(cls, access, lookup, name, request=None):
        if name != "publish":
            return super().run_action(access, lookup, name, request=request)
        obj = cls.get_object(access, lookup)
        if not cls.can_publish(obj, access):
            raise ActionError(_("Your role does not allow this."), code="forbidden")
        if obj.status != Doc.Status.DRAFT:
            raise ActionError(_("This cannot be done in the record's present state."),
                              code="not_allowed")
        return services.publish_document(obj, by=access.user, request=request)

    @classmethod
    def on_download(cls, obj, field, access):
        record_download(obj.pdf, access)
        if not access.provider_wide and obj.first_downloaded_at is None:
            now = timezone.now()
            Doc.objects.filter(pk=obj.pk, first_downloaded_at__isnull=True).update(
                first_downloaded_at=now)
            obj.first_downloaded_at = now


@registry.register
class PaymentResource(Resource):
    model = Payment
    slug = "payments"
    label = _("Payments")
    icon = "wallet"
    menu_order = 110
    list_columns = ["date", "reference", "method", "currency", "amount", "allocated",
                    Column("unallocated", _("Credit left"), sortable=False)]
    filters = ["date", "method", "currency", "amount"]
    search_fields = ["reference", "note"]
    ordering = ["-date", "-id"]
    prefetch_related = [
        Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("document")
                 .order_by("id")),
    ]
    list_prefetch_related = []  # "allocated" is stored on the payment
    detail_fields = ["date", "reference", "method", "currency", "amount", "allocated",
                     "unallocated", "settles", "note"]

    def _settles(cls, obj):
        return "\n".join(
            f"{a.document}: {format_value(a.amount)} {obj.currency}"
            for a in obj.allocations.all()
        )

    _settles.short_description = _("Settles")
    col_settles = classmethod(_settles)


@registry.register
class TariffResource(Resource):
    model = Tariff
    slug = "tariffs"
    label = _("Tariffs")
    icon = "tag"
    menu_order = 130
    shared = True
    list_columns = ["name", "unit", "price", "currency", "valid_from", "valid_to",
                    Column("current", _("Current"), sortable=False)]
    filters = ["currency", "valid_from", "valid_to"]
    search_fields = ["name"]
    ordering = ["name", "-valid_from"]
    detail_fields = ["name", "unit", "price", "currency", "valid_from", "valid_to", "current",
                     "description"]

    @classmethod
    def col_current(cls, obj):
        return obj.is_current


@registry.dashboard_card
def billing_cards(access):
    if access is None or access.organization is None:
        return []
    if not access.has_role(InvoiceResource.read_role):
        return []
    org = access.organization
    cards = []
    invoices = reverse("portal:list", args=["invoices"])
    statement = reverse("billing:statement")
    for currency, amount in services.balance(org).items():
        pay = pay_balance_url(currency) if amount > 0 and access.has_role(Role.MEMBER) else ""
        cards.append(Card(
            _("Balance %(currency)s") % {"currency": currency},
            f"{format_value(amount)} {currency}", url=pay or statement,
            hint=_("Pay the whole balance") if pay else (
                _("In your favour") if amount < 0 else _("Statement of account")),
            tone="attention" if amount > 0 else "",
        ))
    upcoming = services.next_due(org)
    if upcoming is not None:
        cards.append(Card(
            _("Due next"), f"{format_value(upcoming.outstanding)} {upcoming.currency}",
            url=upcoming.get_absolute_url(),
            hint=_("%(number)s, due %(date)s") % {
                "number": upcoming.number, "date": format_value(upcoming.due_date)},
        ))
    overdue = services.overdue_totals(org)
    cards.append(Card(
        _("Overdue"),
        " · ".join(f"{format_value(v)} {c}" for c, v in sorted(overdue.items())) or "0",
        url=f"{invoices}?view=overdue", tone="danger" if overdue else "",
    ))
    return cards


from .online_resources import *  # noqa: E402,F401,F403

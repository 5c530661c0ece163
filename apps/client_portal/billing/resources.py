import django_filters
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.display import Formatter, format_price, format_value, money_html
from apps.client_portal.core.registry import (
    FOLDED,
    SECONDARY,
    Action,
    Card,
    Column,
    Layout,
    Link,
    Preset,
    Related,
    Resource,
    Section,
    computed,
    registry,
)
from apps.client_portal.core.tenancy import PROVIDER, Role
from apps.client_portal.documents.services import record_download

from . import services, units
from .links import pay_balance_url, pay_document_url
from .models import (
    FinancialDocument,
    FinancialDocumentLine,
    Payment,
    PaymentAllocation,
    Tariff,
    overdue_q,
)
from .online import PAY_ROLE

Doc = FinancialDocument


def _status_filter(queryset, name, value):
    if value == Doc.OVERDUE:
        return queryset.filter(overdue_q())
    return queryset.filter(status=value)


def _overdue_today():
    return overdue_q(timezone.localdate())


def _pay_url(obj, access):
    return pay_document_url(obj)


def _pdf_url(obj, access):
    return reverse("portal:download", args=["invoices", obj.uuid, "pdf"]) if obj.pdf_id else ""


def _preview_url(obj, access):
    return reverse("billing:preview", args=[obj.uuid])


def _rate(value) -> str:
    return f"{Formatter().price(value, 0, 2)}%"


def _quantity(line) -> str:
    text = Formatter().price(line.quantity, 0, 3)
    return f"{text} {units.unit_label(line.unit, line.quantity)}" if line.unit else text


def _unit_price(line) -> str:
    return format_price(line.unit_price, line.document.currency)


def vat_totals(obj) -> list[dict]:
    """Net, VAT and total of ``obj``'s lines per VAT rate, lowest rate first."""
    totals = {}
    for line in obj.lines.all():
        row = totals.setdefault(line.vat_rate, {"vat_rate": line.vat_rate, "net": 0, "vat": 0,
                                                "total": 0})
        row["net"] += line.net
        row["vat"] += line.vat
        row["total"] += line.total
    return [totals[rate] for rate in sorted(totals)]


def _allocations(obj) -> list:
    """The parts of payments that settled ``obj``, oldest payment first (the
    document's own organization's payments only)."""
    return list(obj.allocations.filter(payment__organization_id=obj.organization_id)
                .select_related("payment", "document").order_by("payment__date", "id"))


def _payment_link(allocation) -> str:
    payment = allocation.payment
    return format_html('<a href="{}">{}</a>',
                       reverse("portal:detail", args=["payments", payment.uuid]),
                       payment.reference or _("Payment"))


def _client(obj) -> str:
    org = obj.organization
    place = " ".join(part for part in (org.postal_code, org.city) if part)
    lines = [org.name, org.address, place]
    if org.vat_number:
        lines.append(_("VAT number: %(number)s") % {"number": org.vat_number})
    return "\n".join(line for line in lines if line)


@registry.register
class InvoiceResource(Resource):
    model = FinancialDocument
    slug = "invoices"
    label = _("Invoices")
    icon = "receipt"
    menu_order = 100
    # At 1280 px: number, dates, total, outstanding and status; the rest in the row.
    list_columns = [
        "number", Column("kind", priority=FOLDED), "issue_date", "due_date",
        Column("currency", priority=SECONDARY, code=True), Column("net", priority=FOLDED),
        Column("vat", priority=FOLDED), "total", Column("paid", priority=FOLDED),
        "outstanding", "status", Column("first_downloaded_at", priority=FOLDED),
    ]
    filters = [
        "kind", "status", "currency", "issue_date", "due_date", "net", "vat", "total", "paid",
        "outstanding", "first_downloaded_at",
    ]
    search_fields = ["number"]
    ordering = ["-issue_date", "-id"]
    extra_filters = {
        # "Overdue" is a status people look for, though it is derived, not stored.
        "status": django_filters.ChoiceFilter(label=_("Status"),
                                              choices=Doc.STATUS_FILTER_CHOICES,
                                              method=_status_filter),
    }
    presets = [
        Preset("unpaid", _("Unpaid"), Q(status__in=Doc.OPEN_STATUSES)),
        Preset("overdue", _("Overdue"), _overdue_today),
        Preset("paid", _("Paid"), Q(status=Doc.Status.PAID)),
    ]
    detail_fields = [
        "number", "kind", "status", "issue_date", "due_date", "currency", "net", "vat", "total",
        "paid", "outstanding", "related", "published_at", "first_downloaded_at", "notes",
    ]
    api_fields = detail_fields + ["line_items"]
    # An invoice reads like one: the figures that matter, who it is for, its lines
    # and its totals per VAT rate; Pay and the PDF at the top.
    layout = Layout(
        header=["status", "total", "outstanding", "due_date"],
        sections=[
            Section(_("Document"), ["number", "kind", "client", "issue_date", "due_date",
                                    "currency", "related", "published_at",
                                    "first_downloaded_at"]),
            Section(_("Amounts"), ["net", "vat", "total", "paid", "outstanding", "notes"]),
        ],
        related=[
            Related("lines", _("Lines"),
                    columns=["description", "quantity", "unit_price", "vat_rate", "net", "vat",
                             "total"],
                    labels={"vat_rate": _("VAT rate")},
                    numbers=["quantity", "unit_price", "vat_rate", "net", "vat", "total"],
                    format={"quantity": _quantity, "unit_price": _unit_price,
                            "vat_rate": lambda line: _rate(line.vat_rate)}),
            Related("vat_totals", _("Totals by VAT rate"), rows=vat_totals,
                    columns=["vat_rate", "net", "vat", "total"],
                    labels={"vat_rate": _("VAT rate"), "net": _("Net"), "vat": _("VAT"),
                            "total": _("Total")},
                    numbers=["vat_rate", "net", "vat", "total"],
                    format={"vat_rate": lambda row: _rate(row["vat_rate"])}),
            # What paid it: each payment's date, the part of it that went here, a link.
            Related("allocations", _("Payments"), rows=_allocations,
                    columns=["date", "amount", "payment"],
                    labels={"date": _("Date"), "amount": _("Amount"), "payment": _("Payment")},
                    numbers=["amount"],
                    format={"date": lambda a: format_value(a.payment.date),
                            "amount": lambda a: money_html(a.amount, a.document.currency),
                            "payment": _payment_link}),
        ],
        links=[
            # Only a role that may pay online sees Pay (billing.online.PAY_ROLE).
            Link("pay", _("Pay"), _pay_url, role=PAY_ROLE),
            Link("pdf", _("Download PDF"), _pdf_url, style="secondary"),
            Link("preview", _("Print preview"), _preview_url, style="secondary",
                 new_tab=True),
        ],
    )
    select_related = ["related", "organization"]
    money_fields = {name: "currency" for name in ("net", "vat", "total", "paid", "outstanding")}
    # The API shows the lines of each row: one query for a whole page of them.
    prefetch_related = [
        Prefetch("lines", queryset=FinancialDocumentLine.objects.order_by("position", "id")),
    ]
    # The list columns are the document's own fields: no join, no lines.
    list_select_related = []
    list_prefetch_related = []
    list_needs = ["pdf"]  # portal/list_invoices.html: the ZIP and Pay panel
    files = ["pdf"]
    # The provider publishes (back office, provider-wide API key); clients never do.
    actions = [
        Action("publish", _("Publish"), role=PROVIDER),
        Action("cancel", _("Cancel"), role=PROVIDER, style="danger",
               confirm=_("Cancel this document? Nothing was paid on it.")),
    ]

    @computed(_("Status"), needs=["status", "outstanding", "due_date"],
              badge=lambda obj: Doc.OVERDUE if obj.is_overdue else obj.status)
    def status(obj):
        return obj.display_status

    @computed(_("Billed to"))
    def client(obj):
        return _client(obj)

    @computed(_("Lines"))
    def line_items(obj):
        return [
            {"description": line.description, "quantity": str(line.quantity),
             "unit": line.unit, "unit_price": str(line.unit_price),
             "vat_rate": str(line.vat_rate), "net": str(line.net), "vat": str(line.vat),
             "total": str(line.total)}
            for line in obj.lines.all()
        ]

    @classmethod
    def locked_fields(cls, obj):
        return set(Doc.LOCKED_FIELDS) if obj.is_published else set()

    @classmethod
    def after_action(cls, obj, action, access):
        if action.name == "publish":
            services.after_publish(obj, by=access.user)

    @classmethod
    def on_download(cls, obj, field_name, access):
        record_download(obj.pdf, access)
        if not access.is_provider and obj.first_downloaded_at is None:
            now = timezone.now()
            Doc.objects.filter(pk=obj.pk, first_downloaded_at__isnull=True).update(
                first_downloaded_at=now)
            obj.first_downloaded_at = now

    @classmethod
    def dashboard_cards(cls, access):
        if access.organization is None:
            return []
        cards = []
        invoices = reverse("portal:list", args=[cls.slug])
        statement = reverse("billing:statement")
        for currency, amount in services.balance(access).items():
            pay = pay_balance_url(currency) if amount > 0 and access.has_role(Role.MEMBER) else ""
            cards.append(Card(
                _("Balance %(currency)s") % {"currency": currency},
                money_html(amount, currency), url=pay or statement,
                hint=_("Pay the whole balance") if pay else (
                    _("In your favour") if amount < 0 else _("Statement of account")),
                tone="attention" if amount > 0 else "",
            ))
        upcoming = services.next_due(access)
        if upcoming is not None:
            cards.append(Card(
                _("Due next"), money_html(upcoming.outstanding, upcoming.currency),
                url=upcoming.get_absolute_url(),
                # A date never breaks over two lines.
                hint=mark_safe(escape(_("%(number)s, due %(date)s")) % {  # noqa: S308
                    "number": escape(upcoming.number),
                    "date": format_html('<span class="nowrap">{}</span>',
                                        format_value(upcoming.due_date))}),
            ))
        overdue = services.overdue_totals(access)
        cards.append(Card(
            _("Overdue"),
            # One amount a line per currency, each whole.
            format_html_join(mark_safe("<br>"), "{}",
                             ((money_html(v, c),) for c, v in sorted(overdue.items())))
            or "0",
            url=f"{invoices}?view=overdue", tone="danger" if overdue else "",
        ))
        return cards


@registry.register
class PaymentResource(Resource):
    model = Payment
    slug = "payments"
    label = _("Payments")
    icon = "wallet"
    menu_order = 110
    list_columns = ["date", "reference", Column("method", priority=SECONDARY),
                    Column("currency", code=True), "amount",
                    Column("allocated", priority=SECONDARY), "unallocated"]
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
    layout = Layout(
        header=["amount", "unallocated", "date"],
        sections=[Section(_("Payment"), ["date", "reference", "method", "currency", "amount",
                                         "allocated", "unallocated", "note"])],
        related=[Related("allocations", _("Settles"), columns=["document", "amount"],
                         labels={"document": _("Document"), "amount": _("Amount")},
                         numbers=["amount"],
                         format={"document": lambda a: str(a.document)})],
    )

    @computed(_("Credit left"), needs=["amount", "allocated"])
    def unallocated(obj):
        return obj.unallocated

    @computed(_("Settles"))
    def settles(obj):
        return "\n".join(
            f"{a.document}: {format_value(a.amount)} {obj.currency}"
            for a in obj.allocations.all()
        )


@registry.register
class TariffResource(Resource):
    model = Tariff
    slug = "tariffs"
    label = _("Tariffs")
    icon = "tag"
    menu_order = 130
    list_columns = ["name", Column("per_unit", sortable=False), "price",
                    Column("currency", code=True), "valid_from",
                    Column("valid_to", priority=SECONDARY),
                    Column("current", _("Current"), sortable=False)]
    filters = ["currency", "valid_from", "valid_to"]
    search_fields = ["name"]
    ordering = ["name", "-valid_from"]
    detail_fields = ["name", "per_unit", "price", "currency", "valid_from", "valid_to",
                     "current", "description"]

    @computed(_("Unit"), needs=["unit"])
    def per_unit(obj):
        return units.per_unit(obj.unit)

    @computed(_("Current"), needs=["valid_from", "valid_to"])
    def current(obj):
        return obj.is_current


from .online_resources import PaymentIntentResource  # noqa: E402,F401  (registers it)

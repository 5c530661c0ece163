from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.registry import (
    FOLDED,
    SECONDARY,
    Action,
    Card,
    Column,
    Layout,
    Link,
    MenuLink,
    Related,
    Resource,
    Section,
    computed,
    registry,
)
from apps.client_portal.core.tenancy import PROVIDER, Role

from . import quota, registries, services
from .models import CreditReport, Dispute, RegistryLookup, Subscription


def _description(obj):
    subject = obj.subject_name or obj.subject_id
    return _("%(kind)s on %(subject)s — %(purpose)s") % {
        "kind": obj.get_kind_display(), "subject": subject, "purpose": obj.get_purpose_display()}


class OrderResource(Resource):
    """What reports, scores and look-ups share: ordered once, never changed (the log)."""

    read_role = Role.VIEWER
    create_role = Role.MEMBER
    # Lenders and other companies order reports; a private person reads their own
    # personal report instead (views.personal_report).
    for_kinds = ("company",)
    edit_fields = []
    create_button = _("Order")  # the create form's button (portal/form.html), not "Save"
    export = True
    ordering = ["-requested_at", "-id"]
    filters = ["kind", "subject_kind", "purpose", "requested_at"]
    search_fields = ["subject_id", "subject_name", "requested_by_name"]
    list_columns = [Column("description", link=True), "requested_by_name", "requested_at",
                    Column("subject_id", priority=FOLDED),
                    Column("consent_reference", priority=FOLDED)]

    @computed(_("Description"), needs=["kind", "subject_name", "subject_id", "purpose"])
    def description(obj):
        return _description(obj)

    @classmethod
    def prepare_new(cls, obj, access):
        obj.requested_by = access.user
        obj.requested_by_name = access.actor_label if access.user is None else (
            access.user.display_name)


def _pdf_url(obj, access):
    return reverse("bureau_reports:report_pdf", args=[obj.uuid]) if obj.content else ""


def _json_url(obj, access):
    return reverse("bureau_reports:report_json", args=[obj.uuid]) if obj.content else ""


@registry.register
class CreditReportResource(OrderResource):
    model = CreditReport
    slug = "credit-reports"
    label = _("Reports")
    icon = "chart"
    menu_order = 420
    create_fields = ["kind", "subject_kind", "subject_id", "subject_name", "purpose",
                     "purpose_detail", "consent_reference"]
    list_columns = OrderResource.list_columns + [Column("score", priority=SECONDARY)]
    detail_fields = ["kind", "subject_kind", "subject_id", "subject_name", "purpose",
                     "purpose_detail", "consent_reference", "requested_by_name",
                     "requested_at", "score", "score_model"]
    api_fields = detail_fields + ["content"]
    layout = Layout(
        header=["kind", "requested_by_name", "score"],
        sections=[Section(_("Order"), ["requested_at", "subject_kind", "subject_id",
                                       "subject_name", "purpose", "purpose_detail",
                                       "consent_reference", "score_model"])],
        links=[Link("pdf", _("Download PDF"), _pdf_url),
               Link("json", _("JSON"), _json_url, style="secondary")],
    )

    @classmethod
    def after_create(cls, obj, access):
        services.complete_report(obj)

    @classmethod
    def dashboard_cards(cls, access):
        count = CreditReport.objects.for_access(access).count()
        return [Card(_("Reports ordered"), count, reverse("portal:list", args=[cls.slug]))]


@registry.register
class RegistryLookupResource(OrderResource):
    model = RegistryLookup
    slug = "registry-lookups"
    label = _("ASP reports")
    icon = "search"
    menu_order = 421
    create_fields = ["kind", "subject_id", "purpose", "purpose_detail", "consent_reference"]
    list_columns = OrderResource.list_columns + [Column("found", priority=SECONDARY)]
    detail_fields = ["kind", "subject_kind", "subject_id", "subject_name", "found", "purpose",
                     "purpose_detail", "consent_reference", "requested_by_name",
                     "requested_at"]
    api_fields = detail_fields + ["result"]
    layout = Layout(
        header=["kind", "found", "requested_by_name"],
        sections=[Section(_("Order"), ["requested_at", "subject_kind", "subject_id",
                                       "subject_name", "purpose", "purpose_detail",
                                       "consent_reference"])],
    )

    @classmethod
    def after_create(cls, obj, access):
        registries.complete_lookup(obj)


def _grouped(number) -> str:
    """A count with the page's thousands separator (600 000, 600,000)."""
    return formats.number_format(number, use_l10n=True, force_grouping=True)


def _usage_rows(subscription):
    _sub, lines = quota.overview(subscription.organization)
    return lines if _sub is not None and _sub.pk == subscription.pk else []


@registry.register
class SubscriptionResource(Resource):
    model = Subscription
    slug = "subscriptions"
    label = _("Subscriptions")
    icon = "tag"
    menu_order = 430
    read_role = Role.VIEWER
    list_columns = [Column("plan", link=True), "contract_number", "starts_on", "ends_on",
                    "price", Column("currency", priority=SECONDARY, code=True), "status"]
    filters = ["status", "starts_on"]
    search_fields = ["contract_number", "plan__name"]
    ordering = ["-starts_on", "-id"]
    select_related = ["plan"]
    list_select_related = ["plan"]
    detail_fields = ["plan", "contract_number", "starts_on", "ends_on", "price", "currency",
                     "status", "period"]
    money_fields = {"price": "currency"}
    layout = Layout(
        header=["plan", "status", "price", "period"],
        sections=[Section(_("Contract"), ["contract_number", "starts_on", "ends_on", "price",
                                          "currency"])],
        related=[Related("usage", _("Used this period"), rows=_usage_rows,
                         columns=["label", "used", "limit", "left", "period_end"],
                         labels={"label": _("Service"), "used": _("Used"),
                                 "limit": _("Quota"), "left": _("Left"),
                                 "period_end": _("Until")},
                         numbers=["used", "limit", "left"],
                         format={"period_end": lambda line: formats.date_format(
                                     line.period_end, "SHORT_DATE_FORMAT"),
                                 "used": lambda line: _grouped(line.used),
                                 "limit": lambda line: _grouped(line.limit),
                                 "left": lambda line: _grouped(line.left)})],
    )

    @computed(_("Period"), needs=["plan"])
    def period(obj):
        return obj.plan.get_period_months_display()

    @classmethod
    def dashboard_cards(cls, access):
        cards = []
        user = access.user
        if services.has_idnp(user):
            cards.append(Card(_("Personal report"),
                              _("Free report available") if services.free_report_left(user)
                              else _("Read your report"),
                              url=reverse("bureau_reports:personal"),
                              hint=_("Who furnished data about you, and who asked")))
        subscription, lines = quota.overview(access.organization)
        if subscription is None:
            return cards
        url = subscription.get_absolute_url()
        return cards + [Card(line.label, _("%(used)s of %(limit)s") % {
                             "used": _grouped(line.used), "limit": _grouped(line.limit)},
                     url=url, hint=_("used this period"),
                     tone="warning" if line.percent >= 80 else "")
                for line in lines]


@registry.register
class DisputeResource(Resource):
    """Disputes of the records a client furnished: the furnisher reads them; staff resolve."""

    model = Dispute
    slug = "disputes"
    for_kinds = ("company",)
    label = _("Disputes")
    icon = "alert"
    menu_order = 440
    read_role = Role.MEMBER
    list_columns = [Column("account_number", link=True), "reason", "status", "deadline",
                    "created_at", Column("filed_by_name", priority=FOLDED)]
    filters = ["status", "reason", "deadline", "created_at"]
    search_fields = ["account_number"]
    ordering = ["-created_at", "-id"]
    detail_fields = ["account_number", "reason", "explanation", "status", "deadline",
                     "filed_by_name", "created_at", "outcome", "resolved_at"]
    actions = [
        Action("uphold", _("Uphold: correct the record"), role=PROVIDER),
        Action("reject", _("Reject: the record stands"), role=PROVIDER, style="secondary"),
    ]

    @classmethod
    def after_action(cls, obj, action, access):
        services.tell_person(obj)


# The person's own report is a page of its own (only theirs, never the organization's).
registry.add_menu_link(MenuLink(_("Personal report"), "bureau_reports:personal", icon="user",
                                visible=lambda access: services.has_idnp(access.user)))

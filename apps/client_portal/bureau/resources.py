"""Debts and debt imports as resources: portal list/detail pages, API, admin, sweep.

A client reads the debts it furnished itself (the current version of each;
older versions show as the history on a debt's page) and its own imports.
It never reads another client's debts here; those appear only inside a credit
report ordered with the subject's consent (bureau.reports).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.client_portal.core.registry import (
    SECONDARY,
    Column,
    Layout,
    Link,
    Related,
    Resource,
    Section,
    computed,
    registry,
)
from apps.client_portal.core.tenancy import Role

from . import importer, services
from .metro2 import codes as m2codes
from .models import Debt, DebtImport


def history_words(history: str) -> str:
    """The payment history in words, the latest month first: each run of equal months."""
    runs = []
    for char in history or "":
        if runs and runs[-1][0] == char:
            runs[-1][1] += 1
        else:
            runs.append([char, 1])
    if not runs:
        return ""
    from .reports.display import HISTORY

    words = [ngettext("%(what)s (%(count)s month)", "%(what)s (%(count)s months)", n) % {
        "what": HISTORY.get(char, char), "count": n} for char, n in runs]
    return _("Latest month first: %(runs)s") % {"runs": ", ".join(words)}

MONEY = ("original_amount", "balance", "past_due", "charged_off")


def _history_rows(obj):
    return list(Debt.objects.filter(organization_id=obj.organization_id,
                                    account_number=obj.account_number)
                .exclude(pk=obj.pk).order_by("-version")
                .only("version", "status", "balance", "past_due", "currency", "updated_at",
                      "deleted"))


@registry.register
class DebtResource(Resource):
    model = Debt
    slug = "debts"
    for_kinds = services.FOR_KINDS  # a company's; not a private person's
    label = _("Debts")
    icon = "coins"
    menu_order = 300
    list_columns = [
        Column("account_number", link=True),
        "subject_name",
        Column("type_label", priority=SECONDARY),
        "balance",
        Column("past_due", priority=SECONDARY),
        "status",
        Column("updated_at", priority=SECONDARY),
    ]
    filters = ["status", "subject_kind", "currency", "opened_on"]
    search_fields = ["account_number", "subject_name"]
    ordering = ["account_number", "-version"]
    detail_fields = [
        "account_number", "subject_kind", "subject_name", "subject_ids", "type_label", "status",
        "opened_on", "due_on", "first_delinquency_on", "closed_on", "last_payment_on",
        "original_amount", "balance", "past_due", "charged_off", "currency",
        "history_text", "consent_reference", "version", "updated_at",
    ]
    # The API keeps the stored codes ("M48", "100000000000"); the pages read them as words.
    api_fields = [{"type_label": "debt_type", "history_text": "payment_history"}.get(f, f)
                  for f in detail_fields] + ["is_current", "created_at"]
    layout = Layout(
        header=["status", "balance", "updated_at"],
        sections=[
            Section(_("Debtor"), ["subject_kind", "subject_name", "subject_ids"]),
            Section(_("Account"), ["account_number", "type_label", "currency",
                                   "consent_reference", "version"]),
            Section(_("Dates"), ["opened_on", "due_on", "first_delinquency_on", "closed_on",
                                 "last_payment_on"]),
            Section(_("Amounts"), ["original_amount", "balance", "past_due", "charged_off",
                                   "history_text"]),
        ],
        related=[Related("history", _("Earlier versions"),
                         columns=["version", "status", "balance", "past_due", "updated_at"],
                         numbers=["version", "balance", "past_due"], rows=_history_rows)],
        links=[Link("add", _("Add one debt"), lambda obj, access: reverse("bureau:add-debt"),
                    role=services.IMPORT_ROLE, style="secondary")],
    )
    money_fields = {name: "currency" for name in MONEY}
    list_needs = ["currency"]  # the amounts are shown with it
    prefetch_related = ["identifiers"]
    list_prefetch_related = []
    select_related = []

    @classmethod
    def get_queryset(cls, access):
        # The current version of each debt; earlier ones are its history.
        return super().get_queryset(access).filter(is_current=True)

    @computed(_("type"), needs=["debt_type"])
    def type_label(obj):
        return m2codes.debt_type_label(obj.debt_type)

    @computed(_("payment history"), needs=["payment_history"])
    def history_text(obj):
        return history_words(obj.payment_history)

    @computed(_("Identifiers"))
    def subject_ids(obj):
        return ", ".join(f"{i.get_kind_display()} {i.value}" for i in obj.identifiers.all())


def _progress_url(obj, access):
    return reverse("bureau:import-progress", args=[obj.uuid]) if obj.active else ""


@registry.register
class DebtImportResource(Resource):
    model = DebtImport
    slug = "debt-imports"
    for_kinds = services.FOR_KINDS  # a company's; not a private person's
    label = _("Debt imports")
    icon = "file"
    menu_order = 310
    list_columns = [
        Column("created_at", link=True),
        "file_name",
        "format",
        "status",
        Column("imported", priority=SECONDARY),
        Column("unchanged", label=_("Records already present"), priority=SECONDARY),
    ]
    # Not "format": DRF reads ?format= as the answer's format (json, api), not a filter.
    filters = ["status", "created_at"]
    search_fields = ["file_name"]
    ordering = ["-created_at", "-id"]
    detail_fields = ["status", "format", "file_name", "records_total", "records_done",
                     "imported", "unchanged", "error_count", "created_at", "started_at",
                     "finished_at"]
    api_fields = ["status", "format", "file_name", "records_total", "records_done", "imported",
                  "unchanged", "errors", "created_at", "finished_at"]
    layout = Layout(
        header=["status", "format", "created_at"],
        sections=[Section(_("Records"), ["file_name", "records_total", "records_done",
                                         "imported", "unchanged", "error_count"]),
                  Section(_("When"), ["started_at", "finished_at"])],
        related=[Related("errors", _("Bad records"),
                         columns=["record", "field_label", "value", "message"],
                         labels={"record": _("Record"), "field_label": _("Field"),
                                 "value": _("Value"), "message": _("Reason")},
                         numbers=["record"],
                         rows=lambda obj: [importer.error_for_page(e) for e in obj.error_report])],
        links=[Link("progress", _("Follow the progress"), _progress_url)],
    )
    read_role = Role.VIEWER

    @computed(_("Records in the file"), needs=["total_count", "done_count", "status",
                                              "started_at", "finished_at"])
    def records_total(obj):
        return services.progress(obj)["records_total"]

    @computed(_("Records checked"), needs=["total_count", "done_count", "status",
                                          "started_at", "finished_at"])
    def records_done(obj):
        return services.progress(obj)["records_done"]

    @computed(_("Bad records"), needs=["error_report"])
    def error_count(obj):
        return len(obj.error_report)

    @computed(_("Errors"), needs=["error_report"])
    def errors(obj):
        return [importer.error_for_api(e) for e in obj.error_report]

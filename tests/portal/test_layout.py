"""Lists that fit and detail pages from the declaration: column priorities, one clean
address per filter state, the sort select, an invoice laid out as an invoice, and the
pages a private person's organization does not have."""

import re
from decimal import Decimal

import pytest
from django.core import checks
from django.urls import reverse
from django.utils import translation

from apps.client_portal.core.checks import check_resource
from apps.client_portal.core.display import format_price
from apps.client_portal.core.registry import (
    FOLDED,
    Column,
    Layout,
    Link,
    Related,
    Resource,
    Section,
    registry,
)
from apps.client_portal.portal.detail import optional

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(demo, login):
    return login(demo.users["owner"], demo.organizations["northwind"])


# --- lists ------------------------------------------------------------------------------
def test_a_filter_submit_lands_on_the_address_with_only_what_is_set(owner):
    """A GET form sends every field; the list answers with the clean address."""
    response = owner.get("/p/invoices/?search=&kind=&status=unpaid&currency=&status=unpaid"
                         "&page_size=25&ordering=&issue_date__gte=&page=1")
    assert response.status_code == 302
    assert response["Location"] == "/p/invoices/?status=unpaid&page_size=25"
    assert owner.get(response["Location"]).status_code == 200
    everything_empty = owner.get("/p/invoices/?search=&kind=&ordering=")
    assert everything_empty["Location"] == "/p/invoices/"
    kept = owner.get("/p/invoices/?page_size=50&ordering=-total&page=2")
    assert kept.status_code == 200  # clean already: no redirect


def test_htmx_pushes_the_clean_address(owner):
    response = owner.get("/p/invoices/?search=&status=unpaid&ordering=&status=unpaid",
                         HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/p/invoices/?status=unpaid"


def test_low_priority_columns_fold_into_the_first_cell(owner):
    resource = registry.get("invoices")
    html = owner.get("/p/invoices/").content.decode()
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    row = re.search(r"<tbody>\s*(<tr>.*?</tr>)", html, re.S).group(1)
    for column in resource.columns()[1:]:
        label = resource.field_label(column.name)
        in_head = f">{label}<" in head
        assert in_head == (column.priority < FOLDED), column.name
        folded = f"<dt>{label}</dt>" in row
        assert folded == (column.priority > 1), column.name
    first_cell = re.search(r"<td[^>]*>(.*?)</td>", row, re.S).group(1)
    assert 'class="row-link"' in first_cell and '<dl class="fold">' in first_cell
    # Figures and dates are marked so that they never wrap and line up.
    assert 'class="cell-number"' in row and 'class="cell-date"' in row


def test_the_filter_panel_is_closed_and_counts_what_is_set(owner):
    closed = owner.get("/p/invoices/").content.decode()
    assert re.search(r'<details class="filter-panel">', closed)
    active = owner.get("/p/invoices/?status=paid&currency=RON").content.decode()
    assert re.search(r'<details class="filter-panel">', active)  # closed all the same
    assert re.search(r'<span class="badge">2</span>', active)
    assert 'name="status"' in active  # the set filters travel with the next submit
    opened = owner.get("/p/invoices/?filters=open").content.decode()
    assert '<details class="filter-panel" open>' in opened


def test_the_sort_select_offers_each_sortable_column_both_ways(owner):
    resource = registry.get("invoices")
    html = owner.get("/p/invoices/?ordering=-total").content.decode()
    select = re.search(r'<select id="id_ordering" name="ordering">(.*?)</select>', html,
                       re.S).group(1)
    values = re.findall(r'<option value="([^"]*)"', select)
    expected = [""] + [v for name in resource.sortable_fields() for v in (name, f"-{name}")]
    assert values == expected
    assert '<option value="-total" selected>' in select


def test_the_phone_menu_names_the_page_one_is_on(owner):
    html = owner.get("/p/invoices/").content.decode()
    nav = re.search(r'<details class="nav-narrow">(.*?)</details>', html, re.S).group(1)
    assert '<span class="nav-here">Invoices</span>' in nav
    assert nav.count("<li>") == html.split('<ul class="nav-wide">')[1].split("</ul>")[0].count(
        "<li>")


# --- detail pages ----------------------------------------------------------------------
@pytest.fixture
def invoice(demo):
    from tests.billing.helpers import published

    lines = [
        {"description": "Subscription", "quantity": Decimal("3"), "unit": "month",
         "unit_price": Decimal("132.4000"), "vat_rate": Decimal("19")},
        {"description": "Delivery", "quantity": Decimal("2"), "unit": "trip",
         "unit_price": Decimal("49.9900"), "vat_rate": Decimal("9")},
        {"description": "Metering", "quantity": Decimal("1000"), "unit": "kWh",
         "unit_price": Decimal("0.1234"), "vat_rate": Decimal("19")},
        {"description": "Rental", "quantity": Decimal("1"), "unit": "pc",
         "unit_price": Decimal("120"), "vat_rate": Decimal("19")},
    ]
    return published(demo.organizations["northwind"], number="LAY-0001", lines=lines)


def test_an_invoice_reads_like_an_invoice(owner, invoice):
    html = owner.get(reverse("portal:detail", args=["invoices", invoice.uuid])).content.decode()
    head, body = html.split('<dl class="head-figures">', 1)
    # The figures that matter first, the primary links at the top.
    assert "Outstanding" in body.split("</dl>")[0] and "Due date" in body.split("</dl>")[0]
    assert "Print preview" in head
    # Lines with labels, unit prices in the currency's decimals (more only where needed).
    lines = re.search(r'data-related="lines">(.*?)</section>', html, re.S).group(1)
    for text in ("132.40", "49.99", "0.1234", "120.00"):
        assert f'class="cell-number">{text}</td>' in lines, text
    assert "132.4000" not in lines and "49.9900" not in lines
    assert 'data-label="Unit price"' in lines and 'data-label="Quantity"' in lines
    assert "3 month" in lines
    # Totals per VAT rate: 9% and 19%, each with its net, VAT and total.
    totals = re.search(r'data-related="vat_totals">(.*?)</section>', html, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", totals, re.S)[1:]
    rates = [re.search(r'data-label="VAT rate"[^>]*>([^<]*)<', r).group(1) for r in rows]
    assert rates == ["9%", "19%"]
    nets = {line.vat_rate: Decimal(0) for line in invoice.lines.all()}
    for line in invoice.lines.all():
        nets[line.vat_rate] += line.net
    assert f">{nets[Decimal('19')]:,.2f}<" in rows[1]
    # The client it is billed to.
    assert invoice.organization.name in html and invoice.organization.vat_number in html


def test_unit_prices_in_the_readers_format():
    with translation.override("ru"):
        assert format_price(Decimal("1234.5000"), "RON") == "1\xa0234,50"
        assert format_price(Decimal("0.12345"), "RON") == "0,1235"
    with translation.override("en"):
        assert format_price(Decimal("120"), "EUR") == "120.00"


def test_the_pdf_link_is_at_the_top_when_there_is_a_pdf(owner, demo):
    from apps.client_portal.billing.models import FinancialDocument

    with_pdf = FinancialDocument.objects.filter(
        organization=demo.organizations["northwind"], pdf__isnull=False).first()
    assert with_pdf is not None, "the demo has invoices with a PDF"
    html = owner.get(reverse("portal:detail", args=["invoices", with_pdf.uuid])).content.decode()
    download = reverse("portal:download", args=["invoices", with_pdf.uuid, "pdf"])
    assert html.index(download) < html.index('<dl class="head-figures">')
    assert html.count(download) == 1  # not again under "Files"


def test_every_resource_has_a_detail_page_from_its_layout(owner, demo):
    access = demo.users["owner"].memberships.get(
        organization=demo.organizations["northwind"]).access()
    for resource in registry:
        if not resource.may_read(access):
            continue
        obj = resource.get_queryset(access).first()
        response = owner.get(reverse("portal:detail", args=[resource.slug, obj.uuid]))
        assert response.status_code == 200, resource.slug
        html = response.content.decode()
        obj = resource.get_queryset(access).get(pk=obj.pk)  # as the page left it (read_at)
        for section in resource.detail_layout().sections:
            for name in section.fields:
                shown = f"<dt>{resource.field_label(name)}</dt>" in html
                if optional(resource, name) and resource.value(obj, name) in (None, ""):
                    assert not shown, (resource.slug, name)  # an empty optional field
                else:
                    assert shown, (resource.slug, name)


# --- a private person ----------------------------------------------------------------------
COMPANY_PAGES = ["organization", "people", "api-keys", "webhooks"]


def test_a_private_person_has_no_company_pages(demo, login):
    ana = login(demo.users["ana"], demo.organizations["ana"])
    html = ana.get("/").content.decode()
    nav = re.search(r'<ul class="nav-wide">(.*?)</ul>', html, re.S).group(1)
    for slug in COMPANY_PAGES:
        label = str(registry.get(slug).verbose_name_plural())
        assert label not in nav, slug
        assert ana.get(f"/p/{slug}/").status_code == 404, slug
    assert "Invoices" in nav
    assert ana.get("/api/v1/api-keys/").status_code == 404
    assert ana.get("/people/invite/").status_code == 404
    assert ana.post("/p/api-keys/new/", {"name": "x", "role": "viewer"}).status_code == 404


def test_a_company_has_them(owner):
    html = owner.get("/").content.decode()
    for slug in COMPANY_PAGES:
        assert f'href="/p/{slug}/"' in html, slug


# --- the declaration is checked ------------------------------------------------------------
def _declare(**attrs):
    from apps.client_portal.core.models import Feedback

    base = {"model": Feedback, "slug": "layout-check", "list_columns": ["subject", "status"],
            "__module__": __name__}
    return type("Broken", (Resource,), {**base, **attrs})


@pytest.mark.parametrize(("attrs", "number", "words"), [
    ({"for_kinds": ("company", "household")}, 20, "'household'"),
    ({"for_kinds": "company"}, 20, "for_kinds"),
    ({"list_columns": [Column("subject", priority=FOLDED), "status"]}, 21, "'subject'"),
    ({"list_columns": ["subject", Column("status", priority=7)]}, 21, "priority 7"),
    ({"layout": Layout(sections=[Section("x", ["subject", "colour"])])}, 22, "'colour'"),
    ({"layout": Layout(header=["nothing_here"])}, 22, "'nothing_here'"),
    ({"layout": Layout(related=[Related("replies_nowhere", "x", ["body"])])}, 22,
     "'replies_nowhere'"),
    ({"layout": Layout(links=[Link("pdf", "PDF", lambda o, a: "", role="boss")])}, 22,
     "'boss'"),
    ({"layout": ["subject"]}, 22, "not a Layout"),
])
def test_a_bad_priority_kind_or_layout_stops_start_up(attrs, number, words):
    errors = [e for e in check_resource(_declare(**attrs)) if e.level >= checks.ERROR]
    ids = [e.id for e in errors]
    assert f"client_portal.E{number:03d}" in ids, [e.msg for e in errors]
    message = next(e.msg for e in errors if e.id == f"client_portal.E{number:03d}")
    assert "Broken" in message and words in message


def test_a_good_declaration_passes():
    assert check_resource(_declare(
        for_kinds=("company",),
        layout=Layout(header=["status"], sections=[Section("x", ["subject", "status"])]),
    )) == []

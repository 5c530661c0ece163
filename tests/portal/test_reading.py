"""Pages read right: the dashboard names what is new, money shows its currency, empty
optional fields stay out, a paid invoice names what paid it, a refusal never offers
the address it refused, and cells break where people expect."""

import re

import pytest
from django.utils import translation
from django.utils.html import escape

from apps.client_portal.billing.models import FinancialDocument
from apps.client_portal.core.models import Notification
from apps.client_portal.core.registry import registry
from apps.client_portal.portal.table import build, column_kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(demo, login):
    return login(demo.users["owner"], demo.organizations["northwind"])


def _invoices(demo):
    """Northwind's documents as its people see them (published ones)."""
    owner = demo.users["owner"]
    access = owner.memberships.get(organization=demo.organizations["northwind"]).access()
    return registry.get("invoices").get_queryset(access)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_dashboard_names_the_latest_notification_in_the_readers_language(demo, owner,
                                                                              lang):
    person = demo.users["owner"]
    person.language = lang
    person.save(update_fields=["language"])
    access = person.memberships.get(organization=demo.organizations["northwind"]).access()
    latest = Notification.objects.for_access(access).filter(read_at__isnull=True).first()
    assert latest is not None and latest.message, "the demo's owner has a system notification"
    with translation.override(lang):
        subject = latest.subject
    assert subject
    html = owner.get("/").content.decode()
    link = re.search(rf'<a href="/p/notifications/{latest.uuid}/">([^<]*)</a>', html)
    assert link is not None
    assert link.group(1) == escape(subject)


def test_invoice_list_and_page_show_money_with_its_currency(demo, owner):
    html = owner.get("/p/invoices/?page_size=100").content.decode()
    cells = re.findall(r'<td data-label="(Total|Outstanding)"[^>]*>(.*?)</td>', html)
    assert cells
    for _label, cell in cells:
        assert re.fullmatch(r'<span class="money">[\d,.]+ (RON|EUR)</span>', cell), cell
    assert {"RON", "EUR"} <= {re.search(r"(RON|EUR)<", cell).group(1) for _l, cell in cells}

    doc = _invoices(demo).filter(currency="EUR").exclude(total=0).first()
    page = owner.get(f"/p/invoices/{doc.uuid}/").content.decode()
    head = re.search(r'<dl class="head-figures">(.*?)</dl>', page, re.S).group(1)
    for name in ("total", "outstanding"):
        figure = re.search(rf'<div class="head-{name}">.*?<dd[^>]*>(.*?)</dd>', head, re.S)
        assert re.fullmatch(r'<span class="money">[\d,.]+ EUR</span>', figure.group(1).strip())


def test_an_ordinary_invoice_does_not_list_an_empty_corrects(demo, owner):
    label = registry.get("invoices").field_label("related")
    plain = _invoices(demo).filter(kind=FinancialDocument.Kind.INVOICE, related__isnull=True,
                                   notes="").first()
    page = owner.get(f"/p/invoices/{plain.uuid}/").content.decode()
    assert f"<dt>{label}</dt>" not in page
    assert "<dt>Net</dt>" in page  # a field with a value stays
    corrected = _invoices(demo).filter(related__isnull=False).first()
    if corrected is not None:
        page = owner.get(f"/p/invoices/{corrected.uuid}/").content.decode()
        assert f"<dt>{label}</dt>" in page


def test_a_paid_invoice_links_to_the_payments_that_paid_it(demo, owner):
    paid = _invoices(demo).filter(status=FinancialDocument.Status.PAID,
                                  allocations__isnull=False).distinct().first()
    page = owner.get(f"/p/invoices/{paid.uuid}/").content.decode()
    section = re.search(r'<section class="panel related" data-related="allocations">(.*?)'
                        r"</section>", page, re.S).group(1)
    allocations = list(paid.allocations.select_related("payment"))
    assert allocations
    for allocation in allocations:
        payment = allocation.payment
        assert f'href="/p/payments/{payment.uuid}/"' in section
        assert f"{allocation.amount:,} {paid.currency}" in section
        assert payment.date.isoformat() in section or payment.date.strftime("%d.%m.%Y") in section
        assert owner.get(f"/p/payments/{payment.uuid}/").status_code == 200


def test_a_page_the_role_does_not_have_never_offers_itself(demo, login):
    viewer = login(demo.users["viewer"], demo.organizations["northwind"])
    for url in ("/p/people/", "/p/audit/"):
        response = viewer.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        main = re.search(r"<main.*?</main>", html, re.S).group(0)
        assert f'href="{url}"' not in main
        assert 'href="/"' in main  # the overview is the way on
    # A record of a list the person may read: the list is still offered.
    response = viewer.get("/p/invoices/00000000-0000-0000-0000-000000000000/")
    main = re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)
    assert response.status_code == 404 and 'href="/p/invoices/"' in main


def test_cells_break_where_people_expect(demo):
    owner = demo.users["owner"]
    access = owner.memberships.get(organization=demo.organizations["northwind"]).access()

    people = registry.get("people")
    objects = list(people.get_list_queryset(access)[:3])
    columns = people.columns()
    body = str(build(people, objects, columns,
                     [people.field_label(c.name) for c in columns]).body)
    # An e-mail address may break before its "@", not inside a word.
    assert '<span class="email">manager<wbr>@northwind<wbr>.example<wbr>.com</span>' in body

    audit = registry.get("audit")
    assert column_kind(audit, "when") == "date"  # "2026-12-01 04:40 EET" never wraps
    events = list(audit.get_list_queryset(access).filter(object_repr__contains=" RON")[:3])
    columns = audit.columns()
    body = str(build(audit, events, columns, [audit.field_label(c.name) for c in columns]).body)
    assert re.search(r"\d\u00a0RON", body)  # an amount keeps its currency
    assert not re.search(r"\d RON", body)

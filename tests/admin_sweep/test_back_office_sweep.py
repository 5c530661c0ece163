"""The back office as its staff meet it: every page of every registered model opens, files
are reached only through a checked download, each staff group sees its own sections, and
the index's section titles are distinct and readable."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import NoReverseMatch, reverse

from apps.client_portal.core.admin_nav import SECTIONS
from apps.client_portal.core.models import AuditEvent
from apps.client_portal.documents.models import DocumentDownload, StoredFile
from apps.client_portal.documents.services import store_bytes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% sweep\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _value_for(field, made):
    """A plain valid value for a required field of a model the demo has no row of."""
    if field.is_relation:
        related = field.related_model
        return related._default_manager.order_by("pk").first() or _make(related, made)
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.GenericIPAddressField):
        return "127.0.0.1"
    if isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
        return 1
    return f"sweep-{field.name}"[: field.max_length or 40]


def _make(model, made):
    """One row of ``model``, its required fields filled plainly."""
    values = {}
    for field in model._meta.fields:
        if field.auto_created or field.null or field.blank or field.has_default():
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        values[field.name] = _value_for(field, made)
    obj = model._default_manager.create(**values)
    made.append(model._meta.label)
    return obj


def test_the_administrator_opens_every_page_of_every_registered_model(demo, client):
    """Changelist, add page (where adding is allowed) and the change page of one row, for
    every model in ``admin.site._registry``; a model the demo has no row of gets one."""
    admin_user = demo.users["admin"]
    client.force_login(admin_user)  # one client, one login for the whole sweep
    failures, made, swept = [], [], []
    for model, model_admin in sorted(admin.site._registry.items(),
                                     key=lambda item: item[0]._meta.label):
        label = model._meta.label
        try:
            listing = client.get(_url(model, "changelist"))
        except NoReverseMatch:
            failures.append(f"{label}: no changelist")
            continue
        if listing.status_code != 200:
            failures.append(f"{label} changelist: {listing.status_code}")
        if not model._meta.managed:
            # django-rq's Dashboard: a page (the queues), not a table; no rows to open.
            swept.append(label)
            continue
        request = listing.wsgi_request
        add = client.get(_url(model, "add"))
        expected = 200 if model_admin.has_add_permission(request) else 403
        if add.status_code != expected:
            # Rows that only the system writes (audit log, downloads, jobs) refuse adding.
            failures.append(f"{label} add: {add.status_code}, expected {expected}")
        obj = model._default_manager.order_by("pk").first()
        if model is StoredFile:
            # A document with its file in storage: the case that once broke the page.
            obj = store_bytes(organization=demo.organizations["northwind"], data=PDF,
                              name="sweep.pdf", title="Sweep contract")
        if obj is None:
            try:
                obj = _make(model, made)
            except Exception as exc:  # noqa: BLE001 (reported with the model's name)
                failures.append(f"{label}: could not make a row ({exc!r})")
                continue
        change = client.get(_url(model, "change", obj.pk))
        if change.status_code != 200:
            failures.append(f"{label} change page of {obj.pk}: {change.status_code}")
        swept.append(label)
    assert not failures, "\n".join(failures)
    # The sweep saw what matters (a renamed model would otherwise drop out unnoticed).
    for label in ["documents.StoredFile", "billing.FinancialDocument", "core.Organization",
                  "accounts.User", "core.AuditEvent", "django_rq.Dashboard"]:
        assert label in swept
    assert len(swept) == len(admin.site._registry)


def test_a_document_page_shows_its_file_and_a_checked_download(demo, client):
    stored = store_bytes(organization=demo.organizations["northwind"], data=PDF,
                         name="service-contract.pdf", title="Service contract")
    client.force_login(demo.users["billing"])  # may view documents, not change them
    page = client.get(_url(StoredFile, "change", stored.pk))
    assert page.status_code == 200
    html = page.content.decode()
    link = _url(StoredFile, "download", stored.pk, "file")
    assert "service-contract.pdf" in html and f'href="{link}"' in html
    assert f"{len(PDF)}\u00a0bytes" in html  # the size, as filesizeformat writes it
    # No storage address anywhere: the stored path is text, never a link.
    assert f'href="/{stored.file.name}' not in html and "/media/" not in html

    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert DocumentDownload.objects.filter(document=stored, user=demo.users["billing"]).exists()
    event = AuditEvent.objects.get(action="download", object_id=str(stored.uuid))
    assert event.actor == demo.users["billing"]


def test_an_invoice_page_links_its_pdf_through_the_same_door(demo, client):
    from apps.client_portal.billing.models import FinancialDocument

    invoice = FinancialDocument.objects.filter(pdf__isnull=False).first()
    client.force_login(demo.users["billing"])
    html = client.get(_url(FinancialDocument, "change", invoice.pk)).content.decode()
    assert f'href="{_url(FinancialDocument, "download", invoice.pk, "pdf")}"' in html


def test_staff_who_may_not_view_documents_get_no_file(demo, client):
    stored = store_bytes(organization=demo.organizations["contoso"], data=PDF,
                         name="private.pdf", title="Private")
    link = _url(StoredFile, "download", stored.pk, "file")
    assert client.get(link).status_code == 302  # anonymous: to the back office's sign-in
    client.force_login(demo.users["service"])  # Service agent: no document permission
    assert client.get(link).status_code == 403
    client.force_login(demo.users["admin"])
    assert client.get(_url(StoredFile, "download", stored.pk, "title")).status_code == 404
    assert not DocumentDownload.objects.filter(document=stored).exists()


def _sidebar(client):
    html = client.get("/admin/").content.decode()
    nav = html[html.index("<nav"):html.index("</nav>")]
    index = html[html.index("</nav>"):]
    return html, nav, index


def _section_titles(nav):
    return [str(title) for title, _icon, _labels in SECTIONS if str(title) in nav]


@pytest.mark.parametrize("key, sections", [
    # A loan officer: the client, its people, its invoices and payments, documents and
    # their signatures, the loans.
    ("loans", ["Clients", "Billing", "Documents", "Loans"]),
    # A bureau analyst: the client, its people, documents, the bureau's records, what
    # clients wrote, the audit.
    ("bureau", ["Clients", "Documents", "Credit bureau", "Messages", "Security and sign-in"]),
    ("billing", ["Clients", "Billing", "Documents", "Messages", "Security and sign-in"]),
    ("service", ["Clients", "Documents", "Messages"]),
])
def test_each_staff_group_sees_the_sections_of_its_job(demo, client, key, sections):
    user = demo.users[key]
    client.force_login(user)
    _html, nav, index = _sidebar(client)
    assert _section_titles(nav) == sections
    assert "Background jobs" not in nav and "Integrations" not in nav
    # A section is shown exactly when the person may view something in it.
    registered = {m._meta.label: m for m in admin.site._registry}
    for title, _icon, labels in SECTIONS:
        may = any(user.has_perm(f"{registered[label]._meta.app_label}.view_"
                                f"{registered[label]._meta.model_name}")
                  for label in labels if label in registered)
        assert (str(title) in nav) == may, title
    # The index lists only the models the person may view.
    for model in admin.site._registry:
        opts = model._meta
        linked = f'href="{_url(model, "changelist")}"' in index
        assert linked == user.has_perm(f"{opts.app_label}.view_{opts.model_name}"), opts.label


def test_the_loan_officer_and_the_bureau_analyst_see_different_sections(demo, client):
    client.force_login(demo.users["loans"])
    loans = _section_titles(_sidebar(client)[1])
    client.force_login(demo.users["bureau"])
    bureau = _section_titles(_sidebar(client)[1])
    assert loans != bureau
    assert "Billing" in loans and "Billing" not in bureau


def test_a_group_without_permissions_sees_no_section(demo, client):
    user = demo.users["loans"]
    user.groups.clear()
    user.user_permissions.set(Permission.objects.none())
    client.force_login(user)
    _html, nav, index = _sidebar(client)
    assert _section_titles(nav) == []
    assert "permission" in index  # "You don't have permission to view or edit anything."


def test_the_index_headings_are_distinct_and_readable(demo, client):
    client.force_login(demo.users["admin"])
    html = client.get("/admin/").content.decode()
    headings = [re.sub(r"\s+", " ", h).strip()
                for h in re.findall(r'<a [^>]*class="section"[^>]*>(.*?)</a>', html, re.S)]
    assert len(headings) >= 10  # every application with a registered model
    assert len(headings) == len(set(headings)), headings
    for heading in headings:
        assert "_" not in heading and heading[:1].isupper(), heading
    for raw in ["Accounts", "Django_Rq", "Axes", "Mfa", "MFA", "Usersessions"]:
        assert raw not in headings
    assert {"People and access", "Email addresses", "Background jobs"} <= set(headings)

"""The invoice's print preview as the portal serves it: the portal's icon, and the marks
its phone layout reads (each figure's column name, the reference to quote kept whole)."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import translation

from apps.client_portal.billing import services

from .helpers import published

pytestmark = pytest.mark.django_db


def test_the_preview_has_the_portals_icon_and_labels_every_figure(demo, login):
    org = demo.organizations["northwind"]
    invoice = published(org, amount="100.00", vat_rate="19", number="PV-0001")
    client = login(demo.users["viewer"], org)
    with translation.override("ru"):
        body = client.get(reverse("billing:preview", args=[invoice.uuid]),
                          HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', body)
    assert icon and finders.find(icon.group(1).removeprefix("/static/"))
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", body, re.S).group(1)
    figures = re.findall(r'<td class="num"( data-label="([^"]+)")?>', row)
    assert len(figures) == 6 and all(label for _, label in figures)
    assert "Qty" not in {label for _, label in figures}  # the reader's language
    assert '<strong class="ref">PV-0001</strong>' in body


def test_the_pdf_has_no_preview_icon_or_bar(demo):
    org = demo.organizations["northwind"]
    invoice = published(org, amount="100.00", vat_rate="19", number="PV-0002")
    html = services.render_document_html(invoice)
    assert 'rel="icon"' not in html and "preview-bar" not in html

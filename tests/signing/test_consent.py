"""The consent statement in the reader's language, one per method, one checkbox."""

import pytest
from django.contrib.auth import get_user_model

from apps.client_portal.core.errors import Refused
from apps.client_portal.core.tenancy import Access, Role
from apps.client_portal.documents.services import store_bytes
from apps.client_portal.documents.signing import pdf, services
from apps.client_portal.documents.signing.models import ConsentText

from .helpers import make_request

pytestmark = pytest.mark.django_db


def test_the_reader_confirms_the_statement_in_their_language(demo, login):
    assert set(ConsentText.objects.filter(key="signing").values_list("language", flat=True)) \
        >= {"en", "ro", "bg", "ru", "uk", "pl"}
    req = make_request(demo, steps=[[{"role": Role.OWNER}]])
    owner = demo.users["owner"]
    get_user_model().objects.filter(pk=owner.pk).update(language="ro")
    owner.refresh_from_db()
    client = login(owner, demo.organizations["northwind"])
    html = client.get(f"/signatures/{req.uuid}/sign/").content.decode()
    ro = ConsentText.objects.get(key="signing", version=1, language="ro")
    assert "Prin semnare" in html and f'value="{ro.sha256}"' in html
    assert req.events.get(kind="consent_shown").data["consent_sha256"] == ro.sha256

    access = Access(user=owner, organization=demo.organizations["northwind"], role=Role.OWNER)
    other = ConsentText.objects.get(key="signing-certificate", version=1, language="ro")
    with pytest.raises(Refused):  # another statement's hash is not this one's
        services.sign(req, access=access, typed_name="Olivia", consent_sha256=other.sha256)
    services.sign(req, access=access, typed_name="Olivia", consent_sha256=ro.sha256)
    signer = req.signers.get()
    assert signer.consent == ro and signer.consent_sha256 == ro.sha256


def test_a_certificate_request_has_its_statement_and_one_checkbox(demo, login):
    org = demo.organizations["northwind"]
    document = store_bytes(organization=org, data=pdf.simple_pdf("Act", ["An act."]),
                           name="act.pdf", kind="report", title="Act",
                           content_type="application/pdf")
    req = services.request_signatures(document, title="Act", method="certificate",
                                      signers=[[{"role": Role.OWNER}]], by=demo.users["admin"])
    assert req.consent.key == "signing-certificate"
    html = login(demo.users["owner"], org).get(f"/signatures/{req.uuid}/sign/").content.decode()
    assert "own certificate, I declare" in html and "drawn or typed" not in html
    assert html.count('type="checkbox"') == 1

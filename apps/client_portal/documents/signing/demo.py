"""Signing demo data: a contract awaiting a drawn signature, an act awaiting a
certificate signature, and a signed, sealed document that verifies (Northwind);
Contoso gets its own request and signed document. All names are invented."""

import os

from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.models import StoredFile
from apps.client_portal.documents.services import store_bytes

from . import pdf, services
from .models import ConsentText

CONSENT = (
    "By signing, I declare that I have taken note of and agree to the processing of "
    "personal data under the GDPR and to the terms of the framework contract between "
    "my organization and the provider. I agree that my drawn or typed signature, the time "
    "and the address I sign from are kept as evidence of this signature."
)

TEXT = [
    "This is a fictional demo document of the Client Portal. Nothing in it is binding.",
    "1. The provider delivers the services listed in annex A; the client pays the monthly "
    "fee within 15 days of each invoice.",
    "2. Either party may end the contract with 30 days' notice in writing.",
]


def _document(org, title, kind=StoredFile.Kind.CONTRACT):
    data = pdf.simple_pdf(title, TEXT)
    return store_bytes(organization=org, data=data, name=f"{title.lower().replace(' ', '-')}.pdf",
                       kind=kind, title=title, content_type="application/pdf")


def seed(ctx):
    with services.without_notices():
        _seed(ctx)


def _seed(ctx):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from apps.client_portal.core.tenancy import Access

    if ctx.rows > 10:  # the demo site (the tests' small seed makes its keys on first use)
        call_command("signing_setup", stdout=open(os.devnull, "w"))  # noqa: SIM115
    ConsentText.objects.get_or_create(key=services.CONSENT_KEY, version=1, language="en",
                                      defaults={"text": CONSENT})
    northwind, contoso = ctx.organizations["northwind"], ctx.organizations["contoso"]
    staff = ctx.users.get("admin") or get_user_model().objects.filter(is_staff=True).first()

    services.request_signatures(
        _document(northwind, "Service contract 2026-14"), title="Service contract 2026-14",
        signers=[[{"role": Role.OWNER}], [{"provider": True}]], by=staff)
    act = services.request_signatures(
        _document(northwind, "Readings act March 2026", StoredFile.Kind.REPORT),
        title="Readings act March 2026", method="certificate",
        signers=[[{"provider": True}], [{"role": Role.MANAGER}]], by=staff)
    # The supplier signs first; the act then awaits the client's own certificate.
    services.sign(act, access=Access.provider(user=staff))
    signed = services.request_signatures(
        _document(northwind, "Framework agreement 2025"), title="Framework agreement 2025",
        signers=[[{"role": Role.OWNER}]], by=staff)
    owner = ctx.users["owner"]
    services.sign(signed, access=Access(user=owner, organization=northwind, role=Role.OWNER),
                  typed_name=owner.display_name,
                  consent_sha256=signed.consent.sha256 if signed.consent_id else "",
                  timezone_name="Europe/Bucharest")

    services.request_signatures(
        _document(contoso, "Service contract 2026-22"), title="Service contract 2026-22",
        signers=[[{"role": Role.OWNER}]], by=staff)
    if ctx.rows <= 10:
        return  # the tests' small seed: a sealed document in one organization is enough
    done = services.request_signatures(
        _document(contoso, "Framework agreement 2024"), title="Framework agreement 2024",
        signers=[[{"provider": True}]], by=staff)
    services.sign(done, access=Access.provider(user=staff))

"""Signing demo data: a contract awaiting a drawn signature, an act awaiting a
certificate signature, and a signed, sealed document that verifies (Northwind);
Contoso gets its own request and signed document. All names are invented."""

import os

from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.models import StoredFile
from apps.client_portal.documents.services import store_bytes

from . import pdf, services
from .models import ConsentText

# The consent statements, one per site language (each its own text and hash): a drawn or
# typed signature's, and a signature with one's own certificate's.
CONSENT = {
    "en": "By signing, I declare that I have taken note of and agree to the processing of "
          "personal data under the GDPR and to the terms of the framework contract between "
          "my organization and the provider. I agree that my drawn or typed signature, the "
          "time and the address I sign from are kept as evidence of this signature.",
    "ro": "Prin semnare, declar că am luat la cunoștință și sunt de acord cu prelucrarea "
          "datelor cu caracter personal conform GDPR și cu termenii contractului-cadru dintre "
          "organizația mea și furnizor. Sunt de acord ca semnătura mea desenată sau numele "
          "meu tastat, ora și adresa de la care semnez să fie păstrate ca dovadă a acestei "
          "semnături.",
    "bg": "С подписването декларирам, че съм запознат(а) и съм съгласен(на) с обработването "
          "на лични данни съгласно GDPR и с условията на рамковия договор между моята "
          "организация и доставчика. Съгласен(на) съм нарисуваният ми или въведен подпис, "
          "часът и адресът, от който подписвам, да се съхраняват като доказателство за "
          "този подпис.",
    "ru": "Подписывая, я подтверждаю, что ознакомлен(а) и согласен(на) с обработкой "
          "персональных данных в соответствии с GDPR и с условиями рамочного договора между "
          "моей организацией и поставщиком. Я согласен(на), что моя нарисованная или "
          "введённая подпись, время и адрес, с которого я подписываю, сохраняются как "
          "доказательство этой подписи.",
    "uk": "Підписуючи, я підтверджую, що ознайомлений(а) та погоджуюся з обробкою "
          "персональних даних відповідно до GDPR і з умовами рамкового договору між моєю "
          "організацією та постачальником. Я погоджуюся, що мій намальований або введений "
          "підпис, час і адреса, з якої я підписую, зберігаються як доказ цього підпису.",
    "pl": "Podpisując, oświadczam, że zapoznałem(-am) się i zgadzam się na przetwarzanie "
          "danych osobowych zgodnie z RODO oraz na warunki umowy ramowej między moją "
          "organizacją a dostawcą. Zgadzam się, aby mój narysowany lub wpisany podpis, czas "
          "i adres, z którego podpisuję, były przechowywane jako dowód tego podpisu.",
}
CONSENT_CERTIFICATE = {
    "en": "By signing with my own certificate, I declare that I have taken note of and agree "
          "to the processing of personal data under the GDPR and to the terms of the "
          "framework contract between my organization and the provider. I confirm that the "
          "certificate and its key are mine, and I agree that my certificate, the time and "
          "the address I sign from are kept as evidence of this signature.",
    "ro": "Semnând cu propriul meu certificat, declar că am luat la cunoștință și sunt de "
          "acord cu prelucrarea datelor cu caracter personal conform GDPR și cu termenii "
          "contractului-cadru dintre organizația mea și furnizor. Confirm că certificatul și "
          "cheia lui îmi aparțin și sunt de acord ca certificatul meu, ora și adresa de la "
          "care semnez să fie păstrate ca dovadă a acestei semnături.",
    "bg": "Подписвайки със собствения си сертификат, декларирам, че съм запознат(а) и съм "
          "съгласен(на) с обработването на лични данни съгласно GDPR и с условията на "
          "рамковия договор между моята организация и доставчика. Потвърждавам, че "
          "сертификатът и неговият ключ са мои, и съм съгласен(на) сертификатът ми, часът и "
          "адресът, от който подписвам, да се съхраняват като доказателство за този подпис.",
    "ru": "Подписывая своим сертификатом, я подтверждаю, что ознакомлен(а) и согласен(на) с "
          "обработкой персональных данных в соответствии с GDPR и с условиями рамочного "
          "договора между моей организацией и поставщиком. Я подтверждаю, что сертификат и "
          "его ключ принадлежат мне, и согласен(на), что мой сертификат, время и адрес, с "
          "которого я подписываю, сохраняются как доказательство этой подписи.",
    "uk": "Підписуючи власним сертифікатом, я підтверджую, що ознайомлений(а) та погоджуюся "
          "з обробкою персональних даних відповідно до GDPR і з умовами рамкового договору "
          "між моєю організацією та постачальником. Я підтверджую, що сертифікат і його ключ "
          "належать мені, і погоджуюся, що мій сертифікат, час і адреса, з якої я підписую, "
          "зберігаються як доказ цього підпису.",
    "pl": "Podpisując własnym certyfikatem, oświadczam, że zapoznałem(-am) się i zgadzam się "
          "na przetwarzanie danych osobowych zgodnie z RODO oraz na warunki umowy ramowej "
          "między moją organizacją a dostawcą. Potwierdzam, że certyfikat i jego klucz należą "
          "do mnie, i zgadzam się, aby mój certyfikat, czas i adres, z którego podpisuję, "
          "były przechowywane jako dowód tego podpisu.",
}

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
    for key, texts in ((services.CONSENT_KEY, CONSENT),
                       (services.CONSENT_KEY_CERTIFICATE, CONSENT_CERTIFICATE)):
        for language, text in texts.items():
            ConsentText.objects.get_or_create(key=key, version=1, language=language,
                                              defaults={"text": text})
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
    # A limit request the supplier has yet to sign first (staff: "Sign as the provider").
    services.request_signatures(
        _document(northwind, "Power limit request 2026-03", StoredFile.Kind.REPORT),
        title="Power limit request 2026-03", method="certificate",
        signers=[[{"provider": True}], [{"role": Role.OWNER}]], by=staff)
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

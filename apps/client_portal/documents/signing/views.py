"""The signing page, the document it shows, and the public verification page and API.

The pages and the API call the same services (``services.sign``,
``services.verify_pdf``); whose turn it is is decided there, on the locked row,
whatever door the person came through (a copied link included).
"""

import base64
import binascii

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiTypes, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.client_portal.api.access import access_for
from apps.client_portal.api.generate import output_serializer
from apps.client_portal.core.errors import Refused
from apps.client_portal.documents.services import record_download
from apps.client_portal.portal.access import member_required
from apps.client_portal.portal.views import refused_page

from . import services
from .resources import SignatureRequestResource

PNG_PREFIX = "data:image/png;base64,"


def max_verify_bytes() -> int:
    return int(getattr(settings, "SIGNING_VERIFY_MAX_BYTES", 20 * 1024 * 1024))


def decode_image(value: str) -> bytes | None:
    """A drawn signature sent as a PNG data URL (or bare base64); None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith(PNG_PREFIX):
        value = value[len(PNG_PREFIX):]
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Refused(_("The drawn signature could not be read. Please draw it again.")) from None
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise Refused(_("The drawn signature could not be read. Please draw it again."))
    return data


def _page(request, req, *, error=None, status=200):
    access = request.access
    turn = None
    reason = ""
    try:
        turn = services.signer_for(req, access)
    except Refused as refusal:
        reason = refusal.message
    certificate = (turn is not None and req.method == req.Method.CERTIFICATE
                   and turn.kind != turn.Kind.PROVIDER)
    existing, dstu_ok, texts = [], False, {}
    if certificate:
        from . import pdf
        from .crypto import dstu
        from .crypto import messages as crypto_messages

        dstu_ok = dstu.available()
        texts = crypto_messages.data_attributes()

        with req.working.open("rb") as handle:
            existing = pdf.verify(handle.read())
    return render(request, "signing/sign.html", {
        "req": req, "turn": turn, "reason": reason, "error": error,
        "certificate": certificate, "existing": existing, "dstu": dstu_ok,
        "certsign_messages": texts,
        "consent": services.consent_for(req), "signers": list(req.signers.all()),
        "detail_url": req.get_absolute_url(),
    }, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def sign_page(request, lookup):
    """Read the document and the consent, draw (or type) the signature, confirm."""
    try:
        req = SignatureRequestResource.get_object(request.access, lookup)
    except Refused as refusal:
        return refused_page(request, refusal, SignatureRequestResource)
    if request.method == "GET":
        if services.turn_of(req, request.access) is not None:
            services.record_view(req, access=request.access, request=request)
        return _page(request, req)
    return _submit(request, req, lambda: services.sign(
        req, access=request.access,
        image_png=decode_image(request.POST.get("signature_image", "")),
        typed_name=request.POST.get("typed_name", ""),
        consent_sha256=_confirmed_consent(request),
        timezone_name=request.POST.get("timezone", ""), request=request),
        _("Signed. Thank you."))


def _confirmed_consent(request) -> str:
    """The consent text's hash the form sent, when its box was ticked; else nothing."""
    return request.POST.get("consent_sha256", "") if request.POST.get("consent_ok") else ""


def _submit(request, req, call, done):
    """A signing form's POST: ``call()`` the service, then back to the request with
    ``done``; a refusal shows the page again with its message."""
    try:
        call()
    except Refused as refusal:
        req.refresh_from_db()
        return _page(request, req, error=refusal.message, status=refusal.status)
    messages.success(request, done)
    return redirect(req.get_absolute_url())


@require_http_methods(["GET"])
@member_required
def document_pdf(request, lookup):
    """The PDF as it stands (the signatures given so far), shown in the browser."""
    try:
        req = SignatureRequestResource.get_object(request.access, lookup)
    except Refused as refusal:
        return refused_page(request, refusal, SignatureRequestResource)
    record_download(req.document, request.access)
    stored = req.final.file if req.final_id else req.working
    response = FileResponse(stored.open("rb"), content_type="application/pdf",
                            as_attachment=False, filename="document.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


def check_rate(request) -> None:
    """The public verification checks at most SIGNING_VERIFY_RATE files a minute per
    address (each check validates every signature: CPU the public may not exhaust)."""
    from django.core.cache import cache

    from apps.client_portal.core.context import client_ip

    limit = int(getattr(settings, "SIGNING_VERIFY_RATE", 30))
    key = f"cp:signing:verify:{client_ip(request) or '-'}"
    if cache.add(key, 1, timeout=60):
        return
    try:
        count = cache.incr(key)
    except ValueError:  # expired meanwhile
        cache.add(key, 1, timeout=60)
        return
    if count > limit:
        raise Refused(_("Too many files checked from your address; please wait a minute."),
                      code="throttled")


def read_limited(request, field="file") -> bytes:
    """The uploaded file's bytes, refused above the size limit before the body is read."""
    limit = max_verify_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + 64 * 1024:
        raise Refused(_("The file is too large to check (at most %(mb)s MB).")
                      % {"mb": limit // (1024 * 1024)}, code="too_large")
    upload = request.FILES.get(field)
    if upload is None:
        raise Refused(_("Choose a PDF file to check."), fields={field: [_("Choose a file.")]})
    chunks, size = [], 0
    for chunk in upload.chunks(256 * 1024):
        size += len(chunk)
        if size > limit:
            raise Refused(_("The file is too large to check (at most %(mb)s MB).")
                          % {"mb": limit // (1024 * 1024)}, code="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


@require_http_methods(["GET", "POST"])
def verify_page(request):
    """Anyone may check a signed PDF: each signature, and whether this site issued it."""
    result = error = None
    status = 200
    if request.method == "POST":
        try:
            check_rate(request)
            result = services.verify_pdf(read_limited(request))
        except Refused as refusal:
            error, status = refusal.message, refusal.status
    return render(request, "signing/verify.html", {
        "result": result, "error": error, "max_mb": max_verify_bytes() // (1024 * 1024),
        "rows": _verify_rows(result), "changed": _changed(result),
        "untrusted": any(entry["intact"] and not entry["trusted"]
                         for entry in (result or {}).get("signatures", [])),
    }, status=status)


def _when(value):
    """An ISO time of the check as an aware datetime (shown in the reader's zone)."""
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if value else None


def _verify_rows(result) -> list[dict]:
    return [{**entry, "signed_at": _when(entry.get("signed_at")),
             "timestamp": _when(entry.get("timestamp"))}
            for entry in (result or {}).get("signatures", [])]


def _changed(result) -> list[str]:
    """Who signed what the file no longer matches (the headline names them)."""
    return [entry["signer"] or _("an unreadable signature")
            for entry in (result or {}).get("signatures", []) if not entry["intact"]]


class SignInput(serializers.Serializer):
    image = serializers.CharField(required=False, allow_blank=True, default="",
                                  help_text="The drawn signature: a PNG, base64.")
    typed_name = serializers.CharField(required=False, allow_blank=True, default="",
                                       max_length=200)
    consent_sha256 = serializers.CharField(required=False, allow_blank=True, default="",
                                           max_length=64)
    timezone = serializers.CharField(required=False, allow_blank=True, default="",
                                     max_length=64)


class SignView(APIView):
    """Sign a request now, as the key's organization (its turn is checked)."""

    @extend_schema(request=SignInput, responses={200: output_serializer(SignatureRequestResource)},
                   tags=["Signatures"])
    def post(self, request, lookup):
        access = access_for(request)
        req = SignatureRequestResource.get_object(access, lookup)
        data = SignInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        req = services.sign(req, access=access, image_png=decode_image(values["image"]),
                            typed_name=values["typed_name"],
                            consent_sha256=values["consent_sha256"],
                            timezone_name=values["timezone"], request=request._request)
        return Response(output_serializer(SignatureRequestResource)(req).data)


def _b64(value, what) -> bytes:
    try:
        return base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise Refused(_("The %(what)s sent by the browser could not be read.") % {"what": what}
                      ) from None


class CertificatePrepareInput(serializers.Serializer):
    certs = serializers.ListField(child=serializers.CharField(), min_length=1, max_length=10,
                                  help_text="The signer's certificate first, then its chain "
                                            "(DER, base64).")
    consent_sha256 = serializers.CharField(required=False, allow_blank=True, default="")


class CertificatePrepareView(APIView):
    """Start a signature with the signer's own key: what the key must sign."""

    @extend_schema(request=CertificatePrepareInput, responses={200: OpenApiTypes.OBJECT},
                   tags=["Signatures"])
    def post(self, request, lookup):
        access = access_for(request)
        req = SignatureRequestResource.get_object(access, lookup)
        data = CertificatePrepareInput(data=request.data)
        data.is_valid(raise_exception=True)
        certs = [_b64(value, _("certificate")) for value in data.validated_data["certs"]]
        return Response(services.certificate_prepare(
            req, access=access, certs_der=certs,
            consent_sha256=data.validated_data["consent_sha256"], request=request._request))


class CertificateFinishInput(serializers.Serializer):
    signature = serializers.CharField(help_text="The signature of to_sign, base64.")
    timezone = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)


class CertificateFinishView(APIView):
    """Embed the signature made with the signer's own key; the request moves on."""

    @extend_schema(request=CertificateFinishInput,
                   responses={200: output_serializer(SignatureRequestResource)},
                   tags=["Signatures"])
    def post(self, request, lookup):
        access = access_for(request)
        req = SignatureRequestResource.get_object(access, lookup)
        data = CertificateFinishInput(data=request.data)
        data.is_valid(raise_exception=True)
        req = services.certificate_finish(
            req, access=access, signature=_b64(data.validated_data["signature"], _("signature")),
            timezone_name=data.validated_data["timezone"], request=request._request)
        return Response(output_serializer(SignatureRequestResource)(req).data)


class CertificateUploadView(APIView):
    """A PDF signed in the signer's own tool, or a detached .p7s of the document."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer(
            "SignedUpload", {"file": serializers.FileField(),
                             "consent_sha256": serializers.CharField(required=False)})},
        responses={200: output_serializer(SignatureRequestResource)}, tags=["Signatures"])
    def post(self, request, lookup):
        access = access_for(request)
        req = SignatureRequestResource.get_object(access, lookup)
        data = read_limited(request._request)
        req = services.certificate_upload(
            req, access=access, data=data,
            consent_sha256=request._request.POST.get("consent_sha256", ""),
            request=request._request)
        return Response(output_serializer(SignatureRequestResource)(req).data)


@require_http_methods(["POST"])
@member_required
def upload_page(request, lookup):
    """The signing page's upload form: a signed PDF or a .p7s."""
    try:
        req = SignatureRequestResource.get_object(request.access, lookup)
    except Refused as refusal:
        return refused_page(request, refusal, SignatureRequestResource)
    return _submit(request, req, lambda: services.certificate_upload(
        req, access=request.access, data=read_limited(request),
        consent_sha256=_confirmed_consent(request), request=request),
        _("Your signed document was received."))


@require_http_methods(["POST"])
@member_required
def decline_page(request, lookup):
    """The signer whose turn it is declines; the request ends (the provider may ask again)."""
    try:
        req = SignatureRequestResource.get_object(request.access, lookup)
    except Refused as refusal:
        return refused_page(request, refusal, SignatureRequestResource)
    return _submit(request, req, lambda: services.decline(
        req, access=request.access, reason=request.POST.get("reason", ""), request=request),
        _("You declined to sign. We let the provider know."))


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DeclineView(APIView):
    """Decline to sign (the signer whose turn it is)."""

    @extend_schema(request=DeclineInput,
                   responses={200: output_serializer(SignatureRequestResource)},
                   tags=["Signatures"])
    def post(self, request, lookup):
        access = access_for(request)
        req = SignatureRequestResource.get_object(access, lookup)
        data = DeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        req = services.decline(req, access=access, reason=data.validated_data["reason"],
                               request=request._request)
        return Response(output_serializer(SignatureRequestResource)(req).data)


class VerifyView(APIView):
    """Check a signed PDF (multipart field ``file``): no sign-in needed."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer(
            "VerifyUpload", {"file": serializers.FileField()})},
        responses={200: OpenApiTypes.OBJECT}, tags=["Signatures"])
    def post(self, request):
        check_rate(request._request)
        return Response(services.verify_pdf(read_limited(request._request)))

"""API endpoints of billing beyond the generated ones (/api/v1/invoices/ etc.).

Creating documents and recording payments is the provider's work: those need a
provider-wide API key. The ZIP of several PDFs is for anyone who may read them.
"""

from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.client_portal.api.access import access_for
from apps.client_portal.api.generate import output_serializer
from apps.client_portal.core.models import Organization

from . import services
from .bundle import MAX_DOCUMENTS, build_zip, documents_for_zip
from .models import Currency, FinancialDocument, Payment
from .resources import InvoiceResource, PaymentResource


def _provider_only(request):
    access = access_for(request)
    if not access.provider_wide:
        raise PermissionDenied(_("This needs a provider-wide API key."))
    return access


class LineInput(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=4)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0)


class DocumentInput(serializers.Serializer):
    organization = serializers.SlugRelatedField(slug_field="uuid",
                                                queryset=Organization.objects.all())
    kind = serializers.ChoiceField(choices=FinancialDocument.Kind.choices)
    number = serializers.CharField(max_length=40)
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    currency = serializers.ChoiceField(choices=Currency.choices)
    related = serializers.SlugRelatedField(slug_field="uuid", required=False, allow_null=True,
                                           queryset=FinancialDocument.objects.all())
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = LineInput(many=True, allow_empty=False)
    publish = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if FinancialDocument.objects.filter(kind=data["kind"], number=data["number"]).exists():
            raise serializers.ValidationError({"number": [_("This number is already used.")]})
        return data


class DocumentCreateView(APIView):
    """Create a financial document with its lines (provider-wide key); optionally publish."""

    @extend_schema(request=DocumentInput, responses={201: output_serializer(InvoiceResource)},
                   tags=["Invoices"])
    def post(self, request):
        access = _provider_only(request)
        serializer = DocumentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        publish = data.pop("publish")
        lines = [dict(line) for line in data.pop("lines")]
        doc = services.create_document(**data, lines=lines, by=access.user)
        if publish:
            doc = services.publish_document(doc, by=access.user, request=request._request)
        return Response(output_serializer(InvoiceResource)(doc).data,
                        status=status.HTTP_201_CREATED)


class PaymentInput(serializers.Serializer):
    organization = serializers.SlugRelatedField(slug_field="uuid",
                                                queryset=Organization.objects.all())
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.ChoiceField(choices=Currency.choices)
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    reference = serializers.CharField(max_length=100)
    date = serializers.DateField()
    documents = serializers.ListField(child=serializers.UUIDField(), required=False,
                                      default=list)


class PaymentRecordView(APIView):
    """Record a payment and allocate it (provider-wide key); the same reference twice
    returns the first payment and allocates nothing again."""

    @extend_schema(request=PaymentInput, responses={201: output_serializer(PaymentResource)},
                   tags=["Payments"])
    def post(self, request):
        access = _provider_only(request)
        serializer = PaymentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        documents = list(FinancialDocument.objects.filter(
            organization=data["organization"], uuid__in=data["documents"]))
        payment = services.record_payment(
            organization=data["organization"], amount=data["amount"],
            currency=data["currency"], method=data["method"], reference=data["reference"],
            paid_at=data["date"], documents=documents, by=access.user,
        )
        return Response(output_serializer(PaymentResource)(payment).data,
                        status=status.HTTP_201_CREATED)


class ZipView(APIView):
    """The PDFs of several documents in one ZIP; 404 if any is not the caller's."""

    @extend_schema(
        request=inline_serializer("ZipInput", {"documents": serializers.ListField(
            child=serializers.UUIDField(), max_length=MAX_DOCUMENTS)}),
        responses={(200, "application/zip"): bytes}, tags=["Invoices"],
    )
    def post(self, request):
        access = access_for(request)
        lookups = request.data.get("documents") if hasattr(request.data, "get") else None
        if not isinstance(lookups, list):
            lookups = []
        documents = documents_for_zip(access, lookups)
        data = build_zip(access, documents, request=request._request)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="documents.zip"'
        response["Cache-Control"] = "private, no-store"
        return response

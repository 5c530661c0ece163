"""API of debt imports beyond the generated read endpoints.

``POST /api/v1/debt-imports/`` (multipart: ``file``, ``format`` csv|metro2, and
``currency`` for Metro 2) starts an import and answers 202 with its ``uuid``;
``GET`` on the same address lists the caller's imports (the generated list).
``GET /api/v1/debt-imports/<uuid>/`` (generated) gives its status, progress and
errors. Same operation as the portal's upload: services.start_import.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.client_portal.api.generate import output_serializer, viewset_for

from . import services
from .resources import DebtImportResource

_Generated = viewset_for(DebtImportResource)


class DebtImportViewSet(_Generated):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("DebtImportInput", {
            "file": serializers.FileField(),
            "format": serializers.ChoiceField(choices=["csv", "metro2"]),
            "currency": serializers.CharField(required=False),
        })},
        responses={202: output_serializer(DebtImportResource)},
        tags=[str(DebtImportResource.verbose_name_plural())],
    )
    def create(self, request, *args, **kwargs):
        imp = services.start_import(
            access=self.access, upload=request.FILES.get("file"),
            fmt=(request.data.get("format") or "").strip().lower(),
            currency=request.data.get("currency") or "MDL", request=request._request)
        imp.refresh_from_db()
        return Response(output_serializer(DebtImportResource)(imp).data,
                        status=status.HTTP_202_ACCEPTED)

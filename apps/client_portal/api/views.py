from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .access import access_for


class MeView(APIView):
    """Who the caller is and for which organization it acts."""

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "user": serializers.CharField(),
                "organization": serializers.UUIDField(allow_null=True),
                "organization_name": serializers.CharField(allow_null=True),
                "role": serializers.CharField(allow_null=True),
                "via": serializers.CharField(),
                "provider_wide": serializers.BooleanField(),
            },
        )
    )
    def get(self, request):
        access = access_for(request)
        org = access.organization
        return Response(
            {
                "user": access.user.email if access.user else None,
                "organization": str(org.uuid) if org else None,
                "organization_name": org.name if org else None,
                "role": access.role,
                "via": access.via,
                "provider_wide": access.provider_wide,
            }
        )

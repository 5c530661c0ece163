"""API endpoints of the core beyond the generated ones."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.client_portal.api.access import access_for

from .notify import mark_all_read


class NotificationsReadAllView(APIView):
    """Mark every unread notification of the caller's inbox read (the portal's button)."""

    @extend_schema(request=None, responses=inline_serializer(
        "NotificationsReadAll", {"marked": serializers.IntegerField()}))
    def post(self, request):
        access = access_for(request)
        return Response({"marked": mark_all_read(access=access, request=request._request)})

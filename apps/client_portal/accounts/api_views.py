"""API for people management: the same services and predicate as the portal pages.

``POST /api/v1/people/<uuid>/role/`` with ``{"role": "manager"}``;
``POST /api/v1/people/<uuid>/deactivate/`` and ``.../reactivate/``.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.client_portal.api.access import access_for
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.resources import MembershipResource
from apps.client_portal.core.tenancy import Role

from . import services


class RoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


PersonOutput = inline_serializer("PersonOutput", {
    "uuid": serializers.UUIDField(), "role": serializers.CharField(),
    "is_active": serializers.BooleanField(),
})


def _person(request, lookup):
    access = access_for(request)
    if not access.has_role(MembershipResource.read_role):
        from django.http import Http404

        raise Http404
    return access, MembershipResource.get_object(access, lookup)


def _out(membership):
    return Response({"uuid": str(membership.uuid), "role": membership.role,
                     "is_active": membership.is_active})


def _refused(exc):
    """Raise ``exc`` for the API: the rules on whom one may change answer "forbidden"."""
    if exc.code in {"self", "above"}:
        raise Refused(exc.message, code="forbidden") from exc
    raise exc


class PersonRoleView(APIView):
    @extend_schema(request=RoleInput, responses=PersonOutput, tags=["people"],
                   summary="Change a person's role")
    def post(self, request, lookup):
        access, membership = _person(request, lookup)
        data = RoleInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            membership = services.membership_change_role(
                access=access, membership=membership, role=data.validated_data["role"],
                request=request._request)
        except Refused as exc:
            _refused(exc)
        return _out(membership)


class PersonActiveView(APIView):
    active = True

    @extend_schema(request=None, responses=PersonOutput, tags=["people"])
    def post(self, request, lookup):
        access, membership = _person(request, lookup)
        try:
            membership = services.membership_set_active(
                access=access, membership=membership, active=self.active,
                request=request._request)
        except Refused as exc:
            _refused(exc)
        return _out(membership)

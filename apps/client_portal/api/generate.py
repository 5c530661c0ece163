"""DRF viewsets and serializers generated from the resource registry."""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import BaseFilterBackend
from rest_framework.response import Response

from apps.client_portal.core import audit
from apps.client_portal.core.files import open_download
from apps.client_portal.core.registry import registry

from .access import access_for


def _is_model_field(model, name):
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


_OUTPUT_SERIALIZERS: dict = {}


def output_serializer(resource):
    """The serializer of ``resource``'s records; one class per resource, so that a
    module's own endpoints reuse the schema component instead of a twin of it."""
    if resource not in _OUTPUT_SERIALIZERS:
        _OUTPUT_SERIALIZERS[resource] = _build_output_serializer(resource)
    return _OUTPUT_SERIALIZERS[resource]


def _build_output_serializer(resource):
    model = resource.model
    attrs = {}
    model_fields = ["uuid"] if hasattr(model, "uuid") else ["pk"]
    for name in resource.api_field_names():
        if _is_model_field(model, name):
            field = model._meta.get_field(name)
            if field.is_relation and (field.many_to_one or field.one_to_one):
                if hasattr(field.related_model, "uuid"):
                    attrs[name] = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
                else:
                    attrs[name] = serializers.PrimaryKeyRelatedField(read_only=True)
            elif field.many_to_many:
                attrs[name] = serializers.StringRelatedField(many=True, read_only=True)
            elif isinstance(field, models.FileField):
                continue
            model_fields.append(name)
        else:
            attrs[name] = serializers.SerializerMethodField()
            # A computed column is shown as text in the portal; the API says so too.
            attrs[f"get_{name}"] = extend_schema_field(OpenApiTypes.STR)(
                lambda self, obj, _n=name: _plain(resource.display(obj, _n))
            )
            model_fields.append(name)
    meta = type("Meta", (), {"model": model, "fields": model_fields,
                             "read_only_fields": model_fields})
    return type(f"{resource.__name__}Output", (serializers.ModelSerializer,),
                {"Meta": meta, **attrs})


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, (int, float, bool, type(None), list, dict)) else str(value)


def input_serializer(resource, fields, suffix):
    meta = type("Meta", (), {"model": resource.model, "fields": list(fields)})
    return type(f"{resource.__name__}{suffix}", (serializers.ModelSerializer,), {"Meta": meta})


class ResourceFilterBackend(BaseFilterBackend):
    """The portal's own filtering (Resource.filter_queryset), so both agree."""

    def filter_queryset(self, request, queryset, view):
        return view.resource.filter_queryset(queryset, request.query_params)[0]

    def get_schema_operation_parameters(self, view):
        resource = view.resource
        params = []
        for name, flt in resource.filterset_class().base_filters.items():
            params.append({"name": name, "required": False, "in": "query",
                           "description": str(flt.label or name), "schema": {"type": "string"}})
        if resource.search_fields:
            params.append({"name": "search", "required": False, "in": "query",
                           "description": "Search in: " + ", ".join(resource.search_fields),
                           "schema": {"type": "string"}})
        sortable = resource.sortable_fields()
        if sortable:
            params.append({"name": "ordering", "required": False, "in": "query",
                           "description": "One of: " + ", ".join(sortable)
                           + " (prefix - for descending)",
                           "schema": {"type": "string"}})
        if resource.presets:
            params.append({"name": "view", "required": False, "in": "query",
                           "schema": {"type": "string",
                                      "enum": [p.name for p in resource.presets]}})
        return params


class ResourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    resource = None
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    filter_backends = [ResourceFilterBackend]

    @property
    def access(self):
        return access_for(self.request)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        if not self.access.has_role(self.resource.read_role):
            # As in the portal: a resource beyond the caller's role looks absent.
            raise NotFound()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.resource.model._default_manager.none()
        return self.resource.get_queryset(self.access)

    def get_object(self):
        obj = self.resource.get_object(self.access, self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, obj)
        return obj

    def get_serializer_class(self):
        return self.output_class


def _create(self, request, *args, **kwargs):
    access = self.access
    if not self.resource.can_create(access):
        return _forbidden()
    serializer = self.create_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    obj = self.resource.model(**serializer.validated_data)
    self.resource.save_new(obj, access, request=request._request)
    return Response(self.output_class(obj).data, status=status.HTTP_201_CREATED)


def _partial_update(self, request, *args, **kwargs):
    access = self.access
    obj = self.resource.get_object(access, kwargs["uuid"])
    if not self.resource.can_edit(obj, access):
        return _forbidden()
    before = audit.snapshot(obj, self.resource.edit_fields)
    serializer = self.edit_class(obj, data=request.data, partial=True)
    serializer.is_valid(raise_exception=True)
    for name, value in serializer.validated_data.items():
        setattr(obj, name, value)
    self.resource.save_edit(obj, before, access, request=request._request)
    return Response(self.output_class(obj).data)


def _run_action(self, request, uuid=None, action_name=None):
    obj = self.resource.run_action(self.access, uuid, action_name, request=request._request)
    return Response(self.output_class(obj).data)


def _download(self, request, uuid=None, field_name=None):
    access = self.access
    self.resource.file_field(field_name)
    obj = self.resource.get_object(access, uuid)
    return open_download(self.resource, obj, field_name, access, request._request)


def _forbidden():
    from django.utils.translation import gettext as _
    from rest_framework.exceptions import PermissionDenied

    raise PermissionDenied(_("Your role does not allow this."))


def _named(func, name):
    """A fresh copy of ``func`` called ``name``: DRF wants action names to match."""

    def method(self, *args, **kwargs):
        return func(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = func.__doc__
    return method


def viewset_for(resource):
    attrs = {
        "resource": resource,
        "output_class": output_serializer(resource),
        "queryset": resource.model._default_manager.none(),
    }
    if resource.create_fields:
        attrs["create_class"] = input_serializer(resource, resource.create_fields, "CreateInput")
        attrs["create"] = extend_schema(
            request=attrs["create_class"], responses={201: attrs["output_class"]}
        )(_named(_create, "create"))
    if resource.edit_fields:
        attrs["edit_class"] = input_serializer(resource, resource.edit_fields, "EditInput")
        attrs["partial_update"] = extend_schema(
            request=attrs["edit_class"], responses={200: attrs["output_class"]}
        )(_named(_partial_update, "partial_update"))
    if resource.actions:
        names = "|".join(a.name for a in resource.actions)
        attrs["run_action"] = extend_schema(
            request=None, responses={200: attrs["output_class"]},
            description="Fire a workflow action: " + ", ".join(
                f"{a.name} (role {a.role}+)" for a in resource.actions),
            parameters=[OpenApiParameter("action_name", str, OpenApiParameter.PATH,
                                         enum=[a.name for a in resource.actions])],
        )(action(detail=True, methods=["post"],
                 url_path=rf"actions/(?P<action_name>{names})")(_named(_run_action, "run_action")))
    if resource.files:
        names = "|".join(resource.files)
        attrs["download"] = extend_schema(
            responses={(200, "application/octet-stream"): bytes},
            parameters=[OpenApiParameter("field_name", str, OpenApiParameter.PATH,
                                         enum=list(resource.files))],
        )(action(detail=True, methods=["get"], url_path=rf"files/(?P<field_name>{names})")(
            _named(_download, "download")))
    tags = [str(resource.verbose_name_plural())]
    cls = type(f"{resource.__name__}ViewSet", (ResourceViewSet,), attrs)
    return extend_schema_view(
        list=extend_schema(tags=tags), retrieve=extend_schema(tags=tags),
        **({"create": extend_schema(tags=tags)} if resource.create_fields else {}),
        **({"partial_update": extend_schema(tags=tags)} if resource.edit_fields else {}),
        **({"run_action": extend_schema(tags=tags)} if resource.actions else {}),
        **({"download": extend_schema(tags=tags)} if resource.files else {}),
    )(cls)


def build_router():
    from rest_framework.routers import DefaultRouter

    router = DefaultRouter()
    for resource in registry:
        if resource.api:
            router.register(resource.slug, viewset_for(resource), basename=resource.slug)
    return router

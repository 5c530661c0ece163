"""DRF viewsets generated from the resource registry: thin callers of ``core.operations``.

Reads, creates, edits, actions, downloads go through the same operations as the
portal's pages, with the same forms and the same refusals; this module only
parses the request, writes the JSON and describes both in the OpenAPI schema.
"""

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend
from rest_framework.response import Response

from apps.client_portal.core import operations
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.registry import registry

from .access import access_for

_OUTPUT_SERIALIZERS: dict = {}


def output_serializer(resource):
    """The serializer of ``resource``'s records; one class per resource, so that a
    module's own endpoints reuse the schema component instead of a twin of it."""
    if resource not in _OUTPUT_SERIALIZERS:
        _OUTPUT_SERIALIZERS[resource] = _build_output_serializer(resource)
    return _OUTPUT_SERIALIZERS[resource]


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 (FieldDoesNotExist)
        return None


def _build_output_serializer(resource):
    model = resource.model
    attrs = {}
    names = [resource.lookup_field]
    for name in resource.api_field_names():
        # A model field gives its stored value (a status as "unpaid"), even where the
        # portal shows a computed text in its place: programs read codes.
        field = _model_field(model, name)
        if field is None:
            # A computed value or a model property: shown as the portal shows it.
            attrs[name] = serializers.SerializerMethodField()
            attrs[f"get_{name}"] = extend_schema_field(OpenApiTypes.STR)(
                lambda self, obj, _n=name: _plain(resource.value(obj, _n)))
        elif isinstance(field, models.FileField):
            continue  # files are downloaded through files/<name>/
        elif field.is_relation and (field.many_to_one or field.one_to_one):
            attrs[name] = (serializers.SlugRelatedField(slug_field="uuid", read_only=True)
                           if hasattr(field.related_model, "uuid")
                           else serializers.PrimaryKeyRelatedField(read_only=True))
        elif field.many_to_many:
            attrs[name] = serializers.StringRelatedField(many=True, read_only=True)
        names.append(name)
    meta = type("Meta", (), {"model": model, "fields": names, "read_only_fields": names})
    return type(f"{resource.__name__}Output", (serializers.ModelSerializer,),
                {"Meta": meta, **attrs})


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, (int, float, bool, type(None), list, dict)) else str(value)


def input_serializer(resource, fields, suffix):
    """The request body of a create or edit, for the schema; the form validates it."""
    extra = {}
    for name in fields:
        field = resource.model._meta.get_field(name)
        if field.is_relation:
            extra[name] = serializers.UUIDField(required=not field.blank)
    meta = type("Meta", (), {"model": resource.model, "fields": list(fields)})
    return type(f"{resource.__name__}{suffix}", (serializers.ModelSerializer,),
                {"Meta": meta, **extra})


class ResourceFilterBackend(BaseFilterBackend):
    """Describes the list parameters in the schema; filtering is the operation's."""

    def filter_queryset(self, request, queryset, view):
        return queryset

    def get_schema_operation_parameters(self, view):
        resource = view.resource
        params = [{"name": name, "required": False, "in": "query",
                   "description": str(flt.label or name), "schema": {"type": "string"}}
                  for name, flt in resource.filterset_class().base_filters.items()]
        if resource.search_fields:
            params.append({"name": "search", "required": False, "in": "query",
                           "description": "Search in: " + ", ".join(resource.search_fields),
                           "schema": {"type": "string"}})
        sortable = resource.sortable_fields()
        if sortable:
            params.append({"name": "ordering", "required": False, "in": "query",
                           "description": "One of: " + ", ".join(sortable)
                           + " (prefix - for descending)", "schema": {"type": "string"}})
        if resource.presets:
            params.append({"name": "view", "required": False, "in": "query",
                           "schema": {"type": "string",
                                      "enum": [p.name for p in resource.presets]}})
        return params


class ResourceViewSet(viewsets.GenericViewSet):
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
        if not self.resource.may_read(self.access):
            raise Refused(code="not_found")  # as in the portal: beyond the role looks absent

    def get_queryset(self):
        return self.resource.model._default_manager.none()  # for the schema only

    def get_serializer_class(self):
        return self.output_class

    def list(self, request, *args, **kwargs):
        qs, _filterset = operations.list_records(self.resource, access=self.access,
                                                 params=request.query_params, columns_only=False)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.output_class(page, many=True).data)

    def retrieve(self, request, uuid=None):
        obj = operations.get_record(self.resource, access=self.access, lookup=uuid)
        return Response(self.output_class(obj).data)


def _body(request):
    data = request.data
    if not hasattr(data, "get"):
        raise Refused(code="invalid", fields={"non_field_errors": ["Send a JSON object."]})
    return data


def _create(self, request, *args, **kwargs):
    obj = operations.create(self.resource, access=self.access, data=_body(request),
                            files=request.FILES, request=request._request)
    body = dict(self.output_class(obj).data)
    secret = self.resource.secret_once(obj)
    if secret:
        body["secret"] = secret  # shown this once; only a hash is kept
    return Response(body, status=status.HTTP_201_CREATED)


def _partial_update(self, request, uuid=None):
    obj = operations.update(self.resource, access=self.access, lookup=uuid, data=_body(request),
                            files=request.FILES, partial=True, request=request._request)
    return Response(self.output_class(obj).data)


def _run_action(self, request, uuid=None, action_name=None):
    obj = operations.run_action(self.resource, access=self.access, lookup=uuid, name=action_name,
                                request=request._request)
    return Response(self.output_class(obj).data)


def _download(self, request, uuid=None, field_name=None):
    return operations.download(self.resource, access=self.access, lookup=uuid,
                               field_name=field_name, request=request._request)


def _named(func, name):
    """A fresh copy of ``func`` called ``name``: DRF wants action names to match."""

    def method(self, *args, **kwargs):
        return func(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = func.__doc__
    return method


def viewset_for(resource):
    output = output_serializer(resource)
    tags = [str(resource.verbose_name_plural())]
    attrs = {"resource": resource, "output_class": output,
             "queryset": resource.model._default_manager.none()}
    views = {"list": extend_schema(tags=tags), "retrieve": extend_schema(tags=tags)}
    # Without a form the operation still answers (403, or 404 beyond the read role, as
    # the portal's page does), not the router's 405; it is left out of the schema.
    if resource.create_fields:
        attrs["create"] = extend_schema(
            request=input_serializer(resource, resource.create_fields, "CreateInput"),
            responses={201: output}, tags=tags,
        )(_named(_create, "create"))
    else:
        attrs["create"] = extend_schema(exclude=True)(_named(_create, "create"))
    if resource.edit_fields:
        attrs["partial_update"] = extend_schema(
            request=input_serializer(resource, resource.edit_fields, "EditInput"),
            responses={200: output}, tags=tags,
        )(_named(_partial_update, "partial_update"))
    else:
        attrs["partial_update"] = extend_schema(exclude=True)(
            _named(_partial_update, "partial_update"))
    if resource.actions:
        names = "|".join(a.name for a in resource.actions)
        attrs["run_action"] = extend_schema(
            request=None, responses={200: output}, tags=tags,
            description="Fire a workflow action: " + ", ".join(
                f"{a.name} (role {a.role}+)" for a in resource.actions),
            parameters=[OpenApiParameter("action_name", str, OpenApiParameter.PATH,
                                         enum=[a.name for a in resource.actions])],
        )(action(detail=True, methods=["post"],
                 url_path=rf"actions/(?P<action_name>{names})")(_named(_run_action, "run_action")))
    if resource.files:
        names = "|".join(resource.files)
        attrs["download"] = extend_schema(
            responses={(200, "application/octet-stream"): bytes}, tags=tags,
            parameters=[OpenApiParameter("field_name", str, OpenApiParameter.PATH,
                                         enum=list(resource.files))],
        )(action(detail=True, methods=["get"], url_path=rf"files/(?P<field_name>{names})")(
            _named(_download, "download")))
    cls = type(f"{resource.__name__}ViewSet", (ResourceViewSet,), attrs)
    return extend_schema_view(**views)(cls)


def build_router():
    from rest_framework.routers import DefaultRouter

    router = DefaultRouter()
    for resource in registry:
        if resource.api:
            router.register(resource.slug, viewset_for(resource), basename=resource.slug)
    return router

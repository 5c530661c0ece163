"""System checks of the resource declarations, run by ``manage.py check`` and at start-up.

Each mistake in a declaration stops start-up with a message that names the
resource, the attribute and the value, the way ``django/contrib/admin/checks.py``
reports a ModelAdmin's. Ids are ``client_portal.E0xx``:

E001 slug registered twice           E010 action method not on the model
E002 unknown list column             E011 action method refuses by=/access=
E003 unknown detail or API field     E012 file entry is not a file
E004 unknown filter                  E013 model without a tenancy rule
E005 unknown search field            E014 model overrides the predicate
E006 unknown ordering field          E015 unknown role
E007 create/edit field not editable  E016 value unique across organizations
E008 link field without a resource   E017 names declared twice
E009 unknown quick view (preset)     E018 computed value needs unknown fields
E020 unknown organization kind       E019 slug or action name not a URL slug
E021 bad column priority             E022 bad detail layout
"""

from __future__ import annotations

import inspect
import re

from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .registry import PRIMARY, PRIORITIES, Column, Layout, Resource, registry
from .tenancy import ROLES, ScopedQuerySet, Tenancy

ID = "client_portal"
# What the portal's <slug:...> converter and the API router's patterns match.
URL_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")


def _error(resource, message, number, hint=None):
    return checks.Error(f"{resource.__name__} ({resource.__module__}): {message}",
                        hint=hint, obj=resource, id=f"{ID}.E{number:03d}")


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _path_ok(model, path: str) -> bool:
    """Whether ``path`` ("user__email") names a field along relations of ``model``."""
    opts = model._meta
    parts = path.split("__")
    for index, part in enumerate(parts):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return False
        if index < len(parts) - 1:
            if not field.is_relation or field.related_model is None:
                return False
            opts = field.related_model._meta
    return True


def _value_known(resource, name) -> bool:
    """A name a page can show: a computed value, a model field, or a model attribute."""
    return (name in resource.computed_fields or _field(resource.model, name) is not None
            or hasattr(resource.model, name))


def _names(items):
    return [item.name if hasattr(item, "name") and not isinstance(item, str) else item
            for item in items]


@checks.register(checks.Tags.models)
def check_resources(app_configs=None, **kwargs):
    errors = []
    for slug, first, second in registry.duplicates:
        errors.append(_error(second, f"the slug {slug!r} is registered twice "
                                     f"(also by {first.__module__}.{first.__name__}).", 1))
    for resource in registry:
        errors.extend(check_resource(resource))
    return errors


def check_resource(resource: type[Resource]) -> list[checks.CheckMessage]:
    model = getattr(resource, "model", None)
    if model is None or not isinstance(getattr(resource, "slug", None), str):
        return [_error(resource, "a resource needs a model and a slug.", 13)]
    errors = []
    if not URL_SLUG.match(resource.slug):
        errors.append(_error(resource, f"slug {resource.slug!r} is not a URL slug (ASCII "
                                       "letters, digits, - and _).", 19))
    errors += _check_tenancy(resource)
    errors += _check_roles(resource)
    errors += _check_names(resource)
    errors += _check_forms(resource)
    errors += _check_actions(resource)
    errors += _check_files(resource)
    errors += _check_kinds(resource)
    errors += _check_priorities(resource)
    errors += _check_layout(resource)
    return errors


def _check_kinds(resource):
    from .models import Organization

    kinds = resource.for_kinds
    if kinds is None:
        return []
    if isinstance(kinds, str) or not kinds:
        return [_error(resource, f"for_kinds = {kinds!r} is not a non-empty tuple of "
                                 "organization kinds.", 20)]
    known = set(Organization.Kind.values)
    return [_error(resource, f"for_kinds names {kind!r}, which is not an organization kind "
                             f"({', '.join(sorted(known))}).", 20)
            for kind in kinds if kind not in known]


def _check_priorities(resource):
    errors = []
    columns = [c for c in resource.list_columns if isinstance(c, Column)]
    for column in columns:
        if column.priority not in PRIORITIES:
            errors.append(_error(resource, f"column {column.name!r} has the priority "
                                           f"{column.priority!r}; use 1 (primary), 2 "
                                           "(secondary) or 3 (folded).", 21))
    first = resource.list_columns[0] if resource.list_columns else None
    if isinstance(first, Column) and first.priority != PRIMARY:
        errors.append(_error(resource, f"the first column {first.name!r} holds the link to "
                                       "the record and the folded values: it must be primary.",
                             21))
    return errors


def _check_layout(resource):
    layout = resource.layout
    if layout is None:
        return []
    if not isinstance(layout, Layout):
        return [_error(resource, f"layout = {layout!r} is not a Layout.", 22)]
    errors = []
    model = resource.model
    for name in layout.field_names():
        if not _value_known(resource, name):
            errors.append(_error(resource, f"layout names {name!r}, which is not a field, a "
                                           "model attribute or a @computed value.", 22))
    for related in layout.related:
        if related.rows is not None:
            if not callable(related.rows):
                errors.append(_error(resource, f"layout's related list {related.name!r}: rows "
                                               "is not callable.", 22))
            continue
        field = _field(model, related.name)
        target = field.related_model if field is not None and field.is_relation else None
        if target is None and not callable(getattr(model, related.name, None)):
            errors.append(_error(resource, f"layout's related list {related.name!r} is not a "
                                           f"relation or a method of {model._meta.label}.",
                                 22))
            continue
        for column in related.columns:
            if target is not None and column not in related.format and _field(
                    target, column) is None and not hasattr(target, column):
                errors.append(_error(resource, f"layout's related list {related.name!r} "
                                               f"names {column!r}, which is not a field of "
                                               f"{target._meta.label}.", 22))
    for link in layout.links:
        if link.role not in ROLES:
            errors.append(_error(resource, f"layout link {link.name!r} has the unknown role "
                                           f"{link.role!r}.", 22))
        if not callable(link.url):
            errors.append(_error(resource, f"layout link {link.name!r}: url is not callable.",
                                 22))
    return errors


def _check_tenancy(resource):
    model = resource.model
    errors = []
    tenancy = getattr(model, "tenancy", None)
    manager = model._default_manager
    if not isinstance(tenancy, Tenancy) or not isinstance(manager.all(), ScopedQuerySet):
        return [_error(
            resource, f"{model._meta.label} has no tenancy rule.", 13,
            hint="Inherit core.models.TenantModel, or give the model "
                 "`objects = ScopedQuerySet.as_manager()` and `tenancy = Tenancy(...)`.")]
    qs_class = type(manager.all())
    if qs_class.for_access is not ScopedQuerySet.for_access:
        errors.append(_error(
            resource, f"{qs_class.__name__} overrides for_access, the one predicate.", 14,
            hint="Say the wider rule in the model's Tenancy (everyone=, clients_see=, user=)."))
    if tenancy.organization not in ("", "self") and not _path_ok(model, tenancy.organization):
        errors.append(_error(resource, f"tenancy path {tenancy.organization!r} is not a "
                                       f"relation of {model._meta.label}.", 13))
    if tenancy.user and not _path_ok(model, tenancy.user):
        errors.append(_error(resource, f"tenancy user path {tenancy.user!r} is not a field.", 13))
    if _field(model, resource.lookup_field) is None:
        errors.append(_error(resource, f"lookup field {resource.lookup_field!r} missing.", 3))
    return errors


def _check_roles(resource):
    errors = []
    for attr in ("read_role", "create_role", "edit_role"):
        if getattr(resource, attr) not in ROLES:
            errors.append(_error(resource, f"{attr} = {getattr(resource, attr)!r} is not a "
                                           f"role ({', '.join(sorted(ROLES))}).", 15))
    for action in resource.actions:
        if action.role not in ROLES:
            errors.append(_error(resource, f"action {action.name!r} has the unknown role "
                                           f"{action.role!r}.", 15))
    return errors


def _check_names(resource):
    model = resource.model
    errors = []
    columns = _names(resource.list_columns)
    for name in columns:
        if not _value_known(resource, name):
            errors.append(_error(
                resource, f"list_columns names {name!r}, which is not a field of "
                          f"{model._meta.label}, a model attribute or a @computed value.", 2))
    for attr in ("detail_fields", "api_fields"):
        for name in getattr(resource, attr) or []:
            if not _value_known(resource, name):
                errors.append(_error(resource, f"{attr} names {name!r}, which is not a field, "
                                               "a model attribute or a @computed value.", 3))
    for name in resource.filters:
        if name in resource.extra_filters:
            continue
        if _field(model, name) is None:
            errors.append(_error(resource, f"filters names {name!r}, which is not a field of "
                                           f"{model._meta.label}.", 4,
                                 hint="Declare a custom filter in extra_filters."))
    for name in resource.extra_filters:
        if name not in resource.filters:
            errors.append(_error(resource, f"extra_filters declares {name!r}, which is not in "
                                           "filters.", 4))
    for path in resource.search_fields:
        if not _path_ok(model, path):
            errors.append(_error(resource, f"search_fields names {path!r}, which is not a "
                                           f"field path of {model._meta.label}.", 5))
    for name in list(resource.ordering) + list(resource.ordering_fields or []):
        bare = name.lstrip("-")
        if bare != "pk" and not _path_ok(model, bare):
            errors.append(_error(resource, f"ordering names {name!r}, which is not a field of "
                                           f"{model._meta.label}.", 6))
    for preset in resource.presets:
        if not preset.name:
            errors.append(_error(resource, "a preset needs a name.", 9))
    for attr, names in (("list_columns", columns), ("actions", _names(resource.actions)),
                        ("presets", _names(resource.presets)), ("filters", resource.filters)):
        doubles = sorted({n for n in names if names.count(n) > 1})
        if doubles:
            errors.append(_error(resource, f"{attr} names {', '.join(doubles)} twice.", 17))
    for computed in resource.computed_fields.values():
        for name in computed.needs or ():
            if _field(model, name) is None:
                errors.append(_error(resource, f"@computed {computed.name!r} needs {name!r}, "
                                               "which is not a model field.", 18))
    return errors


def _check_forms(resource):
    model = resource.model
    errors = []
    for attr in ("create_fields", "edit_fields"):
        for name in getattr(resource, attr):
            field = _field(model, name)
            if field is None or not getattr(field, "editable", False) or field.auto_created:
                errors.append(_error(resource, f"{attr} names {name!r}, which is not an "
                                               f"editable field of {model._meta.label}.", 7))
                continue
            if field.is_relation and registry.for_model(field.related_model) is None:
                errors.append(_error(
                    resource, f"{attr} names the link {name!r} to "
                              f"{field.related_model._meta.label}, which has no resource: "
                              "its choices could not be limited to what the person may see.",
                    8))
        errors += _check_unique(resource, attr)
    return errors


def _check_unique(resource, attr):
    """A value a client types must be unique per organization, never across them.

    Otherwise a refusal ("... already exists") tells one organization that another
    organization's record exists.
    """
    model = resource.model
    tenancy = getattr(model, "tenancy", None)
    if not isinstance(tenancy, Tenancy):
        return []  # E013 reports the missing rule
    scope = tenancy.organization.split("__")[0] if tenancy.organization not in (
        "", "self") else None
    errors = []
    typed = set(getattr(resource, attr))
    sets = []
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            sets.append((field.name,))
    sets += [tuple(u) for u in model._meta.unique_together]
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            sets.append(tuple(constraint.fields))
    for fields in sets:
        if not typed & set(fields):
            continue
        if scope is None or scope not in fields:
            names = ", ".join(fields)
            errors.append(_error(
                resource, f"{attr} lets a client type {names!r}, which is unique across "
                          "organizations: a refusal would tell one organization that "
                          "another's record exists.", 16,
                hint="Make it unique per organization: UniqueConstraint(fields=["
                     f"{scope or 'organization'!r}, ...])."))
    return errors


def _check_actions(resource):
    model = resource.model
    errors = []
    for action in resource.actions:
        if not URL_SLUG.match(action.name):
            errors.append(_error(resource, f"action {action.name!r}: the name is not a URL "
                                           "slug (ASCII letters, digits, - and _).", 19))
        method = getattr(model, action.method_name, None)
        if method is None or not callable(method):
            errors.append(_error(
                resource, f"action {action.name!r} calls {model._meta.label}."
                          f"{action.method_name}(), which does not exist.", 10,
                hint="Name a model method or django-fsm transition (Action(method=...))."))
            continue
        try:
            signature = inspect.signature(method)
        except (TypeError, ValueError):
            continue
        params = signature.parameters.values()
        takes_all = any(p.kind is p.VAR_KEYWORD for p in params)
        names = {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
        missing = [n for n in ("by", "access") if n not in names]
        if missing and not takes_all:
            errors.append(_error(
                resource, f"action {action.name!r}: {model._meta.label}.{action.method_name}() "
                          f"does not accept {', '.join(m + '=' for m in missing)}; the operation "
                          "calls it with by=<user> and access=<Access>.", 11,
                hint="Add **kwargs to its signature."))
        if action.condition is not None and not callable(action.condition):
            errors.append(_error(resource, f"action {action.name!r}: condition is not "
                                           "callable.", 10))
    return errors


def _check_files(resource):
    errors = []
    for name in resource.files:
        field = _field(resource.model, name)
        ok = isinstance(field, models.FileField) or (
            field is not None and field.many_to_one
            and isinstance(_field(field.related_model, "file"), models.FileField)
        )
        if not ok:
            errors.append(_error(
                resource, f"files names {name!r}, which is neither a FileField nor a link to "
                          "a stored file.", 12))
    return errors

"""The operations on records: one function each, called by every door.

Portal views, API views and the back office are thin callers of these
functions, so they give the same answers: a record the person may not see is
``Refused("not_found")`` (404), one they see but may not change is
``Refused("forbidden")`` (403), a step the record's state rules out is
``Refused("not_allowed")`` (409), input that fails validation is
``Refused("invalid")`` with the fields (400). Each change runs in one
transaction, on a locked row where a row changes, and writes an audit event;
it may notify, and it emits an event for webhooks once it commits.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit, events
from .errors import Refused
from .files import safe_filename
from .forms import check_shapes, form_errors, resource_form
from .tenancy import Access

CONFLICT = _("This could not be saved: it conflicts with a record saved a moment ago. "
             "Reload the page and try again.")


def _organization_for(obj, access: Access):
    if access.organization is not None:
        return access.organization
    return audit.organization_of(obj)


def _refused_from(exc: ValidationError) -> Refused:
    return Refused.from_validation_error(exc)


def _event_data(resource, obj, **extra) -> dict:
    return {"resource": resource.slug, "id": str(getattr(obj, resource.lookup_field)), **extra}


def _save(obj):
    """Validate and save ``obj``; a unique value taken meanwhile is a conflict, not a 500."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise _refused_from(exc) from None
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Refused(CONFLICT, code="conflict") from None


# --- reading --------------------------------------------------------------------------
def list_records(resource, *, access: Access, params, columns_only: bool = True):
    """The rows of ``resource`` that ``access`` may read, filtered by ``params``.

    With ``columns_only`` (a list page, an export) only what the list columns need
    is loaded; otherwise whole records with what the API shows of them.
    """
    if not resource.may_read(access):
        raise Refused(code="not_found")
    qs = resource.get_list_queryset(access) if columns_only else resource.get_queryset(access)
    return resource.filter_queryset(qs, params)


def get_record(resource, *, access: Access, lookup):
    if not resource.may_read(access):
        raise Refused(code="not_found")
    return resource.get_object(access, lookup)


# --- changing -------------------------------------------------------------------------
def new_form(resource, *, access: Access, data=None, files=None, initial=None):
    """The create form of ``resource``, unbound or bound, for a new record of ``access``."""
    instance = resource.model()
    if access.organization is not None and hasattr(instance, "organization_id"):
        # Before validation: the model's clean() and unique checks need it.
        instance.organization = access.organization
    return resource_form(resource, resource.create_fields, access)(
        data, files, initial=initial, instance=instance)


def create(resource, *, access: Access, data, files=None, request=None):
    """Create a record of ``resource`` for ``access`` from ``data``; returns it."""
    if not resource.may_read(access):
        raise Refused(code="not_found")
    if not resource.can_create(access):
        raise Refused(code="forbidden")
    form = new_form(resource, access=access, data=data, files=files)
    check_shapes(form, data)
    if not form.is_valid():
        raise Refused(code="invalid", fields=form_errors(form))
    with transaction.atomic():
        obj = form.save(commit=False)
        resource.prepare_new(obj, access)
        _save(obj)
        form.save_m2m()
        audit.record(f"{resource.slug}.create", obj=obj,
                     changes=audit.snapshot(obj, resource.create_fields),
                     organization=_organization_for(obj, access), request=request)
        resource.after_create(obj, access)
        events.emit(f"{resource.slug}.created", organization=_organization_for(obj, access),
                     data=_event_data(resource, obj))
    return obj


def edit_form(resource, obj, *, access: Access, data=None, files=None, fields=None):
    return resource_form(resource, fields or resource.edit_fields, access)(
        data, files, instance=obj)


def update(resource, *, access: Access, lookup, data, files=None, partial=False,
           request=None):
    """Change the editable fields of one record; with ``partial`` only those in ``data``."""
    if not resource.may_read(access):
        raise Refused(code="not_found")
    with transaction.atomic():
        obj = resource.get_object(access, lookup, for_update=True)
        if not resource.can_edit(obj, access):
            raise Refused(code="forbidden")
        fields = list(resource.edit_fields)
        if partial:
            fields = [name for name in fields if name in data]
            if not fields:
                return obj
        before = audit.snapshot(obj, fields)
        form = edit_form(resource, obj, access=access, data=data, files=files, fields=fields)
        check_shapes(form, data)
        if not form.is_valid():
            raise Refused(code="invalid", fields=form_errors(form))
        obj = form.save(commit=False)
        locked = {name for name in resource.locked_fields(obj) & set(fields)
                  if name in form.changed_data}
        if locked:
            raise Refused(code="invalid", fields={
                name: [str(_("This can no longer be changed."))] for name in sorted(locked)})
        _save(obj)
        form.save_m2m()
        changes = audit.diff(before, audit.snapshot(obj, fields))
        audit.record(f"{resource.slug}.update", obj=obj, changes=changes,
                     organization=_organization_for(obj, access), request=request)
        resource.after_update(obj, access)
        if changes:
            events.emit(f"{resource.slug}.updated",
                        organization=_organization_for(obj, access),
                        data=_event_data(resource, obj, changed=sorted(changes)))
    return obj


def run_action(resource, *, access: Access, lookup, name, request=None):
    """Fire action ``name`` on one record as ``access``: locked, checked, audited."""
    if not resource.may_read(access):
        raise Refused(code="not_found")
    action = resource.action(name)
    if action is None:
        raise Refused(code="not_found")
    with transaction.atomic():
        obj = resource.get_object(access, lookup, for_update=True)
        refusal = resource.refusal(obj, action, access)
        if refusal is not None:
            raise refusal
        before = audit.snapshot(obj)
        try:
            getattr(obj, action.method_name)(by=access.user, access=access)
        except ValidationError as exc:
            raise _refused_from(exc) from None
        _save(obj)
        audit.record(f"{resource.slug}.{action.name}", obj=obj,
                     changes=audit.diff(before, audit.snapshot(obj)),
                     organization=_organization_for(obj, access), request=request)
        resource.after_action(obj, action, access)
        events.emit(f"{resource.slug}.{action.name}",
                    organization=_organization_for(obj, access),
                    data=_event_data(resource, obj))
    return obj


# --- files ----------------------------------------------------------------------------
def stored_file(obj, field_name):
    """The file behind ``obj.<field_name>``: a FileField's file, or a linked stored file's."""
    value = getattr(obj, field_name, None)
    if value is None:
        return None
    inner = getattr(value, "file", None)  # a link to a stored file (documents.StoredFile)
    if inner is not None and hasattr(value, "_meta"):
        return inner
    return value


def download(resource, *, access: Access, lookup, field_name, request=None, inline=False):
    """Stream one file of one record to ``access``, recording who took it and when."""
    if not resource.may_read(access) or field_name not in resource.files:
        raise Refused(code="not_found")
    obj = resource.get_object(access, lookup)
    fieldfile = stored_file(obj, field_name)
    if not fieldfile:
        raise Refused(code="not_found")
    try:
        handle = fieldfile.open("rb")
    except OSError:
        raise Refused(code="not_found") from None
    audit.record("download", obj=obj, changes={"field": field_name, "file": fieldfile.name},
                 organization=_organization_for(obj, access), request=request)
    resource.on_download(obj, field_name, access)
    response = FileResponse(handle, as_attachment=not inline,
                            filename=safe_filename(fieldfile.name))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def export(resource, *, access: Access, params, fmt: str, request=None):
    """The filtered list of ``resource`` as a CSV or XLSX file."""
    from .export import write_csv, write_xlsx

    if not resource.export or fmt not in {"csv", "xlsx"}:
        raise Refused(code="not_found")
    qs, _filterset = list_records(resource, access=access, params=params)
    audit.record(f"{resource.slug}.export", changes={"format": fmt, "query": params.urlencode()},
                 organization=access.organization, request=request)
    filename = f"{resource.slug}-{timezone.localdate():%Y-%m-%d}"
    response = (write_csv if fmt == "csv" else write_xlsx)(resource, qs, filename)
    response["Cache-Control"] = "private, no-store"
    return response

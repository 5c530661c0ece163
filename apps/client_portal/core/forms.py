"""The forms that create and edit records, shared by every door.

A resource's create and edit forms are ModelForms of its declared fields. A
link to another record is chosen by its UUID among the records the person may
read (the related resource's predicate), so that no form offers, accepts or
names another organization's row.
"""

from __future__ import annotations

from django import forms
from django.db import models
from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        # The browser's date field takes ISO dates, whatever the language.
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%d")
        return value


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


def resource_form(resource, fields, access) -> type[forms.ModelForm]:
    """A ModelForm of ``resource`` with ``fields``, its links scoped to ``access``."""
    from .registry import registry

    def formfield(db_field, **kwargs):
        if isinstance(db_field, models.DateTimeField):
            kwargs["widget"] = DateTimeInput
        elif isinstance(db_field, models.DateField):
            kwargs["widget"] = DateInput
        elif db_field.is_relation:
            related = registry.for_model(db_field.related_model)
            kwargs["queryset"] = related.get_queryset(access)
            kwargs["to_field_name"] = related.lookup_field
        return db_field.formfield(**kwargs)

    return modelform_factory(resource.model, fields=list(fields), formfield_callback=formfield)


def form_errors(form) -> dict[str, list[str]]:
    """A bound form's errors as ``{field: [message, ...]}`` ("non_field_errors" for the rest)."""
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


def check_shapes(form, data) -> None:
    """Add an error for each value of ``data`` that is a list or an object where the
    field takes one value (a JSON body can send any shape; a form post cannot)."""
    if not hasattr(data, "items") or hasattr(data, "getlist"):
        return
    for name, value in data.items():
        field = form.fields.get(name)
        if field is None or not isinstance(value, (list, dict)):
            continue
        if isinstance(value, list) and getattr(field.widget, "allow_multiple_selected", False):
            continue
        form.add_error(name, forms.ValidationError(_("Send one value, not a list or an "
                                                     "object."), code="shape"))

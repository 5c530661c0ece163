from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


def _widget_for(db_field, **kwargs):
    from django.db import models

    if isinstance(db_field, models.DateTimeField):
        kwargs["widget"] = DateTimeInput
    elif isinstance(db_field, models.DateField):
        kwargs["widget"] = DateInput
    return db_field.formfield(**kwargs)


def resource_form(resource, fields):
    return modelform_factory(resource.model, fields=fields, formfield_callback=_widget_for)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "language"]
        widgets = {"language": forms.Select(choices=[("", _("As the browser says"))]
                                            + list(settings.LANGUAGES))}


class SwitchOrganizationForm(forms.Form):
    organization = forms.UUIDField()

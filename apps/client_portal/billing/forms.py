import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StatementForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    error_messages = {
        "order": _("The end of the period cannot be before its start."),
        "long": _("A statement covers at most ten years."),
    }

    @classmethod
    def default_period(cls):
        today = timezone.localdate()
        return {"start": today.replace(month=1, day=1), "end": today}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(self.error_messages["order"], code="order")
            if end - start > dt.timedelta(days=3660):
                raise forms.ValidationError(self.error_messages["long"], code="long")
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    publish = forms.BooleanField(label=_("Publish the documents (render PDFs, notify clients)"),
                                 required=False)

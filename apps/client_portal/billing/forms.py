import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.forms import DateInput

from .importer import max_bytes, too_large_message


class StatementForm(forms.Form):
    # Balances are computed from the day before the start: the years stay far from
    # the calendar's ends, where date arithmetic overflows.
    FIRST_YEAR, LAST_YEAR = 1900, 2999

    # The browser's date field takes and sends ISO dates in every language (a value
    # written as 01.01.2026 would be dropped by the browser, leaving the field empty).
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)

    error_messages = {
        "order": _("The end of the period cannot be before its start."),
        "long": _("A statement covers at most ten years."),
        "range": _("Choose a date between the years %(first)d and %(last)d."),
    }

    @classmethod
    def default_period(cls):
        today = timezone.localdate()
        return {"start": today.replace(month=1, day=1), "end": today}

    def _in_range(self, value):
        if value is not None and not self.FIRST_YEAR <= value.year <= self.LAST_YEAR:
            raise forms.ValidationError(self.error_messages["range"], code="range",
                                        params={"first": self.FIRST_YEAR,
                                                "last": self.LAST_YEAR})
        return value

    def clean_start(self):
        return self._in_range(self.cleaned_data.get("start"))

    def clean_end(self):
        return self._in_range(self.cleaned_data.get("end"))

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

    error_messages = {
        "kind": _("Choose a .csv or .xlsx file."),
    }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(self.error_messages["kind"], code="kind")
        # Refused before the file is read: the import reads it row by row.
        if upload.size > max_bytes():
            raise forms.ValidationError(too_large_message(), code="too_large")
        return upload

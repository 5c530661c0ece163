"""Portal forms: a file to import (CSV or Metro 2), and one debt.

The forms only gather input; every check that decides what is stored is the
import pipeline's (importer.normalize_*), the same for the API and the command.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import importer
from .models import DebtStatus, SubjectKind

CURRENCY_CHOICES = [(c, c) for c in sorted(importer.CURRENCIES)]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    currency = forms.ChoiceField(
        label=_("Currency of the amounts"), choices=CURRENCY_CHOICES, initial="MDL",
        help_text=_("Metro 2 files carry whole amounts without a currency."))


class DebtForm(forms.Form):
    subject_kind = forms.ChoiceField(label=_("Debtor kind"), choices=SubjectKind.choices)
    subject_id = forms.CharField(label=_("IDNP or IDNO"), max_length=20,
                                 help_text=_("13 digits: IDNP for a person, IDNO for a company."))
    subject_name = forms.CharField(label=_("Debtor's name"), max_length=200)
    account_number = forms.CharField(label=_("Account number"), max_length=30)
    debt_type = forms.CharField(label=_("Type"), max_length=40, required=False)
    opened_on = forms.DateField(label=_("Opened"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    due_on = forms.DateField(label=_("Due"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))
    first_delinquency_on = forms.DateField(label=_("First delinquency"), required=False,
                                           widget=forms.DateInput(attrs={"type": "date"}))
    closed_on = forms.DateField(label=_("Closed"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    last_payment_on = forms.DateField(label=_("Last payment"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    original_amount = forms.DecimalField(label=_("Original amount"), required=False,
                                         max_digits=14, decimal_places=2, min_value=0)
    balance = forms.DecimalField(label=_("Balance"), max_digits=14, decimal_places=2,
                                 min_value=0)
    past_due = forms.DecimalField(label=_("Past due"), required=False, max_digits=14,
                                  decimal_places=2, min_value=0)
    charged_off = forms.DecimalField(label=_("Charged off"), required=False, max_digits=14,
                                     decimal_places=2, min_value=0)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="MDL")
    status = forms.ChoiceField(label=_("Status"), choices=[
        (value, label) for value, label in DebtStatus.choices if value != DebtStatus.DELETED])
    payment_history = forms.CharField(
        label=_("Payment history"), max_length=24, required=False,
        help_text=_("Up to 24 Metro 2 characters, the latest month first (0 = on time)."))
    consent_reference = forms.CharField(label=_("Consent reference"), max_length=100,
                                        required=False)

    def as_record(self) -> dict:
        """The cleaned values as the text record the pipeline reads."""
        out = {}
        for name, value in self.cleaned_data.items():
            if value is None:
                out[name] = ""
            elif hasattr(value, "isoformat"):
                out[name] = value.isoformat()
            else:
                out[name] = str(value)
        return out

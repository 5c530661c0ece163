from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class PayForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), max_digits=12,
                                decimal_places=2)
    description = forms.CharField(label=_("Description"), max_length=120, required=False)
    gateway = forms.CharField(widget=forms.HiddenInput, required=False)


class StatementImportForm(forms.Form):
    file = forms.FileField(label=_("Bank statement (CSV or MT940)"))


class DepositRefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), max_digits=12,
                                decimal_places=2)
    date = forms.DateField(label=_("Date"))
    reference = forms.CharField(label=_("Reference"), max_length=100)

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.tenancy import Role

from . import identifiers


class LoginForm(AllauthLoginForm):
    """allauth's login form, taking any identifier the site allows.

    What was typed goes to ``authenticate(login=...)``; ``IdentifierBackend``
    finds the account by email, phone number or national ID.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = identifiers.enabled()
        if names != [identifiers.EMAIL]:
            self.fields["login"] = forms.CharField(
                label=identifiers.field_label(), max_length=254,
                widget=forms.TextInput(attrs={"autocomplete": "username"}),
            )
            self.order_fields(["login", "password", "remember"])

    def user_credentials(self) -> dict:
        credentials = super().user_credentials()
        if identifiers.enabled() == [identifiers.EMAIL] or "password" not in credentials:
            return credentials
        return {"login": self.cleaned_data["login"], "password": credentials["password"]}


class ActivationCodeForm(forms.Form):
    code = forms.CharField(label=_("Activation code"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                         "autocapitalize": "characters"}))
    email = forms.EmailField(label=_("Email"), max_length=254)


class ChooseLoginForm(forms.Form):
    """Login and password, the password typed twice."""

    error_messages = {
        "taken": _("This login is taken; choose another."),
        "mismatch": _("The two passwords differ."),
    }
    username = forms.CharField(
        label=_("Login"), max_length=150, validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email="", **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model()._default_manager.filter(username__iexact=username).exists():
            raise forms.ValidationError(self.error_messages["taken"], code="taken")
        return username

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", forms.ValidationError(self.error_messages["mismatch"],
                                                              code="mismatch"))
        elif one:
            probe = get_user_model()(username=cleaned.get("username", ""), email=self.email)
            try:
                password_validation.validate_password(one, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in roles]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    person_name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in roles]


class GrantAccessForm(forms.Form):
    """Admin action confirmation: nothing to fill, the phone on file is used."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _


class ProfileForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "language"]
        widgets = {"language": forms.Select(choices=[("", _("As the browser says"))]
                                            + list(settings.LANGUAGES))}

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def user_display(user) -> str:
    """How allauth names a person ("Successfully signed in as ..."): their name, or their
    email where no name is known; never the internal login (ACCOUNT_USER_DISPLAY)."""
    return user.display_name or user.get_username()


class AccountAdapter(DefaultAccountAdapter):
    """Clients do not sign themselves up: the provider issues access."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # One message whatever identifier was typed: it does not tell which exist.
        "email_password_mismatch": _("The login or the password is not right."),
        "username_password_mismatch": _("The login or the password is not right."),
        "phone_password_mismatch": _("The login or the password is not right."),
    }

    def is_open_for_signup(self, request):
        return False

    def get_login_stages(self):
        # Two-factor: the emailed-code stage (accounts/mfa.py) after allauth's TOTP stage.
        from .mfa import login_stages

        return login_stages(super().get_login_stages())

    def _get_login_attempts_cache_key(self, request, **credentials):
        login = credentials.get("login")
        if login:
            from .identifiers import counter_key

            return f"{get_current_site(request).domain}:{counter_key(str(login))}"
        return super()._get_login_attempts_cache_key(request, **credentials)

    def send_mail(self, template_prefix, email, context):
        # allauth's emails (password reset, the emailed sign-in code, security notices)
        # go out in the recipient's language, like every email of the portal; to an
        # address with no account, in the language of the page that asked for it.
        from .services import recipient_language

        language = recipient_language(email, context.get("user"),
                                      fallback=translation.get_language())
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def get_password_change_redirect_url(self, request):
        return reverse("portal:dashboard")

    # Phone numbers live on the user; allauth's phone features use these.
    def get_phone(self, user):
        return (user.phone, True) if user.phone else None

    def set_phone(self, user, phone, verified):
        user.phone = phone
        user.save(update_fields=["phone"])

    def set_phone_verified(self, user, phone):
        pass

    def get_user_by_phone(self, phone):
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager.filter(phone=phone, is_active=True).first()

    def send_verification_code_sms(self, user, phone, code, **kwargs):
        from .sms import send_sms

        send_sms(phone, str(_("%(site)s code: %(code)s") % {"site": settings.SITE_TITLE,
                                                           "code": code}))

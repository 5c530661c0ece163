from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: a client's employee, a private client or staff."""

    email = models.EmailField(_("email address"), unique=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("In international form, +40...")
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email or self.username

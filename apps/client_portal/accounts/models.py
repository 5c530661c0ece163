import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core import validators
from apps.client_portal.core.tenancy import Role, ScopedQuerySet, Tenancy


class User(AbstractUser):
    """A person who signs in: a client's employee, a private client or staff."""

    email = models.EmailField(_("email address"), unique=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("In international form, +40...")
    )
    national_id = models.CharField(
        _("national ID"), max_length=20, blank=True,
        help_text=_("CNP, PESEL, EGN, IDNP or RNOKPP; used to sign in where the site allows."),
    )
    national_id_country = models.CharField(
        _("national ID country"), max_length=2, blank=True, choices=validators.COUNTRIES,
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            # A phone or a national ID signs in to one account only.
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="user_phone_unique"
            ),
            models.UniqueConstraint(
                fields=["national_id_country", "national_id"],
                condition=~models.Q(national_id=""), name="user_national_id_unique",
            ),
        ]

    def __str__(self):
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email or self.username

    @property
    def display_name(self) -> str:
        """How pages name the person: their name, or their email where no name is
        known; never the internal login."""
        return self.get_full_name() or self.email

    def clean(self):
        super().clean()
        errors = {}
        if self.phone:
            try:
                self.phone = validators.normalize_phone(
                    self.phone, self.national_id_country or None
                )
            except ValidationError as exc:
                errors["phone"] = exc
        if self.national_id:
            if not self.national_id_country:
                errors["national_id_country"] = ValidationError(
                    _("Choose the country that issued the national ID."), code="required"
                )
            elif self.national_id_country not in validators.PERSON_IDS:
                errors["national_id_country"] = ValidationError(
                    _("National IDs of this country are not supported."), code="unsupported"
                )
            else:
                try:
                    self.national_id = validators.validate_national_id(
                        self.national_id_country, self.national_id
                    )
                except ValidationError as exc:
                    errors["national_id"] = exc
        if errors:
            raise ValidationError(errors)


def hash_code(code: str) -> str:
    """The stored form of a one-time code: keyed with the site's secret (a pepper)."""
    normalized = "".join(code.split()).replace("-", "").upper()
    return hmac.new(
        settings.SECRET_KEY.encode(), normalized.encode(), hashlib.sha256
    ).hexdigest()


# No 0/O or 1/I/L: the code is read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(length: int = 12) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return "-".join(raw[i:i + 4] for i in range(0, length, 4))


class ActivationCodeQuerySet(ScopedQuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, revoked_at__isnull=True,
                           expires_at__gt=timezone.now())


class ActivationCode(models.Model):
    """A one-time code the back office gives a client to open a portal account.

    Only a keyed hash of the code is stored; the code itself is shown once to
    the staff member who issued it (and optionally emailed to the person).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "core.Organization", on_delete=models.CASCADE, related_name="activation_codes",
        verbose_name=_("organization"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", verbose_name=_("for account"),
        help_text=_("Leave empty to let the person open a new account."),
    )
    person_name = models.CharField(_("person's name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), help_text=_("The code works only with this address."))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("used by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)

    objects = ActivationCodeQuerySet.as_manager()
    tenancy = Tenancy()

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.email} → {self.organization} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        if self.used_at:
            return str(_("used"))
        if self.revoked_at:
            return str(_("revoked"))
        if self.expires_at <= timezone.now():
            return str(_("expired"))
        return str(_("open"))


class AccessGrant(models.Model):
    """Staff gave a person portal access with a one-time password sent by SMS."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Password sent")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "core.Organization", on_delete=models.CASCADE, related_name="access_grants",
        verbose_name=_("organization"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="access_grants", verbose_name=_("account"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_account = models.BooleanField(_("new account"), default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("granted by"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy()

    class Meta:
        verbose_name = _("portal access grant")
        verbose_name_plural = _("portal access grants")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.user or self.phone}"

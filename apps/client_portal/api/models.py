import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.models import Organization, TenantModel
from apps.client_portal.core.tenancy import Role

KEY_PREFIX = "cp"


def hash_secret(raw: str) -> str:
    # Keys are 32 random bytes: a fast digest is enough, a slow KDF buys nothing.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(TenantModel):
    """A credential for an integrator: one organization's, or provider-wide (staff)."""

    name = models.CharField(_("name"), max_length=100)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys",
        verbose_name=_("organization"),
        help_text=_("Leave empty for a provider-wide key (staff integrations)."),
    )
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.VIEWER,
        help_text=_("What the key may do within its organization."),
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({KEY_PREFIX}_{self.prefix}_…)"

    def clean(self):
        if self.organization_id is None and not (
            self.created_by_id and self.created_by.is_staff
        ):
            raise ValidationError(
                {"organization": _("Only staff may create provider-wide keys.")},
                code="provider_key_staff_only",
            )

    def generate(self) -> str:
        """Set a fresh secret and return the full key; it is shown only once."""
        self.prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        raw = f"{KEY_PREFIX}_{self.prefix}_{secret}"
        self.secret_hash = hash_secret(raw)
        return raw

    @property
    def status(self) -> str:
        if self.revoked_at:
            return _("Revoked")
        if self.expires_at and self.expires_at <= timezone.now():
            return _("Expired")
        return _("Active")

    def is_usable(self) -> bool:
        return not self.revoked_at and not (self.expires_at and self.expires_at <= timezone.now())

    def revoke(self, **kwargs):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()

    @classmethod
    def find(cls, raw: str):
        # The secret is URL-safe base64 and may itself contain "_".
        parts = raw.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            return None
        key = cls.objects.select_related("organization", "created_by").filter(
            prefix=parts[1]
        ).first()
        if key is None or not secrets.compare_digest(key.secret_hash, hash_secret(raw)):
            return None
        return key

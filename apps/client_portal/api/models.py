import base64
import hashlib
import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core import messages
from apps.client_portal.core.models import Organization, TenantModel
from apps.client_portal.core.tenancy import Role

KEY_PREFIX = "cp"


def hash_secret(raw: str) -> str:
    # Keys are 32 random bytes: a fast digest is enough, a slow KDF buys nothing.
    return hashlib.sha256(raw.encode()).hexdigest()



# What the system says of a webhook (core/messages.py): written in the reader's language.
WEBHOOK_DISABLED_BY = messages.declare("webhooks.disabled_by", _("Disabled by %(who)s."))
WEBHOOK_DISABLED_BY_PROVIDER = messages.declare("webhooks.disabled_by_provider",
                                                _("Disabled by the provider."))
WEBHOOK_DISABLED_FAILING = messages.declare(
    "webhooks.disabled_failing",
    _("Disabled automatically: %(count)s deliveries in a row gave up after every retry."))
WEBHOOK_DISABLED_NOTICE = messages.declare(
    "webhooks.disabled_notice", _("A webhook was disabled"),
    _("Deliveries to %(url)s kept failing, so it was disabled. Fix the receiver, enable the "
      "webhook again, and redeliver what it missed from the delivery log."))
WEBHOOK_DEMO = messages.declare(
    "webhooks.demo", _("Demo webhook at a fictional address: change the URL to your own "
                       "receiver, then enable it."))

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


# --- outgoing webhooks ------------------------------------------------------------------
ALL_EVENTS = "*"


def event_type_choices():
    """Every event type a webhook may subscribe to, read from the registry when a form
    is built (the registry is filled after the models are loaded)."""
    from apps.client_portal.core.registry import registry

    return [(ALL_EVENTS, _("All events"))] + [
        (name, f"{name}: {description}") for name, description in registry.event_types()
    ]


class CheckboxList(forms.CheckboxSelectMultiple):
    """One checkbox per event type."""


class EventTypesField(models.JSONField):
    """A list of event types, stored as JSON; in a form, one checkbox per event type.

    The forms of every door are built from the model fields (``core.forms``), so the
    checkbox list lives here; a JSON body sends the list itself.
    """

    def formfield(self, **kwargs):
        # Whatever widget a door proposes for JSON (the back office's text area),
        # a choice of known names is what the field takes.
        return forms.MultipleChoiceField(
            choices=event_type_choices, widget=CheckboxList,
            required=not self.blank, label=capfirst(self.verbose_name),
            help_text=self.help_text,
            error_messages={"required": _("Choose at least one event type.")},
        )


def generate_webhook_secret() -> str:
    # Standard Webhooks secrets: "whsec_" and the base64 of 24 to 64 random bytes.
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class HttpsURLField(models.URLField):
    """A URL field whose form takes "hooks.example.com" as https://, not http://."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class WebhookEndpoint(TenantModel):
    """An address that receives signed event notifications: one organization's, or
    provider-wide (staff), which receives the events of every organization."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE,
        related_name="webhook_endpoints", verbose_name=_("organization"),
        help_text=_("Leave empty for a provider-wide endpoint: it receives the events of "
                    "every organization."),
    )
    url = HttpsURLField(
        _("URL"), max_length=500,
        help_text=_("The https:// address that receives the events."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = EventTypesField(
        _("events"), default=list,
        help_text=_("What to send; \"All events\" includes those added later."),
    )
    # Kept in clear: each delivery is signed with it (HMAC), so it cannot be a hash.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True, editable=False)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True, editable=False)
    # Why it was disabled: what the system says, as a message id and its values
    # (core/messages.py, written in the reader's language), or what a person wrote.
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True,
                                       editable=False)
    disabled_message = models.CharField(max_length=100, blank=True, editable=False)
    disabled_params = models.JSONField(default=dict, blank=True, editable=False,
                                       encoder=DjangoJSONEncoder)
    consecutive_failures = models.PositiveIntegerField(
        _("failed deliveries in a row"), default=0, editable=False,
        help_text=_("Deliveries that gave up after every retry since the last one that "
                    "arrived."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    error_messages = {
        "unknown_event_type": _("Unknown event type: %(types)s. Choose from the list of "
                                "event types."),
        "not_a_list": _("Send a list of event types, such as [\"feedback.created\"]."),
    }

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "is_active"], name="webhook_org_active")]

    def __str__(self):
        return self.url

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The address is checked again only when it changes: disabling an endpoint
        # whose host now resolves somewhere refused must still work.
        instance._checked_url = instance.__dict__.get("url")
        return instance

    def get_absolute_url(self):
        return reverse("portal:detail", args=["webhooks", self.uuid])

    def clean(self):
        from .webhooks import check_url  # webhooks.py imports these models

        errors = {}
        if self.url and self.url != getattr(self, "_checked_url", None):
            try:
                check_url(self.url)
                self._checked_url = self.url  # a form, then the save: one DNS look-up
            except ValidationError as exc:
                errors["url"] = exc
        types = self.event_types
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            errors["event_types"] = ValidationError(self.error_messages["not_a_list"],
                                                    code="not_a_list")
        else:
            known = {name for name, _label in event_type_choices()}
            unknown = [t for t in types if t not in known]
            if unknown:
                errors["event_types"] = ValidationError(
                    self.error_messages["unknown_event_type"], code="unknown_event_type",
                    params={"types": ", ".join(unknown)})
        if errors:
            raise ValidationError(errors)

    def subscribes_to(self, event_type: str) -> bool:
        return ALL_EVENTS in self.event_types or event_type in self.event_types

    @property
    def status(self):
        return _("Active") if self.is_active else _("Disabled")

    @property
    def why_disabled(self) -> str:
        """Why it is disabled, in the reader's language."""
        if self.disabled_message:
            return messages.render_title(self.disabled_message, self.disabled_params)
        return self.disabled_reason

    def disable(self, *, by=None, reason="", message="", params=None, **kwargs):
        """Disable it, saying why: ``reason`` as a person wrote it, or ``message`` and
        ``params`` for what the system says; by default who did it."""
        if self.is_active:
            self.is_active = False
            self.disabled_at = timezone.now()
            self.disabled_reason = str(reason)[:300]
            if not reason and not message:
                who = by.display_name if getattr(by, "pk", None) else ""
                message, params = ((WEBHOOK_DISABLED_BY, messages.params(who=who)) if who
                                   else (WEBHOOK_DISABLED_BY_PROVIDER, {}))
            self.disabled_message, self.disabled_params = message, params or {}

    def enable(self, **kwargs):
        self.is_active = True
        self.disabled_at = None
        self.disabled_reason = ""
        self.disabled_message, self.disabled_params = "", {}
        self.consecutive_failures = 0


class WebhookDelivery(TenantModel):
    """One event sent to one endpoint: its payload, its attempts and their outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Gave up")

    # The endpoint's organization (None for a provider-wide endpoint), not the event's:
    # an organization never reads what was sent to the provider's own endpoints.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("organization"),
    )
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries", verbose_name=_("webhook"))
    event_id = models.CharField(
        _("message ID"), max_length=64, editable=False,
        help_text=_("The webhook-id header: the same for every attempt, so that a receiver "
                    "can ignore a repeat."),
    )
    event_type = models.CharField(_("event"), max_length=100, editable=False)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PENDING, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True,
                                           editable=False)
    last_response_code = models.PositiveSmallIntegerField(_("response code"), null=True,
                                                          blank=True, editable=False)
    last_response_body = models.TextField(_("response"), blank=True, editable=False)
    last_error = models.CharField(_("error"), max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="webhook_log"),
            # What deliver_due looks for: retries that are due.
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
        ]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"],
                                               name="webhook_delivery_once")]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"

    def redeliver(self, **kwargs):
        """Start over: a fresh attempt now, then the whole retry schedule again."""
        self.status = self.Status.PENDING
        self.attempts = 0
        self.next_attempt_at = timezone.now()

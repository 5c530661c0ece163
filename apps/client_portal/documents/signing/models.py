"""Signature requests on a stored document: steps of signers, consent, evidence.

A request names a document (``documents.StoredFile``) and, optionally, the record
it belongs to (``source``: "servicedesk.contract:<uuid>"), so any module whose
record has a document asks for signatures through ``services.request_signatures``.
Its steps are signed in order; the signers of one step in any order.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from apps.client_portal.core.models import TenantModel
from apps.client_portal.core.tenancy import Role, ScopedQuerySet, Tenancy
from apps.client_portal.documents.models import StoredFile, private_storage


def working_path(instance, filename):
    return f"{instance.organization.uuid}/signing/{uuid.uuid4().hex}/{filename}"


class ConsentText(models.Model):
    """A consent statement a signer reads before signing; each version kept, with its hash.

    Written by the provider, in the language it is shown in; never changed once used:
    a new text is a new version.
    """

    key = models.SlugField(_("key"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=10, default="en")
    text = models.TextField(_("text"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="")

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version", "language"],
                                               name="consent_version")]

    def __str__(self):
        return f"{self.key} v{self.version} ({self.language})"

    def save(self, *args, **kwargs):
        self.sha256 = hashlib.sha256(self.text.encode()).hexdigest()
        super().save(*args, **kwargs)


class SignatureRequest(TenantModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting signatures")
        SEALED = "sealed", _("Signed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class Method(models.TextChoices):
        DRAWN = "drawn", _("Drawn signature")
        CERTIFICATE = "certificate", _("Certificate signature")

    title = models.CharField(_("title"), max_length=200)
    document = models.ForeignKey(StoredFile, on_delete=models.PROTECT,
                                 related_name="signing_requests",
                                 verbose_name=_("document"))
    source = models.CharField(_("source record"), max_length=120, blank=True,
                              help_text=_("The record the document belongs to."))
    method = models.CharField(_("method"), max_length=16, choices=Method.choices,
                              default=Method.DRAWN)
    status = FSMField(_("status"), choices=Status.choices, default=Status.OPEN, protected=False)
    consent = models.ForeignKey(ConsentText, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("consent text"))
    current_step = models.PositiveSmallIntegerField(_("current step"), default=1)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    remind_every_days = models.PositiveSmallIntegerField(_("remind every (days)"), default=3)
    last_reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    # The prepared PDF (evidence page, certification) and each signature added to it.
    working = models.FileField(_("working file"), storage=private_storage,
                               upload_to=working_path, max_length=300, blank=True)
    final = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="signature_requests", verbose_name=_("signed PDF"))
    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sealed_at = models.DateTimeField(_("signed"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature request")
        verbose_name_plural = _("signature requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at", "-id"],
                                name="sigrequest_org"),
                   models.Index(fields=["status", "deadline"], name="sigrequest_due")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("portal:detail", args=["signatures", self.uuid])

    @transition(field=status, source=Status.OPEN, target=Status.CANCELLED)
    def cancel(self, by=None, access=None):
        """The provider withdraws the request."""
        from . import services

        services.add_event(self, EvidenceEvent.Kind.CANCELLED, user=by)

    @transition(field=status, source=Status.OPEN, target=Status.OPEN)
    def resend(self, by=None, access=None):
        """The provider reminds the signers whose turn it is (services.remind)."""
        from . import services

        services.remind(self, by=by)

    def sign_as_provider(self, by=None, access=None):
        """The provider signs with its key now (its turn came while the timestamp server
        was down, or the request starts with it); the seal follows if it is the last."""
        from . import services

        services.sign_as_provider(self, by=by)
        self.refresh_from_db()


class Signer(models.Model):
    """One signature a request needs: a role of the client, a named person, or the provider."""

    class Kind(models.TextChoices):
        ROLE = "role", _("A client role")
        USER = "user", _("A named person")
        PROVIDER = "provider", _("The provider")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for an earlier step")
        PENDING = "pending", _("To sign")
        SIGNED = "signed", _("Signed")
        DECLINED = "declined", _("Declined")

    class Method(models.TextChoices):
        DRAWN = "drawn", _("Drawn")
        TYPED = "typed", _("Typed name")
        CERTIFICATE = "certificate", _("Own certificate")
        UPLOAD = "upload", _("Signed file uploaded")
        PROVIDER = "provider", _("Provider's key")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(SignatureRequest, on_delete=models.CASCADE,
                                related_name="signers", verbose_name=_("signature request"))
    step = models.PositiveSmallIntegerField(_("step"))
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.WAITING)
    field_name = models.CharField(_("signature field"), max_length=40)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("signed by"))
    signer_name = models.CharField(_("signer"), max_length=200, blank=True)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signer_timezone = models.CharField(_("signer's time zone"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    consent = models.ForeignKey(ConsentText, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("consent text"))
    consent_sha256 = models.CharField(_("consent SHA-256"), max_length=64, blank=True)
    image_sha256 = models.CharField(_("drawn image SHA-256"), max_length=64, blank=True)
    certificate_subject = models.CharField(_("certificate subject"), max_length=300, blank=True)
    certificate_issuer = models.CharField(_("certificate issuer"), max_length=300, blank=True)
    certificate_serial = models.CharField(_("certificate serial"), max_length=80, blank=True)
    # Between preparing a signature with the signer's own key and embedding it.
    pending_state = models.JSONField(_("signature in progress"), null=True, blank=True,
                                     editable=False)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="request__organization")

    class Meta:
        verbose_name = _("signer")
        verbose_name_plural = _("signers")
        ordering = ["step", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "field_name"],
                                               name="signer_field")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """Who is asked to sign, as a person reads it."""
        if self.signer_name:
            return self.signer_name
        if self.kind == self.Kind.USER and self.user_id:
            return self.user.display_name
        if self.kind == self.Kind.PROVIDER:
            return str(_("The provider"))
        return str(_("A person with the role %(role)s") % {"role": Role(self.role).label})


class EvidenceEvent(models.Model):
    """One event of a request's evidence trail, chained to the one before by SHA-256."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        VIEWED = "viewed", _("Viewed")
        CONSENT_SHOWN = "consent_shown", _("Consent shown")
        SIGNED = "signed", _("Signed")
        DECLINED = "declined", _("Declined")
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")
        SEALED = "sealed", _("Sealed")
        CANCELLED = "cancelled", _("Cancelled")
        REMINDED = "reminded", _("Reminder sent")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(SignatureRequest, on_delete=models.CASCADE,
                                related_name="events", verbose_name=_("signature request"))
    seq = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    signer = models.ForeignKey(Signer, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("signer"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+", verbose_name=_("person"))
    actor = models.CharField(_("who"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="request__organization")

    class Meta:
        verbose_name = _("evidence event")
        verbose_name_plural = _("evidence events")
        ordering = ["request_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["request", "seq"], name="evidence_seq")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.actor}"

    def payload(self) -> bytes:
        """What the hash covers: every fact of the event and the hash before it."""
        return json.dumps({
            "request": str(self.request.uuid), "seq": self.seq, "kind": self.kind,
            "signer": str(self.signer.uuid) if self.signer_id else None,
            "user": self.user_id, "actor": self.actor,
            "at": self.at.isoformat(timespec="microseconds"), "ip": self.ip,
            "user_agent": self.user_agent, "data": self.data, "prev": self.prev_hash,
        }, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload()).hexdigest()

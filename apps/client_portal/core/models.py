import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from . import validators
from .tenancy import Access, Role, ScopedQuerySet, Tenancy

__all__ = ["Announcement", "AuditEvent", "Feedback", "FeedbackReply", "Membership",
           "Notification", "Organization", "QueuedJob", "TenantModel", "lock"]


class Organization(models.Model):
    """A client of the provider: a company or a private person."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Private person")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(
        _("country"), max_length=2, choices=validators.COUNTRIES, default="RO"
    )
    registration_number = models.CharField(
        _("registration number"),
        max_length=32,
        blank=True,
        help_text=_("Company registration number, or national ID for a private person."),
    )
    vat_number = models.CharField(_("VAT number"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    client_code = models.CharField(
        _("client code"), max_length=40, unique=True, null=True, blank=True,
        help_text=_("The provider's own account number for this client."),
    )
    notify_by_email = models.BooleanField(_("notify by email"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy(organization="self")

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portal:detail", args=["organization", self.uuid])

    def clean(self):
        errors = {}
        for field, check in (
            ("registration_number", self._check_registration),
            ("vat_number", lambda: validators.validate_vat(self.country, self.vat_number)),
            ("phone", lambda: validators.normalize_phone(self.phone, self.country)),
        ):
            try:
                setattr(self, field, check())
            except ValidationError as exc:
                errors[field] = exc
        if errors:
            raise ValidationError(errors)

    def _check_registration(self):
        if self.kind == self.Kind.PERSON:
            return validators.validate_national_id(self.country, self.registration_number)
        return validators.validate_company_id(self.country, self.registration_number)


class TenantModel(models.Model):
    """A record that belongs to one organization.

    It carries a UUID (the only identifier in portal and API URLs), its
    organization, the scoped manager whose ``for_access`` is the tenant
    predicate, and the default ``Tenancy`` (rows belong through
    ``organization``). A model whose rows reach further (to every client, or
    to one person) declares its own ``tenancy``; none overrides the predicate.
    A subclass may redeclare ``organization`` to name its reverse accessor or
    to cascade.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("organization"),
    )

    objects = ScopedQuerySet.as_manager()
    tenancy = Tenancy()

    class Meta:
        abstract = True


class Membership(TenantModel):
    """A user's place in an organization, with a role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")
        ]
        ordering = ["organization__name", "user__email"]

    def __str__(self):
        # The person, as their page is titled; the organization and the role are
        # fields of their own (the back office lists them beside it).
        return self.user.display_name

    def access(self) -> Access:
        return Access(
            user=self.user, organization=self.organization, role=self.role, membership=self
        )


class AuditEvent(TenantModel):
    """One state change or security event: who, when, from where, what changed."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("organization"),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "-at", "-id"], name="audit_org_at")]

    def __str__(self):
        # The site's zone, as every other time on the page; the description, not the code.
        from .auditview import describe

        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {describe(self)}"


class Notification(TenantModel):
    """A message in one person's in-portal inbox."""

    class Level(models.TextChoices):
        INFO = "info", _("Information")
        SUCCESS = "success", _("Success")
        WARNING = "warning", _("Warning")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("user"),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.INFO)
    # What the system says is a message id and its parameters (core/messages.py),
    # written in the reader's language when read; ``title`` and ``body`` hold the
    # free text a person wrote (staff), shown as written.
    message = models.CharField(_("message id"), max_length=100, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    tenancy = Tenancy(user="user")  # each person's own inbox

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "user", "-created_at", "-id"], name="notif_inbox"),
            # The unread badge: a range of this index, never the rows themselves.
            models.Index(fields=["organization", "user", "read_at"], name="notif_unread"),
        ]

    def __str__(self):
        return self.subject

    def clean(self):
        if not self.message and not self.title:
            raise ValidationError({"title": _("Write a title.")}, code="required")

    @property
    def subject(self) -> str:
        """The title in the active language."""
        from . import messages

        return (messages.render_title(self.message, self.params) if self.message else "") or (
            self.title)

    @property
    def text(self) -> str:
        """The body in the active language."""
        from . import messages

        return (messages.render_body(self.message, self.params) if self.message else "") or (
            self.body)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def mark_read(self, **kwargs):
        if self.read_at is None:
            self.read_at = timezone.now()


def _published_now():
    now = timezone.now()
    return models.Q(published_at__lte=now) & ~models.Q(expires_at__lte=now)


class Announcement(models.Model):
    """A message from the provider to all clients or to chosen organizations."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    important = models.BooleanField(_("important"), default=False)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    audience_all = models.BooleanField(
        _("all organizations"), default=True,
        help_text=_("Untick to address only the organizations chosen below."),
    )
    organizations = models.ManyToManyField(
        Organization, blank=True, related_name="announcements", verbose_name=_("organizations")
    )

    objects = ScopedQuerySet.as_manager()
    # To all clients, or to the organizations chosen; clients read the published ones.
    tenancy = Tenancy(organization="organizations", everyone=models.Q(audience_all=True),
                      clients_see=_published_now)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title


class Feedback(TenantModel):
    """An error report or a wish sent by a client to the back office."""

    class Kind(models.TextChoices):
        ERROR = "error", _("Error report")
        WISH = "wish", _("Wish")
        QUESTION = "question", _("Question")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("author"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ERROR)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("description"), max_length=10000)
    page = models.CharField(
        _("page"), max_length=300, blank=True, help_text=_("Where in the portal it happened.")
    )
    status = FSMField(_("status"), default=Status.NEW, choices=Status.choices, protected=False)
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at", "-id"], name="feedback_org")]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("portal:detail", args=["feedback", self.uuid])

    @transition(field=status, source=Status.NEW, target=Status.IN_PROGRESS)
    def start(self, **kwargs):
        """Staff take the report in hand."""

    @transition(field=status, source=[Status.NEW, Status.IN_PROGRESS], target=Status.ANSWERED)
    def mark_answered(self, **kwargs):
        """Staff have answered; the answer text is on the record."""

    @transition(field=status, source=Status.NEW, target=Status.WITHDRAWN)
    def withdraw(self, **kwargs):
        """The client takes back a report nobody has started on."""

    @transition(field=status, source=[Status.NEW, Status.IN_PROGRESS, Status.ANSWERED],
                target=Status.CLOSED)
    def close(self, **kwargs):
        """The matter is settled: the client (or staff) closes the thread."""

    @transition(field=status, source=[Status.ANSWERED, Status.CLOSED], target=Status.NEW)
    def reopen(self, **kwargs):
        """The client wrote again after an answer: back in the staff's queue."""


def feedback_attachment_path(instance, filename):
    """``feedback/<organization uuid>/<random>/<name>``: one folder per client, unguessable."""
    from .files import safe_filename

    owner = instance.organization.uuid if instance.organization_id else "provider"
    return f"feedback/{owner}/{uuid.uuid4().hex}/{safe_filename(filename)}"


def validate_attachment(upload):
    from .files import validate_upload

    validate_upload(upload, allowed=(".pdf", ".png", ".jpg", ".jpeg", ".txt", ".csv"))


class FeedbackReply(TenantModel):
    """One message in a feedback thread: the staff's answer or the client's reply.

    Its attachment is a private file, served only through the portal's checked
    download door (the reply's resource), never from a public URL.
    """

    feedback = models.ForeignKey(
        Feedback, on_delete=models.CASCADE, related_name="replies", verbose_name=_("feedback"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("author"),
    )
    from_staff = models.BooleanField(_("from us"), default=False, editable=False)
    body = models.TextField(_("message"), max_length=10000)
    attachment = models.FileField(
        _("attachment"), upload_to=feedback_attachment_path, max_length=300, blank=True,
        validators=[validate_attachment],
        help_text=_("A PDF, an image or a text file, up to the upload size limit."),
    )
    # The attachment's name as the person's file was called (the stored one is made safe
    # for the storage: "scan page 2.png" is kept as "scan_page_2.png").
    attachment_original_name = models.CharField(_("attachment's file name"), max_length=200,
                                                blank=True, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["feedback", "created_at", "id"], name="feedback_thread")]

    def __str__(self):
        return self.feedback.subject

    def save(self, *args, **kwargs):
        adding = self._state.adding
        if self.attachment and not self.attachment._committed:  # a file just uploaded
            name = os.path.basename(self.attachment.name or "").replace("\x00", "").strip()
            self.attachment_original_name = name[:200]
        super().save(*args, **kwargs)
        if adding:
            # A new message moves the thread's "Updated" time, whoever wrote it and
            # whether or not the status moves with it.
            Feedback.objects.filter(pk=self.feedback_id).update(updated_at=timezone.now())

    def get_absolute_url(self):
        return reverse("portal:detail", args=["feedback", self.feedback.uuid])

    @property
    def attachment_name(self) -> str:
        """The attachment's file name as uploaded, without the storage folders."""
        if not self.attachment:
            return ""
        return self.attachment_original_name or os.path.basename(self.attachment.name)

    @property
    def attachment_size(self) -> int | None:
        """The attachment's size in bytes, or None where the storage cannot say."""
        if not self.attachment:
            return None
        try:
            return self.attachment.size
        except (OSError, ValueError):
            return None

    @property
    def author_name(self) -> str:
        if self.from_staff:
            return str(_("Support team"))
        if self.author is None:
            return ""
        return self.author.display_name


def lock(instance):
    """Re-read ``instance`` with a row lock; call inside ``transaction.atomic()``."""
    assert transaction.get_connection().in_atomic_block
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


from .queued_jobs import QueuedJob  # noqa: E402,F401  (jobs that waited for Redis)

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import auditview, useragent
from .errors import Refused
from .models import (
    Announcement,
    AuditEvent,
    Feedback,
    FeedbackReply,
    Membership,
    Notification,
    Organization,
)
from .registry import SECONDARY, Action, Card, Column, Preset, Resource, computed, registry
from .tenancy import PROVIDER, Role


@registry.register
class OrganizationResource(Resource):
    model = Organization
    slug = "organization"
    label = _("Company profile")
    icon = "building"
    menu_order = 900
    singleton = True
    for_kinds = (Organization.Kind.COMPANY,)  # a private person has no company profile
    list_columns = ["name", "kind", "country", "registration_number", "vat_number", "city"]
    detail_fields = [
        "name", "kind", "client_code", "country", "registration_number", "vat_number",
        "address", "city", "postal_code", "email", "phone", "notify_by_email",
    ]
    edit_fields = ["address", "city", "postal_code", "email", "phone", "notify_by_email"]
    edit_role = Role.MANAGER
    search_fields = ["name"]
    ordering = ["name"]
    export = False


@registry.register
class MembershipResource(Resource):
    model = Membership
    slug = "people"
    label = _("People")
    icon = "users"
    menu_order = 800
    # The Owner and Managers see and manage the organization's people; changing a
    # role or access goes through accounts/views.py (person_manage), under the same
    # predicate, with the rules of accounts/services.py.
    read_role = Role.MANAGER
    for_kinds = (Organization.Kind.COMPANY,)
    list_columns = [
        Column("name", sortable=False, link=True), Column("email", sortable=False),
        Column("phone", sortable=False, priority=SECONDARY), "role",
        Column("last_login", sortable=False, priority=SECONDARY),
        Column("status", sortable=False),
    ]
    filters = ["role", "is_active"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "user__phone"]
    ordering = ["user__email"]
    ordering_fields = ["role", "created_at"]
    select_related = ["user", "organization"]
    detail_fields = ["name", "email", "phone", "role", "status", "last_login", "created_at"]
    export = False

    @computed(_("Person"))
    def name(obj):
        return obj.user.display_name

    @computed(_("Email"))
    def email(obj):
        return obj.user.email

    @computed(_("Phone"))
    def phone(obj):
        return obj.user.phone

    @computed(_("Last sign-in"))
    def last_login(obj):
        return obj.user.last_login

    @computed(_("Status"))
    def status(obj):
        if not obj.is_active:
            return _("Deactivated")
        return _("Active") if obj.user.is_active else _("Account closed")


@registry.register
class NotificationResource(Resource):
    model = Notification
    slug = "notifications"
    label = _("Notifications")
    icon = "bell"
    menu_order = 700
    list_columns = [Column("subject", link=True), "level", "created_at",
                    Column("read_at", _("Read"))]
    filters = ["level", "created_at"]
    search_fields = ["title", "body"]
    ordering = ["-created_at", "-id"]
    presets = [Preset("unread", _("Unread"), Q(read_at__isnull=True))]
    # The level only colours the list; the page says what happened and when.
    detail_fields = ["subject", "text", "created_at", "read_at"]
    # The texts in the requester's language, and the message id and its parameters
    # for programs; ``link`` is the portal page of what the notice is about.
    api_fields = ["subject", "text", "level", "link", "message", "params", "created_at",
                  "read_at"]
    actions = [Action("mark_read", _("Mark as read"), role=Role.VIEWER,
                      condition=lambda obj, access: obj.read_at is None)]

    @computed(_("Title"), needs=["message", "params", "title"])
    def subject(obj):
        return obj.subject

    @computed(_("Message"), needs=["message", "params", "body"])
    def text(obj):
        return obj.text

    @classmethod
    def dashboard_cards(cls, access):
        unread = cls.get_queryset(access).filter(read_at__isnull=True).count()
        return [Card(_("Unread notifications"), unread,
                     reverse("portal:list", args=[cls.slug]) + "?view=unread",
                     tone="attention" if unread else "")]


@registry.register
class AnnouncementResource(Resource):
    model = Announcement
    slug = "announcements"
    label = _("Messages from us")
    icon = "megaphone"
    menu_order = 710
    list_columns = ["title", "important", "published_at"]
    filters = ["important", "published_at"]
    search_fields = ["title", "body"]
    ordering = ["-published_at", "-id"]
    detail_fields = ["title", "important", "published_at", "expires_at", "body"]


@registry.register
class FeedbackResource(Resource):
    model = Feedback
    slug = "feedback"
    label = _("Feedback")
    icon = "chat"
    menu_order = 750
    list_columns = ["subject", "kind", "status", "created_at"]
    filters = ["kind", "status", "created_at"]
    search_fields = ["subject", "body"]
    ordering = ["-created_at", "-id"]
    # The page the report was sent from is for the staff (back office, API), not
    # something the client reads back.
    detail_fields = ["subject", "kind", "status", "body", "author", "created_at", "updated_at"]
    api_fields = ["subject", "kind", "status", "page", "body", "author", "created_at",
                  "updated_at"]
    select_related = ["author"]
    list_select_related = []  # the list columns are the report's own fields
    create_fields = ["kind", "subject", "body", "page"]
    create_role = Role.MEMBER
    actions = [
        Action("withdraw", _("Withdraw"), role=Role.MEMBER, style="danger",
               confirm=_("Withdraw this report?")),
        Action("close", _("Close"), role=Role.MEMBER, style="secondary"),
        # The provider's steps (back office, provider-wide keys).
        Action("start", _("Take in hand"), role=PROVIDER),
        Action("mark_answered", _("Mark answered"), role=PROVIDER),
    ]

    @classmethod
    def prepare_new(cls, obj, access):
        obj.author = access.user

    @computed(_("Author"), needs=["author"])
    def author(obj):
        return obj.author.display_name if obj.author else ""

    @classmethod
    def dashboard_cards(cls, access):
        open_count = cls.get_queryset(access).filter(
            status__in=[Feedback.Status.NEW, Feedback.Status.IN_PROGRESS]).count()
        return [Card(_("Open feedback"), open_count, reverse("portal:list", args=[cls.slug]))]


@registry.register
class FeedbackReplyResource(Resource):
    """The messages of a feedback thread; shown on the feedback's page, not in the menu.

    A client replies through ``create`` (the feedback's page, or POST
    /api/v1/feedback-replies/); its attachment is downloaded through this
    resource's checked door.
    """

    model = FeedbackReply
    slug = "feedback-replies"
    label = _("Replies")
    menu = False
    menu_order = 751
    list_columns = [Column("feedback", link=True), Column("person", sortable=False),
                    "created_at"]
    filters = ["feedback", "created_at"]
    search_fields = ["body"]
    ordering = ["-created_at", "-id"]
    detail_fields = ["feedback", "person", "body", "created_at"]
    select_related = ["feedback", "author"]
    create_fields = ["feedback", "body", "attachment"]
    create_role = Role.MEMBER
    files = ["attachment"]
    export = False

    @computed(_("From"), needs=["from_staff", "author"])
    def person(obj):
        return obj.author_name

    @classmethod
    def prepare_new(cls, obj, access):
        if obj.feedback_id and obj.feedback.status == Feedback.Status.WITHDRAWN:
            raise Refused(_("This feedback was withdrawn; send a new one instead."),
                          code="invalid", fields={"feedback": [
                              _("This feedback was withdrawn; send a new one instead.")]})
        obj.author = access.user

    @classmethod
    def after_create(cls, obj, access):
        from .feedback import client_replied

        client_replied(obj, access)


@registry.register
class AuditEventResource(Resource):
    model = AuditEvent
    slug = "audit"
    label = _("Audit log")
    icon = "shield"
    menu_order = 950
    read_role = Role.OWNER
    # What people read: a description, a name, formatted changes without secrets, the
    # time in the site's zone with the zone named (core/auditview.py). The API keeps
    # the codes and the raw changes (secrets removed) for programs.
    list_columns = [Column("when", link=True), Column("person", sortable=False),
                    Column("description", sortable=False), Column("about", sortable=False),
                    "ip"]
    filters = ["action", "at"]
    search_fields = ["actor_label", "action", "object_repr"]
    ordering = ["-at", "-id"]
    ordering_fields = ["at", "action"]
    detail_fields = ["when", "person", "description", "about", "ip", "browser", "changed"]
    api_fields = ["at", "action", "description", "person", "object_type", "object_repr", "ip",
                  "changed"]

    @computed(_("When"), needs=["at"])
    def when(obj):
        return auditview.when(obj)

    @computed(_("Person"), needs=["actor_label"])
    def person(obj):
        return auditview.person(obj)

    @computed(_("What happened"), needs=["action"])
    def description(obj):
        return auditview.describe(obj)

    @computed(_("Object"), needs=["object_repr"])
    def about(obj):
        return auditview.subject(obj)

    @computed(_("Browser"), needs=["user_agent"])
    def browser(obj):
        return useragent.summary(obj.user_agent)

    @computed(_("Changes"), needs=["changes", "object_type"])
    def changed(obj):
        return auditview.changes_text(obj)

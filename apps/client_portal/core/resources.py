from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Announcement, AuditEvent, Feedback, Membership, Notification, Organization
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
        return obj.user.get_full_name() or obj.user.email

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
    list_columns = ["title", "level", "created_at", Column("read_at", _("Read"))]
    filters = ["level", "created_at"]
    search_fields = ["title", "body"]
    ordering = ["-created_at", "-id"]
    presets = [Preset("unread", _("Unread"), Q(read_at__isnull=True))]
    detail_fields = ["title", "level", "body", "link", "created_at", "read_at"]
    actions = [Action("mark_read", _("Mark as read"), role=Role.VIEWER,
                      condition=lambda obj, access: obj.read_at is None)]

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
    detail_fields = ["subject", "kind", "status", "page", "body", "answer", "author",
                     "created_at", "updated_at"]
    select_related = ["author"]
    list_select_related = []  # the list columns are the report's own fields
    create_fields = ["kind", "subject", "body", "page"]
    create_role = Role.MEMBER
    actions = [
        Action("withdraw", _("Withdraw"), role=Role.MEMBER, style="danger",
               confirm=_("Withdraw this report?")),
        # The provider's steps (back office, provider-wide keys).
        Action("start", _("Take in hand"), role=PROVIDER),
        Action("mark_answered", _("Mark answered"), role=PROVIDER),
    ]

    @classmethod
    def prepare_new(cls, obj, access):
        obj.author = access.user

    @classmethod
    def dashboard_cards(cls, access):
        open_count = cls.get_queryset(access).filter(
            status__in=[Feedback.Status.NEW, Feedback.Status.IN_PROGRESS]).count()
        return [Card(_("Open feedback"), open_count, reverse("portal:list", args=[cls.slug]))]


@registry.register
class AuditEventResource(Resource):
    model = AuditEvent
    slug = "audit"
    label = _("Audit log")
    icon = "shield"
    menu_order = 950
    read_role = Role.OWNER
    list_columns = ["at", "actor_label", "action", "object_repr", "ip"]
    filters = ["action", "at"]
    search_fields = ["actor_label", "action", "object_repr"]
    ordering = ["-at", "-id"]
    ordering_fields = ["at", "action"]
    detail_fields = ["at", "actor_label", "action", "object_type", "object_repr", "ip",
                     "user_agent", "changes"]

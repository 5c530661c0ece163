from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Announcement, AuditEvent, Feedback, Membership, Notification, Organization
from .registry import Action, Card, Column, Preset, Resource, registry
from .tenancy import Role


@registry.register
class OrganizationResource(Resource):
    model = Organization
    slug = "organization"
    label = _("Company profile")
    icon = "building"
    menu_order = 900
    singleton = True
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
    list_columns = [
        Column("name", _("Person"), sortable=False, link=True),
        Column("email", _("Email"), sortable=False), Column("phone", _("Phone"), sortable=False),
        "role", Column("last_login", _("Last sign-in"), sortable=False),
        Column("status", _("Status"), sortable=False),
    ]
    filters = ["role", "is_active"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "user__phone"]
    ordering = ["user__email"]
    ordering_fields = ["role", "created_at"]
    select_related = ["user", "organization"]
    detail_fields = ["name", "email", "phone", "role", "status", "last_login", "created_at"]
    export = False

    @classmethod
    def col_name(cls, obj):
        return obj.user.get_full_name() or obj.user.email

    @classmethod
    def col_email(cls, obj):
        return obj.user.email

    @classmethod
    def col_phone(cls, obj):
        return obj.user.phone

    @classmethod
    def col_last_login(cls, obj):
        return obj.user.last_login

    @classmethod
    def col_status(cls, obj):
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
    actions = [Action("mark_read", _("Mark as read"), role=Role.VIEWER)]

    @classmethod
    def can_mark_read(cls, obj, access):
        return obj.read_at is None


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
    ]

    @classmethod
    def prepare_new(cls, obj, access):
        super().prepare_new(obj, access)
        obj.author = access.user


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


@registry.dashboard_card
def core_cards(access):
    cards = []
    if access.has_role(NotificationResource.read_role):
        unread = NotificationResource.get_queryset(access).filter(read_at__isnull=True).count()
        cards.append(Card(_("Unread notifications"), unread,
                          reverse("portal:list", args=["notifications"]) + "?view=unread",
                          tone="attention" if unread else ""))
    if access.has_role(FeedbackResource.read_role):
        open_count = FeedbackResource.get_queryset(access).filter(
            status__in=[Feedback.Status.NEW, Feedback.Status.IN_PROGRESS]
        ).count()
        cards.append(Card(_("Open feedback"), open_count,
                          reverse("portal:list", args=["feedback"])))
    return cards

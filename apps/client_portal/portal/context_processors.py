from django.conf import settings

from apps.client_portal.core.models import Membership, Notification
from apps.client_portal.core.registry import registry


def portal(request):
    context = {"site_title": settings.SITE_TITLE, "provider_name": settings.PROVIDER_NAME}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "membership"):
        return context

    def memberships():
        return list(
            Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
            .select_related("organization").order_by("organization__name")
        )

    membership = request.membership or None
    access = membership.access() if membership else None
    context.update(
        {
            "active_membership": membership,
            "other_memberships": memberships,
            "menu": registry.menu(access) if access else [],
            # The footer link to the feedback form, for those who may send it.
            "can_send_feedback": bool(access) and _can_create(access, "feedback"),
            "unread_count": lambda: (
                Notification.objects.for_access(access).filter(read_at__isnull=True).count()
                if access else 0
            ),
        }
    )
    return context


def _can_create(access, slug):
    resource = next((r for r in registry if r.slug == slug), None)
    return resource is not None and resource.can_create(access)

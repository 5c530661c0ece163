from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

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
    menu = registry.menu(access) if access else []

    def unread_count():
        if access is None:
            return 0
        return Notification.objects.for_access(access).filter(read_at__isnull=True).count()

    def sidenav():
        match = request.resolver_match
        url_name = match.url_name if match else None
        active_slug = match.kwargs.get("slug") if match else None
        slugs = tuple(r.slug for r in menu)
        # The one figure of the menu that changes with the data: read it each time.
        unread = unread_count() if "notifications" in slugs else 0
        return _sidenav(slugs, translation.get_language(), url_name, active_slug, unread)

    context.update(
        {
            "active_membership": membership,
            "other_memberships": memberships,
            "menu": menu,
            "sidenav": sidenav,
            # The footer link to the feedback form, for those who may send it.
            "can_send_feedback": bool(access) and _can_create(access, "feedback"),
            "unread_count": unread_count,
        }
    )
    return context


@lru_cache(maxsize=2048)
def _sidenav(slugs, language, url_name, active_slug, unread):
    """The side menu's HTML, rendered once per distinct input.

    The menu is a function of these arguments alone (the resources a role may
    read, the language, the page shown, the unread count), so a rendered copy is
    reused as it is: it can never be stale.
    """
    with translation.override(language):
        return render_to_string("portal/_sidenav.html", {
            "menu": [registry.get(slug) for slug in slugs],
            "url_name": url_name,
            "active_slug": active_slug,
            "unread_count": unread,
        })


def _can_create(access, slug):
    resource = next((r for r in registry if r.slug == slug), None)
    return resource is not None and resource.can_create(access)

"""What every portal page shows around its content: header, menu, footer."""

from django.conf import settings
from django.templatetags.static import static

from apps.client_portal.core.middleware import user_memberships
from apps.client_portal.core.registry import registry

from . import chrome


def portal(request):
    context = {"site_title": settings.SITE_TITLE, "provider_name": settings.PROVIDER_NAME}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "membership"):
        return context
    membership = request.membership or None
    access = membership.access() if membership else None
    menu = registry.menu(access) if access else []
    match = request.resolver_match
    feedback = next((r for r in menu if r.slug == "feedback"), None)
    active_slug = match.kwargs.get("slug") if match else None
    # Each entry's address is the list address with its slug: one reverse() for all.
    list_url = chrome.reverse("portal:list", "slug")
    context.update({
        "active_membership": membership,
        "other_memberships": user_memberships(request) if membership else [],
        "menu": menu,
        "menu_entries": [(list_url.replace("/slug/", f"/{r.slug}/"), r, r.slug == active_slug)
                         for r in menu],
        # Pages of their own (registry.MenuLink), after the resources' lists.
        "menu_links": [(chrome.reverse(link.url_name), link,
                        bool(match) and match.view_name == link.url_name)
                       for link in (registry.menu_links(access) if access else [])],
        "icons": static("portal/icons.svg"),
        "url_name": match.url_name if match else None,
        "active_slug": active_slug,
        # The menu badge: read with the memberships, in the same query.
        "unread_count": getattr(membership, "unread", 0) if membership else 0,
        # The footer link to the feedback form, for those who may send it.
        "can_send_feedback": feedback is not None and feedback.can_create(access),
    })
    return context

from functools import lru_cache

from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from apps.client_portal.core.middleware import user_memberships
from apps.client_portal.core.models import Notification
from apps.client_portal.core.registry import registry

from .memo import Rendered


def portal(request):
    context = {
        "site_title": settings.SITE_TITLE,
        "provider_name": settings.PROVIDER_NAME,
        "topbar": lambda: topbar_html(request),
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "membership"):
        return context

    membership = request.membership or None
    access = membership.access() if membership else None
    menu = registry.menu(access) if access else []

    def sidenav():
        match = request.resolver_match
        url_name = match.url_name if match else None
        active_slug = match.kwargs.get("slug") if match else None
        slugs = tuple(r.slug for r in menu)
        # The one figure of the menu that changes with the data: read it each time.
        unread = unread_badge_count(access) if "notifications" in slugs else 0
        return _sidenav(slugs, translation.get_language(), url_name, active_slug, unread)

    context.update(
        {
            "active_membership": membership,
            "menu": menu,
            "sidenav": sidenav,
            # The footer link to the feedback form, for those who may send it.
            "can_send_feedback": bool(access) and _can_create(access, "feedback"),
        }
    )
    return context


# Stand-ins for the two per-request values of the page header, replaced after
# a rendered header is taken from the cache. Letters only: escaping leaves them be.
CSRF_MARK = "cpCsrfTokenMark"
NEXT_MARK = "cpNextPathMark"
_TOPBARS = Rendered(maxsize=4096)


def topbar_html(request):
    """The page header (``portal/_topbar.html``) for this request.

    The header is a function of the values in ``key`` alone, so it is rendered
    once per distinct key and reused; only the CSRF token and the current path
    (the language form's ``next``) differ between requests, and they are put in
    after. ``tests/portal/test_topbar.py`` compares it with a plain rendering.
    """
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    membership = getattr(request, "membership", None) if signed_in else None
    memberships = user_memberships(request) if membership else []
    language = translation.get_language()
    key = (
        language,
        (user.pk, user.get_full_name(), user.email, user.is_staff) if signed_in else None,
        (membership.pk, membership.organization.name, membership.role) if membership else None,
        tuple((m.pk, str(m.organization.uuid), m.organization.name, m.role) for m in memberships),
    )
    html = _TOPBARS.get(key, lambda: render_to_string("portal/_topbar.html", {
        "user": user,
        "active_membership": membership,
        "other_memberships": memberships,
        "csrf_token": CSRF_MARK,
        "next_path": NEXT_MARK,
    }))
    return mark_safe(  # noqa: S308 (rendered by the template engine; the path is escaped)
        html.replace(CSRF_MARK, get_token(request))
        .replace(NEXT_MARK, escape(request.get_full_path()))
    )


# The menu badge counts unread notifications up to this many and then shows "99+"
# (portal/_sidenav.html writes the figure): counting stops there, so a full inbox
# costs no more than a small one.
UNREAD_BADGE_LIMIT = 99


def unread_badge_count(access):
    """Unread notifications for the badge: the exact number up to 99, else 100."""
    unread = Notification.objects.for_access(access).filter(read_at__isnull=True)
    return unread[: UNREAD_BADGE_LIMIT + 1].count()


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

"""The frame of every portal page, the header and the side menu, written in Python.

Measured on the empty portal page: through the template engine the header and
the menu took about 3 ms of a 4 ms page (a dozen ``{% url %}``, ``{% static %}``
and ``{% translate %}`` per menu entry); written here they take a tenth of it.
They are rendered afresh for every request: nothing is kept between requests.
Every value goes through ``format_html``/``escape``; the HTML is the one the
stylesheet and ``tests/portal/test_topbar.py`` / ``test_sidenav.py`` know.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info, ngettext
from django.utils.translation import gettext as _

from apps.client_portal.core.middleware import UNREAD_BADGE_LIMIT


def _icon(icons: str, name: str) -> SafeString:
    return format_html('<svg class="icon" aria-hidden="true" focusable="false">'
                       '<use href="{}#{}"></use></svg>', icons, name)


def _csrf(request) -> str:
    """The form's CSRF field; one masked token per page, as ``{% csrf_token %}`` gives."""
    token = getattr(request, "_cp_csrf_field", None)
    if token is None:
        token = request._cp_csrf_field = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
    return token


def _role(membership) -> str:
    return escape(membership.get_role_display())


def _organization(request, membership, memberships) -> str:
    name = format_html('<span class="visually-hidden">{}:</span>\n'
                       '<span class="org-name" data-testid="active-organization">{}</span>\n'
                       '<span class="role">{}</span>',
                       _("Organization"), membership.organization.name, _role(membership))
    if len(memberships) < 2:
        return format_html('<span class="org-chip">{}</span>', name)
    buttons = format_html_join("\n", (
        '<button type="submit" name="organization" value="{}" class="linklike{}"{}>'
        "{} <small>{}</small></button>"), (
        (m.organization.uuid, " current" if m.pk == membership.pk else "",
         mark_safe(' aria-current="true"') if m.pk == membership.pk else "",
         m.organization.name, _role(m)) for m in memberships))
    return format_html(
        '<details class="switcher"><summary>{}</summary><div class="menu-pop">'
        '<form method="post" action="{}">{}<p class="muted">{}</p>{}</form></div></details>',
        name, reverse("portal:select"), _csrf(request), _("Switch organization"), buttons)


def _user_menu(request, user, icons) -> str:
    staff = format_html('<a href="{}">{}</a>', reverse("admin:index"),
                        _("Back office")) if user.is_staff else ""
    return format_html(
        '<details class="usermenu"><summary>{}<span class="visually-hidden">{}:</span> '
        '<span class="user-name">{}</span></summary><div class="menu-pop">'
        '<a href="{}">{}</a><a href="{}">{}</a>{}'
        '<form method="post" action="{}">{}<button type="submit" class="linklike">{}</button>'
        "</form></div></details>",
        _icon(icons, "user"), _("Account"), user.get_full_name() or user.email,
        reverse("portal:account"), _("My account"),
        reverse("account_change_password"), _("Change password"), staff,
        reverse("account_logout"), _csrf(request), _("Sign out"))


def _languages(request, here: str) -> str:
    current = get_language()
    options = format_html_join("", '<option value="{}"{}>{}</option>', (
        (code, mark_safe(" selected") if code == current else "",
         capfirst(get_language_info(code)["name_local"])) for code, _name in settings.LANGUAGES))
    return format_html(
        '<form class="language" method="post" action="{}">{}'
        '<input type="hidden" name="next" value="{}">'
        '<label for="language-select" class="visually-hidden">{}</label>'
        '<select id="language-select" name="language" data-autosubmit>{}</select>'
        '<noscript><button type="submit">{}</button></noscript></form>',
        reverse("portal:set_language"), _csrf(request), here, _("Language"), options,
        _("Change"))


def topbar(request, context) -> SafeString:
    """The page header: the site, the organization (and the switcher), the person, language."""
    user = getattr(request, "user", None)
    icons = context.get("icons") or static("portal/icons.svg")
    who = ""
    if user is not None and user.is_authenticated:
        membership = context.get("active_membership")
        organization = _organization(request, membership, context.get(
            "other_memberships") or []) if membership else ""
        who = format_html('<div class="who">{}{}</div>', organization,
                          _user_menu(request, user, icons))
    here = context.get("here") or request.get_full_path()
    return format_html(
        '<header class="topbar"><div class="topbar-inner">'
        '<a class="brand" href="{}"><img src="{}" alt="" width="28" height="28"> '
        "<span>{}</span></a>{}{}</div></header>",
        reverse("portal:dashboard"), static("portal/favicon.svg"), settings.SITE_TITLE, who,
        _languages(request, here))


def _badge(count: int) -> SafeString | str:
    if count > UNREAD_BADGE_LIMIT:
        return format_html(' <span class="badge" aria-hidden="true">{}+</span>'
                           '<span class="visually-hidden">, {}</span>',
                           UNREAD_BADGE_LIMIT, _("more than 99 unread"))
    if count:
        return format_html(' <span class="badge" aria-hidden="true">{}</span>'
                           '<span class="visually-hidden">, {}</span>', count,
                           ngettext("%(counter)s unread", "%(counter)s unread", count)
                           % {"counter": count})
    return ""


def sidenav(context) -> SafeString:
    """The side menu: the overview and each resource the member's role may read."""
    icons = context["icons"]
    current = mark_safe(' aria-current="page"')  # noqa: S308 (a constant)
    home = format_html('<li><a href="{}"{}>{}<span class="label">{}</span></a></li>',
                       reverse("portal:dashboard"),
                       current if context.get("url_name") == "dashboard" else "",
                       _icon(icons, "home"), _("Overview"))
    unread = context.get("unread_count") or 0
    entries = format_html_join(
        "\n", '<li><a href="{}"{}>{}<span class="label">{}</span>{}</a></li>', (
            (url, current if active else "", _icon(icons, r.icon),
             r.verbose_name_plural(), _badge(unread) if r.slug == "notifications" else "")
            for url, r, active in context["menu_entries"]))
    return format_html('<nav class="sidenav" aria-label="{}"><ul>{}\n{}</ul></nav>',
                       _("Main"), home, entries)

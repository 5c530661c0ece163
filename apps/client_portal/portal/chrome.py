"""The frame of every portal page, the header and the side menu, written in Python.

Measured on the empty portal page: through the template engine the header and
the menu took about 3 ms of a 4 ms page (a ``{% url %}``, a ``{% static %}``
and a few ``{% translate %}`` per menu entry), and through ``format_html``
still 1.5 ms (its lazy-string checks on every value); written as here, with
each text translated once and escaped by ``html.escape``, about 0.2 ms.
They are rendered afresh for every request: nothing is kept between requests.
Every value that is not a constant goes through ``_e`` (``html.escape``, quotes
included), as ``portal/table.py`` does for the rows of a list.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape as _e

from django.conf import settings
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import get_script_prefix
from django.urls import reverse as _reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info, ngettext
from django.utils.translation import gettext as _

from apps.client_portal.core.middleware import UNREAD_BADGE_LIMIT
from apps.client_portal.core.tenancy import Role


@lru_cache(maxsize=64)
def _url(name: str, args: tuple, prefix: str) -> str:
    return _reverse(name, args=args)


def reverse(name: str, *args) -> str:
    """The address of a view: a function of the URLconf, the arguments and the script
    prefix alone, so it is worked out once per process for the page frame's few names."""
    return _url(name, args, get_script_prefix())


def _role(membership) -> str:
    """The role's label (the choices' own, without rebuilding them as get_*_display does)."""
    try:
        return _e(str(Role(membership.role).label))
    except ValueError:
        return _e(membership.role)


def _icon(icons: str, name: str) -> str:
    return (f'<svg class="icon" aria-hidden="true" focusable="false">'
            f'<use href="{_e(icons)}#{_e(name)}"></use></svg>')


def _csrf(request) -> str:
    """The form's CSRF field; one masked token per page, as ``{% csrf_token %}`` gives."""
    field = getattr(request, "_cp_csrf_field", None)
    if field is None:
        field = request._cp_csrf_field = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(get_token(request))}">')
    return field


def _organization(request, membership, memberships) -> str:
    t_organization = _e(_("Organization"))
    t_switch_organization = _e(_("Switch organization"))
    name = (f'<span class="visually-hidden">{t_organization}:</span>\n'
            f'<span class="org-name" data-testid="active-organization">'
            f"{_e(membership.organization.name)}</span>\n"
            f'<span class="role">{_role(membership)}</span>')
    if len(memberships) < 2:
        return f'<span class="org-chip">{name}</span>'
    chosen = ' current" aria-current="true'
    buttons = "\n".join(
        f'<button type="submit" name="organization" value="{m.organization.uuid}" '
        f'class="linklike{chosen if m.pk == membership.pk else ""}">'
        f"{_e(m.organization.name)} <small>{_role(m)}</small></button>"
        for m in memberships)
    return (f'<details class="switcher"><summary>{name}</summary><div class="menu-pop">'
            f'<form method="post" action="{reverse("portal:select")}">{_csrf(request)}'
            f'<p class="muted">{t_switch_organization}</p>{buttons}</form></div></details>')


def _user_menu(request, user, icons) -> str:
    t_back_office = _e(_("Back office"))
    t_account = _e(_("Account"))
    t_my_account = _e(_("My account"))
    t_change_password = _e(_("Change password"))
    t_sign_out = _e(_("Sign out"))
    staff = (f'<a href="{reverse("admin:index")}">{t_back_office}</a>'
             if user.is_staff else "")
    return (f'<details class="usermenu"><summary>{_icon(icons, "user")}'
            f'<span class="visually-hidden">{t_account}:</span> '
            f'<span class="user-name">{_e(user.display_name)}</span></summary>'
            f'<div class="menu-pop"><a href="{reverse("portal:account")}">{t_my_account}</a>'
            f'<a href="{reverse("account_change_password")}">{t_change_password}</a>'
            f'{staff}<form method="post" action="{reverse("account_logout")}">{_csrf(request)}'
            f'<button type="submit" class="linklike">{t_sign_out}</button>'
            "</form></div></details>")


def _languages(request, here: str) -> str:
    t_language = _e(_("Language"))
    t_change = _e(_("Change"))
    current = get_language()
    options = "".join(
        f'<option value="{_e(code)}"{" selected" if code == current else ""}>'
        f'{_e(capfirst(get_language_info(code)["name_local"]))}</option>'
        for code, _name in settings.LANGUAGES)
    return (f'<form class="language" method="post" action="{reverse("portal:set_language")}">'
            f'{_csrf(request)}<input type="hidden" name="next" value="{_e(here)}">'
            f'<label for="language-select" class="visually-hidden">{t_language}</label>'
            f'<select id="language-select" name="language" data-autosubmit>{options}</select>'
            f'<noscript><button type="submit">{t_change}</button></noscript></form>')


def topbar(request, context) -> SafeString:
    """The page header: the site, the organization (and the switcher), the person, language."""
    user = getattr(request, "user", None)
    icons = context.get("icons") or static("portal/icons.svg")
    who = ""
    if user is not None and user.is_authenticated:
        membership = context.get("active_membership")
        organization = _organization(request, membership, context.get(
            "other_memberships") or []) if membership else ""
        who = f'<div class="who">{organization}{_user_menu(request, user, icons)}</div>'
    here = context.get("here") or request.get_full_path()
    html = (f'<header class="topbar"><div class="topbar-inner">'
            f'<a class="brand" href="{reverse("portal:dashboard")}">'
            f'<img src="{_e(static("portal/favicon.svg"))}" alt="" width="28" height="28"> '
            f"<span>{_e(settings.SITE_TITLE)}</span></a>{who}{_languages(request, here)}"
            "</div></header>")
    return mark_safe(html)  # noqa: S308 (every value above went through _e)


def _badge(count: int) -> str:
    if count > UNREAD_BADGE_LIMIT:
        t_more_than_99_unread = _e(_("more than 99 unread"))
        return (f' <span class="badge" aria-hidden="true">{UNREAD_BADGE_LIMIT}+</span>'
                f'<span class="visually-hidden">, {t_more_than_99_unread}</span>')
    if count:
        text = ngettext("%(counter)s unread", "%(counter)s unread", count) % {"counter": count}
        return (f' <span class="badge" aria-hidden="true">{count}</span>'
                f'<span class="visually-hidden">, {_e(text)}</span>')
    return ""


def sidenav(context) -> SafeString:
    """The side menu: the overview and each resource the member's role may read.

    On a wide screen a column of links; on a narrow one the same links behind a
    "Menu" button (a ``<details>``, so it opens without JavaScript) that names
    the page one is on. The stylesheet shows one of the two.
    """
    t_overview = _e(_("Overview"))
    t_main = _e(_("Main"))
    t_menu = _e(_("Menu"))
    icons = context["icons"]
    current = ' aria-current="page"'
    on_home = context.get("url_name") == "dashboard"
    home = (f'<li><a href="{reverse("portal:dashboard")}"'
            f'{current if on_home else ""}>'
            f'{_icon(icons, "home")}<span class="label">{t_overview}</span></a></li>')
    unread = context.get("unread_count") or 0
    here = t_overview if on_home else ""
    items = []
    for url, r, active in context["menu_entries"]:
        label = _e(str(r.verbose_name_plural()))
        if active:
            here = label
        items.append(f'<li><a href="{_e(url)}"{current if active else ""}>{_icon(icons, r.icon)}'
                     f'<span class="label">{label}</span>'
                     f'{_badge(unread) if r.slug == "notifications" else ""}</a></li>')
    for url, link, active in context.get("menu_links", ()):
        label = _e(str(link.label))
        if active:
            here = label
        items.append(f'<li><a href="{_e(url)}"{current if active else ""}>'
                     f'{_icon(icons, link.icon)}<span class="label">{label}</span></a></li>')
    entries = "\n".join(items)
    links = f"{home}\n{entries}"
    badge = _badge(unread) if unread else ""
    here = f'<span class="nav-here">{here}</span>' if here else ""
    html = (f'<nav class="sidenav" aria-label="{t_main}"><ul class="nav-wide">{links}</ul>'
            f'<details class="nav-narrow"><summary>{_icon(icons, "list")}'
            f'<span class="nav-title">{t_menu}</span>'
            f"{here}{badge}</summary>"
            f"<ul>{links}</ul></details></nav>")
    return mark_safe(html)  # noqa: S308 (every value above went through _e)

"""The portal's pages: the shell, and the list, detail, form, action, file and export
pages of every registered resource.

Each resource page is a thin caller of ``core.operations``; a refusal becomes a
page in the portal's layout that says why, with the status the API gives.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from apps.client_portal.core import audit, operations
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.middleware import set_active_organization, user_memberships
from apps.client_portal.core.models import Announcement, Notification
from apps.client_portal.core.paging import paginate
from apps.client_portal.core.registry import registry

from .access import member_required
from .detail import detail_value, related_table, section_values
from .forms import ProfileForm
from .listing import canonical_params, filter_form, list_context

PAGE_SIZES = (25, 50, 100)


def _safe_next(request, fallback="/"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _way_on(request, resource, obj) -> tuple[str, str]:
    """(address, label) of the page a refusal offers besides the overview: the record,
    else the resource's list, only where the person may read it and it is not the
    address just refused; ("", "") for none."""
    access = getattr(request, "access", None)
    if resource is None or access is None or not resource.may_read(access):
        return "", ""
    if obj is not None:
        url, label = (reverse("portal:detail", args=[resource.slug, obj.uuid]),
                      _("Back to the record"))
    elif not resource.singleton:
        url, label = reverse("portal:list", args=[resource.slug]), resource.verbose_name_plural()
    else:
        return "", ""
    return ("", "") if url == request.path else (url, label)


def refused_page(request, refusal: Refused, resource=None, obj=None):
    """The answer to a refused operation: a page in the portal's layout that says why,
    and a way on that is never the address refused."""
    way_on, way_on_label = _way_on(request, resource, obj)
    return render(request, "portal/refused.html", {
        "refusal": refusal, "resource": resource, "object": obj,
        "way_on": way_on, "way_on_label": way_on_label,
        "overview": reverse("portal:dashboard") != request.path,
        # Links on the page (language switch, feedback) name the overview, not the refused address.
        "here": reverse("portal:dashboard"),
    }, status=refusal.status)


def resource_view(view):
    """A resource page: signed in as a member, the resource resolved, refusals answered."""

    @member_required
    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        resource = None
        try:
            resource = registry.get(slug)
            if not resource.may_read(request.access):
                raise Refused(code="not_found")  # the same answer as for a stranger
            return view(request, resource, *args, **kwargs)
        except Refused as refusal:
            return refused_page(request, refusal, resource)

    return wrapper


@require_GET
@member_required
def dashboard(request):
    access = request.access
    context = {
        "cards": registry.cards(access),
        "announcements": Announcement.objects.for_access(access)[:3],
        "notifications": Notification.objects.for_access(access).filter(read_at__isnull=True)[:5],
    }
    return render(request, "portal/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def select_organization(request):
    memberships = user_memberships(request)
    if request.method == "POST":
        wanted = request.POST.get("organization")
        chosen = next((m for m in memberships if str(m.organization.uuid) == wanted), None)
        if chosen is None:
            messages.error(request, _("Choose one of your organizations."))
        else:
            set_active_organization(request, chosen.organization)
            audit.record("organization.switch", obj=chosen.organization,
                         organization=chosen.organization, request=request)
            return redirect(_safe_next(request, reverse("portal:dashboard")))
    return render(request, "portal/select_organization.html", {
        "memberships": memberships, "next": _safe_next(request, ""),
    })


def _page_size(request, resource):
    try:
        size = int(request.GET.get("page_size", resource.page_size))
    except ValueError:
        size = resource.page_size
    return size if size in PAGE_SIZES else resource.page_size


@require_GET
@resource_view
def resource_list(request, resource):
    access = request.access
    if resource.singleton:
        obj = resource.get_queryset(access).first()
        if obj is None:
            raise Refused(code="not_found")
        return redirect("portal:detail", slug=resource.slug, lookup=obj.uuid)
    if not request.htmx:
        clean = canonical_params(resource, request.GET)
        if clean is not None:
            # One address per filter state: a form sends every field, set or not.
            return redirect(f"{request.path}?{clean.urlencode()}" if clean else request.path)
    qs, filterset = operations.list_records(resource, access=access, params=request.GET)
    if request.htmx and request.GET.get("part") == "filters":
        # The filter panel, opened: its controls alone.
        return render(request, "portal/_filter_fields.html", {
            "resource": resource, "filterset": filter_form(resource, filterset, request.GET)})
    page = paginate(qs, request.GET.get("page"), _page_size(request, resource))
    context = list_context(request, resource, page, filterset, PAGE_SIZES)
    # A module may lay out its own list page: portal/list_<slug>.html.
    template = (
        [f"portal/_results_{resource.slug}.html", "portal/_results.html"] if request.htmx
        else [f"portal/list_{resource.slug}.html", "portal/list.html"]
    )
    response = render(request, template, context)
    if request.htmx and request.headers.get("HX-Target") == "results":
        # The address the browser shows is the clean one, as without JavaScript.
        clean = canonical_params(resource, request.GET) or request.GET
        query = clean.urlencode()
        response["HX-Push-Url"] = f"{request.path}?{query}" if query else request.path
    return response


@require_GET
@resource_view
def resource_export(request, resource, fmt):
    return operations.export(resource, access=request.access, params=request.GET, fmt=fmt,
                             request=request)


def _has_file(obj, name) -> bool:
    """Whether ``obj.<name>`` holds a file, asked of its name (opening it is the download's)."""
    value = getattr(obj, name, None)
    if value is not None and hasattr(value, "_meta"):  # a link to a stored file
        value = value.file
    return bool(value)


def _detail_context(resource, obj, access):
    layout = resource.detail_layout()
    links = resource.available_links(obj, access)
    linked = {link.name for link, _url in links}
    return {
        "resource": resource,
        "object": obj,
        "layout": layout,
        "header": [detail_value(resource, obj, name) for name in layout.header],
        # An optional field left empty (a note, the invoice a credit note corrects) is
        # left out of its section.
        "sections": [(section.title, section_values(resource, obj, section.fields))
                     for section in layout.sections],
        "related": [related_table(related, obj) for related in layout.related],
        "links": links,
        # Every field of the layout, for module templates that lay them out themselves.
        "fields": [(resource.field_label(name), resource.display_text(obj, name))
                   for name in layout.field_names()],
        "actions": resource.available_actions(obj, access),
        "files": [(name, resource.field_label(name)) for name in resource.files
                  if name not in linked and _has_file(obj, name)],
        "can_edit": resource.can_edit(obj, access),
    }


@require_GET
@resource_view
def resource_detail(request, resource, lookup):
    obj = operations.get_record(resource, access=request.access, lookup=lookup)
    return render(request, [f"portal/detail_{resource.slug}.html", "portal/detail.html"],
                  _detail_context(resource, obj, request.access))


def _form_page(request, resource, form, title, obj=None, status=200):
    return render(request, "portal/form.html", {
        "resource": resource, "form": form, "object": obj, "title": title,
    }, status=status)


def _with_refusal(form, refusal: Refused):
    """``form`` bound and checked, with what the operation refused beyond the form."""
    form.is_valid()
    for name, errors in refusal.fields.items():
        field = name if name in form.fields else None
        known = form.errors.get(field or "__all__", [])
        for message in errors:
            if message not in known:
                form.add_error(field, message)
    if not refusal.fields:
        form.add_error(None, refusal.message)
    return form


@require_http_methods(["GET", "POST"])
@resource_view
def resource_create(request, resource):
    access = request.access
    if not resource.can_create(access):
        raise Refused(code="forbidden")
    title = _("New: %(name)s") % {"name": resource.verbose_name()}
    if request.method == "GET":
        initial = {k: v for k, v in request.GET.items() if k in resource.create_fields}
        return _form_page(request, resource,
                          operations.new_form(resource, access=access, initial=initial), title)
    try:
        obj = operations.create(resource, access=access, data=request.POST,
                                files=request.FILES, request=request)
    except Refused as refusal:
        if refusal.code in ("forbidden", "not_found"):
            raise
        form = operations.new_form(resource, access=access, data=request.POST,
                                   files=request.FILES)
        return _form_page(request, resource, _with_refusal(form, refusal), title,
                          status=refusal.status)
    secret = resource.secret_once(obj)
    if secret:
        # Shown on the page the browser is sent to, so that reloading it shows the
        # secret no more and creates nothing again; it leaves the session there.
        request.session[SECRET_KEY] = {"slug": resource.slug, "uuid": str(obj.uuid),
                                       "secret": secret}
        return redirect("portal:secret", slug=resource.slug, lookup=obj.uuid)
    messages.success(request, _("Saved."))
    return redirect("portal:detail", slug=resource.slug, lookup=obj.uuid)


SECRET_KEY = "cp_secret_once"


@require_GET
@resource_view
def resource_secret(request, resource, lookup):
    """The secret made with a record, once: the first time after creating it."""
    obj = operations.get_record(resource, access=request.access, lookup=lookup)
    kept = request.session.get(SECRET_KEY) or {}
    if kept.get("slug") != resource.slug or kept.get("uuid") != str(obj.uuid):
        messages.info(request, _("The secret was shown once, when it was made; it is not kept "
                                 "in a form that can be shown again. If it was lost, make a "
                                 "new one."))
        return redirect("portal:detail", slug=resource.slug, lookup=obj.uuid)
    del request.session[SECRET_KEY]
    response = render(request, "portal/secret_once.html",
                      {"resource": resource, "object": obj, "secret": kept["secret"]})
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@resource_view
def resource_edit(request, resource, lookup):
    access = request.access
    obj = operations.get_record(resource, access=access, lookup=lookup)
    if not resource.can_edit(obj, access):
        raise Refused(code="forbidden")
    title = _("Edit: %(name)s") % {"name": obj}
    if request.method == "GET":
        return _form_page(request, resource, operations.edit_form(resource, obj, access=access),
                          title, obj)
    try:
        operations.update(resource, access=access, lookup=lookup, data=request.POST,
                          files=request.FILES, request=request)
    except Refused as refusal:
        if refusal.code in ("forbidden", "not_found"):
            raise
        form = operations.edit_form(resource, obj, access=access, data=request.POST,
                                    files=request.FILES)
        return _form_page(request, resource, _with_refusal(form, refusal), title, obj,
                          status=refusal.status)
    messages.success(request, _("Saved."))
    return redirect("portal:detail", slug=resource.slug, lookup=lookup)


@require_POST
@resource_view
def resource_action(request, resource, lookup, name):
    try:
        operations.run_action(resource, access=request.access, lookup=lookup, name=name,
                              request=request)
    except Refused as refusal:
        if refusal.code == "not_found":
            raise
        obj = operations.get_record(resource, access=request.access, lookup=lookup)
        return refused_page(request, refusal, resource, obj)
    messages.success(request, _("Done: %(action)s.") % {"action": resource.action(name).label})
    if request.POST.get("next"):
        return redirect(_safe_next(request))
    return redirect("portal:detail", slug=resource.slug, lookup=lookup)


@require_GET
@resource_view
def resource_download(request, resource, lookup, field):
    return operations.download(resource, access=request.access, lookup=lookup, field_name=field,
                               request=request, inline=request.GET.get("inline") == "1")


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    user = request.user
    before = audit.snapshot(user, ["first_name", "last_name", "language"])
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record("account.update", obj=user,
                     changes=audit.diff(before, audit.snapshot(user, form.fields)),
                     request=request)
        messages.success(request, _("Your details are saved."))
        response = redirect("portal:account")
        if user.language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language,
                                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=True,
                                samesite="Lax")
        return response
    return render(request, "portal/account.html", {"form": form})


@require_POST
def set_language(request):
    """Django's set_language, remembering the choice on the account too."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and translation.check_for_language(language) and (
        language in dict(settings.LANGUAGES)
    ) and request.user.language != language:
        before = request.user.language
        request.user.language = language
        request.user.save(update_fields=["language"])
        audit.record("account.language", obj=request.user,
                     changes={"language": [before, language]}, request=request)
    return django_set_language(request)


@require_GET
@member_required
def bench_shell(request):
    """The portal's page shell with nothing in it: header, menu, badge, footer.

    ``bench/list_page.py`` measures it against ``/_bench/empty/`` (what any portal
    page costs) and the list page against it (what a list costs). Served only
    where ``BENCH_VIEWS`` is on; everywhere else it is a 404.
    """
    if not settings.BENCH_VIEWS:
        raise Http404
    return HttpResponse(engines["django"].from_string(
        '{% extends "portal/base.html" %}').render({}, request))


# --- error pages (config/urls.py handler404, handler403, handler500; CSRF_FAILURE_VIEW) --
def page_not_found(request, exception=None):
    return refused_page(request, Refused(code="not_found"))


def permission_denied(request, exception=None):
    return refused_page(request, Refused(_("You may not open this page."), code="forbidden"))


def csrf_failure(request, reason=""):
    return refused_page(request, Refused(
        _("This form has expired or did not come from this site. Go back, reload the page "
          "and send it again."), code="forbidden"))


def server_error(request):
    """A page of its own, with no database or session work: the error may be there."""
    html = engines["django"].get_template("portal/server_error.html").render({})
    return HttpResponse(html, status=500)

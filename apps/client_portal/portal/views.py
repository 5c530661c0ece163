from functools import cache, partial
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from apps.client_portal.core import audit
from apps.client_portal.core.files import open_download
from apps.client_portal.core.middleware import set_active_organization
from apps.client_portal.core.models import Announcement, Membership, Notification
from apps.client_portal.core.registry import ActionError, Resource, registry

from .access import member_required
from .export import export_csv, export_xlsx
from .forms import ProfileForm, resource_form
from .memo import Rendered
from .table import Cell, column_kind  # noqa: F401  (Cell: importable from here)
from .table import build as build_table
from .templatetags.portal_tags import sort_header

PAGE_SIZES = (25, 50, 100)


def _safe_next(request, fallback="/"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _readable(request, slug):
    resource = registry.get(slug)
    if not request.access.has_role(resource.read_role):
        # The resource exists but is not for this role: same answer as a stranger.
        raise Http404
    return resource


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
    memberships = (
        Membership.objects.filter(user=request.user, is_active=True, organization__is_active=True)
        .select_related("organization").order_by("organization__name")
    )
    if request.method == "POST":
        chosen = memberships.filter(organization__uuid=request.POST.get("organization")).first()
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
@member_required
def resource_list(request, slug):
    resource = _readable(request, slug)
    access = request.access
    if resource.singleton:
        obj = resource.get_queryset(access).first()
        if obj is None:
            raise Http404
        return redirect("portal:detail", slug=slug, lookup=obj.uuid)
    qs, filterset = resource.filter_queryset(resource.get_list_queryset(access), request.GET)
    paginator = Paginator(qs, _page_size(request, resource))
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    ordering = request.GET.get("ordering", "")
    can_create = resource.can_create(access)
    columns = resource.columns()
    labels = [resource.column_label(c.name) for c in columns]
    # The rows are built in Python in one pass (portal/table.py), not cell by cell
    # in the template: the same HTML at a fraction of the cost.
    table = build_table(resource, page.object_list, columns, labels)
    context = {
        "resource": resource,
        "columns": list(zip(columns, labels, strict=True)),
        "rows": table.rows,
        "table_body": table.body,
        "table_head": lambda: _table_head(resource, ordering, query),
        "page": page,
        "filterset": filterset,
        "query": query,
        "ordering": ordering,
        "search": request.GET.get("search", ""),
        "view": request.GET.get("view", ""),
        "page_size": paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "can_create": can_create,
    }
    context["filter_fields"] = lambda: _filter_fields(resource, filterset, request.GET)
    context["list_head"] = lambda: _list_head(resource, context, query, can_create)
    # A module may lay out its own list or detail page: portal/list_<slug>.html etc.
    template = (
        [f"portal/_results_{slug}.html", "portal/_results.html"] if request.htmx
        else [f"portal/list_{slug}.html", "portal/list.html"]
    )
    return render(request, template, context)


# Rendered parts of list pages (portal/memo.py): each is a function of its key.
# The query string is the visitor's to choose, so the stores stay small: at most
# a few megabytes per process (a list head is 2 to 10 kB).
_EMPTY_FILTERS = Rendered(maxsize=512)  # unfiltered filter controls: (slug, language)
_LIST_HEADS = Rendered(maxsize=512)  # (slug, language, query string, may create)
_TABLE_HEADS = Rendered(maxsize=1024)  # (slug, language, ordering, query string)


def _list_head(resource, context, query, can_create):
    """The top of the list page (``portal/_list_head.html``): title, buttons, filters.

    It follows from the resource, the language, the query string (search, preset,
    filters, ordering, page size) and the right to create; it is kept per those,
    unless a filter lists choices read from the database.
    """
    render = partial(render_to_string, "portal/_list_head.html", context)
    if not _filter_names(resource)[1]:
        return render()
    key = (resource.slug, translation.get_language(), query, can_create)
    return _LIST_HEADS.get(key, render)


def _table_head(resource, ordering, query):
    """The header cells of the table: labels, and sort links for sortable columns."""
    def render():
        sortable = set(resource.sortable_fields())
        cells = []
        for col in resource.columns():
            label = resource.column_label(col.name)
            if col.name in sortable:
                cells.append(sort_header(col.name, label, ordering, query))
            else:
                cells.append(format_html('<th scope="col">{}</th>', label))
        return mark_safe("".join(cells))  # noqa: S308 (each cell is format_html output)

    key = (resource.slug, translation.get_language(), ordering, query)
    return _TABLE_HEADS.get(key, render)


def _filter_fields(resource, filterset, params):
    """The list's filter controls, as ``portal/_filter_fields.html`` renders them.

    With no filter applied the controls are the same for every request in a
    language (empty inputs, fixed choices), so that rendering is kept and reused;
    filters whose choices come from the database are always rendered afresh.
    """
    names, static = _filter_names(resource)
    render = partial(
        render_to_string,
        "portal/_filter_fields.html", {"resource": resource, "filterset": filterset},
    )
    if static and not any(params.get(name) for name in names):
        return _EMPTY_FILTERS.get((resource.slug, translation.get_language()), render)
    return render()


@cache
def _filter_names(resource):
    """The names of ``resource``'s filters, and whether none reads its choices from the database."""
    filters = resource.filterset_class().base_filters
    static = not any(issubclass(f.field_class, forms.ModelChoiceField) for f in filters.values())
    return tuple(filters), static


# Kept importable from here for modules that used them.
_column_kind = column_kind


@require_GET
@member_required
def resource_export(request, slug, fmt):
    resource = _readable(request, slug)
    if not resource.export or fmt not in {"csv", "xlsx"}:
        raise Http404
    qs, _filterset = resource.filter_queryset(
        resource.get_list_queryset(request.access), request.GET
    )
    audit.record(f"{slug}.export", changes={"format": fmt, "query": request.GET.urlencode()},
                 organization=request.access.organization, request=request)
    filename = f"{slug}-{timezone.localdate():%Y-%m-%d}"
    return (export_csv if fmt == "csv" else export_xlsx)(resource, qs, filename)


@require_GET
@member_required
def resource_detail(request, slug, lookup):
    resource = _readable(request, slug)
    access = request.access
    obj = resource.get_object(access, lookup)
    fields = [
        (resource.column_label(name), resource.display_text(obj, name))
        for name in resource.detail_field_names()
    ]
    return render(request, [f"portal/detail_{slug}.html", "portal/detail.html"], {
        "resource": resource,
        "object": obj,
        "fields": fields,
        "actions": resource.available_actions(obj, access),
        "files": [(name, resource.column_label(name)) for name in resource.files
                  if getattr(obj, name, None)],
        "can_edit": resource.can_edit(obj, access),
    })


@require_http_methods(["GET", "POST"])
@member_required
def resource_create(request, slug):
    resource = _readable(request, slug)
    access = request.access
    if not resource.can_create(access):
        raise Http404
    form_class = resource_form(resource, resource.create_fields)
    initial = {k: v for k, v in request.GET.items() if k in resource.create_fields}
    # The form validates the model (clean(), unique checks) before save_new runs
    # the resource's prepare_new: give it the organization up front, or a check
    # on that field fails on a field the form does not have.
    instance = resource.model()
    Resource.prepare_new.__func__(resource, instance, access)
    form = form_class(request.POST or None, request.FILES or None, initial=initial,
                      instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            resource.save_new(obj, access, request=request)
        except Exception as exc:
            if not hasattr(exc, "message_dict") and not hasattr(exc, "messages"):
                raise
            _attach_errors(form, exc)
        else:
            plain_key = getattr(obj, "plain_key", None)
            if plain_key:
                return render(request, "portal/secret_once.html",
                              {"resource": resource, "object": obj, "secret": plain_key})
            messages.success(request, _("Saved."))
            return redirect("portal:detail", slug=slug, lookup=getattr(obj, resource.lookup_field))
    return render(request, "portal/form.html", {
        "resource": resource, "form": form,
        "title": _("New: %(name)s") % {"name": resource.verbose_name()},
    })


def _attach_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "POST"])
@member_required
def resource_edit(request, slug, lookup):
    resource = _readable(request, slug)
    access = request.access
    obj = resource.get_object(access, lookup)
    if not resource.can_edit(obj, access):
        raise Http404
    before = audit.snapshot(obj, resource.edit_fields)
    form_class = resource_form(resource, resource.edit_fields)
    form = form_class(request.POST or None, request.FILES or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            resource.save_edit(obj, before, access, request=request)
        except Exception as exc:
            if not hasattr(exc, "messages"):
                raise
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:detail", slug=slug, lookup=lookup)
    return render(request, "portal/form.html", {
        "resource": resource, "form": form, "object": obj,
        "title": _("Edit: %(name)s") % {"name": obj},
    })


@require_POST
@member_required
def resource_action(request, slug, lookup, name):
    resource = _readable(request, slug)
    try:
        obj = resource.run_action(request.access, lookup, name, request=request)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        action = resource.action(name)
        messages.success(request, _("Done: %(action)s.") % {"action": action.label})
        if obj is not None and request.POST.get("next"):
            return redirect(_safe_next(request))
    return redirect("portal:detail", slug=slug, lookup=lookup)


@require_GET
@member_required
def resource_download(request, slug, lookup, field):
    resource = _readable(request, slug)
    resource.file_field(field)
    obj = resource.get_object(request.access, lookup)
    return open_download(resource, obj, field, request.access, request,
                         inline=request.GET.get("inline") == "1")


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


def _querystring(params: dict) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def redirect_home(request):
    return HttpResponseRedirect(reverse("portal:dashboard"))


@require_GET
@member_required
def bench_shell(request):
    """The portal's page shell with nothing in it: header, menu, badge, footer.

    ``bench/list_page.py`` reports the list page against it for information
    (what the list itself costs); its verdict is against ``/_bench/empty/``.
    Served only where ``BENCH_VIEWS`` is on; everywhere else it is a 404.
    """
    if not settings.BENCH_VIEWS:
        raise Http404
    return HttpResponse(_empty_shell().render({}, request))


@cache
def _empty_shell():
    return engines["django"].from_string('{% extends "portal/base.html" %}')


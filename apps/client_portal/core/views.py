"""Operational endpoints: a liveness check for load balancers, and the empty page
the list-page benchmark compares against."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST


@never_cache
@require_GET
def healthz(request):
    """200 ``{"status": "ok"}`` when this process can reach its database, 503 otherwise.

    Public on purpose (a load balancer probes it without a session) and says
    nothing about the deployment beyond up or down. Where Redis is configured
    (``REDIS_URL``) it says how each part is: ``{"status": "degraded", "redis":
    "down", "database": "ok"}`` with 200 while Redis is unreachable (the portal
    works without it: core/resilience.py), 503 only when the database is. Redis
    is asked at most every few seconds, with a 0.25 s time-out.
    """
    from . import resilience

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except DatabaseError:
        database = "down"
    redis = resilience.redis_status()
    if redis is None:
        if database != "ok":
            return JsonResponse({"status": "unavailable"}, status=503)
        return JsonResponse({"status": "ok"})
    status = ("unavailable" if database != "ok" else "degraded" if redis != "ok" else "ok")
    return JsonResponse({"status": status, "redis": redis, "database": database},
                        status=503 if database != "ok" else 200)


@require_GET
@login_required
def bench_empty(request):
    """An empty page behind the same middleware and sign-in check as the portal.

    ``bench/list_page.py`` measures the list page's throughput against this one.
    Served only where ``BENCH_VIEWS`` is on; everywhere else it is a 404.
    """
    if not settings.BENCH_VIEWS:
        raise Http404
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def superuser_required(view):
    """A back-office page for superusers only (the background jobs); others get 403."""
    from functools import wraps

    from django.contrib.admin.views.decorators import staff_member_required
    from django.core.exceptions import PermissionDenied

    @staff_member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- the inbox and feedback threads (portal pages) -----------------------------------------
def _member_required(view):
    from apps.client_portal.portal.access import member_required

    return member_required(view)


@require_POST
@_member_required
def notifications_read_all(request):
    """The inbox's "Mark all as read" button: one operation, the API's too."""
    from django.contrib import messages as flash
    from django.shortcuts import redirect
    from django.utils.translation import ngettext

    from .notify import mark_all_read

    count = mark_all_read(access=request.access, request=request)
    flash.success(request, ngettext("%(count)d notification marked as read.",
                                    "%(count)d notifications marked as read.", count)
                  % {"count": count})
    return redirect("portal:list", slug="notifications")


def notification_detail(request, lookup):
    """A notice's page. Opening it reads it: the notice is marked read for the person
    it was sent to (nobody else opens it: the inbox is each person's own).

    Reading is not a state change worth an audit row; marking again changes nothing.
    """
    from apps.client_portal.portal.views import resource_view

    @require_GET
    @resource_view
    def page(request, resource, lookup):
        from django.shortcuts import render
        from django.utils import timezone

        from apps.client_portal.portal.views import _detail_context

        from . import operations
        from .models import Notification

        access = request.access
        notice = operations.get_record(resource, access=access, lookup=lookup)
        if notice.read_at is None and notice.user_id == request.user.pk:
            now = timezone.now()
            if Notification.objects.filter(pk=notice.pk, user=request.user,
                                           read_at__isnull=True).update(read_at=now):
                notice.read_at = now
        context = _detail_context(resource, notice, access)
        context["link_label"] = link_label(notice.link, access)
        return render(request, ["portal/detail_notifications.html"], context)

    return page(request, slug="notifications", lookup=lookup)


def link_label(link: str, access) -> str:
    """What a notice's link opens, for its button: "Open: Invoice NW-2026-0124",
    "Open: Payments", "Open: Overview"; "" where it is no portal page the reader may
    see (the button then says "Open what this is about")."""
    from django.urls import Resolver404, resolve
    from django.utils.translation import gettext as _

    from .errors import Refused
    from .registry import registry

    if not link or not link.startswith("/"):
        return ""
    try:
        match = resolve(link.split("?", 1)[0])
    except Resolver404:
        return ""
    if match.namespace != "portal":
        return ""
    if match.url_name == "dashboard":
        return _("Open: %(title)s") % {"title": _("Overview")}
    if match.url_name not in ("list", "detail"):
        return ""
    try:
        resource = registry.get(match.kwargs.get("slug"))
        if not resource.may_read(access):
            return ""
        if match.url_name == "list":
            return _("Open: %(title)s") % {"title": resource.verbose_name_plural()}
        record = resource.get_object(access, match.kwargs["lookup"])
    except Refused:
        return ""
    return _("Open: %(title)s") % {"title": record}


def _reply_errors(refusal) -> dict:
    """A refused reply's messages by the form's fields; the rest under ``other``."""
    errors = {"body": [], "attachment": [], "other": []}
    for name, messages in (refusal.fields or {}).items():
        errors[name if name in ("body", "attachment") else "other"].extend(messages)
    if not any(errors.values()):
        errors["other"].append(refusal.message)
    return errors


@require_http_methods(["GET", "POST"])
@_member_required
def feedback_reply(request, lookup):
    """A client's reply on the feedback's page: the ``feedback-replies`` create operation.

    A refused reply shows the feedback's page again (status 400) with the form as
    typed and each message beside its field; the address of that answer, opened
    again (reloaded, bookmarked), leads back to the feedback's page.
    """
    from django.contrib import messages as flash
    from django.shortcuts import redirect, render
    from django.utils.translation import gettext as _

    from . import operations
    from .errors import Refused
    from .resources import FeedbackReplyResource, FeedbackResource

    access = request.access
    if request.method == "GET":
        return redirect("portal:detail", slug="feedback", lookup=lookup)
    try:
        feedback = operations.get_record(FeedbackResource, access=access, lookup=lookup)
        data = request.POST.copy()
        data["feedback"] = str(feedback.uuid)
        operations.create(FeedbackReplyResource, access=access, data=data,
                          files=request.FILES, request=request)
    except Refused as refusal:
        if refusal.code == "not_found":
            raise Http404 from None
        if refusal.code != "invalid":
            from apps.client_portal.portal.views import refused_page

            return refused_page(request, refusal, FeedbackResource, feedback)
        from apps.client_portal.portal.views import _detail_context

        context = _detail_context(FeedbackResource, feedback, access)
        context["reply_errors"] = _reply_errors(refusal)
        context["reply_body"] = request.POST.get("body", "")
        return render(request, ["portal/detail_feedback.html"], context, status=400)
    flash.success(request, _("Your reply was sent."))
    return redirect("portal:detail", slug="feedback", lookup=feedback.uuid)

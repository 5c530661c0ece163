"""Operational endpoints: a liveness check for load balancers, and the empty page
the list-page benchmark compares against."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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

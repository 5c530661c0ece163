from django.contrib import admin
from django.urls import include, path
from django_rq.urls import get_admin_urlpatterns, get_api_urlpatterns

from apps.client_portal.core import views as core_views
from apps.client_portal.core.views import superuser_required
from apps.client_portal.portal import views as portal_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("_bench/empty/", core_views.bench_empty, name="bench_empty"),
    path("_bench/shell/", portal_views.bench_shell, name="bench_shell"),
    # Background jobs: for superusers only (staff groups see only their own sections).
    path("admin/django-rq/", include((
        get_api_urlpatterns() + get_admin_urlpatterns(view_wrapper=superuser_required),
        "django_rq"))),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.client_portal.accounts.mfa_urls")),
    path("accounts/", include("apps.client_portal.accounts.sso_urls")),
    path("", include("apps.client_portal.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.client_portal.documents.signing.urls")),
    path("", include("apps.client_portal.loans.urls")),
    path("", include("apps.client_portal.bureau.urls")),
    path("", include("apps.client_portal.bureau.reports.urls")),
    path("api/v1/billing/", include("apps.client_portal.billing.api_urls")),
    path("api/v1/", include("apps.client_portal.core.api_urls")),
    path("api/", include("apps.client_portal.api.urls")),
    path("billing/", include("apps.client_portal.billing.urls")),
    path("", include("apps.client_portal.core.urls")),
    path("", include("apps.client_portal.portal.urls")),
]

# Errors in the portal's layout, in the reader's language (portal/views.py).
handler403 = "apps.client_portal.portal.views.permission_denied"
handler404 = "apps.client_portal.portal.views.page_not_found"
handler500 = "apps.client_portal.portal.views.server_error"

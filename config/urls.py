from django.contrib import admin
from django.urls import include, path

from apps.client_portal.core import views as core_views
from apps.client_portal.portal import views as portal_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("_bench/empty/", core_views.bench_empty, name="bench_empty"),
    path("_bench/shell/", portal_views.bench_shell, name="bench_shell"),
    path("admin/django-rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.client_portal.accounts.mfa_urls")),
    path("accounts/", include("apps.client_portal.accounts.sso_urls")),
    path("", include("apps.client_portal.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/billing/", include("apps.client_portal.billing.api_urls")),
    path("api/", include("apps.client_portal.api.urls")),
    path("billing/", include("apps.client_portal.billing.urls")),
    path("", include("apps.client_portal.portal.urls")),
]

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/django-rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("apps.client_portal.api.urls")),
    path("", include("apps.client_portal.portal.urls")),
]

"""Pages and API endpoints of this module beyond those the registry generates.

Included at the site's root (config/urls.py), before the core's: each path here
carries its full prefix.
"""

from django.urls import path

from . import views

app_name = "loans"

urlpatterns = [
    path("loans/<uuid:lookup>/pay/", views.pay, name="pay"),
    path("loans/<uuid:lookup>/download/<str:kind>", views.download, name="download"),
    path("api/v1/loans/<uuid:lookup>/schedule/", views.ScheduleView.as_view(), name="api_schedule"),
    path("api/v1/loans/<uuid:lookup>/repayments/", views.RepaymentsView.as_view(),
         name="api_repayments"),
]

"""Pages of the reports app beyond those the registry generates (full prefixes)."""

from django.urls import path

from . import views

app_name = "bureau_reports"

urlpatterns = [
    path("bureau/reports/<uuid:lookup>/pdf/", views.report_pdf, name="report_pdf"),
    path("bureau/reports/<uuid:lookup>/json/", views.report_json, name="report_json"),
    path("bureau/personal-report/", views.personal_report, name="personal"),
    path("bureau/personal-report/<uuid:lookup>/", views.personal_detail, name="personal_detail"),
    path("bureau/personal-report/<uuid:lookup>/dispute/<uuid:debt>/", views.dispute,
         name="dispute"),
]

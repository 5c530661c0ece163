"""Pages and API endpoints of this module beyond those the registry generates.

Included at the site's root (config/urls.py), before the core's: each path here
carries its full prefix.
"""

from django.urls import path

from . import api, views

app_name = "bureau"

urlpatterns = [
    path("bureau/import/<slug:fmt>/", views.import_upload, name="import"),
    path("bureau/imports/<uuid:lookup>/progress/", views.import_progress,
         name="import-progress"),
    path("bureau/imports/<uuid:lookup>/cancel/", views.import_cancel, name="import-cancel"),
    path("bureau/debts/new/", views.add_debt, name="add-debt"),
    # Before the generated router: POST starts an import, GET lists them.
    path("api/v1/debt-imports/", api.DebtImportViewSet.as_view(
        {"get": "list", "post": "create"}), name="api-debt-imports"),
]

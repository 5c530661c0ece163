from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("select/", views.select_organization, name="select"),
    path("account/", views.account, name="account"),
    path("language/", views.set_language, name="set_language"),
    path("p/<slug:slug>/", views.resource_list, name="list"),
    path("p/<slug:slug>/new/", views.resource_create, name="create"),
    path("p/<slug:slug>/export.<str:fmt>", views.resource_export, name="export"),
    path("p/<slug:slug>/<uuid:lookup>/", views.resource_detail, name="detail"),
    path("p/<slug:slug>/<uuid:lookup>/edit/", views.resource_edit, name="edit"),
    path("p/<slug:slug>/<uuid:lookup>/secret/", views.resource_secret, name="secret"),
    path("p/<slug:slug>/<uuid:lookup>/do/<slug:name>/", views.resource_action, name="action"),
    path("p/<slug:slug>/<uuid:lookup>/files/<slug:field>/", views.resource_download,
         name="download"),
]

from django.urls import path, re_path

from . import api_views, views

app_name = "accounts"

urlpatterns = [
    path("accounts/activate/", views.activate, name="activate"),
    path("accounts/activate/sent/", views.activate_sent, name="activate_sent"),
    path("accounts/activate/<str:token>/", views.activate_confirm, name="activate_confirm"),
    re_path(r"^account/my-data\.(?P<fmt>json|pdf)$", views.my_data, name="my_data"),
    path("people/invite/", views.person_invite, name="person_invite"),
    path("people/<uuid:lookup>/manage/", views.person_manage, name="person_manage"),
    re_path(r"^people/(?P<lookup>[0-9a-f-]{36})/(?P<state>deactivate|reactivate)/$",
            views.person_set_active, name="person_set_active"),
    path("api/v1/people/<uuid:lookup>/role/", api_views.PersonRoleView.as_view(),
         name="api_person_role"),
    path("api/v1/people/<uuid:lookup>/deactivate/",
         api_views.PersonActiveView.as_view(active=False), name="api_person_deactivate"),
    path("api/v1/people/<uuid:lookup>/reactivate/",
         api_views.PersonActiveView.as_view(active=True), name="api_person_reactivate"),
]

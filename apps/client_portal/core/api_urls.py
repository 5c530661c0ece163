from django.urls import path

from . import api

app_name = "core_api"

urlpatterns = [
    path("notifications/read-all/", api.NotificationsReadAllView.as_view(),
         name="notifications_read_all"),
]

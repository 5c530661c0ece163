"""Portal pages of the core beyond the generated ones: the inbox, feedback threads."""

from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("p/notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    # A notice's page marks it read; it stands before the generated detail page.
    path("p/notifications/<uuid:lookup>/", views.notification_detail,
         name="notification_detail"),
    path("p/feedback/<uuid:lookup>/reply/", views.feedback_reply, name="feedback_reply"),
]

from django.urls import path

from . import mfa_views

urlpatterns = [
    path("2fa/email/", mfa_views.email_code, name="mfa_email_code"),
]

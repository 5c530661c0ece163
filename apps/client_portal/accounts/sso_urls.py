from django.urls import path

from . import sso_views

urlpatterns = [
    # Replaces allauth's SAML assertion consumer to refuse replayed responses.
    path("saml/<str:organization_slug>/acs/", sso_views.saml_acs, name="saml_acs"),
]

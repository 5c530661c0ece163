"""Pages and API endpoints of this module beyond those the registry generates.

Included at the site's root (config/urls.py), before the core's: each path here
carries its full prefix.
"""

from django.urls import path

from . import views

app_name = "signing"

urlpatterns = [
    path("verify/", views.verify_page, name="verify"),
    path("signatures/<uuid:lookup>/sign/", views.sign_page, name="sign"),
    path("signatures/<uuid:lookup>/document.pdf", views.document_pdf, name="document"),
    path("api/v1/signatures/verify/", views.VerifyView.as_view(), name="api_verify"),
    path("signatures/<uuid:lookup>/upload/", views.upload_page, name="upload"),
    path("signatures/<uuid:lookup>/decline/", views.decline_page, name="decline"),
    path("api/v1/signatures/<uuid:lookup>/decline/", views.DeclineView.as_view(),
         name="api_decline"),
    path("api/v1/signatures/<uuid:lookup>/sign/", views.SignView.as_view(), name="api_sign"),
    path("api/v1/signatures/<uuid:lookup>/certificate/prepare/",
         views.CertificatePrepareView.as_view(), name="api_certificate_prepare"),
    path("api/v1/signatures/<uuid:lookup>/certificate/finish/",
         views.CertificateFinishView.as_view(), name="api_certificate_finish"),
    path("api/v1/signatures/<uuid:lookup>/upload/", views.CertificateUploadView.as_view(),
         name="api_upload"),
]

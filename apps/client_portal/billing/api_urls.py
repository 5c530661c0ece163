from django.urls import path

from . import api

app_name = "billing_api"

urlpatterns = [
    path("documents/", api.DocumentCreateView.as_view(), name="documents"),
    path("payments/", api.PaymentRecordView.as_view(), name="payments"),
    path("zip/", api.ZipView.as_view(), name="zip"),
]

from django.urls import path

from . import urls_online, views

app_name = "billing"

urlpatterns = [
    path("statement/", views.statement, name="statement"),
    path("statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("invoices/zip/", views.download_zip, name="zip"),
    path("invoices/<uuid:lookup>/preview/", views.preview, name="preview"),
]
# Online payment (pay a document, pay a balance, gateway callbacks) lives in its own module.
urlpatterns += urls_online.urlpatterns

"""URLs of online payment (pay a document, pay the balance, gateway callbacks)."""

from django.urls import path

from . import views_online as views

urlpatterns = [
    path("pay/<uuid:document>/", views.pay, name="pay"),
    path("pay-balance/<str:currency>/", views.pay_balance, name="pay_balance"),
    path("pay/return/<uuid:intent>/", views.pay_return, name="pay_return"),
    path("pay/cancel/<uuid:intent>/", views.pay_cancel, name="pay_cancel"),
    path("pay/callback/<slug:gateway>/", views.pay_callback, name="pay_callback"),
    # The stand-in gateway of the demo; answers 404 unless FAKE_GATEWAY_ENABLED.
    path("fake-gateway/", views.fake_gateway, name="fake_gateway_home"),
    path("fake-gateway/<path:path>", views.fake_gateway, name="fake_gateway"),
]

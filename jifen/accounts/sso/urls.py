from django.urls import path

from jifen.accounts.sso import views

app_name = "sso"

urlpatterns = [
    path("oidc/start/", views.OIDCStartView.as_view(), name="oidc_start"),
    path("oidc/callback/", views.oidc_callback, name="oidc_callback"),
]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignOnConfig(AppConfig):
    name = "jifen.accounts.sso"
    label = "sso"
    verbose_name = _("Sign-on")

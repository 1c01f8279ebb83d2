from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "jifen.ops"
    label = "ops"
    verbose_name = "Operations"

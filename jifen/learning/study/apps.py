from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudyConfig(AppConfig):
    name = "jifen.learning.study"
    label = "study"
    verbose_name = _("Online study")

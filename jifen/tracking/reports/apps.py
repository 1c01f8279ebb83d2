from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingReportsConfig(AppConfig):
    name = "jifen.tracking.reports"
    label = "tracking_reports"
    verbose_name = _("Follow-up reports")

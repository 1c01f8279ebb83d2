from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "jifen.reports.exports"
    label = "exports"
    verbose_name = _("Reports and exports")

    def ready(self):
        from jifen.notify.tasks import JOBS
        from jifen.reports.exports.tasks import monthly_report

        # The organisation's monthly points report, made on the 1st by the background worker.
        JOBS["monthly_report"] = (monthly_report, _("Monthly points report"), (None, 1, "06:30"))

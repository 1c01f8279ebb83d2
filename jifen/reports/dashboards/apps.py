from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "jifen.reports.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from jifen.core.views import HOME_PANELS
        from jifen.reports.dashboards.views import home_panel

        if home_panel not in HOME_PANELS:
            HOME_PANELS.append(home_panel)

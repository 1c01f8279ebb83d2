from django.contrib import admin
from django.urls import include, path

from jifen.api.api import api

urlpatterns = [
    path("", include("jifen.core.urls")),
    path("accounts/tokens/", include("jifen.api.urls")),
    path("accounts/sso/", include("jifen.accounts.sso.urls")),
    path("accounts/", include("jifen.accounts.urls")),
    path("org/", include("jifen.org.urls")),
    path("points/", include("jifen.ledger.urls")),
    path("rules/", include("jifen.rules.urls")),
    path("courses/", include("jifen.catalog.urls")),
    path("rewards/", include("jifen.rewards.urls")),
    path("recognition/", include("jifen.recognition.urls")),
    path("tracking/forms/", include("jifen.tracking.instruments.urls")),
    path("tracking/reports/", include("jifen.tracking.reports.urls")),
    path("tracking/supervision/", include("jifen.tracking.supervision.urls")),
    path("tracking/", include("jifen.tracking.followup.urls")),
    path("growth/", include("jifen.tracking.growth.urls")),
    path("attendance/", include("jifen.learning.attendance.urls")),
    path("study/", include("jifen.learning.study.urls")),
    path("exams/", include("jifen.learning.exams.urls")),
    path("work/", include("jifen.learning.work.urls")),
    path("integrity/", include("jifen.learning.integrity.urls")),
    path("notifications/", include("jifen.notify.urls")),
    path("exports/", include("jifen.reports.exports.urls")),
    path("dashboards/", include("jifen.reports.dashboards.urls")),
    path("imports/", include("jifen.imports.urls")),
    path("audit/", include("jifen.audit.urls")),
    path("api/v1/", api.urls),
    path("xapi/", include("jifen.xapi.urls")),
    path("admin/", admin.site.urls),
]

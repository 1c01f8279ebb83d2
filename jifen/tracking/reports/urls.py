from django.urls import path

from jifen.tracking.reports import views

app_name = "tracking_reports"

urlpatterns = [
    # the tracking report per plan (跟踪管理报告): training admins, managers, auditors
    path("", views.index, name="index"),
    path("plans/<int:pk>/", views.report, name="report"),
    path("plans/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("plans/<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("plans/<int:pk>/settings/", views.report_settings, name="settings"),
    # business results (Kirkpatrick level 4) entered by the departments' managers
    path("measures/", views.measures, name="measures"),
    path("plans/<int:pk>/measures/", views.plan_measures, name="plan_measures"),
    path("measures/<int:pk>/remove/", views.measure_remove, name="measure_remove"),
]

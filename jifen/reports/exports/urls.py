from django.urls import path

from jifen.reports.exports import views

app_name = "exports"

urlpatterns = [
    # the monthly points report (seed 002): requested here, built by a job, downloaded when ready
    path("", views.index, name="index"),
    path("monthly/", views.monthly_request, name="monthly_request"),
    path("files/<int:pk>/", views.report_row, name="report_row"),
    path("files/<int:pk>/download/", views.download, name="download"),
    # the filterable lists as Excel (same filters and scope as their pages)
    path("people.xlsx", views.people_xlsx, name="people"),
    path("entries.xlsx", views.entries_xlsx, name="entries"),
    path("orders.xlsx", views.orders_xlsx, name="orders"),
    path("test-results.xlsx", views.results_xlsx, name="results"),
    # appraisal / promotion eligibility (seed 003)
    path("eligibility.xlsx", views.eligibility_xlsx, name="eligibility"),
    # a person's learning record (学习档案)
    path("record.pdf", views.my_record, name="my_record"),
    path("people/<int:pk>/record.pdf", views.record, name="record"),
]

from django.urls import path

from jifen.tracking.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.kpis, name="kpis"),
    path("kpis.xlsx", views.kpis_xlsx, name="kpis_xlsx"),
    path("summary/", views.summary, name="summary"),
    path("summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("archive/", views.archive, name="archive"),
    path("archive/<int:year>.zip", views.archive_download, name="archive_download"),
]

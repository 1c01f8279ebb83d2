from django.urls import path

from jifen.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.changes, name="changes"),
    path("export.xlsx", views.changes_export, name="export"),
]

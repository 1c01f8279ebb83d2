from django.urls import path

from jifen.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("<slug:kind>/", views.upload, name="upload"),
    path("<slug:kind>/template.<str:fmt>", views.template, name="template"),
    path("<slug:kind>/<str:token>/", views.review, name="review"),
]

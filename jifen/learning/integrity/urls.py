from django.urls import path

from jifen.learning.integrity import views

app_name = "integrity"

urlpatterns = [
    path("", views.my_cases, name="my_cases"),
    path("cases/", views.cases, name="cases"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("cases/<int:pk>/confirm/", views.case_confirm, name="case_confirm"),
    path("cases/<int:pk>/dismiss/", views.case_dismiss, name="case_dismiss"),
]

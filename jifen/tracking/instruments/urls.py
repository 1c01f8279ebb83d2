from django.urls import path

from jifen.tracking.instruments import views

app_name = "instruments"

urlpatterns = [
    path("", views.forms_list, name="forms"),
    path("new/", views.form_create, name="form_create"),
    path("<int:pk>/", views.form_detail, name="form"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("questions/<int:pk>/remove/", views.question_remove, name="question_remove"),
    path("questions/<int:pk>/move/", views.question_move, name="question_move"),
]

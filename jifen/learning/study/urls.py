from django.urls import path

from jifen.learning.study import views

app_name = "study"

urlpatterns = [
    path("", views.my_progress, name="my_progress"),
    path("courses/<int:course_pk>/", views.course_lessons, name="course"),
    path("lessons/<int:pk>/", views.lesson, name="lesson"),
    path("lessons/<int:pk>/complete/", views.lesson_complete, name="lesson_complete"),
    path("lessons/<int:pk>/media/<str:which>/", views.media, name="media"),
    path("manage/", views.manage, name="manage"),
    path("manage/courses/<int:course_pk>/lessons/new/", views.lesson_create, name="lesson_create"),
    path("manage/lessons/<int:pk>/", views.lesson_edit, name="lesson_edit"),
]

from django.urls import path

from jifen.learning.exams import views

app_name = "exams"

urlpatterns = [
    path("", views.my_quizzes, name="my_quizzes"),
    path("quizzes/<int:pk>/start/", views.quiz_start, name="quiz_start"),
    path("attempts/<int:pk>/", views.attempt, name="attempt"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("manage/", views.bank, name="bank"),
    path("manage/courses/<int:course_pk>/", views.course_bank, name="course_bank"),
    path("manage/courses/<int:course_pk>/questions/new/", views.question_create, name="question_create"),
    path("manage/courses/<int:course_pk>/questions/import/", views.question_import, name="question_import"),
    path("manage/questions/<int:pk>/", views.question_edit, name="question_edit"),
    path("manage/courses/<int:course_pk>/quizzes/new/", views.quiz_create, name="quiz_create"),
    path("manage/quizzes/<int:pk>/", views.quiz_edit, name="quiz_edit"),
]

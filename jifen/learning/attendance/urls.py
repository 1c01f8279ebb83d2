from django.urls import path

from jifen.learning.attendance import views

app_name = "attendance"

urlpatterns = [
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<int:pk>/", views.roster, name="roster"),
    path("sessions/<int:pk>/people/<int:person_pk>/mark/", views.mark, name="mark"),
    path("sessions/<int:pk>/people/<int:person_pk>/participation/", views.participation, name="participation"),
    path("sessions/<int:pk>/people/<int:person_pk>/makeup/", views.makeup, name="makeup"),
    path("sessions/<int:pk>/close/", views.close, name="close"),
    path("sessions/<int:pk>/qr/", views.qr, name="qr"),
    path("sessions/<int:pk>/qr/code/", views.qr_code, name="qr_code"),
    path("sessions/<int:pk>/import/", views.import_attendance, name="import"),
    path("sessions/<int:pk>/import/template.xlsx", views.import_template, name="import_template"),
    path("c/<int:session_pk>/<str:token>/", views.checkin, name="checkin"),
    path("my/", views.my_attendance, name="my"),
]

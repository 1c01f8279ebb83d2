from django.urls import path

from jifen.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.my_points, name="my_points"),
    path("people/<int:pk>/", views.person_points, name="person_points"),
]

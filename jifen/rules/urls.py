from django.urls import path

from jifen.rules import views

app_name = "rules"

urlpatterns = [
    path("", views.rules, name="rules"),
    path("<slug:code>/", views.rule, name="rule"),
]

from django.urls import path

from jifen.reports.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("team/", views.team, name="team"),  # a manager's unit
    path("training/", views.training, name="training"),  # training admins: the year's programme
    path("economy/", views.economy, name="economy"),  # the points economy
]

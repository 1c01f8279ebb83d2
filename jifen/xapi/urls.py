from django.urls import path, re_path

from jifen.xapi import lrs, views

app_name = "xapi"

# The LRS resources answer with and without a trailing slash: clients differ in how they join the endpoint.
urlpatterns = [
    re_path(r"^about/?$", lrs.about, name="about"),
    re_path(r"^statements/?$", lrs.statements, name="statements"),
    path("statements/more/<str:token>", lrs.more, name="more"),
    re_path(r"^activities/state/?$", lrs.state, name="state"),
    re_path(r"^activities/profile/?$", lrs.activity_profile, name="activity_profile"),
    re_path(r"^activities/?$", lrs.activities, name="activities"),
    re_path(r"^agents/profile/?$", lrs.agent_profile, name="agent_profile"),
    re_path(r"^agents/?$", lrs.agents, name="agents"),
    path("manage/", views.mappings, name="mappings"),
    path("manage/verbs/<int:pk>/delete/", views.verb_delete, name="verb_delete"),
    path("manage/activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("manage/unmatched/", views.unmatched, name="unmatched"),
]

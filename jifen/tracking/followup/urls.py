from django.urls import path

from jifen.tracking.followup import views

app_name = "followup"

urlpatterns = [
    # learners, managers, peers: the tasks given to me
    path("", views.my_tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task, name="task"),
    # a person's follow-up record (test grades, 360 reports)
    path("people/<int:pk>/", views.record, name="record"),
    path("results/", views.results, name="results"),
    # training admins: plans
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/new-programme/", views.programme_plan_create, name="programme_plan_create"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/test-results/", views.test_result, name="test_result"),
    path("plans/<int:pk>/test-results/import/", views.test_import, name="test_import"),
    path("plans/<int:pk>/test-results/template.xlsx", views.test_import_template, name="test_import_template"),
    path("plans/<int:pk>/peers/", views.peer_add, name="peer_add"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan_close"),
    # training admins: templates
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template, name="template"),
    path("templates/<int:pk>/activities/", views.activity_add, name="activity_add"),
    path("activities/<int:pk>/remove/", views.activity_remove, name="activity_remove"),
]

from django.urls import path

from jifen.tracking.growth import views

app_name = "growth"

urlpatterns = [
    # behaviour observations (行为观察): the learner's feedback, the manager's observations
    path("", views.my_feedback, name="my_feedback"),
    path("observations/<int:pk>/acknowledge/", views.observation_ack, name="observation_ack"),
    path("observations/", views.observations, name="observations"),
    path("observations/new/", views.observation_create, name="observation_create"),
    # the training application archive (培训应用档案)
    path("cases/", views.my_cases, name="my_cases"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("cases/<int:pk>/evidence/", views.case_file, name="case_file"),
    path("cases/<int:pk>/confirm/", views.case_confirm, name="case_confirm"),
    path("reports/", views.my_reports, name="my_reports"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/confirm/", views.report_confirm, name="report_confirm"),
    path("archive/", views.archive, name="archive"),
    # individual development plans (个人发展计划) and the yearly career review
    path("plan/", views.my_plan, name="my_plan"),
    path("plan/edit/", views.plan_edit, name="plan_edit"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/decide/", views.plan_decide, name="plan_decide"),
    path("plans/<int:pk>/review/", views.plan_review, name="plan_review"),
    # improvement actions (改进措施)
    path("actions/", views.actions, name="actions"),
    path("actions/new/", views.action_create, name="action_create"),
    path("actions/<int:pk>/", views.action, name="action"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
    path("actions/<int:pk>/checks/", views.action_check, name="action_check"),
]

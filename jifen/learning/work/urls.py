from django.urls import path

from jifen.learning.work import views

app_name = "work"

urlpatterns = [
    # homework: learners
    path("", views.my_homework, name="my_homework"),
    path("assignments/<int:pk>/submit/", views.submit, name="submit"),
    # homework: trainers and training admins
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/new/", views.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/", views.assignment, name="assignment"),
    path("assignments/<int:pk>/close/", views.assignment_close, name="assignment_close"),
    path("submissions/<int:pk>/", views.submission, name="submission"),
    path("submissions/<int:pk>/grade/", views.grade, name="grade"),
    path("submissions/<int:pk>/file/", views.submission_file, name="submission_file"),
    # self-study claims (自学申报)
    path("claims/", views.my_claims, name="my_claims"),
    path("claims/new/", views.claim_create, name="claim_create"),
    path("claims/review/", views.claims_review, name="claims_review"),
    path("claims/<int:pk>/", views.claim, name="claim"),
    path("claims/<int:pk>/approve/", views.claim_approve, name="claim_approve"),
    path("claims/<int:pk>/reject/", views.claim_reject, name="claim_reject"),
    path("claims/<int:pk>/evidence/", views.claim_file, name="claim_file"),
    # knowledge contributions (知识贡献)
    path("contributions/", views.my_contributions, name="my_contributions"),
    path("contributions/new/", views.contribution_create, name="contribution_create"),
    path("contributions/review/", views.contributions_review, name="contributions_review"),
    path("contributions/<int:pk>/", views.contribution, name="contribution"),
    path("contributions/<int:pk>/approve/", views.contribution_approve, name="contribution_approve"),
    path("contributions/<int:pk>/reject/", views.contribution_reject, name="contribution_reject"),
    path("contributions/<int:pk>/evidence/", views.contribution_file, name="contribution_file"),
]

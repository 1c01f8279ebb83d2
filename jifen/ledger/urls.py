from django.urls import path

from jifen.ledger import views, views_adjust, views_appeals

app_name = "ledger"

urlpatterns = [
    path("", views.my_points, name="my_points"),
    path("people/<int:pk>/", views.person_points, name="person_points"),
    path("search/", views.ledger_search, name="search"),
    # manual adjustments (maker-checker)
    path("adjustments/", views_adjust.adjustments_queue, name="adjustments"),
    path("adjustments/new/", views_adjust.adjustment_create, name="adjustment_create"),
    path("adjustments/upload/", views_adjust.adjustment_upload, name="adjustment_upload"),
    path("adjustments/upload/template.<str:fmt>", views_adjust.adjustment_template, name="adjustment_template"),
    path("adjustments/upload/<str:token>/", views_adjust.adjustment_upload_review, name="adjustment_upload_review"),
    path("adjustments/<int:pk>/", views_adjust.adjustment, name="adjustment"),
    path("adjustments/<int:pk>/evidence/", views_adjust.adjustment_evidence, name="adjustment_evidence"),
    path("adjustments/<int:pk>/approve/", views_adjust.adjustment_approve, name="adjustment_approve"),
    path("adjustments/<int:pk>/reject/", views_adjust.adjustment_reject, name="adjustment_reject"),
    # appeals (异议)
    path("entries/<int:entry_pk>/appeal/", views_appeals.appeal_create, name="appeal_create"),
    path("appeals/mine/", views_appeals.my_appeals, name="my_appeals"),
    path("appeals/", views_appeals.appeals_queue, name="appeals"),
    path("appeals/<int:pk>/", views_appeals.appeal, name="appeal"),
    path("appeals/<int:pk>/accept/", views_appeals.appeal_accept, name="appeal_accept"),
    path("appeals/<int:pk>/reject/", views_appeals.appeal_reject, name="appeal_reject"),
]

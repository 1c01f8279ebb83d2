from django.urls import path

from jifen.org import views, views_import

app_name = "org"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/lookup/", views.person_lookup, name="person_lookup"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/password/", views.person_password, name="person_password"),
    path("people/<int:pk>/roles/", views.role_grant, name="role_grant"),
    path("people/<int:pk>/roles/<int:assignment_pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("units/", views.units, name="units"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/children/", views.unit_children, name="unit_children"),
    path("units/<int:pk>/rename/", views.unit_rename, name="unit_rename"),
    path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("units/<int:pk>/archive/", views.unit_archive, name="unit_archive"),
    path("positions/", views.positions, name="positions"),
    path("positions/new/", views.position_edit, name="position_create"),
    path("positions/<int:pk>/edit/", views.position_edit, name="position_edit"),
    path("import/", views_import.upload, name="import"),
    path("import/template.<str:fmt>", views_import.template, name="import_template"),
    path("import/<str:token>/", views_import.review, name="import_review"),
]

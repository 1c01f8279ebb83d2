from django.urls import path

from jifen.catalog import views

app_name = "catalog"

urlpatterns = [
    # learners
    path("", views.course_list, name="courses"),
    path("<int:pk>/", views.course_detail, name="course"),
    path("sessions/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("enrolments/<int:pk>/cancel/", views.my_enrolment_cancel, name="my_enrolment_cancel"),
    path("mine/", views.my_courses, name="my_courses"),
    path("progress/", views.my_progress, name="my_progress"),
    # training admins: courses and categories
    path("manage/", views.manage_courses, name="manage_courses"),
    path("manage/new/", views.course_create, name="course_create"),
    path("manage/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("manage/<int:pk>/materials/", views.material_add, name="material_add"),
    path("manage/materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
    path("categories/", views.categories, name="categories"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    # sessions and rosters
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/roster/", views.roster, name="roster"),
    path("sessions/<int:pk>/roster/assign/", views.roster_assign, name="roster_assign"),
    path("roster/<int:pk>/approve/", views.enrolment_approve, name="enrolment_approve"),
    path("roster/<int:pk>/reject/", views.enrolment_reject, name="enrolment_reject"),
    path("roster/<int:pk>/cancel/", views.enrolment_cancel, name="enrolment_cancel"),
    path("roster/<int:pk>/move/", views.enrolment_move, name="enrolment_move"),
    # requirements and gaps
    path("requirements/", views.requirements, name="requirements"),
    path("requirements/new/", views.assignment_create, name="assignment_create"),
    path("requirements/<int:pk>/delete/", views.assignment_delete, name="assignment_delete"),
    path("requirements/policy/", views.policy_edit, name="policy"),
    path("gaps/", views.gap_report, name="gap_report"),
    path("gaps/<int:pk>/", views.person_gap, name="person_gap"),
]

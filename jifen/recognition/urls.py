from django.urls import path

from jifen.recognition import views

app_name = "recognition"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("preference/", views.preference, name="preference"),
    path("levels/", views.levels, name="levels"),
    path("levels/new/", views.level_form, name="level_create"),
    path("levels/<int:pk>/", views.level_form, name="level_edit"),
    path("badges/", views.badge_wall, name="badges"),
    path("badges/grant/", views.badge_grant, name="badge_grant"),
    path("badges/<slug:code>.svg", views.badge_emblem, name="badge_emblem"),
    path("certificates/", views.my_certificates, name="certificates"),
    path("certificates/<int:pk>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/consent/", views.certificate_consent, name="certificate_consent"),
    path("verify/", views.verify, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
]

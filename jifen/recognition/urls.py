from django.urls import path

from jifen.recognition import openbadges, views

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
    # Open Badges 2.0 (hosted verification): public JSON-LD
    path("ob/issuer.json", openbadges.issuer, name="ob_issuer"),
    path("ob/badges/<slug:code>.json", openbadges.badge_class, name="ob_badge"),
    path("ob/assertions/<uuid:uid>.json", openbadges.badge_assertion, name="ob_assertion"),
    path("ob/certificates/<slug:key>.json", openbadges.certificate_class, name="ob_certificate_class"),
    path("ob/certificate-assertions/<str:code>.json", openbadges.certificate_assertion, name="ob_certificate"),
    path("verify/", views.verify, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
]

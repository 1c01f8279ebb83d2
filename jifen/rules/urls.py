from django.urls import path

from jifen.rules import views

app_name = "rules"

urlpatterns = [
    path("", views.rules, name="rules"),
    path("new/", views.rule_create, name="rule_create"),
    path("export.yaml", views.ruleset_export, name="export"),
    path("import/", views.ruleset_import, name="import"),
    path("simulate/", views.simulate, name="simulate"),
    path("<slug:code>/", views.rule, name="rule"),
    path("<slug:code>/edit/", views.rule_edit, name="rule_edit"),
    path("<slug:code>/publish/", views.rule_publish, name="rule_publish"),
    path("<slug:code>/archive/", views.rule_archive, name="rule_archive"),
]

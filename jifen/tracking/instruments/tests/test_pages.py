"""The form builder: add, reorder and remove questions (plain posts or htmx partials); a wrong
question is shown again with its translated error."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from jifen.org.models import Role
from jifen.tracking.instruments import services
from jifen.tracking.instruments.models import Form


@pytest.fixture
def admin(org):
    return org.person(unit=org.rnd, name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)


def test_a_training_admin_builds_a_form(client, admin):
    client.force_login(admin.user)
    response = client.post(reverse("instruments:form_create"), {"name": "带教评估", "kind": "general"})
    form = Form.objects.get(name="带教评估")
    assert response.status_code == 302
    client.post(reverse("instruments:question_add", args=[form.pk]),
                {"kind": "single", "text": "最有用的环节", "options": "案例\n练习", "required": "on"})
    partial = client.post(reverse("instruments:question_add", args=[form.pk]),
                          {"kind": "likert", "text": "讲师准备充分", "required": "on"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    second = form.current_version().questions.get(text="讲师准备充分")
    client.post(reverse("instruments:question_move", args=[second.pk]), {"direction": "up"})
    assert list(form.current_version().questions.values_list("text", flat=True)) == ["讲师准备充分", "最有用的环节"]
    body = client.get(reverse("instruments:form", args=[form.pk])).content.decode()
    assert "讲师准备充分" in body


def test_a_choice_question_without_choices_is_shown_again_with_the_error(client, admin):
    client.force_login(admin.user)
    form = services.form_create(name="反馈")
    response = client.post(reverse("instruments:question_add", args=[form.pk]),
                           {"kind": "multiple", "text": "用到了哪些", "required": "on"})
    assert response.status_code == 200
    body = response.content.decode()
    assert _("List at least two choices, one per line.") in body and "用到了哪些" in body


def test_the_forms_list_offers_the_built_in_survey_and_evaluation(client, admin):
    client.force_login(admin.user)
    body = client.get(reverse("instruments:forms")).content.decode()
    assert _("Training satisfaction survey") in body
    assert _("Work-performance evaluation after training") in body

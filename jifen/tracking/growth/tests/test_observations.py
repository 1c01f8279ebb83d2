import datetime as dt

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from jifen.core.errors import ApplicationError
from jifen.org.permissions import Perm, access_for_user
from jifen.tracking.growth import services
from jifen.tracking.growth.models import Observation, Rating
from jifen.tracking.growth.tests.factories import today

API = "/api/v1/growth"


def _observe(team, person=None, **extra):
    people = access_for_user(team.manager.user).people(Perm.TRACKING_FOLLOW)
    data = {"observer": team.manager.user, "people": people, "person": person or team.employee,
            "course": team.course, "observed_on": today(), "skills": "先倾听再回应\n复述需求",
            "rating": Rating.SOMETIMES, "feedback": "评审会上能先复述需求，但仍会打断别人。"}
    data.update(extra)
    return services.observation_create(**data)


def test_employee_sees_manager_feedback(client, team):
    _observe(team)
    client.force_login(team.employee.user)
    body = client.get(reverse("growth:my_feedback")).content.decode()
    assert "评审会上能先复述需求" in body
    assert "先倾听再回应" in body
    assert gettext("Sometimes") in body


def test_employee_acknowledges_feedback_once(client, team):
    observation = _observe(team)
    client.force_login(team.employee.user)
    response = client.post(reverse("growth:observation_ack", args=[observation.pk]))
    assert response.status_code == 302
    first = Observation.objects.get(pk=observation.pk).acknowledged_at
    assert first is not None
    client.post(reverse("growth:observation_ack", args=[observation.pk]))
    assert Observation.objects.get(pk=observation.pk).acknowledged_at == first


def test_nobody_else_acknowledges_someone_elses_feedback(client, team):
    observation = _observe(team)
    client.force_login(team.outsider.user)
    assert client.post(reverse("growth:observation_ack", args=[observation.pk])).status_code == 404
    assert Observation.objects.get(pk=observation.pk).acknowledged_at is None


def test_manager_cannot_observe_someone_outside_their_unit(client, team):
    with pytest.raises(ApplicationError) as error:
        _observe(team, person=team.outsider)
    assert error.value.field == "person"
    client.force_login(team.manager.user)
    form = {"person": team.outsider.pk, "course": team.course.pk, "observed_on": today().isoformat(),
            "skills": "倾听", "rating": "sometimes", "feedback": "很好"}
    assert client.post(reverse("growth:observation_create"), form).status_code == 200
    api = client.post(f"{API}/observations", {"person_id": team.outsider.pk, "course_id": team.course.pk,
                                              "observed_on": today().isoformat(), "skills": ["倾听"],
                                              "rating": "sometimes", "feedback": "很好"},
                      content_type="application/json")
    assert api.status_code == 404
    assert not Observation.objects.exists()


def test_manager_cannot_observe_themselves(team):
    people = access_for_user(team.manager.user).people(Perm.TRACKING_FOLLOW)
    with pytest.raises(ApplicationError) as error:
        _observe(team, person=team.manager, people=people)
    assert error.value.message == gettext("You cannot observe yourself.")


def test_an_observation_in_the_future_is_refused(team):
    with pytest.raises(ApplicationError) as error:
        _observe(team, observed_on=today() + dt.timedelta(days=2))
    assert error.value.field == "observed_on"


def test_a_refused_observation_form_keeps_what_was_typed(client, team):
    client.force_login(team.manager.user)
    form = {"person": team.employee.pk, "course": team.course.pk, "observed_on": today().isoformat(),
            "skills": "   ", "rating": "consistently", "feedback": "本月三次跨部门对接都先对齐了目标"}
    response = client.post(reverse("growth:observation_create"), form)
    assert response.status_code == 200
    body = response.content.decode()
    assert "本月三次跨部门对接都先对齐了目标" in body
    assert not Observation.objects.exists()


def test_manager_records_an_observation_through_the_page(client, team):
    client.force_login(team.manager.user)
    form = {"person": team.employee.pk, "course": team.course.pk, "observed_on": today().isoformat(),
            "skills": "会前发议程\n会后发纪要", "rating": "not_yet", "feedback": "周会还没有提前发议程。"}
    response = client.post(reverse("growth:observation_create"), form)
    assert response.status_code == 302
    found = Observation.objects.get()
    assert found.skill_list == ["会前发议程", "会后发纪要"]
    assert found.observed_by == team.manager.user
    assert "周会还没有提前发议程" in client.get(reverse("growth:observations")).content.decode()


def test_api_lists_my_observations(client, team):
    _observe(team)
    client.force_login(team.employee.user)
    items = client.get(f"{API}/observations/mine").json()
    assert [item["skills"] for item in items] == [["先倾听再回应", "复述需求"]]
    client.force_login(team.outsider.user)
    assert client.get(f"{API}/observations/mine").json() == []

"""Levels, the board settings, the leaderboard preference and certificate consent over the API, in the
users' terms: what the API changes is what the pages show, refusals say why, one's own choices are one's
own only, and configuration needs a token with admin scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from jifen.api.tests.helpers import bearer, is_problem, send
from jifen.ledger import services as ledger
from jifen.org.models import Role
from jifen.recognition import selectors
from jifen.recognition.certificates import new_code
from jifen.recognition.models import Certificate, Level, Preference, RecognitionSettings
from jifen.rewards.models import Reward, RewardCategory


@pytest.fixture
def head_admin(org):
    """A training admin over the whole organisation: levels apply to everyone."""
    return org.person(no="HQ-A001", name="周总培", unit=org.root, role=Role.TRAINING_ADMIN)


@pytest.fixture
def learner(org):
    return org.person(no="E0001", name="郑雨桐")


def certificate_of(person, key="c1"):
    level = Level.objects.order_by("min_points").last()
    return Certificate.objects.create(person=person, kind="honour", title=level.name, key=key, level=level,
                                      year=2026, code=new_code(), issued_at=timezone.now())


def test_a_head_training_admin_adds_a_level_that_the_levels_page_shows(client, head_admin):
    client.force_login(head_admin.user)
    response = send(client, "post", "/levels", {"name": "学习宗师", "min_points": "5000", "description": "传奇"})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "学习宗师" and response.json()["min_points"] == 5000.0
    assert "学习宗师" in client.get(reverse("recognition:levels")).content.decode()
    names = [level["name"] for level in send(client, "get", "/levels").json()]
    assert names[-1] == "学习宗师" and len(names) == 6


def test_a_level_with_the_name_of_another_is_refused_with_the_reason(client, head_admin):
    client.force_login(head_admin.user)
    taken = Level.objects.order_by("min_points").first().name
    body = is_problem(send(client, "post", "/levels", {"name": taken, "min_points": "7777"}), 400)
    assert body["field"] == "name"
    assert body["detail"] == gettext("%(model_name)s with this %(field_label)s already exists.") % {
        "model_name": gettext("level").capitalize(), "field_label": gettext("name")}
    assert not Level.objects.filter(min_points=7777).exists()


def test_renaming_a_level_keeps_its_points_and_deleting_it_removes_it(client, head_admin):
    client.force_login(head_admin.user)
    level = Level.objects.order_by("min_points").last()
    renamed = send(client, "patch", f"/levels/{level.pk}", {"name": "学习大师"})
    assert renamed.status_code == 200, renamed.content
    level.refresh_from_db()
    assert (level.name, level.min_points) == ("学习大师", Decimal(1000))
    assert send(client, "delete", f"/levels/{level.pk}").status_code == 204
    assert not Level.objects.filter(pk=level.pk).exists()
    assert send(client, "delete", f"/levels/{level.pk}").status_code == 404


def test_a_level_a_reward_needs_cannot_be_deleted_over_the_api_or_the_page(client, head_admin):
    level = Level.objects.order_by("min_points").last()
    Reward.objects.create(code="SEAT-1", name="高级课程名额", category=RewardCategory.COURSE_SEAT, price=500,
                          min_level=level)
    client.force_login(head_admin.user)
    body = is_problem(send(client, "delete", f"/levels/{level.pk}"), 400)
    assert body["detail"] == gettext("A reward needs this level: change the reward's minimum level first.")
    page = client.post(reverse("recognition:level_edit", args=[level.pk]), {"delete": "1"}, follow=True)
    assert escape(gettext("A reward needs this level: change the reward's minimum level first.")) in \
        page.content.decode()
    assert Level.objects.filter(pk=level.pk).exists()


def test_a_training_admin_over_one_department_may_not_change_levels_or_board_settings(client, org):
    subtree = org.person(no="RD-A001", role=Role.TRAINING_ADMIN, scope=org.rnd)
    client.force_login(subtree.user)
    level = Level.objects.order_by("min_points").last()
    assert is_problem(send(client, "post", "/levels", {"name": "新等级", "min_points": "9000"}), 403)
    assert is_problem(send(client, "patch", f"/levels/{level.pk}", {"name": "改名"}), 403)
    assert is_problem(send(client, "delete", f"/levels/{level.pk}"), 403)
    assert is_problem(send(client, "put", "/recognition/settings",
                           {"level_window": "rolling", "min_group_size": 3, "new_hire_months": 6}), 403)
    assert Level.objects.count() == 5 and Level.objects.get(pk=level.pk).name != "改名"


def test_the_board_settings_changed_over_the_api_decide_which_groups_get_a_board(client, head_admin):
    client.force_login(head_admin.user)
    response = send(client, "put", "/recognition/settings",
                    {"level_window": "rolling", "min_group_size": 3, "new_hire_months": 6})
    assert response.status_code == 200, response.content
    found = RecognitionSettings.current()
    assert (found.level_window, found.min_group_size, found.new_hire_months) == ("rolling", 3, 6)
    assert send(client, "get", "/recognition/settings").json()["min_group_size"] == 3
    refused = send(client, "put", "/recognition/settings",
                   {"level_window": "rolling", "min_group_size": 0, "new_hire_months": 6})
    assert refused.status_code == 422
    assert RecognitionSettings.current().min_group_size == 3


def test_changing_levels_or_settings_needs_a_token_with_admin_scope(client, head_admin):
    level = Level.objects.order_by("min_points").last()
    write = bearer(head_admin.user, "write")
    body = is_problem(send(client, "post", "/levels", {"name": "学习宗师", "min_points": "5000"}, **write), 403)
    assert body["required_scope"] == "admin"
    assert is_problem(send(client, "patch", f"/levels/{level.pk}", {"name": "x"}, **write), 403)[
        "required_scope"] == "admin"
    assert is_problem(send(client, "delete", f"/levels/{level.pk}", **write), 403)["required_scope"] == "admin"
    assert is_problem(send(client, "put", "/recognition/settings",
                           {"level_window": "year", "min_group_size": 2, "new_hire_months": 6}, **write),
                      403)["required_scope"] == "admin"
    assert send(client, "get", "/levels", **bearer(head_admin.user, "read")).status_code == 200
    admin = bearer(head_admin.user, "admin")
    assert send(client, "post", "/levels", {"name": "学习宗师", "min_points": "5000"}, **admin).status_code == 201


def test_a_learner_chooses_to_appear_anonymously_and_the_board_hides_their_name(client, org, learner):
    others = [org.person(name=f"同事{n}") for n in range(5)]
    for n, person in enumerate([learner, *others]):
        ledger.award(person=person, currency="points", amount=50 - n, key=f"p{n}", reason="出勤")
    client.force_login(learner.user)
    assert send(client, "get", "/leaderboard/preference").json() == {"anonymous": False}
    response = send(client, "put", "/leaderboard/preference", {"anonymous": True})
    assert response.status_code == 200 and response.json() == {"anonymous": True}
    assert Preference.objects.get(person=learner).anonymous_on_boards
    top = selectors.leaderboard(scope_key="company", period="month", viewer_id=None).rows[0]
    assert top.anonymous and top.rank == 1
    client.force_login(others[0].user)  # a colleague looks at the board
    board = send(client, "get", "/leaderboard?scope=company&period=month").json()
    assert board["rows"][0]["name"] is None and "郑雨桐" not in str(board)


def test_the_preference_needs_a_write_token_and_a_person_record(client, org, learner):
    read = bearer(learner.user, "read")
    assert send(client, "get", "/leaderboard/preference", **read).status_code == 200
    body = is_problem(send(client, "put", "/leaderboard/preference", {"anonymous": True}, **read), 403)
    assert body["required_scope"] == "write"
    assert send(client, "put", "/leaderboard/preference", {"anonymous": True},
                **bearer(learner.user, "write")).status_code == 200
    client.force_login(org.system_admin())
    assert is_problem(send(client, "put", "/leaderboard/preference", {"anonymous": True}), 403)


def test_a_learner_lets_the_verification_page_show_their_name_on_their_own_certificate(client, org, learner):
    mine = certificate_of(learner)
    client.force_login(learner.user)
    listed = send(client, "get", "/certificates/mine").json()
    assert [c["code"] for c in listed] == [mine.code] and listed[0]["show_name"] is False
    public = Client()  # the verification page is for anyone holding the code
    assert "郑雨桐" not in public.get(reverse("recognition:verify", args=[mine.code])).content.decode()
    response = send(client, "put", f"/certificates/{mine.pk}/consent", {"show_name": True, "show_unit": False})
    assert response.status_code == 200, response.content
    assert (response.json()["show_name"], response.json()["show_unit"]) == (True, False)
    assert "郑雨桐" in public.get(reverse("recognition:verify", args=[mine.code])).content.decode()


def test_nobody_changes_the_consent_on_someone_elses_certificate(client, org, learner):
    theirs = certificate_of(learner)
    head = org.person(unit=org.root, role=Role.SYSTEM_ADMIN)
    client.force_login(head.user)
    is_problem(send(client, "put", f"/certificates/{theirs.pk}/consent", {"show_name": True, "show_unit": True}),
               404)
    theirs.refresh_from_db()
    assert (theirs.show_name, theirs.show_unit) == (False, False)


def test_my_certificates_are_issued_when_due_before_they_are_listed(client, org, learner):
    earned = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    ledger.award(person=learner, currency="points", amount=150, key="lots", reason="考试", occurred_at=earned,
                 now=earned)
    client.force_login(learner.user)
    titles = {c["title"] for c in send(client, "get", "/certificates/mine").json()}
    assert titles == {level.name for level in Level.objects.filter(min_points__gt=0, min_points__lte=150)}

"""Who may see leaderboards and change levels: every role against every recognition page and endpoint.

Leaderboards are published to everyone signed in on purpose (that is what they are for); a person can
choose to appear anonymously. A person's rank over the API follows the points scope (oneself, or the
people one may see the points of). Levels apply to everyone, so only a training admin over the whole
organisation changes them (like the rules)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jifen.org.tests.test_permission_matrix import (
    API,
    JSON,
    LEARN,
    LOGIN,
    MANAGE_RULES,
    ROLES,
    SEE_POINTS,
    SIGNED_IN,
    Case,
    World,
    check,
    request,
    scoped,
)
from jifen.recognition.models import Level, Preference, RecognitionSettings


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    RecognitionSettings.current()
    return World()


def fingerprint() -> tuple:
    return (
        list(Level.objects.order_by("pk").values_list("pk", "name", "min_points")),
        list(RecognitionSettings.objects.values_list("level_window", "min_group_size", "new_hire_months")),
        list(Preference.objects.order_by("pk").values_list("person_id", "anonymous_on_boards")),
    )


def first_level(w, t) -> str:
    return reverse("recognition:level_edit", args=[Level.objects.order_by("pk").first().pk])


CASES: list[Case] = [
    Case("recognition:mine", "get", SIGNED_IN, lambda w, t: reverse("recognition:mine"),
         overrides=(("system_admin", 302),)),  # no person record: sent to the leaderboards
    Case("recognition:leaderboard", "get", SIGNED_IN, lambda w, t: reverse("recognition:leaderboard")),
    Case("recognition:preference", "post", LEARN, lambda w, t: reverse("recognition:preference"),
         data=lambda w, t: {"anonymous": "on"}, ok=302, writes=True, overrides=(("system_admin", 403),)),
    Case("recognition:levels", "get", MANAGE_RULES, lambda w, t: reverse("recognition:levels")),
    Case("recognition:levels", "post", MANAGE_RULES, lambda w, t: reverse("recognition:levels"),
         data=lambda w, t: {"settings-level_window": "rolling", "settings-min_group_size": "3",
                            "settings-new_hire_months": "6"}, ok=302, writes=True),
    Case("recognition:level_create", "post", MANAGE_RULES, lambda w, t: reverse("recognition:level_create"),
         data=lambda w, t: {"level-name": "学习宗师", "level-min_points": "5000"}, ok=302, writes=True),
    Case("recognition:level_edit", "get", MANAGE_RULES, first_level),
    Case("api:leaderboard", "get", SIGNED_IN, lambda w, t: f"{API}/leaderboard?scope=company&period=year",
         api_op="GET /api/v1/leaderboard", anonymous=JSON),
    *scoped(url_name="api:rank", method="get", need=SEE_POINTS, api_op="GET /api/v1/people/{employee_no}/rank",
            anonymous=JSON, url=lambda w, t: f"{API}/people/{w.person(t).employee_no}/rank?period=year"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_recognition(client, world, role, case):
    expected = case.expected(role)
    before = fingerprint()
    response = request(client, world, role, case)
    check(response, expected)
    if expected in (LOGIN, 401, 403, 404) or not case.writes:
        assert fingerprint() == before, "a refused or read-only request changed something"
    else:
        assert fingerprint() != before, "an allowed write changed nothing"

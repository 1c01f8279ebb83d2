"""Who may use the xAPI pages: mappings and the unmatched list need the rules right over the whole organisation.
The LRS itself takes no session login: only a client system's HTTP Basic credentials (401 for everyone else)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jifen.catalog.tests.factories import course as make_course
from jifen.org.tests import test_permission_matrix as matrix
from jifen.org.tests.test_permission_matrix import MANAGE_RULES, PUBLIC, ROLES, Case, assert_reaches_exactly
from jifen.xapi import services
from jifen.xapi.models import ActivityMapping, Statement, VerbMapping


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


class XapiWorld(matrix.World):
    def __init__(self):
        super().__init__()
        self.course = make_course(code="XAPI-PERM")
        self.verb = services.verb_mapping_save(verb="http://adlnet.gov/expapi/verbs/passed", event_type="course.completed")
        self.activity = services.activity_mapping_save(activity="https://lms.example.com/perm", course=self.course)


@pytest.fixture
def world(db) -> XapiWorld:
    return XapiWorld()


def fingerprint() -> tuple:
    return (
        matrix.fingerprint(),
        list(VerbMapping.objects.order_by("pk").values_list("pk", "verb", "event_type")),
        list(ActivityMapping.objects.order_by("pk").values_list("pk", "activity", "course_id")),
        list(Statement.objects.order_by("pk").values_list("pk", "outcome", "reason")),
    )


def page(name, *args):
    return lambda w, t: reverse(name, args=args)


PAGE_CASES: list[Case] = [
    Case("xapi:mappings", "get", MANAGE_RULES, page("xapi:mappings")),
    Case("xapi:mappings", "post", MANAGE_RULES, page("xapi:mappings"), ok=302, writes=True,
         data=lambda w, t: {"form": "verb", "verb-verb": "http://adlnet.gov/expapi/verbs/attended",
                            "verb-event_type": "attendance.present"}),
    Case("xapi:verb_delete", "post", MANAGE_RULES, lambda w, t: reverse("xapi:verb_delete", args=[w.verb.pk]),
         ok=302, writes=True),
    Case("xapi:activity_delete", "post", MANAGE_RULES,
         lambda w, t: reverse("xapi:activity_delete", args=[w.activity.pk]), ok=302, writes=True),
    Case("xapi:unmatched", "get", MANAGE_RULES, page("xapi:unmatched")),
    # Matching again with nothing unmatched changes nothing: only who may ask is checked here.
    Case("xapi:unmatched", "post", MANAGE_RULES, page("xapi:unmatched"), ok=302),
]
LRS_CASES: list[Case] = [
    Case("xapi:about", "get", PUBLIC, page("xapi:about")),
    *[Case(f"xapi:{name}", "get", PUBLIC, page(f"xapi:{name}"), ok=401, anonymous=401)
      for name in ("statements", "state", "activity_profile", "activities", "agent_profile", "agents")],
    Case("xapi:statements", "post", PUBLIC, page("xapi:statements"), ok=401, anonymous=401,
         data=lambda w, t: {"actor": {"mbox": "mailto:a@example.com"}}),
    Case("xapi:more", "get", PUBLIC, page("xapi:more", "token"), ok=401, anonymous=401),
]
CASES = PAGE_CASES + LRS_CASES


@pytest.mark.parametrize("case", PAGE_CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_on_the_xapi_pages(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint, hides_in_scope_names=False)


def test_no_session_login_opens_the_lrs(client, world):
    """The same for every role, so one world serves them all."""
    for role in ROLES:
        for case in LRS_CASES:
            assert_reaches_exactly(client, world, role, case, fingerprint, hides_in_scope_names=False)
        client.logout()

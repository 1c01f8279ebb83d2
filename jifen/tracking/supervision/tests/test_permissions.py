"""Who may open what in supervision and archive: every role against every page and API operation, for
their whole scope and for a chosen unit inside (平台组) and outside (市场部) it. Everything here is
read-only: nobody's request changes anything.

A plan, a test result and an improvement action exist for 郑雨桐 / 平台组 (inside 研发中心) and for
钱多多 / 市场部 (outside)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.api.api import api
from jifen.org.tests.test_permission_matrix import (
    API,
    ROLES,
    SEE_TRACKING,
    Case,
    World,
    api_case,
    api_scoped,
    assert_reaches_exactly,
    fingerprint,
    scoped,
)
from jifen.tracking.followup import services as followup
from jifen.tracking.followup.models import Plan, Task, TestResult
from jifen.tracking.growth import services as growth
from jifen.tracking.growth.models import ImprovementAction
from jifen.tracking.supervision import urls as supervision_urls
from jifen.tracking.supervision.tests.factories import plan_for, simple_template


class SupervisionWorld(World):
    def __init__(self):
        super().__init__()
        today = timezone.localdate()
        ended = today - dt.timedelta(days=40)
        self.year = ended.year
        template = simple_template()
        admin = self.users["system_admin"]
        self.plans = {}
        for target in ("in", "out"):
            person = self.person(target)
            self.plans[target] = plan_for(template, self.unit(target), [person], ends_on=ended,
                                          title=f"督导{target}")
            followup.test_result_record(plan=self.plans[target], person=person, score=Decimal(88))
            growth.action_create(created_by=admin, units=None, title=f"措施{target}", source="meeting",
                                 org_unit=self.unit(target), deadline=today - dt.timedelta(days=5),
                                 expected_effect="按时")


@pytest.fixture
def world(db, settings) -> SupervisionWorld:
    return SupervisionWorld()


def supervision_fingerprint() -> tuple:
    return (
        fingerprint(),
        list(Plan.objects.order_by("pk").values_list("pk", "status", "created_at")),
        list(Task.objects.order_by("pk").values_list("pk", "status", "completed_at")),
        list(TestResult.objects.order_by("pk").values_list("pk", "score")),
        list(ImprovementAction.objects.order_by("pk").values_list("pk", "status", "updated_at", "closed_at")),
    )


def plain(name: str, *, year: bool = False):
    return lambda w, t: reverse(name, args=[w.year] if year else [])


def for_unit(name: str, *, year: bool = False):
    return lambda w, t: reverse(name, args=[w.year] if year else []) + f"?unit={w.unit(t).pk}"


def both(name: str, *, year: bool = False) -> list[Case]:
    """The page for the viewer's whole scope, and for a chosen unit inside and outside it."""
    return [Case(name, "get", SEE_TRACKING, plain(name, year=year)),
            *scoped(url_name=name, method="get", need=SEE_TRACKING, url=for_unit(name, year=year))]


CASES: list[Case] = [
    *both("supervision:kpis"),
    *both("supervision:kpis_xlsx"),
    *both("supervision:summary"),
    *both("supervision:summary_pdf"),
    *both("supervision:archive"),
    *both("supervision:archive_download", year=True),
    api_case("GET /api/v1/tracking/kpis", "supervision_kpis", SEE_TRACKING, lambda w, t: f"{API}/tracking/kpis"),
    *api_scoped("GET /api/v1/tracking/kpis", "supervision_kpis", SEE_TRACKING,
                lambda w, t: f"{API}/tracking/kpis?unit={w.unit(t).pk}", label=" (a chosen unit)"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_supervision_and_archive(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, supervision_fingerprint)


def test_every_page_and_operation_of_the_supervision_app_has_a_row():
    names = {f"supervision:{pattern.name}" for pattern in supervision_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") == ["supervision"]}
    assert ours == {case.api_op for case in CASES if case.api_op}


def test_a_post_to_a_supervision_page_is_refused(client, world):
    client.force_login(world.users["hr_auditor"])
    before = supervision_fingerprint()
    for name, args in (("supervision:kpis", []), ("supervision:archive", []),
                       ("supervision:archive_download", [world.year])):
        assert client.post(reverse(name, args=args)).status_code == 405
    assert supervision_fingerprint() == before

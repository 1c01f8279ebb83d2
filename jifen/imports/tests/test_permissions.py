"""Who may bulk import what: each kind needs the right of the page it stands in for (running sessions for
attendance, participation and homework; reviewing learning for contributions; the catalogue for exam
scores; proposing adjustments; the roster), and a run or a parked upload is only ever its importer's."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.imports import services
from jifen.imports.models import ImportRun, RunStatus
from jifen.org.tests import test_permission_matrix as matrix
from jifen.org.tests.test_permission_matrix import (
    API,
    MANAGE,
    MANAGE_CATALOG,
    PROPOSE,
    REVIEW_LEARNING,
    ROLES,
    RUN_SESSIONS,
    SIGNED_IN,
    Case,
    api_case,
    assert_reaches_exactly,
    roster_file,
)

ROSTER = "工号,姓名,组织\nNEW-0001,新同事,总部/研发中心/平台组\n".encode()

# each kind and the right it needs (the same as the page it stands in for)
KIND_NEEDS = {
    "attendance": RUN_SESSIONS, "participation": RUN_SESSIONS, "homework": RUN_SESSIONS,
    "contributions": REVIEW_LEARNING, "exam_scores": MANAGE_CATALOG, "adjustments": PROPOSE, "people": MANAGE,
}


@pytest.fixture
def world(db) -> matrix.World:
    return matrix.World()


def fingerprint() -> tuple:
    """What an import could write (people, adjustments, points); the runs a case makes are its own setup."""
    return matrix.fingerprint()


def parked_roster(w: matrix.World, t: str | None) -> str:
    """A roster file the requesting user uploaded and has not imported yet."""
    user = w.users.get(w.acting or "")
    token = services.PARKED.park(user.pk, "roster.csv", ROSTER) if user is not None else "x" * 32
    return reverse("imports:review", args=["people", token])


def own_run(name: str):
    """A finished run of the requesting user (anyone signed in may follow their own runs)."""
    def url(w: matrix.World, t: str | None) -> str:
        user = w.users.get(w.acting or "")
        pk = 999_999
        if user is not None:
            pk = ImportRun.objects.create(kind="people", user=user, file_name="roster.csv", total=1,
                                          status=RunStatus.DONE, created_at=timezone.now()).pk
        return reverse(name, args=[pk])
    return url


def page(name: str, *args):
    return lambda w, t: reverse(name, args=args)


PAGE_CASES: list[Case] = [
    # the list shows the kinds one may import: anyone who may import at least one
    Case("imports:index", "get", RUN_SESSIONS, page("imports:index")),
    *[Case("imports:upload", "get", need, page("imports:upload", kind), label=f"[{kind}]")
      for kind, need in KIND_NEEDS.items()],
    Case("imports:template", "get", REVIEW_LEARNING, page("imports:template", "contributions", "csv")),
    Case("imports:template", "get", MANAGE_CATALOG, page("imports:template", "exam_scores", "xlsx"),
         label="[exam_scores]"),
    # the dry run of one's own parked roster: checked, nothing written
    Case("imports:review", "get", MANAGE, parked_roster),
    Case("imports:run", "get", SIGNED_IN, own_run("imports:run")),
    Case("imports:run_progress", "get", SIGNED_IN, own_run("imports:run_progress")),
]
# the dry run (the default) of a roster file writes nothing; the kinds listed are each role's own
API_CASES: list[Case] = [
    api_case("GET /api/v1/imports", "list_kinds", SIGNED_IN, page("api:list_kinds")),
    api_case("GET /api/v1/imports/{kind}/template", "import_template", PROPOSE,
             lambda w, t: f"{API}/imports/adjustments/template?format=csv"),
    api_case("POST /api/v1/imports/{kind}", "import_file", MANAGE, lambda w, t: f"{API}/imports/people",
             data=roster_file),
]
CASES = PAGE_CASES + API_CASES


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_on_the_import_pages(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint, hides_in_scope_names=False)


def test_someone_elses_run_and_upload_are_not_found(client, world):
    admin, other = world.users["training_admin"], world.users["system_admin"]
    run = ImportRun.objects.create(kind="people", user=other, file_name="roster.csv", total=1, status=RunStatus.DONE,
                               created_at=timezone.now())
    token = services.PARKED.park(other.pk, "roster.csv", ROSTER)
    client.force_login(admin)
    assert client.get(reverse("imports:run", args=[run.pk])).status_code == 404
    assert client.get(reverse("imports:run_progress", args=[run.pk])).status_code == 404
    assert client.get(reverse("imports:review", args=["people", token])).status_code == 404

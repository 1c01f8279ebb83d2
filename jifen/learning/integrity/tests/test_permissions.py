"""Who may open what in box-ticking cases: every role against every page and API operation of the
integrity app, for a case about 郑雨桐 (研发中心) and one about 钱多多 (市场部)."""

import pytest
from django.urls import reverse

from jifen.api.api import api
from jifen.learning.integrity import urls as integrity_urls
from jifen.learning.integrity.models import Case as BoxTickingCase
from jifen.learning.integrity.models import CaseKind
from jifen.learning.integrity.services import open_case
from jifen.ledger.models import Entry
from jifen.org.tests.test_permission_matrix import (
    API,
    REVIEW_LEARNING,
    ROLES,
    SIGNED_IN,
    Case,
    World,
    api_case,
    api_scoped,
    assert_reaches_exactly,
    fingerprint,
    page,
    scoped,
)


class IntegrityWorld(World):
    def __init__(self):
        super().__init__()
        self.cases = {
            target: open_case(person=self.person(target), kind=CaseKind.QUIZ_TOO_FAST, key=f"matrix:{target}",
                              summary="20 道题 40 秒答完", details={"seconds": 40})[0]
            for target in ("in", "out")
        }


@pytest.fixture
def world(db) -> IntegrityWorld:
    return IntegrityWorld()


def integrity_fingerprint() -> tuple:
    return (
        fingerprint(),
        list(BoxTickingCase.objects.order_by("pk").values_list("pk", "status", "decision_note")),
        list(Entry.objects.order_by("pk").values_list("pk", flat=True)),
    )


def on_case(name: str):
    return lambda w, t: reverse(name, args=[w.cases[t].pk])


CASES: list[Case] = [
    Case("integrity:my_cases", "get", SIGNED_IN, page("integrity:my_cases")),
    Case("integrity:cases", "get", REVIEW_LEARNING, page("integrity:cases")),
    *scoped(url_name="integrity:case", method="get", need=REVIEW_LEARNING, url=on_case("integrity:case")),
    *scoped(url_name="integrity:case_confirm", method="post", need=REVIEW_LEARNING,
            url=on_case("integrity:case_confirm"), data=lambda w, t: {"confirm-note": "答题时间明显不足"}, ok=302,
            writes=True),
    *scoped(url_name="integrity:case_dismiss", method="post", need=REVIEW_LEARNING,
            url=on_case("integrity:case_dismiss"), data=lambda w, t: {"dismiss-note": "题目简单，属正常"}, ok=302,
            writes=True),
    api_case("GET /api/v1/cases/mine", "my_cases", SIGNED_IN, lambda w, t: f"{API}/cases/mine"),
    api_case("GET /api/v1/cases", "list_cases", REVIEW_LEARNING, lambda w, t: f"{API}/cases"),
    *api_scoped("POST /api/v1/cases/{case_id}/decide", "decide_case", REVIEW_LEARNING,
                lambda w, t: f"{API}/cases/{w.cases[t].pk}/decide",
                data=lambda w, t: {"decision": "confirm", "note": "确认走过场"}, writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_box_ticking_cases(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, integrity_fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_the_integrity_app_has_a_row():
    names = {f"integrity:{pattern.name}" for pattern in integrity_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") == ["integrity"]}
    assert ours == {case.api_op for case in CASES if case.api_op}


def test_a_learner_sees_their_own_case_but_nobody_elses(client, world):
    mine, _created = open_case(person=world.users["learner"].person, kind=CaseKind.OTHER, key="own",
                               summary="自己的案件")
    client.force_login(world.users["learner"])
    assert client.get(reverse("integrity:case", args=[mine.pk])).status_code == 200
    assert "自己的案件" in client.get(reverse("integrity:my_cases")).content.decode()
    assert client.get(reverse("integrity:case", args=[world.cases["in"].pk])).status_code == 403
    assert [c["id"] for c in client.get(f"{API}/cases/mine").json()] == [mine.pk]

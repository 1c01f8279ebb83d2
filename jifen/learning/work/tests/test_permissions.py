"""Who may open what in homework, self-study claims and contributions: every role against every page
and API operation of the work app, inside (研发中心 / 郑雨桐) and outside (市场部 / 钱多多) the scope.

Both sessions are trained by 孙讲师 (the trainer role), so a trainer reaches both; the 研发中心
training admin reaches only the 研发中心 one. Every user with a person record is enrolled in the
研发中心 session, so each can hand in its homework."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jifen.api.api import api
from jifen.catalog.models import Enrolment
from jifen.learning.integrity.models import Case as BoxTickingCase
from jifen.learning.work import services
from jifen.learning.work import urls as work_urls
from jifen.learning.work.models import Assignment, Contribution, SelfStudyClaim, Submission
from jifen.learning.work.tests import factories
from jifen.org.tests.test_permission_matrix import (
    API,
    FORM_REFUSED,
    LEARN,
    REVIEW_LEARNING,
    ROLES,
    RUN_SESSIONS,
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
from jifen.rules.models import Event


class WorkWorld(World):
    def __init__(self):
        super().__init__()
        now = timezone.now()
        trainer = self.users["trainer"].person
        course = factories.course(title="高效沟通")
        self.sessions = {
            "in": factories.session(unit=self.platform, trainer=trainer, of_course=course, learners=[self.in_person],
                                    starts_at=now - dt.timedelta(days=3)),
            "out": factories.session(unit=self.marketing, trainer=trainer, of_course=course,
                                     learners=[self.out_person], starts_at=now - dt.timedelta(days=3)),
        }
        for user in self.users.values():
            if user is not None and hasattr(user, "person") and user.person != self.in_person:
                Enrolment.objects.get_or_create(session=self.sessions["in"], person=user.person)
        self.assignments, self.submissions, self.claims, self.contributions = {}, {}, {}, {}
        for target in ("in", "out"):
            person = self.person(target)
            self.assignments[target] = services.assignment_create(
                created_by=self.users["system_admin"], session=self.sessions[target], title="课后反思",
                due_at=now - dt.timedelta(days=1), now=now - dt.timedelta(days=2))
            self.submissions[target] = services.submission_submit(
                assignment=self.assignments[target], person=person, text=f"{target} 的作业",
                file=factories.text_file(f"{target} 作业附件"), now=now - dt.timedelta(days=2))
            self.claims[target] = services.claim_create(
                person=person, title="PMP 认证", provider="PMI", completed_on=now.date() - dt.timedelta(days=5),
                hours=30, credits_requested=5, points_requested=20, evidence=factories.png(f"claim-{target}"))
            self.contributions[target] = services.contribution_create(
                person=person, kind="case", title="客户投诉处理案例", description="一次投诉的复盘",
                evidence=factories.text_file(f"contribution {target}"))

    def assignment(self, target: str) -> Assignment:
        return self.assignments[target or "in"]


@pytest.fixture
def world(db) -> WorkWorld:
    return WorkWorld()


def work_fingerprint() -> tuple:
    return (
        fingerprint(),
        list(Assignment.objects.order_by("pk").values_list("pk", "title", "closed_at")),
        list(Submission.objects.order_by("pk").values_list("pk", "text", "revisions", "status", "score")),
        list(SelfStudyClaim.objects.order_by("pk").values_list("pk", "status", "decision_note")),
        list(Contribution.objects.order_by("pk").values_list("pk", "status", "decision_note")),
        list(BoxTickingCase.objects.order_by("pk").values_list("pk", "status")),
        list(Event.objects.order_by("pk").values_list("key", flat=True)),
    )


def on(name: str, what: str):
    return lambda w, t: reverse(name, args=[getattr(w, what)[t or "in"].pk])


def claim_data(w, t):
    return {"kind": "certificate", "title": "软考中级", "provider": "工信部", "completed_on": "2026-01-10",
            "hours": "40", "credits_requested": "4", "points_requested": "20",
            "evidence": SimpleUploadedFile("软考证书.png", factories.PNG + b"rk", content_type="image/png")}


def contribution_data(w, t):
    return {"kind": "sharing", "title": "代码评审经验分享", "description": "分享了评审清单",
            "evidence": factories.text_file("评审清单 v2", name="清单.txt")}


def api_claim_data(w, t):
    data = claim_data(w, t)
    data["file"] = data.pop("evidence")
    return data


def api_contribution_data(w, t):
    data = contribution_data(w, t)
    data["file"] = data.pop("evidence")
    return data


def submit_page(w, t):
    return reverse("work:submit", args=[w.assignments["in"].pk])


CASES: list[Case] = [
    # ---- homework: learners
    Case("work:my_homework", "get", SIGNED_IN, page("work:my_homework")),
    Case("work:submit", "get", LEARN, submit_page),
    Case("work:submit", "post", LEARN, submit_page, data=lambda w, t: {"text": "我的反思：先倾听再回应。"}, ok=302,
         writes=True),
    api_case("GET /api/v1/assignments/mine", "my_assignments", SIGNED_IN, lambda w, t: f"{API}/assignments/mine"),
    api_case("POST /api/v1/assignments/{assignment_id}/submission", "submit_homework", LEARN,
             lambda w, t: f"{API}/assignments/{w.assignments['in'].pk}/submission",
             data=lambda w, t: {"text": "我的反思", "file": factories.text_file("附件内容")}, ok=201, writes=True),
    # ---- homework: trainers and training admins
    Case("work:assignments", "get", RUN_SESSIONS, page("work:assignments")),
    Case("work:assignment_create", "get", RUN_SESSIONS, page("work:assignment_create")),
    *scoped(url_name="work:assignment_create", method="post", need=RUN_SESSIONS, url=page("work:assignment_create"),
            data=lambda w, t: {"session": w.sessions[t].pk, "title": "第二次作业", "instructions": "",
                               "due_at": "2026-12-31T18:00"},
            ok=302, writes=True, out_of_scope=FORM_REFUSED),
    *scoped(url_name="work:assignment", method="get", need=RUN_SESSIONS, url=on("work:assignment", "assignments")),
    *scoped(url_name="work:assignment_close", method="post", need=RUN_SESSIONS,
            url=on("work:assignment_close", "assignments"), ok=302, writes=True),
    *scoped(url_name="work:submission", method="get", need=RUN_SESSIONS, url=on("work:submission", "submissions")),
    *scoped(url_name="work:grade", method="post", need=RUN_SESSIONS, url=on("work:grade", "submissions"),
            data=lambda w, t: {"score": "85", "comment": "条理清晰"}, ok=302, writes=True),
    *scoped(url_name="work:submission_file", method="get", need=RUN_SESSIONS,
            url=on("work:submission_file", "submissions")),
    api_case("GET /api/v1/assignments", "list_managed_assignments", RUN_SESSIONS, lambda w, t: f"{API}/assignments"),
    *api_scoped("POST /api/v1/assignments", "create_assignment", RUN_SESSIONS, lambda w, t: f"{API}/assignments",
                data=lambda w, t: {"session_id": w.sessions[t].pk, "title": "第二次作业",
                                   "due_at": "2026-12-31T18:00:00+08:00"}, ok=201, writes=True),
    *api_scoped("GET /api/v1/assignments/{assignment_id}", "get_managed_assignment", RUN_SESSIONS,
                lambda w, t: f"{API}/assignments/{w.assignments[t].pk}"),
    *api_scoped("POST /api/v1/assignments/{assignment_id}/close", "close_assignment", RUN_SESSIONS,
                lambda w, t: f"{API}/assignments/{w.assignments[t].pk}/close", writes=True),
    *api_scoped("GET /api/v1/assignments/{assignment_id}/submissions", "list_assignment_submissions", RUN_SESSIONS,
                lambda w, t: f"{API}/assignments/{w.assignments[t].pk}/submissions"),
    *api_scoped("POST /api/v1/submissions/{submission_id}/grade", "grade_submission", RUN_SESSIONS,
                lambda w, t: f"{API}/submissions/{w.submissions[t].pk}/grade",
                data=lambda w, t: {"score": 85, "comment": "条理清晰"}, writes=True),
    # ---- self-study claims
    Case("work:my_claims", "get", SIGNED_IN, page("work:my_claims")),
    Case("work:claim_create", "get", LEARN, page("work:claim_create")),
    Case("work:claim_create", "post", LEARN, page("work:claim_create"), data=claim_data, ok=302, writes=True),
    Case("work:claims_review", "get", REVIEW_LEARNING, page("work:claims_review")),
    *scoped(url_name="work:claim", method="get", need=REVIEW_LEARNING, url=on("work:claim", "claims")),
    *scoped(url_name="work:claim_approve", method="post", need=REVIEW_LEARNING, url=on("work:claim_approve", "claims"),
            data=lambda w, t: {"approve-credits": "4", "approve-points": "20", "approve-note": ""}, ok=302,
            writes=True),
    *scoped(url_name="work:claim_reject", method="post", need=REVIEW_LEARNING, url=on("work:claim_reject", "claims"),
            data=lambda w, t: {"reject-note": "证书无法核验"}, ok=302, writes=True),
    *scoped(url_name="work:claim_file", method="get", need=REVIEW_LEARNING, url=on("work:claim_file", "claims")),
    api_case("GET /api/v1/claims/mine", "my_claims", SIGNED_IN, lambda w, t: f"{API}/claims/mine"),
    api_case("POST /api/v1/claims", "create_claim", LEARN, lambda w, t: f"{API}/claims", data=api_claim_data,
             ok=201, writes=True),
    api_case("GET /api/v1/claims", "list_claims", REVIEW_LEARNING, lambda w, t: f"{API}/claims"),
    *api_scoped("POST /api/v1/claims/{claim_id}/approve", "approve_claim", REVIEW_LEARNING,
                lambda w, t: f"{API}/claims/{w.claims[t].pk}/approve",
                data=lambda w, t: {"credits": 4, "points": 20}, writes=True),
    *api_scoped("POST /api/v1/claims/{claim_id}/reject", "reject_claim", REVIEW_LEARNING,
                lambda w, t: f"{API}/claims/{w.claims[t].pk}/reject", data=lambda w, t: {"note": "材料不全"},
                writes=True),
    # ---- knowledge contributions
    Case("work:my_contributions", "get", SIGNED_IN, page("work:my_contributions")),
    Case("work:contribution_create", "get", LEARN, page("work:contribution_create")),
    Case("work:contribution_create", "post", LEARN, page("work:contribution_create"), data=contribution_data,
         ok=302, writes=True),
    Case("work:contributions_review", "get", REVIEW_LEARNING, page("work:contributions_review")),
    *scoped(url_name="work:contribution", method="get", need=REVIEW_LEARNING,
            url=on("work:contribution", "contributions")),
    *scoped(url_name="work:contribution_approve", method="post", need=REVIEW_LEARNING,
            url=on("work:contribution_approve", "contributions"), data=lambda w, t: {"approve-note": "好案例"},
            ok=302, writes=True),
    *scoped(url_name="work:contribution_reject", method="post", need=REVIEW_LEARNING,
            url=on("work:contribution_reject", "contributions"), data=lambda w, t: {"reject-note": "与业务无关"},
            ok=302, writes=True),
    *scoped(url_name="work:contribution_file", method="get", need=REVIEW_LEARNING,
            url=on("work:contribution_file", "contributions")),
    api_case("GET /api/v1/contributions/mine", "my_contributions", SIGNED_IN,
             lambda w, t: f"{API}/contributions/mine"),
    api_case("POST /api/v1/contributions", "create_contribution", LEARN, lambda w, t: f"{API}/contributions",
             data=api_contribution_data, ok=201, writes=True),
    api_case("GET /api/v1/contributions", "list_contributions", REVIEW_LEARNING,
             lambda w, t: f"{API}/contributions"),
    *api_scoped("POST /api/v1/contributions/{contribution_id}/approve", "approve_contribution", REVIEW_LEARNING,
                lambda w, t: f"{API}/contributions/{w.contributions[t].pk}/approve", data=lambda w, t: {},
                writes=True),
    *api_scoped("POST /api/v1/contributions/{contribution_id}/reject", "reject_contribution", REVIEW_LEARNING,
                lambda w, t: f"{API}/contributions/{w.contributions[t].pk}/reject",
                data=lambda w, t: {"note": "重复提交"}, writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_homework_claims_and_contributions(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, work_fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_the_work_app_has_a_row():
    names = {f"work:{pattern.name}" for pattern in work_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") in (["work"], ["assignments"])}
    assert ours == {case.api_op for case in CASES if case.api_op}

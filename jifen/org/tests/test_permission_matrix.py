"""Who may open what: every role against every page and API endpoint, inside and outside their scope.

The organisation: 总部 with 研发中心 (平台组, 应用组, an empty 空组) and 市场部 (with an empty
市场部档案组). A manager and a training admin hold their role over 研发中心; trainer, HR auditor
and system admin cover the whole organisation; a learner sees only themselves.

Points: each of those people, and 郑雨桐 (in) and 钱多多 (out), has an award and a penalty under
appeal; an adjustment for 郑雨桐 awaits approval (proposed by the 研发中心 training admin) and one
for 钱多多 (proposed by a whole-organisation training admin). A case on target "own" uses the
requesting user's own entry or appeal.

Each case names the URL it covers. ``test_every_url_has_an_entry_in_the_matrix`` reads the
urlconf and the API's OpenAPI schema, so a new URL without a row here fails the suite.

Expected outcomes, in the users' terms:

* not signed in: pages send you to the login page, the API answers 401;
* signed in without the right: 403;
* the right, but the object is outside your scope: 404, and its name never appears;
* otherwise it works (200, 201, or a redirect after a form) and a write really happens.

A refused write changes nothing at all (the org tables are compared before and after).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jifen.api.api import api
from jifen.ledger import adjustments, appeals
from jifen.ledger import services as ledger
from jifen.ledger.models import AdjustmentBatch, AdjustmentLine, Appeal
from jifen.ledger.views_adjust import _PARKED as PARKED_ADJUSTMENT_FILES
from jifen.org import services
from jifen.org.models import OrgUnit, Person, Position, Role, RoleAssignment
from jifen.org.tests.factories import PASSWORD, OrgBuilder

User = get_user_model()


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"  # evidence files and parked uploads


# ---------------------------------------------------------------- the organisation and its people

OUT_OF_SCOPE_NAMES = ("钱多多", "MK-0001", "市场部")  # 市场部 also covers 市场部档案组
IN_SCOPE_PERSON_NAMES = ("郑雨桐", "RD-0001")


class World:
    def __init__(self):
        org = OrgBuilder()
        self.org = org
        self.rnd, self.platform, self.marketing = org.rnd, org.platform, org.marketing
        self.apps = services.unit_create(name="应用组", parent=org.rnd, kind=OrgUnit.Kind.TEAM)
        self.empty_in = services.unit_create(name="空组", parent=org.rnd, kind=OrgUnit.Kind.TEAM)
        self.empty_out = services.unit_create(name="市场部档案组", parent=org.marketing, kind=OrgUnit.Kind.TEAM)
        self.position = org.engineer

        self.in_person = org.person(unit=org.platform, no="RD-0001", name="郑雨桐", role=Role.TRAINER)
        self.out_person = org.person(unit=org.marketing, no="MK-0001", name="钱多多", role=Role.TRAINER)
        self.users = {
            "anonymous": None,
            "learner": org.person(unit=org.platform, no="RD-L001", name="学员小周").user,
            "manager": org.person(unit=org.rnd, no="RD-M001", name="陈经理",
                                  role=Role.MANAGER, scope=org.rnd).user,
            "trainer": org.person(unit=org.rnd, no="RD-T001", name="孙讲师", role=Role.TRAINER).user,
            "training_admin": org.person(unit=org.rnd, no="RD-A001", name="林培训",
                                         role=Role.TRAINING_ADMIN, scope=org.rnd).user,
            "hr_auditor": org.person(unit=org.rnd, no="RD-H001", name="赵审计", role=Role.HR_AUDITOR).user,
            "system_admin": org.system_admin(),
        }
        self.acting: str | None = None  # the role making the request (for cases on their "own" objects)
        self._points()

    def _points(self):
        """An award and a penalty under appeal for everyone with a person record; one adjustment
        awaiting approval inside 研发中心, one outside."""
        self.entries: dict[str, object] = {}
        self.appeals: dict[str, Appeal] = {}
        owners = {"in": self.in_person, "out": self.out_person}
        owners.update({role: user.person for role, user in self.users.items()
                       if user is not None and hasattr(user, "person")})
        for key, person in owners.items():
            award = ledger.award(person=person, currency="points", amount=10, key=f"world-award-{person.pk}",
                                 reason="出勤 +10")
            penalty = ledger.penalize(person=person, currency="points", amount=2, key=f"world-penalty-{person.pk}",
                                      reason="缺勤 -2")
            self.entries[key] = award.entry
            self.appeals[key] = appeals.appeal_create(entry=penalty.entry, raised_by=person.user,
                                                      reason="那天请过假")
        whole_org_admin = self.org.person(unit=self.org.root, no="HQ-A002", name="周总培", role=Role.TRAINING_ADMIN)
        self.batches = {
            target: adjustments.adjustment_propose(
                proposed_by=proposer, reason="补录签到", people=Person.objects.all(),
                evidence=SimpleUploadedFile("签到表.txt", "3月5日签到表".encode()),
                lines=[adjustments.LineDraft(person=self.person(target), currency="points", amount=5)],
            )
            for target, proposer in (("in", self.users["training_admin"]), ("out", whole_org_admin.user))
        }

    def entry(self, target: str):
        """An award: someone else's (in / out) or the requesting user's own."""
        key = self.acting if target == "own" else target
        return self.entries.get(key)

    def entry_pk(self, target: str) -> int:
        entry = self.entry(target)
        return entry.pk if entry is not None else 999_999  # no person record: nothing of their own

    def appeal(self, target: str) -> int:
        found = self.appeals.get(self.acting if target == "own" else target)
        return found.pk if found is not None else 999_999

    def batch(self, target: str) -> AdjustmentBatch:
        return self.batches[target]

    def parked_adjustment_file(self, target: str) -> str:
        """A bulk adjustment file waiting for the requesting user's review: one row for ``target``."""
        user = self.users.get(self.acting or "")
        if user is None:
            return "x" * 32
        content = f"工号,币种,数量,原因\n{self.person(target).employee_no},积分,5,补录\n".encode()
        return PARKED_ADJUSTMENT_FILES.park(user.pk, "调整.csv", content)

    def person(self, target: str) -> Person:
        return self.in_person if target == "in" else self.out_person

    def unit(self, target: str) -> OrgUnit:
        """An org unit with people in it: 平台组 inside 研发中心, 市场部 outside."""
        return self.platform if target == "in" else self.marketing

    def empty_unit(self, target: str) -> OrgUnit:
        return self.empty_in if target == "in" else self.empty_out

    def assignment(self, target: str) -> RoleAssignment:
        return RoleAssignment.objects.get(user=self.person(target).user, role=Role.TRAINER)


@pytest.fixture
def world(db) -> World:
    return World()


def fingerprint() -> tuple:
    """Everything a write to the organisation could change."""
    return (
        list(OrgUnit.objects.order_by("pk").values_list("pk", "name", "name_path", "path", "archived_at", "code")),
        list(Person.objects.order_by("pk").values_list(
            "pk", "employee_no", "name", "org_unit_id", "position_id", "manager_id", "status", "email", "phone",
            "user_id")),
        list(Position.objects.order_by("pk").values_list("pk", "name", "code", "annual_credit_target", "is_active")),
        list(RoleAssignment.objects.order_by("pk").values_list("pk", "user_id", "role", "scope_id")),
        list(User.objects.order_by("pk").values_list("pk", "username", "password", "is_active", "email")),
        # ... and what a write about points could (entries posted show as lines and appeals decided)
        list(AdjustmentBatch.objects.order_by("pk").values_list("pk", "status", "decided_by_id")),
        list(AdjustmentLine.objects.order_by("pk").values_list("pk", "entry_id")),
        list(Appeal.objects.order_by("pk").values_list("pk", "status", "resolution_entry_id")),
    )


# ---------------------------------------------------------------- who may do what

ALL, RND, SELF = "whole organisation", "研发中心 subtree", "only themselves"
PUBLIC, SIGNED_IN, SEE_PEOPLE, SEE, MANAGE, GRANT_ROLES = (
    "public", "signed in", "see people", "see org and positions", "manage the roster", "grant roles")
SEE_POINTS, RECORD_EVENTS = "see points and credits", "record learning events"
SEE_ADJUSTMENTS, PROPOSE, APPROVE = "see adjustments", "propose adjustments", "approve adjustments"
APPEAL, REVIEW_APPEALS = "appeal own entries", "review appeals"
MANAGE_RULES = "change the organisation's rules"  # needs RULES_MANAGE over the whole organisation
# Learning (catalog and facts); the apps' own matrices (<app>/tests/test_permissions.py) use these.
MANAGE_CATALOG = "manage courses, sessions and requirements"  # sessions and requirements by org unit
RUN_SESSIONS = "run sessions"  # a trainer: the sessions they train; a training admin: those in scope
SEE_LEARNING = "see learning progress"
REVIEW_LEARNING = "review claims, contributions and box-ticking cases"
LEARN = "take part: enrol, check in, study, take quizzes, hand in work"  # needs a person record
MANAGE_REWARDS = "manage the reward catalogue and handle orders"  # orders: of people in scope
MANAGE_TRACKING = "run post-training follow-up: plans, templates, instruments, reports, actions"
FOLLOW_UP = "evaluate and observe trained people"
SEE_TRACKING = "see follow-up results, department KPIs and the archive"
RUN_NOTIFICATIONS = "configure channels, see deliveries and background jobs"
SEE_AUDIT = "see the audit log of configuration changes"  # whole organisation only

MAY: dict[str, dict[str, str]] = {
    "anonymous": {PUBLIC: ALL},
    "learner": {PUBLIC: ALL, SIGNED_IN: ALL, SEE_PEOPLE: SELF, SEE_POINTS: SELF, APPEAL: SELF, SEE_LEARNING: SELF,
                LEARN: SELF},
    "manager": {PUBLIC: ALL, SIGNED_IN: ALL, SEE_PEOPLE: RND, SEE: RND, SEE_POINTS: RND, APPEAL: SELF,
                SEE_LEARNING: RND, LEARN: SELF, FOLLOW_UP: RND, SEE_TRACKING: RND},
    "trainer": {PUBLIC: ALL, SIGNED_IN: ALL, SEE_PEOPLE: ALL, SEE: ALL, SEE_POINTS: SELF, APPEAL: SELF,
                RUN_SESSIONS: ALL, SEE_LEARNING: SELF, LEARN: SELF},
    "training_admin": {PUBLIC: ALL, SIGNED_IN: ALL, SEE_PEOPLE: RND, SEE: RND, MANAGE: RND, SEE_POINTS: RND,
                       RECORD_EVENTS: RND, SEE_ADJUSTMENTS: RND, PROPOSE: RND, REVIEW_APPEALS: RND, APPEAL: SELF,
                       MANAGE_CATALOG: RND, RUN_SESSIONS: RND, SEE_LEARNING: RND, REVIEW_LEARNING: RND, LEARN: SELF,
                       MANAGE_REWARDS: RND, MANAGE_TRACKING: RND, FOLLOW_UP: RND, SEE_TRACKING: RND},
    "hr_auditor": {PUBLIC: ALL, SIGNED_IN: ALL, SEE_PEOPLE: ALL, SEE: ALL, SEE_POINTS: ALL, SEE_ADJUSTMENTS: ALL,
                   APPROVE: ALL, APPEAL: SELF, SEE_LEARNING: ALL, LEARN: SELF, SEE_TRACKING: ALL, SEE_AUDIT: ALL},
    # This system admin has no person record: no points of their own to appeal, no courses to take.
    "system_admin": {PUBLIC: ALL, SIGNED_IN: ALL, SEE_PEOPLE: ALL, SEE: ALL, MANAGE: ALL, GRANT_ROLES: ALL,
                     SEE_POINTS: ALL, RECORD_EVENTS: ALL, SEE_ADJUSTMENTS: ALL, PROPOSE: ALL, APPROVE: ALL,
                     REVIEW_APPEALS: ALL, MANAGE_RULES: ALL, MANAGE_CATALOG: ALL, RUN_SESSIONS: ALL,
                     SEE_LEARNING: ALL, REVIEW_LEARNING: ALL, MANAGE_REWARDS: ALL, MANAGE_TRACKING: ALL,
                     FOLLOW_UP: ALL, SEE_TRACKING: ALL, RUN_NOTIFICATIONS: ALL, SEE_AUDIT: ALL},
}
ROLES = list(MAY)


def covers(reach: str, target: str) -> bool:
    """Whether a grant reaches the target: "in" (研发中心), "out" (市场部), or "own" (one's own)."""
    return reach == ALL or (reach == RND and target == "in") or target == "own"


# Outcomes that are not a plain status code.
LOGIN = "redirected to the login page"
FORM_REFUSED = "form shown again, nothing saved"


@dataclass(frozen=True)
class Case:
    url_name: str
    method: str
    need: str
    url: Callable[[World, str | None], str]
    target: str | None = None  # "in" (inside 研发中心), "out" (市场部), "own" (the requester's) or None
    ok: int | frozenset[int] = 200
    data: Callable[[World, str | None], dict] | None = None
    writes: bool = False
    out_of_scope: int | str = 404
    api_op: str | None = None  # "GET /api/v1/people/{person_id}" for API cases
    anonymous: int | str | None = None  # default: LOGIN, or ``ok`` for a public URL
    label: str = ""
    overrides: tuple[tuple[str, int | str], ...] = ()  # (role, outcome) where the rule above does not apply

    def __str__(self):
        where = f"[{self.target}]" if self.target else ""
        return f"{self.method.upper()} {self.api_op or self.url_name}{where}{self.label}"

    def expected(self, role: str):
        if role in dict(self.overrides):
            return dict(self.overrides)[role]
        if role == "anonymous" and self.anonymous is not None:
            return self.anonymous
        if role == "anonymous" and self.need != PUBLIC:
            return LOGIN
        reach = MAY[role].get(self.need)
        if reach is None:
            return 403
        if self.target and not covers(reach, self.target):
            return self.out_of_scope
        return self.ok


def scoped(**kwargs) -> list[Case]:
    return [Case(target="in", **kwargs), Case(target="out", **kwargs)]


def page(name: str, *args) -> Callable[[World, str | None], str]:
    return lambda w, t: reverse(name, args=args)


def on_person(name: str) -> Callable[[World, str | None], str]:
    return lambda w, t: reverse(name, args=[w.person(t).pk])


def on_unit(name: str, which: str = "unit") -> Callable[[World, str | None], str]:
    return lambda w, t: reverse(name, args=[getattr(w, which)(t).pk])


def person_form(w: World, t: str | None) -> dict:
    person = w.person(t)
    return {"employee_no": person.employee_no, "name": person.name + "改", "org_unit": person.org_unit_id,
            "position": w.position.pk, "manager": "", "hire_date": "", "status": "active", "email": "",
            "phone": "13800000000"}


def new_person_form(w: World, t: str | None) -> dict:
    return {"employee_no": "NEW-0001", "name": "新同事", "org_unit": w.unit(t).pk, "position": w.position.pk,
            "manager": "", "hire_date": "", "status": "active", "email": "", "phone": ""}


def position_form(w, t):
    return {"name": "新岗位", "code": "", "job_level": "P3", "annual_credit_target": "12.5", "is_active": "on"}


def roster_file(w: World, t: str | None) -> dict:
    """A one-row roster for a dry run: someone new in 平台组."""
    content = "工号,姓名,组织\nNEW-0001,新同事,总部/研发中心/平台组\n".encode()
    return {"file": SimpleUploadedFile("roster.csv", content, content_type="text/csv")}


API = "/api/v1"
JSON = 401  # an API call without a session


def api_case(op: str, name: str, need: str, url, **kwargs) -> Case:
    method = op.split()[0].lower()
    return Case(url_name=f"api:{name}", method=method, need=need, url=url, api_op=op, anonymous=JSON, **kwargs)


def api_scoped(op: str, name: str, need: str, url, **kwargs) -> list[Case]:
    return [api_case(op, name, need, url, target=t, **kwargs) for t in ("in", "out")]


def own_and_others(make, **kwargs) -> list[Case]:
    """The requester's own object, and someone else's inside and outside 研发中心."""
    return [make(target=t, **kwargs) for t in ("own", "in", "out")]


def adjustment_file(w: World, t: str | None) -> dict:
    content = f"工号,币种,数量,原因\n{w.person(t or 'in').employee_no},积分,5,补录\n".encode()
    return {"file": SimpleUploadedFile("调整.csv", content, content_type="text/csv"), "reason": "补录"}


def on_batch(name: str) -> Callable[[World, str | None], str]:
    return lambda w, t: reverse(name, args=[w.batch(t).pk])


def on_appeal(name: str) -> Callable[[World, str | None], str]:
    return lambda w, t: reverse(name, args=[w.appeal(t)])


CASES: list[Case] = [
    # ---- core
    Case("core:home", "get", SIGNED_IN, page("core:home")),
    Case("core:healthz", "get", PUBLIC, page("core:healthz")),
    # ---- accounts
    Case("accounts:login", "get", PUBLIC, page("accounts:login"), ok=302, anonymous=200,
         label=" (signed in: sent home)"),
    Case("accounts:logout", "post", PUBLIC, page("accounts:logout"), ok=302),
    Case("accounts:profile", "get", SIGNED_IN, page("accounts:profile")),
    Case("accounts:profile", "post", SIGNED_IN, page("accounts:profile"), ok=302, writes=True,
         data=lambda w, t: {"old_password": PASSWORD, "new_password1": "a brand new pass 42",
                            "new_password2": "a brand new pass 42"}),
    Case("accounts:language", "post", PUBLIC, page("accounts:language"), ok=302,
         data=lambda w, t: {"language": "en", "next": "/"}),
    # ---- people
    Case("org:people", "get", SEE_PEOPLE, page("org:people")),
    Case("org:person_lookup", "get", SEE_PEOPLE, lambda w, t: reverse("org:person_lookup") + "?q=-0001"),
    *scoped(url_name="org:person", method="get", need=SEE_PEOPLE, url=on_person("org:person")),
    Case("org:person_create", "get", MANAGE, page("org:person_create")),
    *scoped(url_name="org:person_create", method="post", need=MANAGE, url=page("org:person_create"),
            data=new_person_form, ok=302, writes=True, out_of_scope=FORM_REFUSED),
    *scoped(url_name="org:person_edit", method="get", need=MANAGE, url=on_person("org:person_edit")),
    *scoped(url_name="org:person_edit", method="post", need=MANAGE, url=on_person("org:person_edit"),
            data=person_form, ok=302, writes=True),
    *scoped(url_name="org:person_password", method="post", need=MANAGE, url=on_person("org:person_password"),
            data=lambda w, t: {"password": "another long pass 7"}, ok=302, writes=True),
    # ---- roles
    *scoped(url_name="org:role_grant", method="post", need=GRANT_ROLES, url=on_person("org:role_grant"),
            data=lambda w, t: {"role": Role.HR_AUDITOR, "scope": ""}, ok=302, writes=True),
    *scoped(url_name="org:role_revoke", method="post", need=GRANT_ROLES,
            url=lambda w, t: reverse("org:role_revoke", args=[w.person(t).pk, w.assignment(t).pk]),
            ok=302, writes=True),
    # ---- org units
    Case("org:units", "get", SEE, page("org:units")),
    Case("org:unit_create", "get", MANAGE, page("org:unit_create")),
    *scoped(url_name="org:unit_create", method="post", need=MANAGE, url=page("org:unit_create"),
            data=lambda w, t: {"name": "新部门", "kind": "department", "code": "", "parent": w.unit(t).pk},
            ok=302, writes=True, out_of_scope=FORM_REFUSED),
    *scoped(url_name="org:unit", method="get", need=SEE, url=on_unit("org:unit")),
    *scoped(url_name="org:unit_children", method="get", need=SEE, url=on_unit("org:unit_children")),
    *scoped(url_name="org:unit_rename", method="post", need=MANAGE, url=on_unit("org:unit_rename"),
            data=lambda w, t: {"name": "改名后的组"}, ok=302, writes=True),
    *scoped(url_name="org:unit_move", method="post", need=MANAGE, url=on_unit("org:unit_move"),
            data=lambda w, t: {"parent": w.apps.pk}, ok=302, writes=True),
    *scoped(url_name="org:unit_archive", method="post", need=MANAGE, url=on_unit("org:unit_archive", "empty_unit"),
            ok=302, writes=True),
    # ---- positions (one list for the whole organisation: no scope)
    Case("org:positions", "get", SEE, page("org:positions")),
    Case("org:position_create", "get", MANAGE, page("org:position_create")),
    Case("org:position_create", "post", MANAGE, page("org:position_create"), data=position_form, ok=302,
         writes=True),
    Case("org:position_edit", "get", MANAGE, lambda w, t: reverse("org:position_edit", args=[w.position.pk])),
    Case("org:position_edit", "post", MANAGE, lambda w, t: reverse("org:position_edit", args=[w.position.pk]),
         data=position_form, ok=302, writes=True),
    # ---- roster import (its own module tests what an import does; here: who may open it)
    Case("org:import", "get", MANAGE, page("org:import")),
    Case("org:import_template", "get", MANAGE, lambda w, t: reverse("org:import_template", args=["xlsx"])),
    Case("org:import_review", "get", MANAGE, lambda w, t: reverse("org:import_review", args=["no-such-import"]),
         ok=frozenset({200, 302, 404})),
    # ---- API: documentation
    Case("api:openapi-json", "get", SIGNED_IN, lambda w, t: f"{API}/openapi.json"),
    Case("api:openapi-view", "get", SIGNED_IN, lambda w, t: f"{API}/docs"),
    Case("api:api-root", "get", PUBLIC, lambda w, t: f"{API}/", ok=404, label=" (nothing there)"),
    # ---- API: operations
    api_case("GET /api/v1/me", "me", SIGNED_IN, lambda w, t: f"{API}/me"),
    api_case("GET /api/v1/org/units", "list_units", SEE, lambda w, t: f"{API}/org/units"),
    *api_scoped("GET /api/v1/org/units", "list_units", SEE,
                lambda w, t: f"{API}/org/units?parent_id={w.unit(t).pk}", label=" (children of)"),
    *api_scoped("POST /api/v1/org/units", "create_unit", MANAGE, lambda w, t: f"{API}/org/units",
                data=lambda w, t: {"name": "新部门", "parent_id": w.unit(t).pk}, ok=201, writes=True),
    *api_scoped("GET /api/v1/org/units/{unit_id}", "get_unit", SEE,
                lambda w, t: f"{API}/org/units/{w.unit(t).pk}"),
    *api_scoped("PATCH /api/v1/org/units/{unit_id}", "update_unit", MANAGE,
                lambda w, t: f"{API}/org/units/{w.unit(t).pk}", data=lambda w, t: {"name": "改名后的组"},
                writes=True),
    api_case("GET /api/v1/positions", "list_positions", SEE, lambda w, t: f"{API}/positions"),
    api_case("POST /api/v1/positions", "create_position", MANAGE, lambda w, t: f"{API}/positions",
             data=lambda w, t: {"name": "新岗位", "annual_credit_target": "10"}, ok=201, writes=True),
    api_case("PUT /api/v1/positions/{position_id}", "update_position", MANAGE,
             lambda w, t: f"{API}/positions/{w.position.pk}",
             data=lambda w, t: {"name": "资深工程师", "annual_credit_target": "160"}, writes=True),
    api_case("POST /api/v1/org/imports/people", "import_people", MANAGE,
             lambda w, t: f"{API}/org/imports/people", data=roster_file, label=" (dry run)"),
    api_case("GET /api/v1/people", "list_people", SEE_PEOPLE, lambda w, t: f"{API}/people"),
    # ---- points, credits and rules (ledger, rules)
    Case("ledger:my_points", "get", SIGNED_IN, page("ledger:my_points")),
    *scoped(url_name="ledger:person_points", method="get", need=SEE_POINTS, url=on_person("ledger:person_points")),
    # Searching the ledger is for those who see more than themselves.
    Case("ledger:search", "get", SEE_POINTS, lambda w, t: reverse("ledger:search") + "?q=-0001",
         overrides=(("learner", 403), ("trainer", 403))),
    Case("rules:rules", "get", SIGNED_IN, page("rules:rules")),
    Case("rules:rule", "get", SIGNED_IN, page("rules:rule", "attendance-present")),
    Case("rules:rule_create", "get", MANAGE_RULES, page("rules:rule_create")),
    Case("rules:rule_create", "post", MANAGE_RULES, page("rules:rule_create"), ok=302, data=lambda w, t: {
        "code": "webinar", "name": "线上研讨 +3", "event_type": "participation.active", "currency": "points",
        "amount": "3", "amount_mode": "fixed", "score_step": "10", "credit_source": "from_course",
        "cooldown_minutes": "0", "expiry_months": "12", "publish": "1"}),
    Case("rules:rule_edit", "get", MANAGE_RULES, page("rules:rule_edit", "attendance-present")),
    Case("rules:rule_edit", "post", MANAGE_RULES, page("rules:rule_edit", "attendance-present"), ok=302,
         data=lambda w, t: {"name": "出勤 +6", "event_type": "attendance.present", "currency": "points",
                            "amount": "6", "amount_mode": "fixed", "score_step": "10", "credit_source": "from_course",
                            "cooldown_minutes": "0", "expiry_months": "12", "draft": "1"}),
    Case("rules:rule_publish", "post", MANAGE_RULES, page("rules:rule_publish", "attendance-present"), ok=302),
    Case("rules:rule_archive", "post", MANAGE_RULES, page("rules:rule_archive", "contribution-case"), ok=302),
    Case("rules:export", "get", MANAGE_RULES, page("rules:export")),
    Case("rules:import", "get", MANAGE_RULES, page("rules:import")),
    Case("rules:simulate", "get", MANAGE_RULES, lambda w, t: reverse("rules:simulate") + "?start=2026-01-01&end=2026-12-31"),
    api_case("POST /api/v1/events", "post_events", RECORD_EVENTS, lambda w, t: f"{API}/events",
             data=lambda w, t: {"events": [{"key": "att-1", "type": "attendance.present",
                                            "person": w.in_person.employee_no,
                                            "occurred_at": "2026-03-01T09:00:00+08:00"}]},
             label=" (someone in 研发中心)"),
    *api_scoped("GET /api/v1/people/{employee_no}/balances", "person_balances", SEE_POINTS,
                lambda w, t: f"{API}/people/{w.person(t).employee_no}/balances"),
    *api_scoped("GET /api/v1/people/{employee_no}/entries", "person_entries", SEE_POINTS,
                lambda w, t: f"{API}/people/{w.person(t).employee_no}/entries"),
    *api_scoped("GET /api/v1/people/{person_id}", "get_person", SEE_PEOPLE,
                lambda w, t: f"{API}/people/{w.person(t).pk}"),
    *api_scoped("POST /api/v1/people", "create_person", MANAGE, lambda w, t: f"{API}/people",
                data=lambda w, t: {"employee_no": "NEW-0001", "name": "新同事", "org_unit_id": w.unit(t).pk},
                ok=201, writes=True),
    *api_scoped("PATCH /api/v1/people/{person_id}", "update_person", MANAGE,
                lambda w, t: f"{API}/people/{w.person(t).pk}", data=lambda w, t: {"phone": "13900000000"},
                writes=True),
    # ---- manual adjustments (maker-checker): training admins propose, HR / auditors approve
    Case("ledger:adjustments", "get", SEE_ADJUSTMENTS, page("ledger:adjustments")),
    Case("ledger:adjustment_create", "get", PROPOSE, page("ledger:adjustment_create")),
    *scoped(url_name="ledger:adjustment_create", method="post", need=PROPOSE, url=page("ledger:adjustment_create"),
            data=lambda w, t: {"employee_no": w.person(t).employee_no, "currency": "points", "amount": "5",
                               "credit_type": "", "reason": "补录签到"},
            ok=302, writes=True, out_of_scope=FORM_REFUSED),
    Case("ledger:adjustment_upload", "get", PROPOSE, page("ledger:adjustment_upload")),
    Case("ledger:adjustment_upload", "post", PROPOSE, page("ledger:adjustment_upload"), data=adjustment_file,
         ok=302, label=" (checked, not yet proposed)"),
    Case("ledger:adjustment_template", "get", PROPOSE, page("ledger:adjustment_template", "xlsx")),
    Case("ledger:adjustment_upload_review", "get", PROPOSE,
         lambda w, t: reverse("ledger:adjustment_upload_review", args=[w.parked_adjustment_file("in")])),
    *scoped(url_name="ledger:adjustment_upload_review", method="post", need=PROPOSE,
            url=lambda w, t: reverse("ledger:adjustment_upload_review", args=[w.parked_adjustment_file(t)]),
            data=lambda w, t: {"action": "submit", "reason": "补录"}, ok=302, writes=True,
            out_of_scope=FORM_REFUSED),
    *scoped(url_name="ledger:adjustment", method="get", need=SEE_ADJUSTMENTS, url=on_batch("ledger:adjustment")),
    *scoped(url_name="ledger:adjustment_evidence", method="get", need=SEE_ADJUSTMENTS,
            url=on_batch("ledger:adjustment_evidence")),
    *scoped(url_name="ledger:adjustment_approve", method="post", need=APPROVE,
            url=on_batch("ledger:adjustment_approve"), data=lambda w, t: {"approve-note": "同意"}, ok=302,
            writes=True),
    *scoped(url_name="ledger:adjustment_reject", method="post", need=APPROVE, url=on_batch("ledger:adjustment_reject"),
            data=lambda w, t: {"reject-note": "证据不足"}, ok=302, writes=True),
    api_case("GET /api/v1/adjustments", "list_adjustments", SEE_ADJUSTMENTS, lambda w, t: f"{API}/adjustments"),
    *api_scoped("POST /api/v1/adjustments", "create_adjustment", PROPOSE, lambda w, t: f"{API}/adjustments",
                data=lambda w, t: {"reason": "补录", "lines": [{"employee_no": w.person(t).employee_no,
                                                               "currency": "points", "amount": 5}]},
                ok=201, writes=True),
    api_case("POST /api/v1/adjustments/file", "adjustment_file_upload", PROPOSE,
             lambda w, t: f"{API}/adjustments/file", data=adjustment_file, label=" (dry run)"),
    *api_scoped("POST /api/v1/adjustments/file", "adjustment_file_upload", PROPOSE,
                lambda w, t: f"{API}/adjustments/file?dry_run=false", data=adjustment_file, writes=True,
                out_of_scope=422, label=" (proposed)"),
    *api_scoped("GET /api/v1/adjustments/{adjustment_id}", "get_adjustment", SEE_ADJUSTMENTS,
                lambda w, t: f"{API}/adjustments/{w.batch(t).pk}"),
    *api_scoped("POST /api/v1/adjustments/{adjustment_id}/approve", "approve_adjustment", APPROVE,
                lambda w, t: f"{API}/adjustments/{w.batch(t).pk}/approve", data=lambda w, t: {}, writes=True),
    *api_scoped("POST /api/v1/adjustments/{adjustment_id}/reject", "reject_adjustment", APPROVE,
                lambda w, t: f"{API}/adjustments/{w.batch(t).pk}/reject", data=lambda w, t: {"note": "证据不足"},
                writes=True),
    # ---- appeals (异议): each person appeals their own entries; training admins review
    *own_and_others(lambda **kw: Case(url_name="ledger:appeal_create", method="get", need=APPEAL, **kw),
                    url=lambda w, t: reverse("ledger:appeal_create", args=[w.entry_pk(t)])),
    *own_and_others(lambda **kw: Case(url_name="ledger:appeal_create", method="post", need=APPEAL, **kw),
                    url=lambda w, t: reverse("ledger:appeal_create", args=[w.entry_pk(t)]),
                    data=lambda w, t: {"reason": "这条记错了"}, ok=302, writes=True),
    Case("ledger:my_appeals", "get", SIGNED_IN, page("ledger:my_appeals")),
    Case("ledger:appeals", "get", REVIEW_APPEALS, page("ledger:appeals")),
    *scoped(url_name="ledger:appeal", method="get", need=REVIEW_APPEALS, url=on_appeal("ledger:appeal")),
    Case("ledger:appeal", "get", APPEAL, on_appeal("ledger:appeal"), target="own", label=" (one's own)",
         overrides=(("system_admin", 404),)),  # no person, so no appeal of their own: the probe is not found
    *scoped(url_name="ledger:appeal_accept", method="post", need=REVIEW_APPEALS, url=on_appeal("ledger:appeal_accept"),
            data=lambda w, t: {"accept-resolution": "reversal", "accept-reply": "已核实，撤销"}, ok=302, writes=True),
    *scoped(url_name="ledger:appeal_reject", method="post", need=REVIEW_APPEALS, url=on_appeal("ledger:appeal_reject"),
            data=lambda w, t: {"reject-reply": "维持"}, ok=302, writes=True),
    *own_and_others(lambda **kw: api_case("POST /api/v1/entries/{entry_id}/appeals", "create_appeal", APPEAL, **kw),
                    url=lambda w, t: f"{API}/entries/{w.entry_pk(t)}/appeals",
                    data=lambda w, t: {"reason": "这条记错了"}, ok=201, writes=True),
    api_case("GET /api/v1/appeals/mine", "my_appeals", SIGNED_IN, lambda w, t: f"{API}/appeals/mine"),
    api_case("GET /api/v1/appeals", "list_appeals", REVIEW_APPEALS, lambda w, t: f"{API}/appeals"),
    *api_scoped("GET /api/v1/appeals/{appeal_id}", "get_appeal", REVIEW_APPEALS,
                lambda w, t: f"{API}/appeals/{w.appeal(t)}"),
    api_case("GET /api/v1/appeals/{appeal_id}", "get_appeal", APPEAL, lambda w, t: f"{API}/appeals/{w.appeal(t)}",
             target="own", label=" (one's own)", overrides=(("system_admin", 404),)),
    *api_scoped("POST /api/v1/appeals/{appeal_id}/accept", "accept_appeal", REVIEW_APPEALS,
                lambda w, t: f"{API}/appeals/{w.appeal(t)}/accept",
                data=lambda w, t: {"resolution": "reversal", "reply": "已核实，撤销"}, writes=True),
    *api_scoped("POST /api/v1/appeals/{appeal_id}/reject", "reject_appeal", REVIEW_APPEALS,
                lambda w, t: f"{API}/appeals/{w.appeal(t)}/reject", data=lambda w, t: {"reply": "维持"},
                writes=True),
]


def request(client, world: World, role: str, case: Case):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    world.acting = role
    url = case.url(world, case.target)
    data = case.data(world, case.target) if case.data else {}
    if case.api_op and case.method != "get" and "file" in data:
        return client.post(url, data)  # multipart upload
    if case.api_op and case.method != "get":
        return getattr(client, case.method)(url, data=json.dumps(data), content_type="application/json")
    if case.method == "get":
        return client.get(url)
    return client.post(url, data)


def check(response, expected) -> None:
    status = response.status_code
    if expected == LOGIN:
        assert status == 302, status
        assert response["Location"].startswith(reverse("accounts:login") + "?next="), response["Location"]
    elif expected == FORM_REFUSED:
        assert status == 200, status
    elif isinstance(expected, frozenset):
        assert status in expected, status
        if status == 302:
            assert not response["Location"].startswith(reverse("accounts:login"))
    else:
        assert status == expected, (status, response.content[:300])


# ---------------------------------------------------------------- the matrix


REFUSED = (LOGIN, FORM_REFUSED, 400, 401, 403, 404, 422)


def assert_reaches_exactly(client, world: World, role: str, case: Case, fingerprint: Callable[[], object], *,
                           hides_in_scope_names: bool = True) -> None:
    """One role, one case: the expected outcome; nobody is shown a name outside what they may see; a
    refused or read-only request changes nothing of ``fingerprint`` and an allowed write changes it.
    Every app's matrix (``<app>/tests/test_permissions.py``) runs its cases through here."""
    expected = case.expected(role)
    before = fingerprint()
    response = request(client, world, role, case)

    check(response, expected)

    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode(errors="replace")
    reach = MAY[role].get(SEE_PEOPLE)
    if reach is None or not covers(reach, "out"):
        for name in OUT_OF_SCOPE_NAMES:
            assert name not in body, f"{role} was shown {name!r}"
    if hides_in_scope_names and (reach is None or not covers(reach, "in")):
        for name in IN_SCOPE_PERSON_NAMES:
            assert name not in body, f"{role} was shown {name!r}"

    if expected in REFUSED or not case.writes:
        assert fingerprint() == before, "a refused or read-only request changed something"
    else:
        assert fingerprint() != before, "an allowed write changed nothing"


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_on_every_page_and_endpoint(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint)


def _url_names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def all_cases() -> list:
    """This module's cases and those of every app's own matrix (``<app>/tests/test_permissions.py``
    exposing ``CASES``: objects with ``url_name`` and ``api_op``, usually this module's Case)."""
    import importlib
    import importlib.util

    from django.apps import apps

    cases = list(CASES)
    for config in apps.get_app_configs():
        name = f"{config.name}.tests.test_permissions"
        if config.name.startswith("jifen.") and importlib.util.find_spec(f"{config.name}.tests") is not None \
                and importlib.util.find_spec(name) is not None:
            cases += importlib.import_module(name).CASES
    return cases


def test_every_url_has_an_entry_in_the_matrix():
    """A page or endpoint added without saying who may use it fails here."""
    cases = all_cases()
    in_urlconf = {name for name in _url_names(get_resolver().url_patterns) if not name.startswith("admin:")}
    assert in_urlconf == {case.url_name for case in cases}

    schema = api.get_openapi_schema()
    operations = {
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method in methods
    }
    assert operations == {case.api_op for case in cases if case.api_op}


def test_every_scoped_case_is_tried_inside_and_outside_the_scope():
    targets: dict[tuple[str, str, str], set] = {}
    for case in CASES:
        targets.setdefault((case.url_name, case.method, case.label), set()).add(case.target)
    for key, seen in targets.items():
        assert seen in ({None}, {"in", "out"}, {"own"}, {"own", "in", "out"}), key


# ---------------------------------------------------------------- lists never include anyone out of scope


def test_a_managers_people_list_contains_no_one_from_outside_their_subtree(client, world):
    client.force_login(world.users["manager"])
    body = client.get(reverse("org:people")).content.decode()
    assert "郑雨桐" in body and "陈经理" in body
    assert "钱多多" not in body and "MK-0001" not in body


def test_filtering_the_people_list_by_an_out_of_scope_unit_shows_nothing_from_it(client, world):
    client.force_login(world.users["manager"])
    response = client.get(reverse("org:people"), {"unit": world.marketing.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "钱多多" not in body and "市场部" not in body


def test_a_managers_api_people_list_contains_no_one_from_outside_their_subtree(client, world):
    client.force_login(world.users["manager"])
    numbers = {item["employee_no"] for item in client.get(f"{API}/people").json()["items"]}
    assert numbers == set(Person.objects.filter(org_unit__path__startswith=world.rnd.path)
                          .values_list("employee_no", flat=True))
    assert "MK-0001" not in numbers


def test_a_manager_cannot_filter_the_api_people_list_by_an_out_of_scope_unit(client, world):
    client.force_login(world.users["manager"])
    assert client.get(f"{API}/people", {"unit_id": world.marketing.pk}).status_code == 404


def test_searching_people_never_finds_someone_outside_the_scope(client, world):
    client.force_login(world.users["manager"])
    assert "钱多多" not in client.get(reverse("org:people"), {"q": "钱"}).content.decode()
    assert "钱多多" not in client.get(reverse("org:person_lookup"), {"q": "钱"}).content.decode()
    assert client.get(f"{API}/people", {"q": "钱多多"}).json()["count"] == 0


def test_a_managers_org_tree_and_unit_search_show_only_their_subtree(client, world):
    client.force_login(world.users["manager"])
    tree = client.get(reverse("org:units")).content.decode()
    assert "研发中心" in tree and "市场部" not in tree
    search = client.get(reverse("org:units"), {"q": "部"}).content.decode()
    assert "市场部" not in search
    api_names = {u["name"] for u in client.get(f"{API}/org/units", {"q": "部"}).json()}
    assert "市场部" not in api_names and "市场部档案组" not in api_names


def test_a_learner_sees_their_own_record_but_nobody_elses(client, world):
    learner = world.users["learner"]
    client.force_login(learner)
    own = learner.person.pk
    assert client.get(reverse("org:person", args=[own])).status_code == 200
    assert client.get(f"{API}/people/{own}").status_code == 200
    assert [p["employee_no"] for p in client.get(f"{API}/people").json()["items"]] == ["RD-L001"]
    assert client.get(reverse("org:person", args=[world.in_person.pk])).status_code == 404


def test_a_learner_does_not_see_the_people_menu(client, world):
    client.force_login(world.users["learner"])
    body = client.get(reverse("core:home")).content.decode()
    assert reverse("org:people") not in body
    assert reverse("org:units") not in body


# ---------------------------------------------------------------- writes across the scope boundary


def test_a_manager_cannot_edit_a_person_even_in_their_own_subtree(client, world):
    client.force_login(world.users["manager"])
    response = client.post(reverse("org:person_edit", args=[world.in_person.pk]),
                           person_form(world, "in"))
    assert response.status_code == 403
    assert Person.objects.get(pk=world.in_person.pk).name == "郑雨桐"


def test_a_subtree_training_admin_cannot_move_a_person_out_of_their_subtree(client, world):
    client.force_login(world.users["training_admin"])
    data = {**person_form(world, "in"), "org_unit": world.marketing.pk}
    response = client.post(reverse("org:person_edit", args=[world.in_person.pk]), data)
    assert response.status_code == 200  # the form again, with the unit refused
    assert Person.objects.get(pk=world.in_person.pk).org_unit_id == world.platform.pk
    api_response = client.patch(f"{API}/people/{world.in_person.pk}", {"org_unit_id": world.marketing.pk},
                                content_type="application/json")
    assert api_response.status_code == 404
    assert Person.objects.get(pk=world.in_person.pk).org_unit_id == world.platform.pk


def test_a_subtree_training_admin_cannot_move_a_unit_out_of_their_subtree(client, world):
    client.force_login(world.users["training_admin"])
    client.post(reverse("org:unit_move", args=[world.platform.pk]), {"parent": world.marketing.pk})
    assert OrgUnit.objects.get(pk=world.platform.pk).name_path == "总部/研发中心/平台组"
    response = client.patch(f"{API}/org/units/{world.platform.pk}", {"parent_id": world.marketing.pk},
                            content_type="application/json")
    assert response.status_code == 404
    response = client.patch(f"{API}/org/units/{world.platform.pk}", {"move_to_top": True},
                            content_type="application/json")
    assert response.status_code == 404
    assert OrgUnit.objects.get(pk=world.platform.pk).name_path == "总部/研发中心/平台组"


def test_a_subtree_training_admin_cannot_create_a_top_level_unit(client, world):
    client.force_login(world.users["training_admin"])
    before = OrgUnit.objects.count()
    assert client.post(reverse("org:unit_create"), {"name": "新公司", "kind": "company", "code": ""}).status_code == 200
    assert client.post(f"{API}/org/units", {"name": "新公司"}, content_type="application/json").status_code == 404
    assert OrgUnit.objects.count() == before


def test_a_whole_organisation_training_admin_manages_people_everywhere(client, world):
    admin = world.org.person(unit=world.rnd, no="HR-A001", name="何培训", role=Role.TRAINING_ADMIN)
    client.force_login(admin.user)
    response = client.post(reverse("org:person_edit", args=[world.out_person.pk]), person_form(world, "out"))
    assert response.status_code == 302
    assert Person.objects.get(pk=world.out_person.pk).name == "钱多多改"
    assert client.get(reverse("org:unit", args=[world.marketing.pk])).status_code == 200


def test_only_a_system_admin_can_grant_roles(client, world):
    client.force_login(world.users["training_admin"])
    response = client.post(reverse("org:role_grant", args=[world.in_person.pk]),
                           {"role": Role.SYSTEM_ADMIN, "scope": ""})
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(role=Role.SYSTEM_ADMIN, user=world.in_person.user).exists()


def test_a_role_cannot_be_revoked_through_another_persons_page(client, world):
    client.force_login(world.users["system_admin"])
    others = world.assignment("out")
    response = client.post(reverse("org:role_revoke", args=[world.in_person.pk, others.pk]))
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=others.pk).exists()


def test_a_person_who_left_loses_access_in_an_open_session(client, world):
    manager = world.users["manager"]
    client.force_login(manager)
    assert client.get(reverse("org:people")).status_code == 200
    services.person_update(person=manager.person, status=Person.Status.LEFT)
    response = client.get(reverse("org:people"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert client.get(f"{API}/people").status_code == 401


# ---------------------------------------------------------------- Django admin: system admins only


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/admin/", "/admin/org/person/", "/admin/accounts/user/", "/admin/org/orgunit/"])
def test_only_a_system_admin_opens_the_django_admin(client, world, role, path):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    if role == "system_admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_the_staff_flag_alone_does_not_open_the_django_admin(client, world):
    user = world.users["training_admin"]
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client.force_login(User.objects.get(pk=user.pk))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

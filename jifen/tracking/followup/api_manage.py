"""Follow-up plans, templates and forms over the API: what the training admins' pages do, with the same
selectors, services and scope (a plan outside the caller's units is a 404). Templates and forms are the
organisation's configuration: their writes need an admin-scope token; running a plan (making it, peers,
test results, report settings, closing it) is a day-to-day write.

Anonymous surveys stay anonymous: nothing here says who answered; their results are
``GET /tracking/plans/{plan_id}/survey-results`` (groups of 3 or more)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.api.tokens import admin_paths
from jifen.catalog.models import Session
from jifen.core.errors import ApplicationError
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access
from jifen.tracking.followup import selectors, services
from jifen.tracking.followup.api import FollowupQuestionOut, PersonBrief
from jifen.tracking.followup.models import (
    ActivityKind,
    Audience,
    OffsetUnit,
    Plan,
    PlanTemplate,
    TemplateActivity,
)
from jifen.tracking.instruments import services as instruments
from jifen.tracking.instruments.models import Dimension, Form, FormKind, Question, QuestionKind
from jifen.tracking.reports import selectors as report_selectors
from jifen.tracking.reports import services as report_services

router = Router(tags=["follow-up management"])
FORMS_TAG = ["follow-up forms"]  # the form builder (instruments): its own rows in the permission matrix

# Templates and forms are configuration: admin scope for their writes.
admin_paths(r"^/?tracking/(templates|forms)(/|$)")

TEXT_MAX = 5000


def _managed_plan(request, plan_id: int) -> Plan:
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    plan = selectors.plans_managed(access).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


# ---------------------------------------------------------------- schemas: plans


class FollowupActivityProgressOut(Schema):
    activity_id: int
    title: str
    kind: str
    total: int
    done: int
    overdue: int
    percent: int


class FollowupPlanProgressOut(Schema):
    total: int
    done: int
    overdue: int
    open: int
    percent: int
    by_activity: list[FollowupActivityProgressOut]


class FollowupTestResultOut(Schema):
    id: int
    person: PersonBrief
    plan_id: int
    plan: str
    score: float
    pre_score: float | None
    improvement: float | None
    grade: Literal["excellent", "good", "pass", "fail"]
    grade_label: str
    taken_on: dt.date

    @staticmethod
    def resolve_plan(obj) -> str:
        return obj.plan.name

    @staticmethod
    def resolve_grade_label(obj) -> str:
        return obj.get_grade_display()


class FollowupPlanOut(Schema):
    id: int
    name: str
    status: Literal["active", "closed"]
    template_id: int
    template: str
    session_id: int | None
    programme_id: int | None
    org_unit: str
    course: str | None = Field(..., description="The course's code (null for a programme of several courses).")
    ended_on: dt.date
    due_on: dt.date
    calendar_fallback: bool = Field(..., description="Some dates were estimated (Monday to Friday counted).")
    created_at: dt.datetime
    task_count: int = Field(..., description="Tasks not cancelled.")
    done_count: int
    percent: int

    @staticmethod
    def resolve_template(obj) -> str:
        return obj.template.name

    @staticmethod
    def resolve_org_unit(obj) -> str:
        return obj.org_unit.name_path

    @staticmethod
    def resolve_course(obj) -> str | None:
        return obj.course.code if obj.course_id else None

    @staticmethod
    def resolve_percent(obj) -> int:
        return round(100 * obj.done_count / obj.task_count) if obj.task_count else 0


class FollowupPlanDetailOut(FollowupPlanOut):
    progress: FollowupPlanProgressOut
    learners: list[PersonBrief]
    sessions: list[int]
    test_results: list[FollowupTestResultOut] = Field(..., alias="results")
    evaluated: list[PersonBrief] = Field(..., description="The learners a 360 evaluation is about.")
    has_test: bool
    has_peers: bool = Field(..., description="The template has a peer evaluation (peers can be added).")


class FollowupPlanFilter(Schema):
    status: Literal["active", "closed", ""] = ""


class FollowupPlanIn(Schema):
    session_id: int
    template_id: int | None = Field(None, description="null: the standard template (seed 004).")
    name: str = Field("", max_length=200, description="Empty: the session's title and date.")


class FollowupProgrammePlanIn(Schema):
    name: str = Field(..., max_length=200)
    session_ids: list[int] = Field(..., max_length=200, description="At least two sessions, in the caller's units.")
    template_id: int | None = Field(None, description="null: the standard template (seed 004).")


class FollowupPeerIn(Schema):
    subject_id: int = Field(..., description="The learner to evaluate.")
    peer_id: int = Field(..., description="The peer who evaluates (an active person in the caller's scope).")


class FollowupPeerOut(Schema):
    subject: PersonBrief
    peer: PersonBrief
    tasks_made: int


class FollowupTestResultIn(Schema):
    person_id: int
    score: Decimal = Field(..., ge=0, le=100, max_digits=5, decimal_places=2)
    pre_score: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    taken_on: dt.date | None = Field(None, description="null: today.")


def _plan_detail(request, plan_id: int) -> Plan:
    """The plan page's facts: progress per activity, learners, test results, who is evaluated."""
    access = get_access(request)
    plan = selectors.plans_with_progress(access).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    progress = selectors.plan_progress(plan, timezone.localdate())
    activities = plan.template.activities.all()
    plan.progress = {
        "total": progress.total, "done": progress.done, "overdue": progress.overdue, "open": progress.open,
        "percent": progress.percent,
        "by_activity": [{"activity_id": row["activity"].pk, "title": row["activity"].display_title,
                         "kind": row["activity"].kind, "total": row["total"], "done": row["done"],
                         "overdue": row["overdue"], "percent": row["percent"]} for row in progress.by_activity],
    }
    plan.learners = [person for person, _session in services.plan_learners(plan)]
    plan.sessions = [s.pk for s in services.plan_sessions(plan)]
    plan.results = list(plan.test_results.select_related("person", "plan").order_by("person__employee_no"))
    plan.evaluated = list(selectors.evaluated_people(plan))
    plan.has_test = any(a.kind == ActivityKind.TEST for a in activities)
    plan.has_peers = any(a.kind == ActivityKind.EVALUATION and Audience.PEERS in a.audiences for a in activities)
    return plan


def _template(template_id: int | None) -> PlanTemplate:
    if template_id is None:
        return services.default_template()
    found = PlanTemplate.objects.filter(pk=template_id).first()
    if found is None:
        raise Http404
    return found


# ---------------------------------------------------------------- plans


@router.get("/tracking/plans", response=list[FollowupPlanOut])
@paginate(CursorPagination)
def followup_list_plans(request, filters: Query[FollowupPlanFilter]):
    """The tracking plans of the caller's units, newest training first, with their progress."""
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    plans = selectors.plans_with_progress(access)
    if filters.status:
        plans = plans.filter(status=filters.status)
    return plans


@router.get("/tracking/plans/{plan_id}", response=FollowupPlanDetailOut)
def followup_get_plan(request, plan_id: int):
    """One plan: progress per activity, learners, test results and who is evaluated. Its tasks are
    ``GET /tracking/tasks?scope=managed&plan=…``; its anonymous results ``…/survey-results``."""
    get_access(request).require(Perm.TRACKING_MANAGE)
    return _plan_detail(request, plan_id)


@router.post("/tracking/plans", response={201: FollowupPlanDetailOut})
def followup_create_plan(request, payload: FollowupPlanIn):
    """Make the tracking plan of a session in the caller's units: its tasks are given out at once."""
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    session = Session.objects.filter(org_unit__in=access.units(Perm.TRACKING_MANAGE).values("pk"),
                                     pk=payload.session_id).select_related("course", "org_unit").first()
    if session is None:
        raise Http404
    created = services.plan_create(template=_template(payload.template_id), session=session, name=payload.name,
                                   created_by=request.user)
    return Status(201, _plan_detail(request, created.pk))


@router.post("/tracking/programme-plans", response={201: FollowupPlanDetailOut})
def followup_create_programme_plan(request, payload: FollowupProgrammePlanIn):
    """Follow up several sessions together: a programme and its one tracking plan."""
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    units = access.units(Perm.TRACKING_MANAGE)
    wanted = set(payload.session_ids)
    sessions = list(Session.objects.filter(org_unit__in=units.values("pk"), pk__in=wanted)
                    .select_related("course", "org_unit").order_by("pk"))
    if len(sessions) != len(wanted):
        raise Http404
    created = services.programme_plan_create(name=payload.name, sessions=sessions,
                                             template=_template(payload.template_id), created_by=request.user,
                                             units=units)
    return Status(201, _plan_detail(request, created.pk))


@router.post("/tracking/plans/{plan_id}/close", response=FollowupPlanDetailOut)
def followup_close_plan(request, plan_id: int):
    """Close a plan: its open tasks are cancelled."""
    services.plan_close(plan=_managed_plan(request, plan_id))
    return _plan_detail(request, plan_id)


@router.post("/tracking/plans/{plan_id}/peers", response={201: FollowupPeerOut})
def followup_add_peer(request, plan_id: int, payload: FollowupPeerIn):
    """Choose a peer to evaluate a learner (besides the ones chosen automatically)."""
    plan = _managed_plan(request, plan_id)
    access = get_access(request)
    subject = Person.objects.filter(pk=payload.subject_id).first()
    peer = access.people(Perm.TRACKING_MANAGE).filter(pk=payload.peer_id, status=Person.Status.ACTIVE).first()
    if subject is None or peer is None:
        raise Http404
    made = services.peer_add(plan=plan, subject=subject, peer=peer)
    return Status(201, {"subject": subject, "peer": peer, "tasks_made": made})


@router.post("/tracking/plans/{plan_id}/test-results", response={201: FollowupTestResultOut})
def followup_record_test_result(request, plan_id: int, payload: FollowupTestResultIn):
    """Record (or correct) one learner's test score: graded by the template's thresholds; their test task
    is done. Many at once: ``…/test-results/import``."""
    plan = _managed_plan(request, plan_id)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None:
        raise Http404
    result = services.test_result_record(plan=plan, person=person, score=payload.score, pre_score=payload.pre_score,
                                         taken_on=payload.taken_on, recorded_by=request.user)
    return Status(201, result)


# ---------------------------------------------------------------- results and a person's record


class FollowupResultFilter(Schema):
    grade: Literal["excellent", "good", "pass", "fail", ""] = ""


class FollowupDimensionOut(Schema):
    dimension: str
    label: str
    manager: float | None
    peers: float | None
    self: float | None
    weighted: float | None


class FollowupCommentOut(Schema):
    topic: str
    audience: str
    by: str = Field(..., description="The manager's name; empty for peers and self (never named).")
    text: str


class FollowupEvaluationOut(Schema):
    plan_id: int
    plan: str
    overall: float | None
    dimensions: list[FollowupDimensionOut]
    counts: dict[str, int] = Field(..., description="Evaluations received, per audience.")
    strengths: list[str]
    weaknesses: list[str]
    suggestions: list[str]
    comments: list[FollowupCommentOut]


class FollowupRecordOut(Schema):
    person: PersonBrief
    own: bool
    test_results: list[FollowupTestResultOut]
    evaluations: list[FollowupEvaluationOut]


@router.get("/tracking/test-results", response=list[FollowupTestResultOut])
@paginate(CursorPagination)
def followup_list_test_results(request, filters: Query[FollowupResultFilter]):
    """Test grades of the people in the caller's scope (managers, training admins, auditors), newest first."""
    access = get_access(request)
    access.require(Perm.TRACKING_VIEW)
    return selectors.results_in_scope(access, filters.grade)


def _evaluation_out(report: dict) -> dict:
    return {
        "plan_id": report["plan"].pk, "plan": report["plan"].name, "overall": report["overall"],
        "dimensions": [{key: row[key] for key in ("manager", "peers", "self", "weighted")}
                       | {"dimension": str(row["dimension"].value), "label": str(row["label"])}
                       for row in report["dimensions"]],
        "counts": report["counts"],
        "strengths": [str(d["label"]) for d in report["strengths"]],
        "weaknesses": [str(d["label"]) for d in report["weaknesses"]],
        "suggestions": [str(s) for s in report["suggestions"]],
        "comments": [{"topic": topic, "audience": str(c["audience"]), "by": c["by"], "text": str(c["text"])}
                     for topic, items in report["comments"].items() for c in items],
    }


@router.get("/tracking/people/{person_id}/record", response=FollowupRecordOut)
def followup_person_record(request, person_id: int):
    """A person's follow-up record: test results and 360 evaluation reports. One's own, or (managers,
    training admins, auditors) of someone in scope. Peers' comments never carry a name."""
    access = get_access(request)
    own = person_id == access.person_id
    if not own:
        access.require(Perm.TRACKING_VIEW)
    people = Person.objects.all() if own else selectors.people_followed(access)
    person = people.filter(pk=person_id).first()
    if person is None:
        raise Http404
    plans = {t.plan for t in person.followup_tasks_about.filter(kind=ActivityKind.EVALUATION)
             .select_related("plan", "plan__template")}
    reports = [selectors.evaluation_report(p, person) for p in sorted(plans, key=lambda p: -p.pk)]
    return {
        "person": person, "own": own,
        "test_results": list(selectors.test_results_of(person.pk).select_related("person")),
        "evaluations": [_evaluation_out(r) for r in reports if r["overall"] is not None or r["comments"]],
    }


# ---------------------------------------------------------------- report settings


class FollowupReportSettingsOut(Schema):
    plan_id: int
    baseline_start: dt.date | None
    baseline_end: dt.date | None
    participation_goal: float
    satisfaction_goal: float
    exam_goal: float
    baseline_participation: float | None
    baseline_exam_average: float | None
    cost: float | None
    benefit: float | None
    benefit_basis: str
    conclusion: str
    problems: str
    suggestions: str
    updated_at: dt.datetime | None


def _goal(le: int, digits: int):
    return Field(None, ge=0, le=le, max_digits=digits, decimal_places=2)


class FollowupReportSettingsPatch(Schema):
    """Only the fields given change (null clears an optional one)."""

    baseline_start: dt.date | None = Field(None, description="null: the twelve months before the training.")
    baseline_end: dt.date | None = None
    participation_goal: Decimal = _goal(1000, 6)
    satisfaction_goal: Decimal = _goal(100, 5)
    exam_goal: Decimal = _goal(1000, 6)
    baseline_participation: Decimal | None = _goal(100, 5)
    baseline_exam_average: Decimal | None = _goal(100, 5)
    cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    benefit: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    benefit_basis: str | None = Field(None, max_length=TEXT_MAX)
    conclusion: str | None = Field(None, max_length=TEXT_MAX)
    problems: str | None = Field(None, max_length=TEXT_MAX)
    suggestions: str | None = Field(None, max_length=TEXT_MAX)


def _settings_out(plan: Plan, report) -> dict:
    out = {"plan_id": plan.pk, "updated_at": report.updated_at}
    for name in report_services.SETTINGS_FIELDS:
        value = getattr(report, name)
        out[name] = float(value) if isinstance(value, Decimal) else value
    return out


@router.get("/tracking/plans/{plan_id}/report-settings", response=FollowupReportSettingsOut)
def followup_get_report_settings(request, plan_id: int):
    """The tracking report's goals, baseline, cost and benefit, and conclusions (defaults until set)."""
    plan = _managed_plan(request, plan_id)
    return _settings_out(plan, report_selectors.settings_of(plan))


@router.patch("/tracking/plans/{plan_id}/report-settings", response=FollowupReportSettingsOut)
def followup_update_report_settings(request, plan_id: int, payload: FollowupReportSettingsPatch):
    plan = _managed_plan(request, plan_id)
    current = report_selectors.settings_of(plan)
    fields = {name: getattr(current, name) for name in report_services.SETTINGS_FIELDS}
    fields |= payload.dict(exclude_unset=True)
    try:
        report = report_services.report_update(plan=plan, actor=request.user, **fields)
    except DjangoValidationError as invalid:
        name, messages = next(iter(invalid.message_dict.items()))
        raise ApplicationError(messages[0], field=name) from invalid
    return _settings_out(plan, report)


# ---------------------------------------------------------------- templates (configuration: admin scope)


class FollowupActivityOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    offset: int
    offset_unit: str
    repeat: int
    audiences: list[str]
    form_id: int | None
    form: str | None
    position: int


class FollowupTemplateOut(Schema):
    id: int
    name: str
    description: str
    code: str
    plan_due_working_days: int
    manager_weight: float
    peers_weight: float
    self_weight: float
    excellent_from: float
    good_from: float
    pass_from: float
    activities: list[FollowupActivityOut]


def _weight():
    return Field(None, ge=0, le=100, max_digits=5, decimal_places=2)


def _threshold():
    return Field(None, max_digits=6, decimal_places=2)


class FollowupTemplatePatch(Schema):
    """Only the fields given change. Weights of manager, peers and self add up to 100; thresholds fall
    from 优秀 to 良好 to 合格."""

    name: str = Field(None, max_length=200)
    description: str = Field(None, max_length=TEXT_MAX)
    plan_due_working_days: int = Field(None, ge=0, le=250)
    manager_weight: Decimal = _weight()
    peers_weight: Decimal = _weight()
    self_weight: Decimal = _weight()
    excellent_from: Decimal = _threshold()
    good_from: Decimal = _threshold()
    pass_from: Decimal = _threshold()


class FollowupTemplateIn(FollowupTemplatePatch):
    name: str = Field(..., max_length=200)
    description: str = Field("", max_length=TEXT_MAX)
    plan_due_working_days: int = Field(5, ge=0, le=250)
    manager_weight: Decimal = Field(Decimal(50), ge=0, le=100, max_digits=5, decimal_places=2)
    peers_weight: Decimal = Field(Decimal(30), ge=0, le=100, max_digits=5, decimal_places=2)
    self_weight: Decimal = Field(Decimal(20), ge=0, le=100, max_digits=5, decimal_places=2)
    excellent_from: Decimal = Field(Decimal(90), max_digits=6, decimal_places=2)
    good_from: Decimal = Field(Decimal(80), max_digits=6, decimal_places=2)
    pass_from: Decimal = Field(Decimal(60), max_digits=6, decimal_places=2)


class FollowupActivityIn(Schema):
    kind: ActivityKind
    title: str = Field("", max_length=200)
    offset: int = Field(1, ge=0, le=1000, description="After the training ends, in ``offset_unit``.")
    offset_unit: OffsetUnit = OffsetUnit.WEEKS
    repeat: int = Field(1, ge=1, le=24, description="Repeated at the same interval.")
    audiences: list[Audience] = Field(..., max_length=len(Audience.values))
    form_id: int | None = Field(None, description="The form to answer (surveys and evaluations).")


def _template_out(template: PlanTemplate) -> dict:
    return {
        "id": template.pk, "name": template.name, "description": template.description, "code": template.code,
        "plan_due_working_days": template.plan_due_working_days,
        **{name: float(getattr(template, name)) for name in ("manager_weight", "peers_weight", "self_weight",
                                                             "excellent_from", "good_from", "pass_from")},
        "activities": [{
            "id": a.pk, "kind": a.kind, "kind_label": str(ActivityKind(a.kind).label), "title": a.display_title,
            "offset": a.offset, "offset_unit": a.offset_unit, "repeat": a.repeat, "audiences": list(a.audiences),
            "form_id": a.form_id, "form": a.form.name if a.form_id else None, "position": a.position,
        } for a in template.activities.select_related("form").order_by("position", "pk")],
    }


def _found_template(request, template_id: int) -> PlanTemplate:
    get_access(request).require(Perm.TRACKING_MANAGE)
    found = PlanTemplate.objects.filter(pk=template_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/tracking/templates", response=list[FollowupTemplateOut])
def followup_list_templates(request):
    """The plan templates (the standard one of seed 004 is made on first use) with their activities."""
    get_access(request).require(Perm.TRACKING_MANAGE)
    services.default_template()
    return [_template_out(t) for t in PlanTemplate.objects.order_by("name", "pk")[:500]]


@router.get("/tracking/templates/{template_id}", response=FollowupTemplateOut)
def followup_get_template(request, template_id: int):
    return _template_out(_found_template(request, template_id))


@router.post("/tracking/templates", response={201: FollowupTemplateOut})
def followup_create_template(request, payload: FollowupTemplateIn):
    get_access(request).require(Perm.TRACKING_MANAGE)
    created = services.template_create(**payload.dict())
    return Status(201, _template_out(created))


@router.patch("/tracking/templates/{template_id}", response=FollowupTemplateOut)
def followup_update_template(request, template_id: int, payload: FollowupTemplatePatch):
    found = _found_template(request, template_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return _template_out(services.template_update(template=found, **fields))


@router.post("/tracking/templates/{template_id}/activities", response={201: FollowupTemplateOut})
def followup_add_activity(request, template_id: int, payload: FollowupActivityIn):
    """Add an activity (a test, survey, 360 evaluation, observations…) to a template; plans made from it
    afterwards give out its tasks."""
    found = _found_template(request, template_id)
    form = None
    if payload.form_id is not None:
        form = Form.objects.filter(pk=payload.form_id).first()
        if form is None:
            raise Http404
    services.activity_add(template=found, kind=payload.kind, title=payload.title, offset=payload.offset,
                          offset_unit=payload.offset_unit, repeat=payload.repeat,
                          audiences=[str(a) for a in payload.audiences], form=form)
    return Status(201, _template_out(found))


@router.delete("/tracking/templates/{template_id}/activities/{activity_id}", response=FollowupTemplateOut)
def followup_remove_activity(request, template_id: int, activity_id: int):
    """Remove an activity no plan has given tasks for yet."""
    found = _found_template(request, template_id)
    activity = TemplateActivity.objects.filter(pk=activity_id, template=found).first()
    if activity is None:
        raise Http404
    services.activity_remove(activity=activity)
    return _template_out(found)


# ---------------------------------------------------------------- forms (the form builder: admin scope)


class FollowupFormVersionOut(Schema):
    number: int
    in_use: bool = Field(..., description="Answered: changing the form makes a new version.")
    created_at: dt.datetime


class FollowupFormSummaryOut(Schema):
    id: int
    name: str
    kind: str
    anonymous: bool
    description: str
    code: str
    version: int = Field(..., description="The current version's number.")


class FollowupFormDetailOut(FollowupFormSummaryOut):
    versions: list[FollowupFormVersionOut]
    questions: list[FollowupQuestionOut] = Field(..., description="The current version's questions, in order.")


class FollowupFormFilter(Schema):
    activity_kind: ActivityKind | None = Field(None, description="Only the forms an activity of this kind may use.")


class FollowupFormIn(Schema):
    name: str = Field(..., max_length=200)
    kind: FormKind = FormKind.GENERAL
    anonymous: bool = Field(False, description="Answers kept with no link to who gave them (satisfaction surveys).")
    description: str = Field("", max_length=TEXT_MAX)


class FollowupQuestionIn(Schema):
    kind: QuestionKind
    text: str = Field(..., max_length=500)
    help_text: str = Field("", max_length=500)
    required: bool = True
    min_value: Decimal | None = Field(None, max_digits=8, decimal_places=2, description="Score questions (default 0).")
    max_value: Decimal | None = Field(None, max_digits=8, decimal_places=2,
                                      description="Score questions (default 100).")
    options: list[str] = Field([], max_length=instruments.OPTIONS_MAX,
                               description="The choices of a choice question, the rows of a matrix.")
    dimension: Dimension | Literal[""] = Field("", description="What a 360 question measures.")


class FollowupQuestionMoveIn(Schema):
    direction: Literal["up", "down"] = "up"


def _form_summary(form: Form) -> dict:
    current = form.current_version()
    return {"id": form.pk, "name": form.name, "kind": form.kind, "anonymous": form.anonymous,
            "description": form.description, "code": form.code, "version": current.number if current else 0}


def _form_detail(form: Form) -> dict:
    current = form.current_version()
    return {**_form_summary(form), "versions": list(form.versions.order_by("-number")),
            "questions": list(current.questions.order_by("position", "pk")) if current else []}


def _found_form(request, form_id: int) -> Form:
    get_access(request).require(Perm.TRACKING_MANAGE)
    found = Form.objects.filter(pk=form_id).first()
    if found is None:
        raise Http404
    return found


def _question(form: Form, question_id: int) -> Question:
    found = Question.objects.select_related("version__form").filter(pk=question_id, version__form=form).first()
    if found is None:
        raise Http404
    return found


@router.get("/tracking/forms", response=list[FollowupFormSummaryOut], tags=FORMS_TAG)
def followup_list_forms(request, filters: Query[FollowupFormFilter]):
    """The forms (surveys, evaluations…); the built-in survey and 360 evaluation are made on first use."""
    get_access(request).require(Perm.TRACKING_MANAGE)
    instruments.default_survey()
    instruments.default_evaluation()
    forms = services.forms_for(filters.activity_kind) if filters.activity_kind else Form.objects.all()
    return [_form_summary(f) for f in forms.order_by("name", "pk")[:500]]


@router.get("/tracking/forms/{form_id}", response=FollowupFormDetailOut, tags=FORMS_TAG)
def followup_get_form(request, form_id: int):
    """A form, its versions and the current version's questions (never its answers)."""
    return _form_detail(_found_form(request, form_id))


@router.post("/tracking/forms", response={201: FollowupFormDetailOut}, tags=FORMS_TAG)
def followup_create_form(request, payload: FollowupFormIn):
    get_access(request).require(Perm.TRACKING_MANAGE)
    created = instruments.form_create(created_by=request.user, **payload.dict())
    return Status(201, _form_detail(created))


@router.post("/tracking/forms/{form_id}/questions", response={201: FollowupFormDetailOut}, tags=FORMS_TAG)
def followup_add_question(request, form_id: int, payload: FollowupQuestionIn):
    """Add a question. A version already answered is first copied to a new version (question ids change)."""
    found = _found_form(request, form_id)
    instruments.question_add(form=found, **payload.dict())
    return Status(201, _form_detail(found))


@router.delete("/tracking/forms/{form_id}/questions/{question_id}", response=FollowupFormDetailOut,
               tags=FORMS_TAG)
def followup_remove_question(request, form_id: int, question_id: int):
    """Remove a question of the current version (an answered version is kept: a new one is made)."""
    found = _found_form(request, form_id)
    instruments.question_remove(question=_question(found, question_id))
    return _form_detail(found)


@router.post("/tracking/forms/{form_id}/questions/{question_id}/move", response=FollowupFormDetailOut,
             tags=FORMS_TAG)
def followup_move_question(request, form_id: int, question_id: int, payload: FollowupQuestionMoveIn):
    found = _found_form(request, form_id)
    instruments.question_move(question=_question(found, question_id), up=payload.direction == "up")
    return _form_detail(found)

"""Acknowledging, confirming, reports, development plans and action edits over the API: what the growth
pages do beyond ``growth/api.py``, with the same access, selectors and services. Anything outside the
caller's scope is a 404; a person's own records need a person record (403 without one). The lists of
the people the caller follows (managers, training admins) are under ``/growth/followed/``."""

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.catalog.models import Course
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access
from jifen.tracking.growth import selectors, services
from jifen.tracking.growth.api import ActionOut, ApplicationCaseOut, CourseBrief, ObservationOut, PersonBrief
from jifen.tracking.growth.models import ActionSource, DevelopmentAction, DevelopmentPlan, Horizon, SelfReport

router = Router(tags=["growth management"])

TEXT_MAX, NOTE_MAX = services.TEXT_MAX, services.NOTE_MAX


def _own_person_id(request) -> int:
    person_id = get_access(request).person_id
    if person_id is None:
        raise PermissionDenied  # taking part needs a person record
    return person_id


def _course(course_id: int | None) -> Course | None:
    if course_id is None:
        return None
    found = Course.objects.filter(pk=course_id, is_active=True).first()
    if found is None:
        raise Http404
    return found


class GrowthConfirmIn(Schema):
    comment: str = Field("", max_length=NOTE_MAX)


class GrowthArchiveFilter(Schema):
    pending: bool = Field(False, description="Only those not confirmed yet.")


# ---------------------------------------------------------------- behaviour observations


@router.post("/growth/observations/{observation_id}/acknowledge", response=ObservationOut)
def growth_acknowledge_observation(request, observation_id: int):
    """The observed person says they have read their manager's feedback (again changes nothing)."""
    person_id = _own_person_id(request)
    found = selectors.observations_of(person_id).filter(pk=observation_id).first()
    if found is None:
        raise Http404
    services.observation_acknowledge(observation=found, person_id=person_id)
    return selectors.observations_of(person_id).select_related("person").get(pk=found.pk)


@router.get("/growth/followed/observations", response=list[ObservationOut])
@paginate(CursorPagination)
def growth_list_observations(request):
    """The observations of the people the caller follows (managers, training admins, in scope)."""
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    return selectors.observations_in_scope(access)


# ---------------------------------------------------------------- the application archive: cases


@router.get("/growth/followed/cases", response=list[ApplicationCaseOut])
@paginate(CursorPagination)
def growth_list_cases(request, filters: Query[GrowthArchiveFilter]):
    """The application cases of the people the caller follows."""
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    cases = selectors.cases_in_scope(access)
    return cases.filter(confirmed_at__isnull=True) if filters.pending else cases


@router.get("/growth/cases/{application_case_id}", response=ApplicationCaseOut)
def growth_get_case(request, application_case_id: int):
    """One's own case, or one of a person the caller follows."""
    access = get_access(request)
    found = selectors.case_visible(access, application_case_id)
    if found is None:
        access.require(Perm.TRACKING_FOLLOW)  # a learner asking for someone else's
        raise Http404
    return found


@router.post("/growth/cases/{application_case_id}/confirm", response=ApplicationCaseOut)
def growth_confirm_case(request, application_case_id: int, payload: GrowthConfirmIn):
    """A manager confirms a case of one of their people (never their own), with an optional comment."""
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    found = selectors.cases_in_scope(access).filter(pk=application_case_id).first()
    if found is None:
        raise Http404
    services.case_confirm(case=found, confirmer=request.user, people=access.people(Perm.TRACKING_FOLLOW),
                          comment=payload.comment)
    return selectors.cases_in_scope(access).get(pk=found.pk)


# ---------------------------------------------------------------- the application archive: self-reports


class GrowthSelfReportOut(Schema):
    id: int
    person: PersonBrief
    period: Literal["month", "quarter"]
    period_label: str
    period_start: dt.date
    course: CourseBrief | None
    achievements: str
    difficulties: str
    created_at: dt.datetime
    comment: str
    confirmed_at: dt.datetime | None


class GrowthSelfReportIn(Schema):
    period: Literal["month", "quarter"] = SelfReport.Period.MONTH
    day: dt.date = Field(..., description="A day in the month or quarter the report is about.")
    achievements: str = Field(..., max_length=TEXT_MAX)
    difficulties: str = Field("", max_length=TEXT_MAX)
    course_id: int | None = Field(None, description="The course the report is mostly about.")


@router.get("/growth/reports/mine", response=list[GrowthSelfReportOut])
def growth_my_reports(request):
    """The caller's monthly and quarterly self-reports, newest period first."""
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.reports_of(access.person_id).select_related("person")[:200])


@router.post("/growth/reports", response={201: GrowthSelfReportOut})
def growth_create_report(request, payload: GrowthSelfReportIn):
    """Send one's self-report for a month or quarter to one's manager (one per period)."""
    person = Person.objects.get(pk=_own_person_id(request))
    created = services.report_create(person=person, period=payload.period, day=payload.day,
                                     achievements=payload.achievements, difficulties=payload.difficulties,
                                     course=_course(payload.course_id))
    return Status(201, selectors.reports_of(person.pk).select_related("person").get(pk=created.pk))


@router.get("/growth/followed/reports", response=list[GrowthSelfReportOut])
@paginate(CursorPagination)
def growth_list_reports(request, filters: Query[GrowthArchiveFilter]):
    """The self-reports of the people the caller follows."""
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    reports = selectors.reports_in_scope(access)
    return reports.filter(confirmed_at__isnull=True) if filters.pending else reports


@router.post("/growth/reports/{self_report_id}/confirm", response=GrowthSelfReportOut)
def growth_confirm_report(request, self_report_id: int, payload: GrowthConfirmIn):
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    found = selectors.reports_in_scope(access).filter(pk=self_report_id).first()
    if found is None:
        raise Http404
    services.report_confirm(report=found, confirmer=request.user, people=access.people(Perm.TRACKING_FOLLOW),
                            comment=payload.comment)
    return selectors.reports_in_scope(access).get(pk=found.pk)


# ---------------------------------------------------------------- individual development plans


class GrowthDevActionOut(Schema):
    id: int
    text: str
    due_on: dt.date
    status: str


class GrowthGoalOutcomeOut(Schema):
    goal: str
    horizon: str
    achieved: str


class GrowthCareerReviewOut(Schema):
    id: int
    year: int
    outcomes: list[GrowthGoalOutcomeOut]
    assessment: str
    next_steps: str
    reviewed_at: dt.datetime


class GrowthDevelopmentPlanOut(Schema):
    id: int
    person: PersonBrief
    start_year: int
    end_year: int
    aspiration: str
    status: Literal["draft", "submitted", "agreed"]
    manager_note: str
    agreed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    short_goals: list[str]
    long_goals: list[str]
    actions: list[GrowthDevActionOut]
    courses: list[CourseBrief]
    reviews: list[GrowthCareerReviewOut]

    @staticmethod
    def resolve_short_goals(obj) -> list[str]:
        return [g.text for g in obj.goals.all() if g.horizon == Horizon.SHORT]

    @staticmethod
    def resolve_long_goals(obj) -> list[str]:
        return [g.text for g in obj.goals.all() if g.horizon == Horizon.LONG]

    @staticmethod
    def resolve_actions(obj) -> list:
        return list(obj.actions.all())

    @staticmethod
    def resolve_courses(obj) -> list:
        return list(obj.courses.all())

    @staticmethod
    def resolve_reviews(obj) -> list:
        return list(obj.reviews.all())


class GrowthDevActionIn(Schema):
    text: str = Field(..., max_length=500)
    due_on: dt.date
    status: DevelopmentAction.Status = DevelopmentAction.Status.TODO


class GrowthDevelopmentPlanIn(Schema):
    start_year: int = Field(..., ge=2000, le=2100)
    end_year: int = Field(..., ge=2000, le=2100, description="A plan covers one to five years.")
    aspiration: str = Field("", max_length=TEXT_MAX, description="Career direction.")
    short_goals: list[str] = Field([], max_length=50, description="Short-term goals (1-2 years).")
    long_goals: list[str] = Field([], max_length=50, description="Long-term goals (3-5 years).")
    actions: list[GrowthDevActionIn] = Field([], max_length=30)
    course_ids: list[int] = Field([], max_length=50, description="Linked courses.")
    submit: bool = Field(False, description="Send to the manager for agreement (else a draft).")


class GrowthPlanFilter(Schema):
    status: Literal["draft", "submitted", "agreed", ""] = ""


class GrowthPlanDecisionIn(Schema):
    decision: Literal["agree", "return"]
    note: str = Field("", max_length=NOTE_MAX, description="Needed to send a plan back.")


class GrowthCareerReviewIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    achieved: list[str] = Field([], max_length=100, description="What was achieved per goal, in the plan's goal "
                                                                "order (short-term first).")
    assessment: str = Field(..., max_length=TEXT_MAX)
    next_steps: str = Field(..., max_length=TEXT_MAX)


def _plan_save(request, payload: GrowthDevelopmentPlanIn, plan: DevelopmentPlan | None) -> DevelopmentPlan:
    person = Person.objects.get(pk=_own_person_id(request))
    wanted = set(payload.course_ids)
    courses = list(Course.objects.filter(pk__in=wanted, is_active=True))
    if len(courses) != len(wanted):
        raise Http404
    drafts = [services.ActionDraft(text=a.text, due_on=a.due_on, status=a.status) for a in payload.actions]
    return services.plan_save(person=person, plan=plan, start_year=payload.start_year, end_year=payload.end_year,
                              aspiration=payload.aspiration, short_goals="\n".join(payload.short_goals),
                              long_goals="\n".join(payload.long_goals), actions=drafts, courses=courses,
                              submit=payload.submit)


def _plan_visible(request, development_plan_id: int) -> DevelopmentPlan:
    """One's own plan, or one of a person the caller follows."""
    access = get_access(request)
    if access.person_id is not None:
        own = selectors.plans_of(access.person_id).select_related("person").filter(pk=development_plan_id).first()
        if own is not None:
            return own
    access.require(Perm.TRACKING_FOLLOW)
    found = selectors.plans_in_scope(access).filter(pk=development_plan_id).first()
    if found is None:
        raise Http404
    return found


def _plan_in_scope(request, development_plan_id: int):
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    found = selectors.plans_in_scope(access).filter(pk=development_plan_id).first()
    if found is None:
        raise Http404
    return access, found


@router.get("/growth/development-plans/mine", response=list[GrowthDevelopmentPlanOut])
def growth_my_development_plans(request):
    """The caller's development plans, the latest period first."""
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.plans_of(access.person_id).select_related("person")[:50])


@router.post("/growth/development-plans", response={201: GrowthDevelopmentPlanOut})
def growth_create_development_plan(request, payload: GrowthDevelopmentPlanIn):
    """A new plan of one's own (one per period); ``submit`` sends it to the manager."""
    created = _plan_save(request, payload, None)
    return Status(201, _plan_visible(request, created.pk))


@router.put("/growth/development-plans/{development_plan_id}", response=GrowthDevelopmentPlanOut)
def growth_update_development_plan(request, development_plan_id: int, payload: GrowthDevelopmentPlanIn):
    """Change one's own plan (all of it): a changed plan goes back to the manager (``submit``) or is a draft."""
    person_id = _own_person_id(request)
    plan = selectors.plans_of(person_id).filter(pk=development_plan_id).first()
    if plan is None:
        raise Http404
    _plan_save(request, payload, plan)
    return _plan_visible(request, development_plan_id)


@router.get("/growth/followed/development-plans", response=list[GrowthDevelopmentPlanOut])
@paginate(CursorPagination)
def growth_list_development_plans(request, filters: Query[GrowthPlanFilter]):
    """The development plans of the people the caller follows."""
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    plans = selectors.plans_in_scope(access)
    if filters.status:
        plans = plans.filter(status=filters.status)
    return plans.order_by("status", "-start_year", "person__employee_no")


@router.get("/growth/development-plans/{development_plan_id}", response=GrowthDevelopmentPlanOut)
def growth_get_development_plan(request, development_plan_id: int):
    return _plan_visible(request, development_plan_id)


@router.post("/growth/development-plans/{development_plan_id}/decision", response=GrowthDevelopmentPlanOut)
def growth_decide_development_plan(request, development_plan_id: int, payload: GrowthPlanDecisionIn):
    """The manager agrees to a plan sent to them, or sends it back with a note."""
    access, found = _plan_in_scope(request, development_plan_id)
    services.plan_decide(plan=found, manager=request.user, people=access.people(Perm.TRACKING_FOLLOW),
                         agree=payload.decision == "agree", note=payload.note)
    return _plan_in_scope(request, development_plan_id)[1]


@router.post("/growth/development-plans/{development_plan_id}/reviews", response={201: GrowthCareerReviewOut})
def growth_review_development_plan(request, development_plan_id: int, payload: GrowthCareerReviewIn):
    """The yearly career development review against an agreed plan."""
    access, found = _plan_in_scope(request, development_plan_id)
    review = services.career_review_record(plan=found, reviewer=request.user,
                                           people=access.people(Perm.TRACKING_FOLLOW), year=payload.year,
                                           achieved=payload.achieved, assessment=payload.assessment,
                                           next_steps=payload.next_steps)
    return Status(201, review)


# ---------------------------------------------------------------- improvement actions


class GrowthActionCheckOut(Schema):
    id: int
    checked_on: dt.date
    result: str
    effective: bool | None
    checked_by: str
    created_at: dt.datetime

    @staticmethod
    def resolve_checked_by(obj) -> str:
        return obj.checked_by.get_full_name() or obj.checked_by.get_username()


class GrowthEscalationOut(Schema):
    deadline: dt.date
    escalated_at: dt.datetime
    sent_at: dt.datetime | None


class GrowthActionDetailOut(ActionOut):
    overdue: bool
    transitions: list[str] = Field(..., description="The statuses the action may move to.")
    closed_at: dt.datetime | None
    checks: list[GrowthActionCheckOut]
    escalations: list[GrowthEscalationOut]

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_transitions(obj) -> list[str]:
        return sorted(str(s) for s in services.TRANSITIONS[obj.status])

    @staticmethod
    def resolve_checks(obj) -> list:
        return list(obj.checks.select_related("checked_by"))

    @staticmethod
    def resolve_escalations(obj) -> list:
        return list(obj.escalations.all())


class GrowthActionEditIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=TEXT_MAX)
    source: ActionSource
    source_ref: str = Field("", max_length=200)
    org_unit_id: int
    responsible_id: int | None = None
    deadline: dt.date
    expected_effect: str = Field(..., max_length=TEXT_MAX)


class GrowthActionCheckIn(Schema):
    checked_on: dt.date
    result: str = Field(..., max_length=TEXT_MAX, description="What the check found.")
    effective: bool | None = Field(None, description="null: not yet known.")


def _action_in_scope(request, action_id: int):
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    found = selectors.actions_in_scope(access).filter(pk=action_id).first()
    if found is None:
        raise Http404
    return access, found


@router.get("/growth/actions/{action_id}", response=GrowthActionDetailOut)
def growth_get_action(request, action_id: int):
    """One improvement action with its follow-up checks, escalations and where its status may go."""
    return _action_in_scope(request, action_id)[1]


@router.put("/growth/actions/{action_id}", response=GrowthActionDetailOut)
def growth_update_action(request, action_id: int, payload: GrowthActionEditIn):
    """Change an action that is not verified or cancelled (all its fields)."""
    access, found = _action_in_scope(request, action_id)
    units = access.units(Perm.TRACKING_MANAGE)
    unit = units.filter(pk=payload.org_unit_id, archived_at__isnull=True).first()
    if unit is None:
        raise Http404
    responsible = None
    if payload.responsible_id is not None:
        responsible = (access.people(Perm.TRACKING_MANAGE).filter(pk=payload.responsible_id, status="active")
                       .select_related("org_unit").first())
        if responsible is None:
            raise Http404
    services.action_update(action=found, units=units, org_unit=unit, responsible=responsible,
                           **payload.dict(exclude={"org_unit_id", "responsible_id"}))
    return _action_in_scope(request, action_id)[1]


@router.get("/growth/actions/{action_id}/checks", response=list[GrowthActionCheckOut])
def growth_list_action_checks(request, action_id: int):
    return list(_action_in_scope(request, action_id)[1].checks.select_related("checked_by"))


@router.post("/growth/actions/{action_id}/checks", response={201: GrowthActionCheckOut})
def growth_add_action_check(request, action_id: int, payload: GrowthActionCheckIn):
    """Record a dated follow-up check of how the action is going (an effective one allows verifying it)."""
    _access, found = _action_in_scope(request, action_id)
    check = services.action_check_add(action=found, actor=request.user, checked_on=payload.checked_on,
                                      result=payload.result, effective=payload.effective, now=timezone.now())
    return Status(201, check)

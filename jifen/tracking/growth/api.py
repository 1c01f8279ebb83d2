"""Observations, application cases and improvement actions over the API: the same access, selectors
and services as the pages. A case's evidence is a multipart upload (fields as form fields, the file
as ``file``)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.catalog.models import Course
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access
from jifen.tracking.growth import selectors, services
from jifen.tracking.growth.models import ActionSource, ActionStatus, Rating

router = Router(tags=["growth"])


class PersonBrief(Schema):
    employee_no: str
    name: str


class CourseBrief(Schema):
    code: str
    title: str


class ObservationOut(Schema):
    id: int
    person: PersonBrief
    course: CourseBrief
    observed_on: dt.date
    skills: list[str] = Field(..., alias="skill_list")
    rating: str
    feedback: str
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None


class ObservationIn(Schema):
    person_id: int
    course_id: int
    observed_on: dt.date
    skills: list[str] = Field(..., description="The skills the course taught that were observed, one per item.")
    rating: Rating
    feedback: str


class ApplicationCaseOut(Schema):
    id: int
    person: PersonBrief
    course: CourseBrief
    title: str
    situation: str
    effect: str
    result: str
    applied_on: dt.date
    evidence_name: str
    created_at: dt.datetime
    comment: str
    confirmed_at: dt.datetime | None


class CaseIn(Schema):
    course_id: int
    title: str
    situation: str
    effect: str
    applied_on: dt.date
    result: str = ""


class UnitBrief(Schema):
    id: int
    name_path: str


class ActionOut(Schema):
    id: int
    title: str
    description: str
    source: str
    source_ref: str
    org_unit: UnitBrief
    responsible: PersonBrief | None
    deadline: dt.date
    expected_effect: str
    status: str
    escalated: bool = False
    created_at: dt.datetime
    updated_at: dt.datetime


class ActionIn(Schema):
    title: str
    source: ActionSource
    source_ref: str = ""
    description: str = ""
    org_unit_id: int
    responsible_id: int | None = None
    deadline: dt.date
    expected_effect: str


class ActionStatusIn(Schema):
    status: ActionStatus


class ActionFilter(Schema):
    status: ActionStatus | None = None
    overdue: bool = Field(False, description="Only open actions past their deadline.")


def _course(course_id: int) -> Course:
    found = Course.objects.filter(pk=course_id, is_active=True).first()
    if found is None:
        raise Http404
    return found


# ---------------------------------------------------------------- behaviour observations


@router.get("/growth/observations/mine", response=list[ObservationOut])
def growth_my_observations(request):
    """The observations of the caller, with their manager's feedback."""
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.observations_of(access.person_id).select_related("person")[:200])


@router.post("/growth/observations", response={201: ObservationOut})
def growth_create_observation(request, payload: ObservationIn):
    """Record an observation of a person the caller follows (a manager or training admin, in scope)."""
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    people = selectors.people_followed(access)
    person = people.filter(pk=payload.person_id).first()
    if person is None:
        raise Http404
    created = services.observation_create(
        observer=request.user, people=people, person=person, course=_course(payload.course_id),
        observed_on=payload.observed_on, skills="\n".join(payload.skills), rating=payload.rating,
        feedback=payload.feedback)
    return Status(201, selectors.observations_in_scope(access).get(pk=created.pk))


# ---------------------------------------------------------------- application cases


@router.get("/growth/cases/mine", response=list[ApplicationCaseOut])
def growth_my_cases(request):
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.cases_of(access.person_id).select_related("person")[:200])


@router.post("/growth/cases", response={201: ApplicationCaseOut})
def growth_create_case(request, payload: Form[CaseIn], file: File[UploadedFile | None] = None):
    """Add a case to the caller's application archive, with optional evidence as ``file``."""
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied  # an archive belongs to a person
    person = Person.objects.get(pk=access.person_id)
    data = payload.dict()
    course = _course(data.pop("course_id"))
    created = services.case_create(person=person, course=course, evidence=file, **data)
    return Status(201, selectors.cases_of(person.pk).select_related("person").get(pk=created.pk))


# ---------------------------------------------------------------- improvement actions


@router.get("/growth/actions", response=list[ActionOut])
@paginate(CursorPagination)
def growth_list_actions(request, filters: Query[ActionFilter]):
    """Improvement actions of the units in the caller's scope."""
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    queryset = selectors.actions_in_scope(access)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.overdue:
        queryset = selectors.overdue(queryset)
    return queryset


@router.post("/growth/actions", response={201: ActionOut})
def growth_create_action(request, payload: ActionIn):
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    units = access.units(Perm.TRACKING_MANAGE)
    unit = units.filter(pk=payload.org_unit_id).first()
    if unit is None:
        raise Http404
    responsible = None
    if payload.responsible_id is not None:
        responsible = access.people(Perm.TRACKING_MANAGE).filter(pk=payload.responsible_id).first()
        if responsible is None:
            raise Http404
    data = payload.dict(exclude={"org_unit_id", "responsible_id"})
    created = services.action_create(created_by=request.user, units=units, org_unit=unit, responsible=responsible,
                                     **data)
    return Status(201, selectors.actions_in_scope(access).get(pk=created.pk))


@router.post("/growth/actions/{action_id}/status", response=ActionOut)
def growth_set_action_status(request, action_id: int, payload: ActionStatusIn):
    """Move an action on: open, in progress, done, verified (after an effective check) or cancelled."""
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    found = selectors.actions_in_scope(access).filter(pk=action_id).first()
    if found is None:
        raise Http404
    services.action_set_status(action=found, status=payload.status, actor=request.user)
    return selectors.actions_in_scope(access).get(pk=action_id)

"""Catalog endpoints: courses and sessions to browse, one's own enrolments (enrol, cancel, list), and a
person's learning gap for this year (scope-checked like the pages)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from jifen.catalog import selectors, services
from jifen.catalog.models import Course, Enrolment, Session
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access

router = Router(tags=["catalog"])


class CourseOut(Schema):
    id: int
    code: str
    title: str
    category: str | None = Field(None, alias="category.name_path")
    kind: str
    delivery: str
    credits: float
    hours: float
    difficulty: float
    recertify_months: int | None


class CourseDetailOut(CourseOut):
    description: str
    prerequisites: list[str] = Field(..., alias="prerequisite_codes")
    trainers: list[str] = Field(..., alias="trainer_names")


class SessionOut(Schema):
    id: int
    course: str = Field(..., alias="course.code")
    title: str = Field(..., alias="display_title")
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    capacity: int | None
    enrolment_mode: str
    status: str
    enrolled: int = Field(..., alias="enrolled_count")
    waiting: int = Field(..., alias="waiting_count")


class EnrolmentOut(Schema):
    id: int
    session_id: int
    course: str = Field(..., alias="session.course.code")
    starts_at: dt.datetime = Field(..., alias="session.starts_at")
    status: str
    source: str
    waitlist_rank: int | None


class CatalogRequiredCourseOut(Schema):
    course: str
    title: str
    due_on: dt.date
    done: bool
    overdue: bool


class SuggestionOut(Schema):
    course: str
    title: str
    credits: float
    kind: str
    session_id: int
    starts_at: dt.datetime


class GapOut(Schema):
    employee_no: str
    year: int
    target: float
    base_target: float
    months: int
    earned: float
    required_earned: float
    elective_earned: float
    required_minimum: float
    missing: float
    required_missing: float
    planned: float
    overdue: list[CatalogRequiredCourseOut]
    required_courses: list[CatalogRequiredCourseOut]
    suggestions: list[SuggestionOut]
    suggestions_close_gap: bool
    suggestions_exact: bool


@router.get("/courses", response=list[CourseOut], url_name="list_courses")
def list_courses(request, q: str = "", kind: str = "", delivery: str = ""):
    """Active courses of the catalogue, searchable by title, code or description."""
    return list(selectors.course_catalogue(q=q, kind=kind, delivery=delivery)[:500])


@router.get("/courses/{code}", response=CourseDetailOut, url_name="get_course")
def get_course(request, code: str):
    course = get_object_or_404(Course.objects.select_related("category").filter(is_active=True), code=code)
    course.prerequisite_codes = [p.code for p in course.prerequisites.all()]
    course.trainer_names = [t.name for t in course.trainers.all()]
    return course


@router.get("/sessions", response=list[SessionOut], url_name="list_sessions")
def list_sessions(request, course: str = ""):
    """Upcoming sessions open for enrolment or assignment."""
    sessions = selectors.open_sessions().select_related("course")
    if course:
        sessions = sessions.filter(course__code=course)
    return list(selectors.with_seats(sessions).order_by("starts_at", "pk")[:500])


@router.get("/sessions/{session_id}", response=SessionOut, url_name="get_session")
def get_session(request, session_id: int):
    return get_object_or_404(selectors.with_seats(Session.objects.select_related("course")), pk=session_id)


def _own_person(request) -> Person:
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied
    return Person.objects.get(pk=access.person_id)


@router.post("/sessions/{session_id}/enrolments", response={201: EnrolmentOut}, url_name="enrol_in_session")
def enrol_in_session(request, session_id: int):
    """Enrol oneself: enrolled, awaiting approval, or on the waitlist when full. A refusal (assigned
    places only, prerequisites missing, already enrolled, started) is a 400."""
    person = _own_person(request)
    session = get_object_or_404(selectors.open_sessions(), pk=session_id)
    enrolment = services.enrolment_self(session=session, person=person)
    return 201, Enrolment.objects.select_related("session__course").get(pk=enrolment.pk)


@router.post("/enrolments/{enrolment_id}/cancel", response=EnrolmentOut, url_name="cancel_my_enrolment")
def cancel_my_enrolment(request, enrolment_id: int):
    """Cancel one's own enrolment; the first person waiting moves up."""
    person = _own_person(request)
    enrolment = get_object_or_404(Enrolment.objects.select_related("session"), pk=enrolment_id, person=person)
    services.enrolment_cancel(enrolment=enrolment, by=request.user)
    return Enrolment.objects.select_related("session__course").get(pk=enrolment.pk)


@router.get("/enrolments/mine", response=list[EnrolmentOut], url_name="my_enrolments")
def my_enrolments(request):
    access = get_access(request)
    if access.person_id is None:
        return []
    return list(selectors.my_enrolments(person_id=access.person_id)[:500])


def _line(line) -> dict:
    return {"course": line.course.code, "title": line.course.title, "due_on": line.due_on, "done": line.done,
            "overdue": line.overdue}


@router.get("/people/{employee_no}/learning-gap", response=GapOut, url_name="get_learning_gap")
def get_learning_gap(request, employee_no: str):
    """This year's credits earned, required and missing; overdue required courses; and the shortest
    set of open courses that would close the gap."""
    access = get_access(request)
    access.require(Perm.LEARNING_VIEW)
    person = get_object_or_404(access.people(Perm.LEARNING_VIEW).select_related("org_unit", "position"),
                               employee_no=employee_no)
    gap = selectors.learning_gap(person=person)
    return {
        "employee_no": person.employee_no, "year": gap.year, "target": gap.target, "base_target": gap.base_target,
        "months": gap.months, "earned": gap.earned, "required_earned": gap.required_earned,
        "elective_earned": gap.elective_earned, "required_minimum": gap.required_minimum, "missing": gap.missing,
        "required_missing": gap.required_missing, "planned": gap.planned,
        "overdue": [_line(line) for line in gap.overdue],
        "required_courses": [_line(line) for line in gap.required_courses],
        "suggestions": [{"course": o.course.code, "title": o.course.title, "credits": o.credits,
                         "kind": o.course.kind, "session_id": o.session.pk, "starts_at": o.session.starts_at}
                        for o in gap.suggestions],
        "suggestions_close_gap": gap.suggestions_close_gap, "suggestions_exact": gap.suggestions_exact,
    }

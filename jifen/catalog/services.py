"""Catalog writes: categories, courses and their materials, sessions, enrolments (with approval and a
waitlist), required-course assignments and the credit policy. One function per use case, keyword
arguments, one transaction each.

Seats are scarce: every write that may take or free a seat locks the session row first
(``select_for_update``; SQLite's IMMEDIATE transactions serialise writers anyway), then counts, then
writes. A freed seat goes to the first person on the waitlist in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.catalog.models import (
    CATEGORY_SEPARATOR,
    Category,
    Course,
    CourseAssignment,
    CourseMaterial,
    CreditPolicy,
    Enrolment,
    EnrolmentMode,
    Session,
)
from jifen.core.errors import ApplicationError
from jifen.org.models import OrgUnit, Person, Position

ACTIVE_STATUSES = (Enrolment.Status.PENDING, Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED)


# ---------------------------------------------------------------- categories


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("A category needs a name."), field="name")
    if CATEGORY_SEPARATOR in name:
        raise ApplicationError(_("A category name cannot contain “/”."), field="name")
    return name


def _path(name: str, parent: Category | None) -> str:
    return f"{parent.name_path}{CATEGORY_SEPARATOR}{name}" if parent else name


@transaction.atomic
def category_create(*, name: str, parent: Category | None = None) -> Category:
    name = _clean_name(name)
    path = _path(name, parent)
    if Category.objects.filter(name_path=path).exists():
        raise ApplicationError(_("This category already exists."), field="name")
    return Category.objects.create(name=name, parent=parent, name_path=path)


@transaction.atomic
def category_update(*, category: Category, name: str, parent: Category | None) -> Category:
    """Rename or move a category; the full names of everything under it follow."""
    name = _clean_name(name)
    node = parent
    while node is not None:
        if node.pk == category.pk:
            raise ApplicationError(_("A category cannot be moved under itself."), field="parent")
        node = node.parent
    old_path = category.name_path
    new_path = _path(name, parent)
    if new_path != old_path and Category.objects.filter(name_path=new_path).exists():
        raise ApplicationError(_("This category already exists."), field="name")
    category.name, category.parent, category.name_path = name, parent, new_path
    category.save()
    descendants = list(Category.objects.select_for_update().filter(
        name_path__startswith=old_path + CATEGORY_SEPARATOR).order_by("name_path"))
    for child in descendants:
        child.name_path = new_path + child.name_path[len(old_path):]
    Category.objects.bulk_update(descendants, ["name_path"])
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    if category.children.exists() or category.courses.exists():
        raise ApplicationError(_("Only an empty category (no courses, no subcategories) can be deleted."))
    category.delete()


def category_ensure(*, path: str) -> Category:
    """The category at ``path`` ("通用能力/安全"), made with its ancestors if missing (demo data, imports)."""
    parent = None
    for name in [part.strip() for part in path.split(CATEGORY_SEPARATOR) if part.strip()]:
        found = Category.objects.filter(name_path=_path(name, parent)).first()
        parent = found or category_create(name=name, parent=parent)
    if parent is None:
        raise ApplicationError(_("A category needs a name."), field="name")
    return parent


# ---------------------------------------------------------------- courses

COURSE_FIELDS = ("code", "title", "category", "kind", "delivery", "credits", "hours", "difficulty", "description",
                 "recertify_months", "is_active")


def _check_prerequisites(course: Course, prerequisites: Iterable[Course]) -> list[Course]:
    prerequisites = list(prerequisites)
    wanted = {p.pk for p in prerequisites}
    if course.pk in wanted:
        raise ApplicationError(_("A course cannot be its own prerequisite."), field="prerequisites")
    # No cycle: nothing the new prerequisites need (directly or not) may need this course.
    seen, frontier = set(), set(wanted)
    while frontier:
        if course.pk in frontier:
            raise ApplicationError(_("These prerequisites would make a circle: a course would need itself."),
                                   field="prerequisites")
        seen |= frontier
        frontier = set(Course.prerequisites.through.objects.filter(from_course_id__in=frontier)
                       .values_list("to_course_id", flat=True)) - seen
    return prerequisites


@transaction.atomic
def course_create(*, trainers: Iterable[Person] = (), prerequisites: Iterable[Course] = (), **fields) -> Course:
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown course fields: {sorted(unknown)}")
    if Course.objects.filter(code=fields.get("code")).exists():
        raise ApplicationError(_("A course with this code already exists."), field="code")
    course = Course.objects.create(**fields)
    course.trainers.set(list(trainers))
    course.prerequisites.set(_check_prerequisites(course, prerequisites))
    return course


@transaction.atomic
def course_update(*, course: Course, trainers: Iterable[Person] | None = None,
                  prerequisites: Iterable[Course] | None = None, **fields) -> Course:
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown course fields: {sorted(unknown)}")
    if "code" in fields and Course.objects.filter(code=fields["code"]).exclude(pk=course.pk).exists():
        raise ApplicationError(_("A course with this code already exists."), field="code")
    for name, value in fields.items():
        setattr(course, name, value)
    course.save()
    if trainers is not None:
        course.trainers.set(list(trainers))
    if prerequisites is not None:
        course.prerequisites.set(_check_prerequisites(course, prerequisites))
    return course


@transaction.atomic
def material_add(*, course: Course, title: str, file, uploaded_by=None) -> CourseMaterial:
    material = CourseMaterial(course=course, title=title or file.name, file=file, uploaded_by=uploaded_by)
    material.full_clean()
    material.save()
    return material


@transaction.atomic
def material_delete(*, material: CourseMaterial) -> None:
    file = material.file
    material.delete()
    transaction.on_commit(lambda: file.delete(save=False))


# ---------------------------------------------------------------- sessions

SESSION_FIELDS = ("course", "title", "org_unit", "trainer", "starts_at", "ends_at", "place", "capacity",
                  "enrolment_mode", "late_after_minutes", "checkin_opens_minutes")


def _check_session(session: Session) -> None:
    if session.ends_at <= session.starts_at:
        raise ApplicationError(_("A session must end after it starts."), field="ends_at")


@transaction.atomic
def session_create(**fields) -> Session:
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    session = Session(**fields)
    _check_session(session)
    session.save()
    return session


@transaction.atomic
def session_update(*, session: Session, **fields) -> Session:
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    session = Session.objects.select_for_update().get(pk=session.pk)
    for name, value in fields.items():
        setattr(session, name, value)
    _check_session(session)
    session.save()
    _promote_waiting(session)  # a larger capacity lets the waitlist in
    return session


@transaction.atomic
def session_cancel(*, session: Session, by=None, now: dt.datetime | None = None) -> Session:
    now = now or timezone.now()
    session = Session.objects.select_for_update().get(pk=session.pk)
    session.status = Session.Status.CANCELLED
    session.save(update_fields=["status"])
    session.enrolments.filter(status__in=ACTIVE_STATUSES).update(
        status=Enrolment.Status.CANCELLED, decided_by=by, decided_at=now, waitlist_rank=None,
        note=_("The session was cancelled."))
    return session


# ---------------------------------------------------------------- enrolments


def _enrolled_count(session: Session) -> int:
    return session.enrolments.filter(status=Enrolment.Status.ENROLLED).count()


def _has_seat(session: Session) -> bool:
    return session.capacity is None or _enrolled_count(session) < session.capacity


def _next_rank(session: Session) -> int:
    return (session.enrolments.aggregate(top=Max("waitlist_rank"))["top"] or 0) + 1


def _seat_or_waitlist(session: Session, enrolment: Enrolment) -> None:
    """Set ``enrolment`` enrolled when a seat is free, else at the end of the waitlist (session locked)."""
    if _has_seat(session):
        enrolment.status, enrolment.waitlist_rank = Enrolment.Status.ENROLLED, None
    else:
        enrolment.status, enrolment.waitlist_rank = Enrolment.Status.WAITLISTED, _next_rank(session)


def _promote_waiting(session: Session) -> list[Enrolment]:
    """Move people from the head of the waitlist into free seats (session locked by the caller)."""
    promoted = []
    if session.status != Session.Status.PLANNED:
        return promoted
    while _has_seat(session):
        first = (session.enrolments.filter(status=Enrolment.Status.WAITLISTED)
                 .order_by("waitlist_rank", "created_at", "pk").first())
        if first is None:
            break
        first.status, first.waitlist_rank = Enrolment.Status.ENROLLED, None
        first.save(update_fields=["status", "waitlist_rank"])
        promoted.append(first)
    return promoted


def _lock(session: Session) -> Session:
    return Session.objects.select_for_update().select_related("course").get(pk=session.pk)


def _open_for_enrolment(session: Session, now: dt.datetime) -> None:
    if session.status != Session.Status.PLANNED:
        raise ApplicationError(_("This session has been cancelled."))
    if session.starts_at <= now:
        raise ApplicationError(_("This session has already started; enrolment is closed."))


def missing_prerequisites(*, person: Person, course: Course, now: dt.datetime | None = None) -> list[Course]:
    """Prerequisites of ``course`` that ``person`` has not completed yet."""
    from jifen.catalog.selectors import completed_course_ids

    prerequisites = list(course.prerequisites.all())
    if not prerequisites:
        return []
    done = completed_course_ids(person=person, course_ids=[p.pk for p in prerequisites], now=now)
    return [p for p in prerequisites if p.pk not in done]


def _existing(session: Session, person: Person) -> Enrolment | None:
    return Enrolment.objects.select_for_update().filter(session=session, person=person).first()


@transaction.atomic
def enrolment_self(*, session: Session, person: Person, now: dt.datetime | None = None) -> Enrolment:
    """A learner enrols themselves: checked against the mode, the date and the prerequisites; then
    pending approval, enrolled, or on the waitlist when the session is full."""
    now = now or timezone.now()
    session = _lock(session)
    _open_for_enrolment(session, now)
    if session.enrolment_mode == EnrolmentMode.ASSIGNED:
        raise ApplicationError(_("Places in this session are assigned by the training department."))
    missing = missing_prerequisites(person=person, course=session.course, now=now)
    if missing:
        raise ApplicationError(
            _("Complete these courses first: %(courses)s.") % {"courses": "、".join(c.title for c in missing)},
            code="prerequisites")
    enrolment = _existing(session, person) or Enrolment(session=session, person=person)
    if enrolment.pk and enrolment.status in ACTIVE_STATUSES:
        raise ApplicationError(_("You are already enrolled in this session."), code="duplicate")
    if enrolment.pk and enrolment.status == Enrolment.Status.REJECTED:
        raise ApplicationError(_("Your enrolment in this session was turned down."), code="rejected")
    enrolment.source = Enrolment.Source.SELF
    enrolment.decided_by, enrolment.decided_at, enrolment.note = None, None, ""
    if session.enrolment_mode == EnrolmentMode.APPROVAL:
        enrolment.status, enrolment.waitlist_rank = Enrolment.Status.PENDING, None
    else:
        _seat_or_waitlist(session, enrolment)
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as error:  # the same person twice at once: the second loses
        raise ApplicationError(_("You are already enrolled in this session."), code="duplicate") from error
    return enrolment


@transaction.atomic
def enrolment_assign(*, session: Session, people: Iterable[Person], by=None,
                     now: dt.datetime | None = None) -> list[Enrolment]:
    """The training department assigns people: each gets a seat, or a place on the waitlist when the
    session is full. People already enrolled, pending or waiting keep their place (a pending request
    is approved by the assignment). Prerequisites are the department's call and not checked here."""
    now = now or timezone.now()
    session = _lock(session)
    _open_for_enrolment(session, now)
    made = []
    for person in sorted(set(people), key=lambda p: p.pk):
        enrolment = _existing(session, person) or Enrolment(session=session, person=person)
        if enrolment.pk and enrolment.status in (Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED):
            continue
        enrolment.source = Enrolment.Source.ASSIGNED
        enrolment.decided_by, enrolment.decided_at, enrolment.note = by, now, ""
        _seat_or_waitlist(session, enrolment)
        enrolment.save()
        made.append(enrolment)
    return made


def _locked_enrolment(enrolment: Enrolment) -> tuple[Session, Enrolment]:
    session = _lock(enrolment.session)
    return session, Enrolment.objects.select_for_update().select_related("person").get(pk=enrolment.pk)


@transaction.atomic
def enrolment_approve(*, enrolment: Enrolment, by=None, now: dt.datetime | None = None) -> Enrolment:
    now = now or timezone.now()
    session, enrolment = _locked_enrolment(enrolment)
    if enrolment.status != Enrolment.Status.PENDING:
        raise ApplicationError(_("Only an enrolment awaiting approval can be approved."))
    _open_for_enrolment(session, now)
    _seat_or_waitlist(session, enrolment)
    enrolment.decided_by, enrolment.decided_at = by, now
    enrolment.save()
    return enrolment


@transaction.atomic
def enrolment_reject(*, enrolment: Enrolment, by=None, note: str = "", now: dt.datetime | None = None) -> Enrolment:
    now = now or timezone.now()
    _session, enrolment = _locked_enrolment(enrolment)
    if enrolment.status not in (Enrolment.Status.PENDING, Enrolment.Status.WAITLISTED):
        raise ApplicationError(_("Only an enrolment awaiting approval or on the waitlist can be rejected."))
    enrolment.status, enrolment.waitlist_rank = Enrolment.Status.REJECTED, None
    enrolment.decided_by, enrolment.decided_at, enrolment.note = by, now, note
    enrolment.save()
    return enrolment


@transaction.atomic
def enrolment_cancel(*, enrolment: Enrolment, by=None, now: dt.datetime | None = None,
                     note: str = "") -> Enrolment:
    """The learner or the training department cancels; a freed seat goes to the first person waiting."""
    now = now or timezone.now()
    session, enrolment = _locked_enrolment(enrolment)
    if enrolment.status not in ACTIVE_STATUSES:
        raise ApplicationError(_("This enrolment is no longer active."))
    if session.starts_at <= now:
        raise ApplicationError(_("This session has already started; it can no longer be cancelled."))
    enrolment.status, enrolment.waitlist_rank = Enrolment.Status.CANCELLED, None
    enrolment.decided_by, enrolment.decided_at, enrolment.note = by, now, note
    enrolment.save()
    _promote_waiting(session)
    return enrolment


@transaction.atomic
def waitlist_move(*, enrolment: Enrolment, up: bool) -> Enrolment:
    """Swap a waiting person with the one before (``up``) or after them."""
    session, enrolment = _locked_enrolment(enrolment)
    if enrolment.status != Enrolment.Status.WAITLISTED:
        raise ApplicationError(_("Only someone on the waitlist can be moved."))
    waiting = list(session.enrolments.filter(status=Enrolment.Status.WAITLISTED)
                   .order_by("waitlist_rank", "created_at", "pk"))
    for rank, item in enumerate(waiting, start=1):  # ranks 1..n, whatever they were
        item.waitlist_rank = rank
    index = next(i for i, item in enumerate(waiting) if item.pk == enrolment.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(waiting):
        waiting[index].waitlist_rank, waiting[other].waitlist_rank = (waiting[other].waitlist_rank,
                                                                      waiting[index].waitlist_rank)
    Enrolment.objects.bulk_update(waiting, ["waitlist_rank"])
    return next(item for item in waiting if item.pk == enrolment.pk)


# ---------------------------------------------------------------- requirements


@transaction.atomic
def assignment_create(*, course: Course, due_on: dt.date, org_unit: OrgUnit | None = None,
                      position: Position | None = None, person: Person | None = None, note: str = "",
                      created_by=None) -> CourseAssignment:
    if sum(x is not None for x in (org_unit, position, person)) != 1:
        raise ApplicationError(_("Assign the course to exactly one of: an org unit, a position or a person."))
    return CourseAssignment.objects.create(course=course, due_on=due_on, org_unit=org_unit, position=position,
                                           person=person, note=note, created_by=created_by)


@transaction.atomic
def assignment_delete(*, assignment: CourseAssignment) -> None:
    assignment.delete()


@transaction.atomic
def policy_update(*, required_share_percent: Decimal) -> CreditPolicy:
    if not Decimal(0) <= required_share_percent <= Decimal(100):
        raise ApplicationError(_("The share must be between 0 and 100 %."), field="required_share_percent")
    policy = CreditPolicy.objects.select_for_update().get_or_create(pk=1)[0]
    policy.required_share_percent = required_share_percent
    policy.save()
    return policy

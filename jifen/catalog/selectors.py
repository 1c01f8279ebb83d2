"""Catalog reads shared by pages, the API and reports: the course catalogue, sessions with their seats,
a person's required courses, and the annual credit gap with the shortest set of open courses that
would close it."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from jifen.catalog.models import (
    Category,
    Course,
    CourseAssignment,
    CourseKind,
    CreditPolicy,
    Enrolment,
    EnrolmentMode,
    Session,
)
from jifen.ledger import selectors as ledger_selectors
from jifen.ledger.models import CreditType, Currency, Entry
from jifen.org.models import OrgUnit, Person
from jifen.org.permissions import Access, Perm

ZERO = Decimal("0.0")
ONE_PLACE = Decimal("0.1")
EXACT_LIMIT = 16  # up to this many open courses the shortest set is searched exhaustively
ACTIVE = (Enrolment.Status.PENDING, Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED)


# ---------------------------------------------------------------- catalogue and sessions


def course_catalogue(*, q: str = "", category: Category | None = None, kind: str = "", delivery: str = "",
                     now: dt.datetime | None = None, active_only: bool = True) -> QuerySet[Course]:
    """Courses for the catalogue, each with its next open session's start (``next_start``)."""
    now = now or timezone.now()
    courses = Course.objects.select_related("category")
    if active_only:
        courses = courses.filter(is_active=True)
    if q:
        courses = courses.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(description__icontains=q))
    if category is not None:
        courses = courses.filter(Q(category=category)
                                 | Q(category__name_path__startswith=category.name_path + "/"))
    if kind:
        courses = courses.filter(kind=kind)
    if delivery:
        courses = courses.filter(delivery=delivery)
    return courses.annotate(next_start=Min("sessions__starts_at", filter=Q(
        sessions__starts_at__gt=now, sessions__status=Session.Status.PLANNED))).order_by("code")


def with_seats(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.annotate(
        enrolled_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ENROLLED)),
        waiting_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITLISTED)),
        pending_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.PENDING)),
    )


def upcoming_sessions(*, course: Course, now: dt.datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    return with_seats(course.sessions.filter(starts_at__gt=now, status=Session.Status.PLANNED)
                      .select_related("trainer")).order_by("starts_at", "pk")


def sessions_managed(*, access: Access) -> QuerySet[Session]:
    """Sessions a training admin manages: organised by a unit in their scope."""
    return Session.objects.filter(org_unit__in=access.units(Perm.CATALOG_MANAGE).values("pk"))


def sessions_visible(*, access: Access) -> QuerySet[Session]:
    """Sessions that are seen in full (roster included): managed ones, and those one trains."""
    q = Q(org_unit__in=access.units(Perm.CATALOG_MANAGE).values("pk"))
    if access.person_id is not None and access.has(Perm.SESSIONS_RUN):
        q |= Q(trainer_id=access.person_id)
    return Session.objects.filter(q)


def people_in_reach(*, access: Access) -> QuerySet[Person]:
    """Whom a training admin may name (trainers, people assigned to a session): in scope and not gone."""
    return access.people(Perm.CATALOG_MANAGE).exclude(status=Person.Status.LEFT)


def assignments_visible(*, access: Access) -> QuerySet[CourseAssignment]:
    """Required-course assignments to units or people in scope, and to positions (organisation-wide)."""
    units = access.units(Perm.CATALOG_MANAGE).values("pk")
    people = access.people(Perm.CATALOG_MANAGE).values("pk")
    return CourseAssignment.objects.filter(Q(org_unit__in=units) | Q(person__in=people) | Q(position__isnull=False))


def assignments_deletable(*, access: Access) -> QuerySet[CourseAssignment]:
    """Those a training admin may remove: to units or people in scope; everything for the whole organisation."""
    if access.scope(Perm.CATALOG_MANAGE).everything:
        return CourseAssignment.objects.all()
    return CourseAssignment.objects.filter(Q(org_unit__in=access.units(Perm.CATALOG_MANAGE).values("pk"))
                                           | Q(person__in=access.people(Perm.CATALOG_MANAGE).values("pk")))


def open_sessions(*, now: dt.datetime | None = None) -> QuerySet[Session]:
    """Sessions anyone may see in the catalogue: planned, not started."""
    now = now or timezone.now()
    return Session.objects.filter(status=Session.Status.PLANNED, starts_at__gt=now)


def my_enrolments(*, person_id: int) -> QuerySet[Enrolment]:
    return (Enrolment.objects.filter(person_id=person_id).select_related("session__course", "session__trainer")
            .order_by("-session__starts_at", "-pk"))


def roster(*, session: Session) -> QuerySet[Enrolment]:
    return session.enrolments.select_related("person__org_unit", "decided_by").order_by(
        "status", "waitlist_rank", "created_at", "pk")


# ---------------------------------------------------------------- completions and required courses


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def completions(*, person_ids, course_ids=None) -> dict[tuple[int, int], dt.datetime]:
    """(person, course) → when last completed (a ``course.completed`` fact)."""
    from jifen.rules.models import Event, EventType

    events = Event.objects.filter(person_id__in=list(person_ids), type=EventType.COURSE_COMPLETED,
                                  course__isnull=False)
    if course_ids is not None:
        events = events.filter(course_id__in=list(course_ids))
    return {(row["person_id"], row["course_id"]): row["last"]
            for row in events.values("person_id", "course_id").annotate(last=Max("occurred_at"))}


def completed_course_ids(*, person: Person, course_ids, now: dt.datetime | None = None) -> set[int]:
    return {course for (_, course) in completions(person_ids=[person.pk], course_ids=course_ids)}


def _still_valid(course: Course, completed_at: dt.datetime | None, on: dt.date) -> bool:
    """A completion counts on ``on`` unless the course must be retaken and it is too old."""
    if completed_at is None:
        return False
    if not course.recertify_months:
        return True
    return timezone.localdate(completed_at) >= _months_before(on, course.recertify_months)


def _unit_prefixes(unit: OrgUnit) -> list[str]:
    step = OrgUnit.steplen
    return [unit.path[:end] for end in range(step, len(unit.path) + 1, step)]


def assignments_applying(*, person: Person) -> QuerySet[CourseAssignment]:
    """Required-course assignments that reach this person: theirs, their position's, their unit's or
    any unit above it."""
    q = Q(person=person) | Q(org_unit__path__in=_unit_prefixes(person.org_unit))
    if person.position_id:
        q |= Q(position_id=person.position_id)
    return CourseAssignment.objects.filter(q).select_related("course__category", "org_unit", "position")


@dataclass
class RequiredCourse:
    course: Course
    due_on: dt.date
    assignment: CourseAssignment
    completed_at: dt.datetime | None
    done: bool
    overdue: bool
    enrolment: Enrolment | None = None


def required_courses(*, person: Person, now: dt.datetime | None = None,
                     assignments: list[CourseAssignment] | None = None,
                     done_at: dict[tuple[int, int], dt.datetime] | None = None) -> list[RequiredCourse]:
    """One line per required course (the earliest due date when several assignments name it)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if assignments is None:
        assignments = list(assignments_applying(person=person))
    if done_at is None:
        done_at = completions(person_ids=[person.pk], course_ids={a.course_id for a in assignments})
    earliest: dict[int, CourseAssignment] = {}
    for assignment in sorted(assignments, key=lambda a: (a.due_on, a.pk)):
        earliest.setdefault(assignment.course_id, assignment)
    lines = []
    for assignment in earliest.values():
        completed_at = done_at.get((person.pk, assignment.course_id))
        done = _still_valid(assignment.course, completed_at, assignment.due_on)
        lines.append(RequiredCourse(course=assignment.course, due_on=assignment.due_on, assignment=assignment,
                                    completed_at=completed_at, done=done,
                                    overdue=not done and assignment.due_on < today))
    return sorted(lines, key=lambda line: (line.done, line.due_on, line.course.code))


# ---------------------------------------------------------------- the annual target


def months_in_year(*, hire_date: dt.date | None, year: int) -> int:
    """Months of ``year`` the person is with us: all 12 unless they joined during it. The month they
    joined counts when they joined in its first half (by the 15th)."""
    if hire_date is None or hire_date.year < year:
        return 12
    if hire_date.year > year:
        return 0
    return 12 - hire_date.month + (1 if hire_date.day <= 15 else 0)


def prorated_target(*, base: Decimal, hire_date: dt.date | None, year: int) -> Decimal:
    months = months_in_year(hire_date=hire_date, year=year)
    return (Decimal(base) * months / 12).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- the gap and how to close it


@dataclass(frozen=True)
class Option:
    """An open course one could still take this year, at its earliest open session."""

    course: Course
    session: Session

    @property
    def credits(self) -> Decimal:
        return self.course.credits

    @property
    def required(self) -> bool:
        return self.course.kind == CourseKind.REQUIRED


@dataclass
class Gap:
    person: Person
    year: int
    base_target: Decimal
    target: Decimal
    months: int
    earned: Decimal
    required_earned: Decimal
    elective_earned: Decimal
    required_share_percent: Decimal
    required_courses: list[RequiredCourse] = field(default_factory=list)
    planned: Decimal = ZERO
    planned_required: Decimal = ZERO
    suggestions: list[Option] = field(default_factory=list)
    suggestions_close_gap: bool = True
    suggestions_exact: bool = True

    @property
    def prorated(self) -> bool:
        return self.months < 12

    @property
    def required_minimum(self) -> Decimal:
        return (self.target * self.required_share_percent / 100).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)

    @property
    def missing(self) -> Decimal:
        return max(self.target - self.earned, ZERO)

    @property
    def required_missing(self) -> Decimal:
        return max(self.required_minimum - self.required_earned, ZERO)

    @property
    def percent(self) -> int:
        return 100 if not self.target else max(0, min(100, int(self.earned * 100 / self.target)))

    @property
    def required_percent(self) -> int:
        minimum = self.required_minimum
        return 100 if not minimum else max(0, min(100, int(self.required_earned * 100 / minimum)))

    @property
    def overdue(self) -> list[RequiredCourse]:
        return [line for line in self.required_courses if line.overdue]

    @property
    def suggested_credits(self) -> Decimal:
        return sum((option.credits for option in self.suggestions), ZERO)


def shortest_set(options: list[Option], *, need: Decimal, need_required: Decimal) -> tuple[list[Option], bool, bool]:
    """The fewest courses whose credits reach ``need`` with at least ``need_required`` from required
    courses. Returns (courses, closes the gap, exact).

    Up to EXACT_LIMIT options every subset size is tried from the smallest up, and among the sets of
    that size the one with the fewest credits beyond the need wins (less time in class). Beyond that,
    greedy: required courses by credits (largest first) until the required minimum is met, then any
    course by credits until the total is met. Greedy can pick one course more than necessary, never
    fewer, and always closes the gap when all courses together could."""
    need, need_required = max(need, ZERO), max(need_required, ZERO)
    if need <= 0 and need_required <= 0:
        return [], True, True
    ranked = sorted(options, key=lambda o: (-o.credits, o.course.code))

    def enough(chosen) -> bool:
        total = sum((o.credits for o in chosen), ZERO)
        required = sum((o.credits for o in chosen if o.required), ZERO)
        return total >= need and required >= need_required

    if not enough(ranked):
        return ranked, False, True  # even everything open falls short: take it all
    if len(ranked) <= EXACT_LIMIT:
        for size in range(1, len(ranked) + 1):
            fits = [combo for combo in itertools.combinations(ranked, size) if enough(combo)]
            if fits:
                best = min(fits, key=lambda combo: (sum((o.credits for o in combo), ZERO),
                                                    [o.course.code for o in combo]))
                return list(best), True, True
    chosen: list[Option] = []
    required_sum = ZERO
    for option in ranked:
        if required_sum >= need_required:
            break
        if option.required:
            chosen.append(option)
            required_sum += option.credits
    total = sum((o.credits for o in chosen), ZERO)
    for option in ranked:
        if total >= need:
            break
        if option not in chosen:
            chosen.append(option)
            total += option.credits
    return chosen, True, False


def open_options(*, person: Person, now: dt.datetime, year_end: dt.datetime,
                 exclude_course_ids: set[int]) -> list[Option]:
    """Courses with an upcoming session this year that the person could enrol in themselves (self or
    with approval, a free seat), whose prerequisites they have, and that they have not taken."""
    sessions = with_seats(
        open_sessions(now=now).filter(starts_at__lt=year_end, course__is_active=True, course__credits__gt=0,
                                      enrolment_mode__in=[EnrolmentMode.SELF, EnrolmentMode.APPROVAL])
        .exclude(course_id__in=exclude_course_ids).select_related("course__category")
    ).order_by("starts_at", "pk")
    first: dict[int, Session] = {}
    for session in sessions:
        if session.capacity is not None and session.enrolled_count >= session.capacity:
            continue
        first.setdefault(session.course_id, session)
    if not first:
        return []
    needs = {}
    for row in Course.prerequisites.through.objects.filter(from_course_id__in=list(first)).values_list(
            "from_course_id", "to_course_id"):
        needs.setdefault(row[0], set()).add(row[1])
    done = {course for (_, course) in completions(person_ids=[person.pk],
                                                  course_ids=set().union(*needs.values()) if needs else [])}
    return [Option(course=session.course, session=session) for course_id, session in first.items()
            if needs.get(course_id, set()) <= done]


def learning_gap(*, person: Person, now: dt.datetime | None = None, year: int | None = None,
                 suggest: bool = True) -> Gap:
    """Credits earned (from the ledger), required, still missing this year; overdue required courses;
    and the shortest set of open courses that closes what is left after what is already planned."""
    now = now or timezone.now()
    year = year or timezone.localtime(now).year
    credits = ledger_selectors.credit_progress(person=person, year=year)
    policy = CreditPolicy.current()
    base = Decimal(person.position.annual_credit_target) if person.position_id else ZERO
    gap = Gap(person=person, year=year, base_target=base,
              target=prorated_target(base=base, hire_date=person.hire_date, year=year),
              months=months_in_year(hire_date=person.hire_date, year=year),
              earned=credits.earned, required_earned=credits.required, elective_earned=credits.elective,
              required_share_percent=policy.required_share_percent)
    gap.required_courses = required_courses(person=person, now=now)
    _start, end = ledger_selectors.year_bounds(year)
    upcoming = list(my_enrolments(person_id=person.pk).filter(
        status__in=ACTIVE, session__starts_at__gt=now, session__starts_at__lt=end,
        session__status=Session.Status.PLANNED))
    by_course = {}
    for enrolment in upcoming:
        by_course.setdefault(enrolment.session.course_id, enrolment)
    for line in gap.required_courses:
        line.enrolment = by_course.get(line.course.pk)
    gap.planned = sum((e.session.course.credits for e in by_course.values()), ZERO)
    gap.planned_required = sum((e.session.course.credits for e in by_course.values()
                                if e.session.course.kind == CourseKind.REQUIRED), ZERO)
    if suggest and now < end:
        taken = {course for (_, course) in completions(person_ids=[person.pk])}
        options = open_options(person=person, now=now, year_end=end, exclude_course_ids=taken | set(by_course))
        gap.suggestions, gap.suggestions_close_gap, gap.suggestions_exact = shortest_set(
            options, need=gap.missing - gap.planned, need_required=gap.required_missing - gap.planned_required)
    return gap


# ---------------------------------------------------------------- the gap report over many people


@dataclass
class GapRow:
    person: Person
    target: Decimal
    earned: Decimal
    required_earned: Decimal
    required_minimum: Decimal
    overdue: int

    @property
    def missing(self) -> Decimal:
        return max(self.target - self.earned, ZERO)

    @property
    def required_missing(self) -> Decimal:
        return max(self.required_minimum - self.required_earned, ZERO)

    @property
    def percent(self) -> int:
        return 100 if not self.target else max(0, min(100, int(self.earned * 100 / self.target)))


def gap_people(*, access: Access, q: str = "", unit: OrgUnit | None = None) -> QuerySet[Person]:
    people = access.people(Perm.LEARNING_VIEW).exclude(status=Person.Status.LEFT).select_related(
        "org_unit", "position")
    if unit is not None:
        people = people.filter(org_unit__path__startswith=unit.path)
    if q:
        people = people.filter(Q(name__icontains=q) | Q(employee_no__icontains=q))
    return people.order_by("org_unit__path", "employee_no")


def gap_rows(*, people: list[Person], now: dt.datetime | None = None, year: int | None = None) -> list[GapRow]:
    """Gap lines for one page of people, in a fixed number of queries whatever the page holds."""
    now = now or timezone.now()
    year = year or timezone.localtime(now).year
    today = timezone.localdate(now)
    start, end = ledger_selectors.year_bounds(year)
    sums = {
        row["account__person_id"]: row for row in Entry.objects.filter(
            account__person_id__in=[p.pk for p in people], account__currency=Currency.CREDITS,
            occurred_at__gte=start, occurred_at__lt=end,
        ).values("account__person_id").annotate(
            total=Sum("amount"), required=Sum("amount", filter=Q(credit_type=CreditType.REQUIRED)))
    }
    share = CreditPolicy.current().required_share_percent
    assignments = list(CourseAssignment.objects.select_related("course", "org_unit"))
    done_at = completions(person_ids=[p.pk for p in people], course_ids={a.course_id for a in assignments})
    rows = []
    for person in people:
        base = Decimal(person.position.annual_credit_target) if person.position_id else ZERO
        target = prorated_target(base=base, hire_date=person.hire_date, year=year)
        prefixes = set(_unit_prefixes(person.org_unit))
        mine = [a for a in assignments if a.person_id == person.pk
                or (a.position_id and a.position_id == person.position_id)
                or (a.org_unit_id and a.org_unit.path in prefixes)]
        lines = required_courses(person=person, now=now, assignments=mine, done_at=done_at)
        found = sums.get(person.pk, {})
        rows.append(GapRow(
            person=person, target=target, earned=found.get("total") or ZERO,
            required_earned=found.get("required") or ZERO,
            required_minimum=(target * share / 100).quantize(ONE_PLACE, rounding=ROUND_HALF_UP),
            overdue=sum(1 for line in lines if line.overdue and line.due_on < today)))
    return rows

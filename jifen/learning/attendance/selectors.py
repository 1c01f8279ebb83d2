"""Reads shared by the attendance pages and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from jifen.catalog.models import Enrolment, Session
from jifen.learning.attendance.models import Attendance, AttendanceStatus, MakeUp, Participation
from jifen.org.models import OrgUnit, Person, Role, RoleAssignment
from jifen.org.permissions import ROLE_PERMISSIONS, Access, Perm, Scope

# Roles whose SESSIONS_RUN reaches sessions by their org unit; a trainer's reaches only their own sessions.
_UNIT_ROLES = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.SESSIONS_RUN in perms and role != Role.TRAINER]


def session_admin_scope(access: Access) -> Scope:
    """The units whose sessions this login runs as a training admin (not as a trainer)."""
    scope = Scope()
    if access.user_id is None or not access.has(Perm.SESSIONS_RUN):
        return scope
    if access.is_superuser:
        scope.everything = True
        return scope
    for path in RoleAssignment.objects.filter(user_id=access.user_id, role__in=_UNIT_ROLES).values_list(
            "scope__path", flat=True):
        if path is None:
            scope.everything = True
        else:
            scope.add_unit(path)
    return scope


def runnable_sessions(access: Access) -> QuerySet[Session]:
    """Sessions this login may run: a trainer their own, a training admin those of units in scope."""
    qs = Session.objects.select_related("course", "org_unit", "trainer")
    if not access.has(Perm.SESSIONS_RUN):
        return qs.none()
    scope = session_admin_scope(access)
    if scope.everything:
        return qs
    q = Q(pk__in=[])
    if access.person_id is not None:
        q |= Q(trainer_id=access.person_id)
    if scope.unit_paths:
        q |= Q(org_unit__in=OrgUnit.objects.filter(scope.unit_q()).values("pk"))
    return qs.filter(q)


def my_sessions(access: Access, *, when: str = "recent", now: dt.datetime | None = None) -> QuerySet[Session]:
    """Upcoming (from the start of today) or past sessions, with counts for the list."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    qs = runnable_sessions(access).select_related("attendance_closure").annotate(
        enrolled=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ENROLLED), distinct=True),
        recorded=Count("attendance", distinct=True),
    )
    if when == "past":
        return qs.filter(ends_at__lt=today).order_by("-starts_at", "-pk")
    return qs.filter(ends_at__gte=today).order_by("starts_at", "pk")


@dataclass
class RosterRow:
    person: Person
    attendance: Attendance | None
    participation: Participation | None

    @property
    def makeup(self) -> MakeUp | None:
        return getattr(self.attendance, "makeup", None) if self.attendance else None

    @property
    def missed(self) -> bool:
        return self.attendance is not None and self.attendance.status in (AttendanceStatus.ABSENT,
                                                                          AttendanceStatus.EXCUSED)


def roster(session: Session, *, person_ids: list[int] | None = None) -> list[RosterRow]:
    """Everyone enrolled, with their attendance, participation and make-up (a fixed number of queries)."""
    people = Person.objects.filter(enrolments__session=session, enrolments__status=Enrolment.Status.ENROLLED) \
        .select_related("org_unit").order_by("employee_no")
    if person_ids is not None:
        people = people.filter(pk__in=person_ids)
    people = list(people)
    ids = [p.pk for p in people]
    records = {a.person_id: a for a in Attendance.objects.filter(session=session, person_id__in=ids)
               .select_related("makeup")}
    marks = {p.person_id: p for p in Participation.objects.filter(session=session, person_id__in=ids)}
    return [RosterRow(p, records.get(p.pk), marks.get(p.pk)) for p in people]


def roster_row(session: Session, person_id: int) -> RosterRow | None:
    rows = roster(session, person_ids=[person_id])
    return rows[0] if rows else None


def counts(session: Session) -> dict[str, int]:
    found = dict(Attendance.objects.filter(session=session).values_list("status").annotate(n=Count("pk")))
    enrolled = Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED).count()
    result = {status: found.get(status, 0) for status in AttendanceStatus.values}
    result["enrolled"] = enrolled
    result["missing"] = max(enrolled - sum(found.values()), 0)
    return result


def attendance_of(person_id: int) -> QuerySet[Attendance]:
    """A person's attendance, newest session first, with make-up study."""
    return (Attendance.objects.filter(person_id=person_id)
            .select_related("session__course", "makeup")
            .prefetch_related(Prefetch("session__participation",
                                       queryset=Participation.objects.filter(person_id=person_id),
                                       to_attr="my_participation"))
            .order_by("-session__starts_at", "-pk"))


def session_attendance(session: Session) -> QuerySet[Attendance]:
    return Attendance.objects.filter(session=session).select_related("person").order_by("person__employee_no")

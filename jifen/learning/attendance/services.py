"""Attendance rules: QR check-in, the trainer's marks, closing, participation, make-up study.

Every record posts one rule event (attendance.present|late|absent|excused, participation.active|passive)
under a stable key: ``att:<session>:<person>`` for the first status, ``att:<session>:<person>:r<n>`` for
the n-th. A correction (absent → excused, say) never posts twice for one session:

1. the record's row is locked and its revision goes up,
2. every ledger entry the old event posted is reversed (``jifen.ledger.services.reverse``, keyed
   ``<new event key>/undo/<entry>``; an entry already reversed, e.g. by an accepted appeal, is left),
3. the new status's event is recorded under the new key.

All three happen in one transaction, so the ledger shows the old amount, its reversal and the new
amount, and the balance counts the session once. Replaying the same correction changes nothing:
the status is already what was asked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jifen.catalog.models import Course, Enrolment, Session
from jifen.core.errors import ApplicationError
from jifen.learning.attendance.models import (
    Attendance,
    AttendanceClosure,
    AttendanceStatus,
    MakeUp,
    Method,
    Participation,
    ParticipationLevel,
)
from jifen.ledger import services as ledger
from jifen.ledger.models import Entry, EntryKind
from jifen.org.models import Person
from jifen.rules.models import Event, EventType
from jifen.rules.services import record_event

REASON_MAX = 500
EVENT_OF_STATUS = {
    AttendanceStatus.PRESENT: EventType.ATTENDANCE_PRESENT,
    AttendanceStatus.LATE: EventType.ATTENDANCE_LATE,
    AttendanceStatus.ABSENT: EventType.ATTENDANCE_ABSENT,
    AttendanceStatus.EXCUSED: EventType.ATTENDANCE_EXCUSED,
}
EVENT_OF_LEVEL = {
    ParticipationLevel.ACTIVE: EventType.PARTICIPATION_ACTIVE,
    ParticipationLevel.PASSIVE: EventType.PARTICIPATION_PASSIVE,
}


def shared_device_people() -> int:
    """From how many different people checking in on one device a box-ticking case opens."""
    return int(getattr(settings, "JIFEN_SHARED_DEVICE_PEOPLE", 3))


def makeup_earns_attendance() -> bool:
    return bool(getattr(settings, "JIFEN_MAKEUP_EARNS_ATTENDANCE", False))


# ---------------------------------------------------------------- the session's times


def checkin_opens_at(session: Session) -> dt.datetime:
    return session.starts_at - dt.timedelta(minutes=session.checkin_opens_minutes)


def late_from(session: Session) -> dt.datetime:
    """A check-in after this moment is late."""
    return session.starts_at + dt.timedelta(minutes=session.late_after_minutes)


def status_at(session: Session, moment: dt.datetime) -> str:
    return AttendanceStatus.LATE if moment > late_from(session) else AttendanceStatus.PRESENT


def is_closed(session: Session) -> bool:
    return AttendanceClosure.objects.filter(session=session).exists()


def _is_enrolled(session: Session, person: Person) -> bool:
    return Enrolment.objects.filter(session=session, person=person, status=Enrolment.Status.ENROLLED).exists()


# ---------------------------------------------------------------- events and their corrections


def attendance_key(session_id: int, person_id: int, revision: int) -> str:
    base = f"att:{session_id}:{person_id}"
    return base if revision == 1 else f"{base}:r{revision}"


def participation_key(session_id: int, person_id: int, revision: int) -> str:
    base = f"part:{session_id}:{person_id}"
    return base if revision == 1 else f"{base}:r{revision}"


def _occurred_at(session: Session, moment: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When the fact happened: the check-in, or for a mark the session's start (never in the future)."""
    return moment or min(session.starts_at, now)


def _record(*, key: str, type: str, person: Person, session: Session, occurred_at: dt.datetime, data: dict,
            actor, now: dt.datetime) -> None:
    result = record_event(key=key, type=type, person=person.employee_no, occurred_at=occurred_at,
                          course=session.course.code, data={"session": session.pk, **data}, source="attendance",
                          actor=actor, now=now)
    if result.status == "rejected":
        raise ApplicationError(result.error or _("The event was refused."), code="event_rejected")


def undo_event(*, event_key: str, new_key: str, reason: str, actor, now: dt.datetime) -> int:
    """Reverse what the event ``event_key`` posted (each entry once). Answers how many entries were reversed."""
    event_id = Event.objects.filter(key=event_key).values_list("pk", flat=True).first()
    if event_id is None:
        return 0
    entries = (
        Entry.objects.filter(source_type=ContentType.objects.get_for_model(Event), source_id=event_id,
                             kind__in=[EntryKind.AWARD, EntryKind.PENALTY])
        .exclude(reversed_by__isnull=False)
        .select_related("account")
        .order_by("pk")
    )
    count = 0
    for entry in entries:
        ledger.reverse(entry=entry, key=f"{new_key}/undo/{entry.pk}", reason=reason[:500], actor=actor, now=now)
        count += 1
    return count


def _clean_reason(status: str, reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": REASON_MAX}, field="reason")
    if status == AttendanceStatus.EXCUSED and not reason:
        raise ApplicationError(_("An excused absence needs the leave reason."), field="reason",
                               code="reason_missing")
    return reason if status == AttendanceStatus.EXCUSED else ""


def _change(record: Attendance, *, session: Session, status: str, reason: str, method: str, actor,
            now: dt.datetime) -> bool:
    """Move a locked record to ``status``: reverse the old event's entries, post the new one. Answers
    whether anything changed."""
    if record.status == status:
        if status == AttendanceStatus.EXCUSED and reason != record.reason:
            record.reason = reason
            record.changed_at = now
            record.save(update_fields=["reason", "changed_at"])
            return True
        return False
    old_key, old_status = record.event_key, record.status
    record.revision += 1
    record.event_key = attendance_key(session.pk, record.person_id, record.revision)
    with translation.override(settings.LANGUAGE_CODE):  # ledger reasons are the organisation's data
        why = _("Attendance corrected from %(old)s to %(new)s") % {
            "old": AttendanceStatus(old_status).label, "new": AttendanceStatus(status).label}
    undo_event(event_key=old_key, new_key=record.event_key, reason=why, actor=actor, now=now)
    record.status, record.reason, record.method = status, reason, method
    record.recorded_by = actor if getattr(actor, "pk", None) else None
    record.changed_at = now
    record.save(update_fields=["revision", "event_key", "status", "reason", "method", "recorded_by", "changed_at"])
    _record(key=record.event_key, type=EVENT_OF_STATUS[status], person=record.person, session=session,
            occurred_at=_occurred_at(session, record.checked_in_at, now),
            data={"status": status, "replaces": old_key}, actor=actor, now=now)
    return True


def _create(*, session: Session, person: Person, status: str, reason: str, method: str, actor, now: dt.datetime,
            checked_in_at: dt.datetime | None = None, device_id: str = "", user_agent: str = "") -> Attendance:
    record = Attendance.objects.create(
        session=session, person=person, status=status, method=method, reason=reason, checked_in_at=checked_in_at,
        device_id=device_id, user_agent=user_agent[:500], event_key=attendance_key(session.pk, person.pk, 1),
        recorded_by=actor if getattr(actor, "pk", None) else None, recorded_at=now, changed_at=now,
    )
    _record(key=record.event_key, type=EVENT_OF_STATUS[status], person=person, session=session,
            occurred_at=_occurred_at(session, checked_in_at, now), data={"status": status}, actor=actor, now=now)
    return record


# ---------------------------------------------------------------- QR check-in


@dataclass
class CheckIn:
    attendance: Attendance
    created: bool


def check_in(*, session: Session, person: Person | None, scanned_at: dt.datetime, device_id: str = "",
             user_agent: str = "", now: dt.datetime | None = None) -> CheckIn:
    """A learner's scan (already proved genuine and recent by its token): present or late by the
    session's times. Refused before check-in opens, after the end, once closed, for a cancelled
    session, and for anyone not enrolled. A second scan changes nothing."""
    now = now or timezone.now()
    if person is None:
        raise ApplicationError(_("Only people of the organisation can check in: this login has no person record."),
                               code="no_person")
    if session.status == Session.Status.CANCELLED:
        raise ApplicationError(_("This session has been cancelled."), code="cancelled")
    existing = Attendance.objects.filter(session=session, person=person).first()
    if existing is not None:
        return CheckIn(existing, False)
    if not _is_enrolled(session, person):
        raise ApplicationError(_("You are not enrolled in this session, so you cannot check in. Ask the trainer."),
                               code="not_enrolled")
    if scanned_at < checkin_opens_at(session):
        raise ApplicationError(
            _("Check-in has not opened yet: it opens at %(time)s.")
            % {"time": timezone.localtime(checkin_opens_at(session)).strftime("%H:%M")}, code="not_open")
    if scanned_at >= session.ends_at:
        raise ApplicationError(_("This session has ended: check-in is closed. Ask the trainer."), code="ended")
    if is_closed(session):
        raise ApplicationError(_("The trainer has closed the attendance of this session."), code="closed")
    try:
        with transaction.atomic():
            record = _create(session=session, person=person, status=status_at(session, scanned_at),
                             reason="", method=Method.QR, actor=person.user, now=now, checked_in_at=scanned_at,
                             device_id=device_id, user_agent=user_agent)
    except IntegrityError:  # the same person's second scan at the same moment
        return CheckIn(Attendance.objects.get(session=session, person=person), False)
    if device_id:
        _watch_device(session=session, device_id=device_id, now=now)
    return CheckIn(record, True)


def _watch_device(*, session: Session, device_id: str, now: dt.datetime) -> None:
    """Many people checking in on one phone: one of them is probably checking in the others."""
    from jifen.learning.integrity.models import CaseKind
    from jifen.learning.integrity.services import open_case

    records = list(Attendance.objects.filter(session=session, device_id=device_id, method=Method.QR)
                   .select_related("person").order_by("checked_in_at", "pk"))
    if len({r.person_id for r in records}) < shared_device_people():
        return
    people = [f"{r.person.name} ({r.person.employee_no})" for r in records]
    with translation.override(settings.LANGUAGE_CODE):
        summary = _("%(count)d people checked in to %(session)s on the same device: %(people)s") % {
            "count": len(records), "session": session.display_title, "people": ", ".join(people)}
    details = {
        "session": session.pk, "device": device_id,
        "check_ins": [{"employee_no": r.person.employee_no, "at": r.checked_in_at.isoformat() if r.checked_in_at
                       else "", "user_agent": r.user_agent} for r in records],
    }
    for record in records:
        open_case(person=record.person, kind=CaseKind.SHARED_DEVICE,
                  key=f"shared-device:{session.pk}:{device_id}:{record.person_id}", summary=summary,
                  details=details, source=record, now=now)


# ---------------------------------------------------------------- the trainer's marks


def _check_mark(session: Session, person: Person, status: str, now: dt.datetime) -> None:
    if status not in AttendanceStatus.values:
        raise ApplicationError(_("Choose present, late, absent or excused."), field="status")
    if session.status == Session.Status.CANCELLED:
        raise ApplicationError(_("This session has been cancelled."), code="cancelled")
    if not _is_enrolled(session, person):
        raise ApplicationError(_("%(name)s is not enrolled in this session.") % {"name": person.name},
                               code="not_enrolled")
    if status != AttendanceStatus.EXCUSED and now < checkin_opens_at(session):
        raise ApplicationError(_("The session has not started yet: only an excused absence can be recorded now."),
                               field="status", code="not_started")


def mark(*, session: Session, person: Person, status: str, reason: str = "", actor=None,
         method: str = Method.MANUAL, now: dt.datetime | None = None) -> Attendance:
    """The trainer marks (or corrects) one person's attendance. A correction reverses what the old
    status posted and posts the new one; the same mark twice changes nothing."""
    now = now or timezone.now()
    _check_mark(session, person, status, now)
    reason = _clean_reason(status, reason)
    with transaction.atomic():
        return _mark_locked(session=session, person=person, status=status, reason=reason, actor=actor,
                            method=method, now=now)[0]


def _mark_locked(*, session, person, status, reason, actor, method, now) -> tuple[Attendance, bool]:
    record = Attendance.objects.select_for_update().filter(session=session, person=person).first()
    if record is None:
        try:
            with transaction.atomic():
                return _create(session=session, person=person, status=status, reason=reason, method=method,
                               actor=actor, now=now), True
        except IntegrityError:  # a scan arrived at the same moment: correct it instead
            record = Attendance.objects.select_for_update().get(session=session, person=person)
    record.person = person
    changed = _change(record, session=session, status=status, reason=reason, method=method, actor=actor, now=now)
    return record, changed


@dataclass
class MarkLine:
    employee_no: str
    status: str
    reason: str = ""
    row: int = 0  # the spreadsheet row (imports) or the item's position (API)


@dataclass
class MarkError:
    row: int
    column: str
    message: str
    field: str = ""


@dataclass
class MarkPlan:
    lines: int = 0
    errors: list[MarkError] = field(default_factory=list)
    marks: list[tuple[Person, str, str]] = field(default_factory=list)
    changes: int = 0
    unchanged: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


STATUS_ALIASES = {
    "present": AttendanceStatus.PRESENT, "出勤": AttendanceStatus.PRESENT, "到": AttendanceStatus.PRESENT,
    "已到": AttendanceStatus.PRESENT, "签到": AttendanceStatus.PRESENT, "出席": AttendanceStatus.PRESENT,
    "正常": AttendanceStatus.PRESENT, "√": AttendanceStatus.PRESENT,
    "late": AttendanceStatus.LATE, "迟到": AttendanceStatus.LATE,
    "absent": AttendanceStatus.ABSENT, "缺勤": AttendanceStatus.ABSENT, "缺席": AttendanceStatus.ABSENT,
    "旷课": AttendanceStatus.ABSENT, "未到": AttendanceStatus.ABSENT, "×": AttendanceStatus.ABSENT,
    "excused": AttendanceStatus.EXCUSED, "请假": AttendanceStatus.EXCUSED, "事假": AttendanceStatus.EXCUSED,
    "病假": AttendanceStatus.EXCUSED, "公假": AttendanceStatus.EXCUSED, "公出": AttendanceStatus.EXCUSED,
}


def parse_status(text: str) -> str | None:
    key = re.sub(r"\s+", "", (text or "").strip().lower())
    if key in STATUS_ALIASES:
        return STATUS_ALIASES[key]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in AttendanceStatus.choices:
                if re.sub(r"\s+", "", str(label).lower()) == key:
                    return value
    return None


def plan_marks(*, session: Session, lines: list[MarkLine], columns: dict[str, str] | None = None,
               now: dt.datetime | None = None) -> MarkPlan:
    """Check a batch of marks (an import or an API call) without writing: every line's errors, with
    the same rules as one mark at a time."""
    now = now or timezone.now()
    columns = columns or {}
    plan = MarkPlan(lines=len(lines))
    numbers = {line.employee_no for line in lines if line.employee_no}
    people = {p.employee_no: p for p in Person.objects.filter(employee_no__in=numbers).select_related("user")}
    enrolled = set(Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED,
                                            person__employee_no__in=numbers).values_list("person_id", flat=True))
    current = dict(Attendance.objects.filter(session=session, person__employee_no__in=numbers)
                   .values_list("person_id", "status"))
    reasons = dict(Attendance.objects.filter(session=session, person__employee_no__in=numbers)
                   .values_list("person_id", "reason"))
    first_row: dict[str, int] = {}

    def error(line: MarkLine, column: str, message: str) -> None:
        plan.errors.append(MarkError(row=line.row, column=columns.get(column, column), message=message, field=column))

    if session.status == Session.Status.CANCELLED:
        plan.errors.append(MarkError(row=0, column="", message=_("This session has been cancelled.")))
        return plan
    for line in lines:
        before = len(plan.errors)
        person = None
        if not line.employee_no:
            error(line, "employee_no", _("Each row needs an employee or student number."))
        elif line.employee_no in first_row:
            error(line, "employee_no", _("The number %(no)s is also on row %(row)d: each person may appear only once.")
                  % {"no": line.employee_no, "row": first_row[line.employee_no]})
        else:
            first_row[line.employee_no] = line.row
            person = people.get(line.employee_no)
            if person is None or person.pk not in enrolled:
                # Whether the number exists elsewhere is not this session's business: one message.
                error(line, "employee_no", _("%(no)s is not enrolled in this session.") % {"no": line.employee_no})
                person = None
        status = parse_status(line.status) if line.status else None
        if not line.status:
            error(line, "status", _("Each row needs a status: present, late, absent or excused (出勤, 迟到, 缺勤, 请假)."))
        elif status is None:
            error(line, "status", _("“%(value)s” is not a status: use present, late, absent or excused (出勤, 迟到, "
                                    "缺勤, 请假).") % {"value": line.status[:40]})
        elif status != AttendanceStatus.EXCUSED and now < checkin_opens_at(session):
            error(line, "status", _("The session has not started yet: only an excused absence can be recorded now."))
        reason = ""
        if status is not None:
            try:
                reason = _clean_reason(status, line.reason)
            except ApplicationError as exc:
                error(line, "reason", str(exc.message))
        if len(plan.errors) == before and person is not None and status is not None:
            plan.marks.append((person, status, reason))
            if current.get(person.pk) == status and (status != AttendanceStatus.EXCUSED
                                                     or reasons.get(person.pk) == reason):
                plan.unchanged += 1
            else:
                plan.changes += 1
    return plan


class MarksRejected(ApplicationError):
    def __init__(self, plan: MarkPlan):
        super().__init__(_("%(count)d rows have errors; nothing was recorded.") % {"count": plan.error_rows},
                         code="marks_rejected")
        self.plan = plan


def mark_many(*, session: Session, lines: list[MarkLine], actor=None, method: str = Method.IMPORT,
              columns: dict[str, str] | None = None, now: dt.datetime | None = None) -> MarkPlan:
    """All the marks or (MarksRejected, with every line's errors) none. Checked again inside the
    transaction, each record locked as it is changed."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = plan_marks(session=session, lines=lines, columns=columns, now=now)
        if plan.errors:
            raise MarksRejected(plan)
        plan.changes = plan.unchanged = 0
        for person, status, reason in sorted(plan.marks, key=lambda m: m[0].pk):
            _record, changed = _mark_locked(session=session, person=person, status=status, reason=reason,
                                             actor=actor, method=method, now=now)
            if changed:
                plan.changes += 1
            else:
                plan.unchanged += 1
    plan.committed = True
    return plan


def close_attendance(*, session: Session, actor=None, now: dt.datetime | None = None) -> AttendanceClosure:
    """Close a session's attendance once it has started: everyone enrolled without a record is marked
    absent, and no more scans are taken. Closing twice changes nothing."""
    now = now or timezone.now()
    if session.status == Session.Status.CANCELLED:
        raise ApplicationError(_("This session has been cancelled."), code="cancelled")
    if now < session.starts_at:
        raise ApplicationError(_("The session has not started yet: its attendance cannot be closed."),
                               code="not_started")
    with transaction.atomic():
        Session.objects.select_for_update().filter(pk=session.pk).first()
        closure = AttendanceClosure.objects.filter(session=session).first()
        if closure is not None:
            return closure
        missing = (Person.objects.filter(enrolments__session=session, enrolments__status=Enrolment.Status.ENROLLED)
                   .exclude(attendance__session=session).select_related("user").order_by("pk"))
        count = 0
        for person in missing:
            try:
                with transaction.atomic():
                    _create(session=session, person=person, status=AttendanceStatus.ABSENT, reason="",
                            method=Method.CLOSE, actor=actor, now=now)
            except IntegrityError:  # they scanned in at this very moment: their check-in stands
                continue
            count += 1
        return AttendanceClosure.objects.create(session=session, closed_at=now,
                                                closed_by=actor if getattr(actor, "pk", None) else None,
                                                marked_absent=count)


# ---------------------------------------------------------------- participation


def mark_participation(*, session: Session, person: Person, level: str, actor=None,
                       now: dt.datetime | None = None) -> Participation:
    """Active or passive, by the trainer. A change reverses the old mark's points and posts the new one."""
    now = now or timezone.now()
    if level not in ParticipationLevel.values:
        raise ApplicationError(_("Choose active or passive."), field="level")
    if session.status == Session.Status.CANCELLED:
        raise ApplicationError(_("This session has been cancelled."), code="cancelled")
    if not _is_enrolled(session, person):
        raise ApplicationError(_("%(name)s is not enrolled in this session.") % {"name": person.name},
                               code="not_enrolled")
    if now < session.starts_at:
        raise ApplicationError(_("The session has not started yet: participation is marked during or after it."),
                               code="not_started")
    recorder = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        record = Participation.objects.select_for_update().filter(session=session, person=person).first()
        if record is None:
            record = Participation.objects.create(session=session, person=person, level=level,
                                                  event_key=participation_key(session.pk, person.pk, 1),
                                                  recorded_by=recorder, recorded_at=now)
            _record(key=record.event_key, type=EVENT_OF_LEVEL[level], person=person, session=session,
                    occurred_at=min(session.starts_at, now), data={"level": level}, actor=actor, now=now)
            return record
        if record.level == level:
            return record
        old_key = record.event_key
        record.revision += 1
        record.event_key = participation_key(session.pk, person.pk, record.revision)
        with translation.override(settings.LANGUAGE_CODE):
            why = _("Participation corrected from %(old)s to %(new)s") % {
                "old": ParticipationLevel(record.level).label, "new": ParticipationLevel(level).label}
        undo_event(event_key=old_key, new_key=record.event_key, reason=why, actor=actor, now=now)
        record.level, record.recorded_by, record.recorded_at = level, recorder, now
        record.save(update_fields=["revision", "event_key", "level", "recorded_by", "recorded_at"])
        _record(key=record.event_key, type=EVENT_OF_LEVEL[level], person=person, session=session,
                occurred_at=min(session.starts_at, now), data={"level": level, "replaces": old_key}, actor=actor,
                now=now)
        return record


# ---------------------------------------------------------------- make-up study (补学)


def assign_makeup(*, attendance: Attendance, assignment: str, due_on: dt.date, actor=None,
                  now: dt.datetime | None = None) -> MakeUp:
    """Replace a missed session (absent or excused) by online study: a course code or the lesson's name."""
    now = now or timezone.now()
    assignment = (assignment or "").strip()
    if not assignment:
        raise ApplicationError(_("Say what to study: a course code or the lesson's name."), field="assignment")
    if len(assignment) > 300:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": 300}, field="assignment")
    if attendance.status not in (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED):
        raise ApplicationError(_("Only a missed session (absent or excused) can be made up."), code="not_missed")
    if due_on is None or due_on < timezone.localdate(now):
        raise ApplicationError(_("The due date cannot be in the past."), field="due_on")
    course = Course.objects.filter(code=assignment).first()
    with transaction.atomic():
        existing = MakeUp.objects.select_for_update().filter(attendance=attendance).first()
        if existing is not None:
            if existing.completed_at is not None:
                raise ApplicationError(_("This make-up study has already been completed."), code="completed")
            existing.assignment, existing.course, existing.due_on = assignment, course, due_on
            existing.save(update_fields=["assignment", "course", "due_on"])
            return existing
        return MakeUp.objects.create(attendance=attendance, assignment=assignment, course=course, due_on=due_on,
                                     assigned_by=actor if getattr(actor, "pk", None) else None, assigned_at=now)


def makeup_assign(*, session: Session, person: Person, assignment: str, due_on: dt.date, actor=None,
                  now: dt.datetime | None = None) -> MakeUp:
    """Make-up study for someone who missed this session: their attendance record must say absent or excused."""
    record = Attendance.objects.filter(session=session, person=person).first()
    if record is None:
        raise ApplicationError(_("Only a missed session (absent or excused) can be made up."), code="not_missed")
    return assign_makeup(attendance=record, assignment=assignment, due_on=due_on, actor=actor, now=now)


def complete_makeup(*, makeup: MakeUp, now: dt.datetime | None = None) -> MakeUp:
    """The online study app says the make-up study is done. With JIFEN_MAKEUP_EARNS_ATTENDANCE the
    person earns attendance.present for it (key ``att-makeup:<id>``, so once); the missed status stays
    on record. Completing twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = MakeUp.objects.select_for_update().select_related(
            "attendance__session__course", "attendance__person").get(pk=makeup.pk)
        if locked.completed_at is not None:
            return locked
        locked.completed_at = now
        fields = ["completed_at"]
        if makeup_earns_attendance():
            locked.event_key = f"att-makeup:{locked.pk}"
            fields.append("event_key")
            attendance = locked.attendance
            _record(key=locked.event_key, type=EventType.ATTENDANCE_PRESENT, person=attendance.person,
                    session=attendance.session, occurred_at=now, data={"makeup": locked.pk}, actor=None, now=now)
        locked.save(update_fields=fields)
        return locked

"""Attendance and participation of many sessions from one file: employee number, session number and
the status (出勤 / 迟到 / 缺勤 / 请假) or participation level (积极 / 一般).

New records are written in bulk with the attendance app's own event keys (``att:<session>:<person>``,
``part:<session>:<person>``) and events, so a later correction on the roster page reverses them as
it would a trainer's mark; a row that changes a record already there goes through the attendance
service (mark / mark_participation), which reverses the old points and posts the new ones.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jifen.catalog.models import Enrolment, Session
from jifen.imports.kinds.base import (
    CHUNK,
    EMPLOYEE_NO_ALIASES,
    Column,
    Context,
    Kind,
    Plan,
    Progress,
    Rows,
    check_people,
    chunked,
    duplicate,
    raise_rejected_events,
)
from jifen.learning.attendance import services as attendance
from jifen.learning.attendance.models import (
    Attendance,
    AttendanceStatus,
    Method,
    Participation,
    ParticipationLevel,
)
from jifen.org.importing import Roster
from jifen.org.models import Person
from jifen.org.permissions import Perm
from jifen.rules.services import EventIn, record_events

EMPLOYEE_NO = Column("employee_no", "工号", EMPLOYEE_NO_ALIASES, gettext_lazy("Employee or student number."),
                     max_length=32, text=True)
SESSION = Column("session", "场次编号", ("session", "session id", "session no", "场次", "场次编号", "班次", "班次编号",
                                      "开班编号"),
                 gettext_lazy("The session's number, as shown on its page (Sessions)."), max_length=20, width=10)

LEVEL_ALIASES = {
    "active": ParticipationLevel.ACTIVE, "积极": ParticipationLevel.ACTIVE, "活跃": ParticipationLevel.ACTIVE,
    "主动": ParticipationLevel.ACTIVE, "好": ParticipationLevel.ACTIVE,
    "passive": ParticipationLevel.PASSIVE, "消极": ParticipationLevel.PASSIVE, "被动": ParticipationLevel.PASSIVE,
    "一般": ParticipationLevel.PASSIVE, "不积极": ParticipationLevel.PASSIVE,
}


def parse_level(text: str) -> str | None:
    key = (text or "").strip().lower()
    if key in LEVEL_ALIASES:
        return LEVEL_ALIASES[key]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in ParticipationLevel.choices:
                if str(label).strip().lower() == key:
                    return value
    return None


class SessionKind(Kind):
    perm = Perm.SESSIONS_RUN
    model = Attendance
    value_field = ""
    sheet = ("Import", "导入")

    def sessions(self, ctx: Context) -> QuerySet[Session]:
        from jifen.learning.attendance.selectors import runnable_sessions

        qs = Session.objects.select_related("course")
        return qs if ctx.access is None else runnable_sessions(ctx.access).select_related("course")

    def parse_value(self, rows: Rows, row: int, values: dict, session: Session, ctx: Context):
        raise NotImplementedError

    def check(self, table: Roster, ctx: Context) -> Plan:
        rows = Rows(table, self.columns)
        parsed = self.parse(table, rows, ctx)
        session_ids: dict[int, int] = {}
        for row, values in parsed:
            text = values.get("session")
            if text:
                number = text.removeprefix("#")
                if number.isdigit() and len(number) < 12:
                    session_ids[row] = int(number)
                else:
                    rows.error(row, "session", _("“%(value)s” is not a session number.") % {"value": text[:40]})
        wanted = set(session_ids.values())
        sessions = {s.pk: s for part in chunked(sorted(wanted)) for s in self.sessions(ctx).filter(pk__in=part)}
        # Anyone may be imported for in a session one runs: the session is the scope, as on its roster.
        people = check_people(rows, parsed, allowed=Person.objects.all())
        enrolled: set[tuple[int, int]] = set()
        current: dict[tuple[int, int], tuple] = {}
        for part in chunked(sorted(sessions)):
            enrolled.update(Enrolment.objects.filter(session_id__in=part, status=Enrolment.Status.ENROLLED)
                            .values_list("session_id", "person_id"))
            for record in self.model.objects.filter(session_id__in=part).values_list(
                    "session_id", "person_id", self.value_field, *self.extra_fields()):
                current[(record[0], record[1])] = record[2:]
        seen: dict[tuple, int] = {}
        items, new, changed, unchanged = [], 0, 0, 0
        for row, values in parsed:
            session = sessions.get(session_ids.get(row, -1))
            if row in session_ids and session is None:
                rows.error(row, "session", _("There is no session %(number)s among the sessions you run.")
                           % {"number": session_ids[row]})
            elif session is not None and session.status == Session.Status.CANCELLED:
                rows.error(row, "session", _("Session %(number)s has been cancelled.") % {"number": session.pk})
                session = None
            person = people.get(values.get("employee_no") or "")
            if session is not None and person is not None:
                if duplicate(rows, seen, (session.pk, person[0]), row, "employee_no"):
                    continue
                if (session.pk, person[0]) not in enrolled:
                    rows.error(row, "employee_no", _("%(no)s is not enrolled in session %(number)s.")
                               % {"no": values["employee_no"], "number": session.pk})
            value = None
            if values.get(self.value_field) and session is not None:
                value = self.parse_value(rows, row, values, session, ctx)
            if rows.failed(row) or session is None or person is None or value is None:
                continue
            before = current.get((session.pk, person[0]))
            if before is None:
                new += 1
            elif tuple(before) == tuple(value[:len(before)]):
                unchanged += 1
                continue
            else:
                changed += 1
            items.append((session, person, values["employee_no"], value, before is not None))
        plan = self.plan_for(table, rows, new=new, changed=changed, unchanged=unchanged)
        plan.items = items
        return plan

    def extra_fields(self) -> tuple[str, ...]:
        return ()

    def write(self, plan: Plan, ctx: Context, progress: Progress) -> None:
        actor = ctx.user if getattr(ctx.user, "pk", None) else None
        fresh = [item for item in plan.items if not item[4]]
        done = 0
        for part in chunked(fresh):
            self.model.objects.bulk_create([self.record(item, actor, ctx) for item in part], batch_size=CHUNK)
            results = record_events(events=[self.event(item, ctx) for item in part], source="attendance",
                                    actor=actor, now=ctx.now)
            raise_rejected_events(results)
            done += len(part)
            progress(done)
        # Corrections reverse what the old record posted: one at a time, through the attendance service.
        for session, person, _no, value, _exists in sorted((i for i in plan.items if i[4]), key=lambda i: i[1][0]):
            self.correct(session, Person.objects.get(pk=person[0]), value, actor, ctx)
            done += 1
            if done % 100 == 0:
                progress(done)
        progress(done)


class AttendanceKind(SessionKind):
    key = "attendance"
    label = gettext_lazy("Attendance")
    description = gettext_lazy("Present, late, absent or excused, for the sessions you run.")
    model = Attendance
    value_field = "status"
    sheet = ("Attendance", "考勤")
    columns = (
        EMPLOYEE_NO, SESSION,
        Column("status", "状态", ("attendance", "状态", "考勤", "出勤", "出勤情况", "考勤状态", "签到状态"),
               gettext_lazy("present, late, absent or excused (出勤, 迟到, 缺勤, 请假)."), max_length=40, width=10),
        Column("reason", "原因", ("leave reason", "note", "原因", "请假原因", "事由", "备注", "说明"),
               gettext_lazy("For an excused absence: the leave reason."), required=False,
               max_length=attendance.REASON_MAX, width=30),
    )

    def examples(self, chinese: bool) -> list[list]:
        session = Session.objects.order_by("-starts_at").values_list("pk", flat=True).first() or 1
        if chinese:
            return [["E0001", session, "出勤", ""], ["E0002", session, "请假", "病假"]]
        return [["E0001", session, "present", ""], ["E0002", session, "excused", "Sick leave"]]

    def extra_fields(self) -> tuple[str, ...]:
        return ("reason",)

    def parse_value(self, rows: Rows, row: int, values: dict, session: Session, ctx: Context):
        status = attendance.parse_status(values["status"])
        if status is None:
            rows.error(row, "status", _("“%(value)s” is not a status: use present, late, absent or excused (出勤, "
                                        "迟到, 缺勤, 请假).") % {"value": values["status"][:40]})
            return None
        if status != AttendanceStatus.EXCUSED and ctx.now < attendance.checkin_opens_at(session):
            rows.error(row, "status", _("Session %(number)s has not started yet: only an excused absence can be "
                                        "recorded now.") % {"number": session.pk})
            return None
        reason = (values.get("reason") or "").strip()
        if status == AttendanceStatus.EXCUSED and not reason:
            rows.error(row, "reason", _("An excused absence needs the leave reason."))
            return None
        return (status, reason if status == AttendanceStatus.EXCUSED else "")

    def record(self, item, actor, ctx: Context) -> Attendance:
        session, person, _no, (status, reason), _exists = item
        return Attendance(session=session, person_id=person[0], status=status, method=Method.IMPORT, reason=reason,
                          event_key=attendance.attendance_key(session.pk, person[0], 1), recorded_by=actor,
                          recorded_at=ctx.now, changed_at=ctx.now)

    def event(self, item, ctx: Context) -> EventIn:
        session, person, no, (status, _reason), _exists = item
        return EventIn(attendance.attendance_key(session.pk, person[0], 1), attendance.EVENT_OF_STATUS[status], no,
                       min(session.starts_at, ctx.now), session.course.code, {"session": session.pk, "status": status})

    def correct(self, session, person, value, actor, ctx: Context) -> None:
        attendance.mark(session=session, person=person, status=value[0], reason=value[1], actor=actor,
                        method=Method.IMPORT, now=ctx.now)


class ParticipationKind(SessionKind):
    key = "participation"
    label = gettext_lazy("Participation")
    description = gettext_lazy("Active or passive participation in the sessions you run.")
    model = Participation
    value_field = "level"
    sheet = ("Participation", "课堂参与")
    columns = (
        EMPLOYEE_NO, SESSION,
        Column("level", "参与度", ("participation", "参与", "参与度", "参与情况", "课堂表现", "表现"),
               gettext_lazy("active or passive (积极, 一般)."), max_length=40, width=10),
    )

    def examples(self, chinese: bool) -> list[list]:
        session = Session.objects.order_by("-starts_at").values_list("pk", flat=True).first() or 1
        return [["E0001", session, "积极" if chinese else "active"], ["E0002", session, "一般" if chinese else "passive"]]

    def parse_value(self, rows: Rows, row: int, values: dict, session: Session, ctx: Context):
        level = parse_level(values["level"])
        if level is None:
            rows.error(row, "level", _("“%(value)s” is not a participation level: use active or passive (积极, 一般).")
                       % {"value": values["level"][:40]})
            return None
        if ctx.now < session.starts_at:
            rows.error(row, "level", _("Session %(number)s has not started yet: participation is marked during or "
                                       "after it.") % {"number": session.pk})
            return None
        return (level,)

    def record(self, item, actor, ctx: Context) -> Participation:
        session, person, _no, (level,), _exists = item
        return Participation(session=session, person_id=person[0], level=level,
                             event_key=attendance.participation_key(session.pk, person[0], 1), recorded_by=actor,
                             recorded_at=ctx.now)

    def event(self, item, ctx: Context) -> EventIn:
        session, person, no, (level,), _exists = item
        return EventIn(attendance.participation_key(session.pk, person[0], 1), attendance.EVENT_OF_LEVEL[level], no,
                       min(session.starts_at, ctx.now), session.course.code, {"session": session.pk, "level": level})

    def correct(self, session, person, value, actor, ctx: Context) -> None:
        attendance.mark_participation(session=session, person=person, level=value[0], actor=actor, now=ctx.now)


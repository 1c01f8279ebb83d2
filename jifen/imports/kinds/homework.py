"""Homework results: employee number, homework number, score (0–100), comment and, for homework handed
in on paper, the day it was handed in.

A learner who handed in online is graded (as on the grading page: grading again changes the grade).
One without a submission gets a paper submission, handed in on the given day (empty: on time), and
the homework event the homework app records at a first hand-in (``hw:<assignment>:<person>``,
on time or late), then the grade. The same file again finds every grade as it is: nothing changes.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jifen.catalog.models import Enrolment
from jifen.imports.kinds.base import (
    CHUNK,
    Column,
    Context,
    Kind,
    Plan,
    Progress,
    Rows,
    check_people,
    chunked,
    duplicate,
    noon,
    raise_rejected_events,
)
from jifen.imports.kinds.sessions import EMPLOYEE_NO
from jifen.learning.work.models import Assignment, Submission
from jifen.org.importing import Roster
from jifen.org.models import Person
from jifen.org.permissions import Perm
from jifen.rules.models import EventType
from jifen.rules.services import EventIn, record_events

COMMENT_MAX = 1000


class HomeworkKind(Kind):
    key = "homework"
    label = gettext_lazy("Homework results")
    description = gettext_lazy("Grades of homework, including homework handed in on paper.")
    perm = Perm.SESSIONS_RUN
    perms = (Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE)
    sheet = ("Homework", "作业成绩")
    columns = (
        EMPLOYEE_NO,
        Column("assignment", "作业编号", ("assignment", "assignment id", "homework", "homework id", "作业", "作业编号"),
               gettext_lazy("The homework's number, as shown under Homework to grade."), max_length=20, width=10),
        Column("score", "成绩", ("score", "grade", "mark", "成绩", "分数", "得分", "评分"),
               gettext_lazy("0 to 100, at most one decimal place."), max_length=20, width=8),
        Column("comment", "评语", ("comment", "feedback", "评语", "点评", "备注"),
               gettext_lazy("The trainer's comment (optional)."), required=False, max_length=COMMENT_MAX, width=30),
        Column("handed_in", "提交日期", ("handed in", "submitted", "submitted on", "提交日期", "交作业日期", "提交时间"),
               gettext_lazy("For homework handed in on paper: the day it was handed in; empty: on time."),
               required=False, max_length=40),
    )

    def examples(self, chinese: bool) -> list[list]:
        assignment = Assignment.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
        if chinese:
            return [["E0001", assignment, 92, "思路清晰", ""], ["E0002", assignment, 75, "", timezone.localdate()]]
        return [["E0001", assignment, 92, "Clear reasoning", ""], ["E0002", assignment, 75, "", timezone.localdate()]]

    def assignments(self, ctx: Context):
        from jifen.learning.work.selectors import assignments_managed

        qs = Assignment.objects.select_related("course")
        return qs if ctx.access is None else assignments_managed(ctx.access)

    def check(self, table: Roster, ctx: Context) -> Plan:
        rows = Rows(table, self.columns)
        today = timezone.localdate(ctx.now)
        parsed = self.parse(table, rows, ctx)
        facts = {}
        for (row, cells), (_row, values) in zip(table.rows, parsed, strict=True):
            assignment = rows.integer(row, cells, "assignment") if values.get("assignment") else None
            score = rows.number(row, cells, "score", places=1, low=Decimal(0), high=Decimal(100)) \
                if values.get("score") else None
            day = rows.date(row, cells, "handed_in", today=today) if values.get("handed_in") else None
            facts[row] = (assignment, score, day)
        assignments = {a.pk: a for part in chunked(sorted({f[0] for f in facts.values() if f[0]}))
                       for a in self.assignments(ctx).filter(pk__in=part)}
        people = check_people(rows, parsed, allowed=Person.objects.all(), own_person_id=ctx.person_id,
                              own_message=_("You cannot grade your own homework."))
        learners: set[tuple[int, int]] = set()  # (session, person) and (-course, person)
        for part in chunked(sorted(assignments)):
            chosen = [assignments[pk] for pk in part]
            q = Q(session_id__in=[a.session_id for a in chosen if a.session_id]) | Q(
                session__course_id__in=[a.course_id for a in chosen if not a.session_id])
            for session_id, course_id, person_id in Enrolment.objects.filter(q, status=Enrolment.Status.ENROLLED) \
                    .values_list("session_id", "session__course_id", "person_id"):
                learners.add((session_id, person_id))
                learners.add((-course_id, person_id))
        submissions = {}
        for part in chunked(sorted(assignments)):
            for submission in Submission.objects.filter(assignment_id__in=part).only(
                    "pk", "assignment_id", "person_id", "status", "score", "comment"):
                submissions[(submission.assignment_id, submission.person_id)] = submission
        seen: dict = {}
        items, new, changed, unchanged = [], 0, 0, 0
        for row, values in parsed:
            assignment_id, score, day = facts[row]
            assignment = assignments.get(assignment_id)
            if assignment_id is not None and assignment is None:
                rows.error(row, "assignment", _("There is no homework %(number)s among the homework you grade.")
                           % {"number": assignment_id})
            person = people.get(values.get("employee_no") or "")
            if assignment is None or person is None:
                continue
            if duplicate(rows, seen, (assignment.pk, person[0]), row, "employee_no"):
                continue
            anchor = assignment.session_id if assignment.session_id else -assignment.course_id
            if (anchor, person[0]) not in learners:
                rows.error(row, "employee_no", _("%(no)s is not a learner of homework %(number)s.")
                           % {"no": values["employee_no"], "number": assignment.pk})
                continue
            submission = submissions.get((assignment.pk, person[0]))
            if submission is None and assignment.closed_at is not None:
                rows.error(row, "employee_no", _("Homework %(number)s is closed and %(no)s handed nothing in: missing "
                                                 "homework has been recorded.")
                           % {"number": assignment.pk, "no": values["employee_no"]})
                continue
            if rows.failed(row) or score is None:
                continue
            comment = (values.get("comment") or "").strip()
            if submission is None:
                new += 1
            elif (submission.status == Submission.Status.GRADED and submission.score == score
                  and submission.comment == comment):
                unchanged += 1
                continue
            else:
                changed += 1
            items.append((assignment, person[0], values["employee_no"], score, comment, day, submission))
        plan = self.plan_for(table, rows, new=new, changed=changed, unchanged=unchanged)
        plan.items = items
        return plan

    def write(self, plan: Plan, ctx: Context, progress: Progress) -> None:
        grader = ctx.user if getattr(ctx.user, "pk", None) else None
        with translation.override(settings.LANGUAGE_CODE):  # the organisation's data
            paper = _("Handed in on paper; the result was imported.")
        done = 0
        for part in chunked(plan.items):
            fresh, graded, events = [], [], []
            for assignment, person_id, no, score, comment, day, submission in part:
                if submission is None:
                    at = noon(day, ctx.now) if day else min(assignment.due_at, ctx.now)
                    on_time = at <= assignment.due_at
                    key = f"hw:{assignment.pk}:{person_id}"
                    fresh.append(Submission(
                        assignment=assignment, person_id=person_id, text=paper, first_submitted_at=at, submitted_at=at,
                        on_time=on_time, status=Submission.Status.GRADED, score=score, comment=comment,
                        graded_by=grader, graded_at=ctx.now, event_key=key))
                    events.append(EventIn(key, EventType.HOMEWORK_ON_TIME if on_time else EventType.HOMEWORK_LATE, no,
                                          at, assignment.course.code, {"assignment": assignment.pk}))
                else:
                    submission.status, submission.score, submission.comment = Submission.Status.GRADED, score, comment
                    submission.graded_by, submission.graded_at = grader, ctx.now
                    graded.append(submission)
            Submission.objects.bulk_create(fresh, batch_size=CHUNK)
            Submission.objects.bulk_update(graded, ["status", "score", "comment", "graded_by", "graded_at"],
                                           batch_size=CHUNK)
            if events:
                raise_rejected_events(record_events(events=events, source="homework", actor=grader, now=ctx.now))
            done += len(part)
            progress(done)

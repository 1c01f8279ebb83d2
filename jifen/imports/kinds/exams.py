"""Exam scores from a paper (offline) exam: employee number, quiz number, score and the exam date.

Each row becomes a closed attempt of the quiz (no questions shown: the score is the grader's) with the
key ``imp:exam:<quiz>:<person>:<date>``; for an exam (not a practice quiz) the ``exam.scored`` event is
recorded under that key with the score, the pass mark and the baseline (the previous exam or pre-test
score on the course), as the exams app does for an online exam. The same row again is already there;
the same key with another score is refused (a correction is not made by importing again).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    lookup_chunk,
    noon,
    raise_rejected_events,
)
from jifen.imports.kinds.sessions import EMPLOYEE_NO
from jifen.learning.exams.models import Attempt, Quiz, QuizKind
from jifen.org.importing import Roster
from jifen.org.permissions import Perm
from jifen.rules.models import EventType
from jifen.rules.services import EventIn, record_events

QUIZ = Column("quiz", "测验编号", ("quiz", "quiz id", "exam", "exam id", "测验", "考试", "考试编号", "试卷编号", "测验编号"),
              gettext_lazy("The quiz or exam's number, as shown under Question banks."), max_length=20, width=10)


def exam_key(quiz_id: int, person_id: int, day) -> str:
    return f"imp:exam:{quiz_id}:{person_id}:{day:%Y%m%d}"


class ExamScoresKind(Kind):
    key = "exam_scores"
    label = gettext_lazy("Exam scores")
    description = gettext_lazy("Scores of paper exams and quizzes, one row per person and exam.")
    perm = Perm.CATALOG_MANAGE
    sheet = ("Exam scores", "考试成绩")
    columns = (
        EMPLOYEE_NO, QUIZ,
        Column("score", "成绩", ("score", "mark", "result", "成绩", "分数", "得分", "考试成绩"),
               gettext_lazy("0 to 100, at most one decimal place."), max_length=20, width=8),
        Column("exam_date", "考试日期", ("exam date", "date", "考试日期", "日期", "考试时间"),
               gettext_lazy("The day of the exam, such as 2024-03-01; empty: today."), required=False,
               max_length=40),
    )

    def examples(self, chinese: bool) -> list[list]:
        quiz = Quiz.objects.filter(kind=QuizKind.EXAM).order_by("-pk").values_list("pk", flat=True).first() or 1
        today = timezone.localdate()
        return [["E0001", quiz, 86.5, today], ["E0002", quiz, 59, today]]

    def check(self, table: Roster, ctx: Context) -> Plan:
        rows = Rows(table, self.columns)
        today = timezone.localdate(ctx.now)
        parsed = self.parse(table, rows, ctx)
        facts = {}
        for (row, cells), (_row, values) in zip(table.rows, parsed, strict=True):
            quiz = rows.integer(row, cells, "quiz") if values.get("quiz") else None
            score = rows.number(row, cells, "score", places=1, low=Decimal(0), high=Decimal(100)) \
                if values.get("score") else None
            day = (rows.date(row, cells, "exam_date", today=today) if values.get("exam_date") else today)
            facts[row] = (quiz, score, day)
        quizzes = {q.pk: q for part in chunked(sorted({f[0] for f in facts.values() if f[0]}))
                   for q in Quiz.objects.filter(pk__in=part).select_related("course")}
        people = check_people(rows, parsed, allowed=ctx.people(Perm.CATALOG_MANAGE))
        keys = {}
        seen: dict = {}
        for row, values in parsed:
            quiz_id, score, day = facts[row]
            if quiz_id is not None and quiz_id not in quizzes:
                rows.error(row, "quiz", _("There is no quiz %(number)s.") % {"number": quiz_id})
            person = people.get(values.get("employee_no") or "")
            if person is not None and quiz_id in quizzes and day is not None:
                key = exam_key(quiz_id, person[0], day)
                if not duplicate(rows, seen, key, row, "employee_no"):
                    keys[row] = key
        existing = {}
        for part in chunked(sorted(set(keys.values())), lookup_chunk()):
            existing.update(Attempt.objects.filter(event_key__any=part).values_list("event_key", "score"))
        items, unchanged = [], 0
        for row, values in parsed:
            key = keys.get(row)
            if key is None or rows.failed(row):
                continue
            quiz_id, score, day = facts[row]
            if score is None:
                continue
            if key in existing:
                if existing[key] == score:
                    unchanged += 1
                else:
                    rows.error(row, "score", _("A score of %(score)s was imported for this exam on %(date)s "
                                               "already; a correction is not made by importing again.")
                               % {"score": existing[key], "date": day.isoformat()})
                continue
            person = people[values["employee_no"]]
            items.append((quizzes[quiz_id], person[0], values["employee_no"], score, day, key))
        plan = self.plan_for(table, rows, new=len(items), unchanged=unchanged)
        plan.items = items
        return plan

    def _baselines(self, items) -> dict[tuple[int, int], list]:
        """(person, course) → [(submitted at, kind, score)] of closed attempts, newest first."""
        people = sorted({item[1] for item in items})
        courses = {item[0].course_id for item in items}
        found: dict[tuple[int, int], list] = {}
        for part in chunked(people):
            for person_id, course_id, kind, score, at in (
                Attempt.objects.filter(person_id__in=part, quiz__course_id__in=courses,
                                       quiz__kind__in=[QuizKind.EXAM, QuizKind.PRETEST])
                .exclude(status=Attempt.Status.IN_PROGRESS)
                .order_by("-submitted_at", "-pk")
                .values_list("person_id", "quiz__course_id", "quiz__kind", "score", "submitted_at")
            ):
                found.setdefault((person_id, course_id), []).append((at, kind, score))
        return found

    @staticmethod
    def _baseline(history: list, before) -> Decimal | None:
        for kind in (QuizKind.EXAM, QuizKind.PRETEST):
            for at, found_kind, score in history:
                if found_kind == kind and at < before:
                    return score
        return None

    def write(self, plan: Plan, ctx: Context, progress: Progress) -> None:
        actor = ctx.user if getattr(ctx.user, "pk", None) else None
        done = 0
        for part in chunked(plan.items):
            numbers = {(q, p): n for q, p, n in Attempt.objects.filter(
                quiz_id__in={i[0].pk for i in part}, person_id__in={i[1] for i in part})
                .values("quiz_id", "person_id").annotate(n=Max("number")).values_list("quiz_id", "person_id", "n")}
            history = self._baselines(part)
            attempts, events = [], []
            for quiz, person_id, no, score, day, key in part:
                at = noon(day, ctx.now)
                number = numbers.get((quiz.pk, person_id), 0) + 1
                numbers[(quiz.pk, person_id)] = number
                previous = self._baseline(history.get((person_id, quiz.course_id), []), at) \
                    if quiz.kind == QuizKind.EXAM else None
                attempts.append(Attempt(quiz=quiz, person_id=person_id, number=number, status=Attempt.Status.SUBMITTED,
                                        started_at=at, submitted_at=at, paper=[], answers={}, score=score,
                                        passed=score >= quiz.pass_mark, previous_score=previous, event_key=key))
                if quiz.kind == QuizKind.EXAM:
                    data = {"score": float(score), "pass_mark": quiz.pass_mark, "imported": True}
                    if previous is not None:
                        data["previous_score"] = float(previous)
                    events.append(EventIn(key, EventType.EXAM_SCORED, no, at, quiz.course.code, data))
            Attempt.objects.bulk_create(attempts, batch_size=CHUNK)
            if events:
                raise_rejected_events(record_events(events=events, source="import", actor=actor, now=ctx.now))
            done += len(part)
            progress(done)

"""Demo follow-up for the demo organisation (jifen.org.demo): a session of 孙立新 (JF0005) that ended
six days ago, followed up with the standard template. Four learners have answered the anonymous
survey (so its results show), most test results are in, the manager 吴海涛 (JF0006) has evaluated two
people; 郑雨桐 (JF0007) still has her survey and self-evaluation to do. Idempotent: nothing is made
when the session's plan exists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jifen.catalog.models import Course, Enrolment, Session
from jifen.org.models import OrgUnit, Person
from jifen.tracking.followup import services
from jifen.tracking.followup.models import ActivityKind, Audience, Plan, Task
from jifen.tracking.instruments.models import QuestionKind

TRAINER, LEARNER, COURSE = "JF0005", "JF0007", "FU-COMM-01"
SCORES = [Decimal(94), Decimal(86), Decimal(78), Decimal(65), Decimal(55)]
SURVEY_TEXT = ["多一些真实案例", "练习时间可以再长一点", "", "希望有课后答疑群"]


def _session(now: dt.datetime) -> Session | None:
    trainer = Person.objects.filter(employee_no=TRAINER).first()
    learner = Person.objects.filter(employee_no=LEARNER).first()
    if trainer is None or learner is None:
        return None
    course, _created = Course.objects.get_or_create(
        code=COURSE, defaults={"title": "高效沟通与反馈", "credits": Decimal(2), "hours": Decimal(6)})
    found = Session.objects.filter(course=course).first()
    if found is not None:
        return found
    unit = OrgUnit.objects.filter(name_path="总部/研发中心/平台组").first() or learner.org_unit
    starts = (now - dt.timedelta(days=6)).replace(hour=1, minute=0, second=0, microsecond=0)
    found = Session.objects.create(course=course, org_unit=unit, trainer=trainer, starts_at=starts,
                                   ends_at=starts + dt.timedelta(hours=7), place="研发中心 3 楼培训室")
    others = (Person.objects.filter(org_unit=learner.org_unit, status=Person.Status.ACTIVE)
              .exclude(pk__in=[trainer.pk, learner.pk]).exclude(manager__isnull=True).order_by("employee_no")[:5])
    for person in [learner, *others]:
        Enrolment.objects.get_or_create(session=found, person=person)
    return found


def _answers(task, rating: int, text: str = "") -> dict:
    answers = {}
    for question in task.activity.form.current_version().questions.all():
        if question.kind == QuestionKind.MATRIX:
            answers[question.pk] = {str(i): max(1, min(5, rating - (i % 2))) for i in range(len(question.options))}
        elif question.kind == QuestionKind.LIKERT:
            answers[question.pk] = rating
        elif question.kind == QuestionKind.TEXT:
            answers[question.pk] = text
    return answers


def build_demo(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    made = {"plans": 0, "tasks_done": 0}
    with transaction.atomic():
        session = _session(now)
        if session is None or Plan.objects.filter(session=session).exists():
            return made
        plan = services.plan_create(template=services.default_template(), session=session, now=now)
        made["plans"] = 1
        learner = Person.objects.get(employee_no=LEARNER)
        tasks = Task.objects.filter(plan=plan).select_related("activity__form", "assignee", "subject")
        others = [t for t in tasks.filter(kind=ActivityKind.SURVEY).exclude(assignee=learner).order_by("assignee")]
        for index, task in enumerate(others[:4]):
            services.task_complete(task=task, answers=_answers(task, 5 - index % 3, SURVEY_TEXT[index]), now=now)
            made["tasks_done"] += 1
        people = sorted({t.assignee for t in tasks.filter(kind=ActivityKind.TEST)}, key=lambda p: p.employee_no)
        for person, score in zip([p for p in people if p != learner], SCORES, strict=False):
            services.test_result_record(plan=plan, person=person, score=score, pre_score=score - 12, now=now)
            made["tasks_done"] += 1
        evaluated = [p for p in people if p != learner][:2]
        for subject, rating, note in zip(evaluated, (5, 3), ("主动推动跨组评审", "需要更多练习反馈技巧"), strict=False):
            for task in tasks.filter(kind=ActivityKind.EVALUATION, subject=subject).exclude(
                    audience=Audience.SELF).order_by("pk")[:3]:
                services.task_complete(task=task, answers=_answers(task, rating, note), now=now)
                made["tasks_done"] += 1
        for task in tasks.filter(kind=ActivityKind.DEVELOPMENT_PLAN).exclude(assignee=learner)[:2]:
            services.task_complete(task=task, now=now)
            made["tasks_done"] += 1
    return made

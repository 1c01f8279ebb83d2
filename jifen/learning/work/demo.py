"""Demo homework, self-study claims and contributions for the demo organisation (jifen.org.demo):
homework on a past session of the trainer JF0005 (on time, late, graded, and one pair of identical
answers, flagged with box-ticking cases), homework still open for the learner JF0007, and claims and
contributions waiting, approved and rejected. Everything goes through the services, so points reach
the ledger through the rules. Idempotent: found by title before it is made.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from jifen.catalog.models import Course, Enrolment, Session
from jifen.learning.work import services
from jifen.learning.work.models import Assignment, Contribution, SelfStudyClaim, Submission
from jifen.org.models import OrgUnit, Person

TRAINER, LEARNER, REVIEWER = "JF0005", "JF0007", "JF0003"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

ANSWERS = [
    "先复述对方的需求再给方案，评审会上少了很多来回。下周在需求澄清会上继续练习提问。",
    "我发现自己习惯打断别人。接下来一个月，每次例会前写下三个想问的问题，会后检查有没有问。",
    "跨部门沟通时先对齐目标和截止时间，再谈分工；本周已用这个方法推动了接口联调。",
]
LATE = "补交：这次课让我意识到开会前要先想清楚目标，后续会在周会上练习先说结论、再讲过程。"
COPIED = "课程内容很实用，我学到了倾听、提问和反馈三个技巧，以后会在工作中多加运用，提高沟通效率。"


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _demo_session(now: dt.datetime) -> Session | None:
    """A past session of the demo trainer with enrolled learners (from the catalogue demo), or a small
    one made here when the catalogue has none."""
    trainer = Person.objects.filter(employee_no=TRAINER).first()
    if trainer is None:
        return None
    found = (Session.objects.filter(trainer=trainer, ends_at__lt=now, status=Session.Status.PLANNED,
                                    enrolments__status=Enrolment.Status.ENROLLED)
             .order_by("-starts_at").distinct().first())
    if found is not None:
        return found
    unit = OrgUnit.objects.filter(name_path="总部/研发中心/平台组").first() or trainer.org_unit
    course, _created = Course.objects.get_or_create(
        code="COMM-01", defaults={"title": "沟通技巧", "credits": Decimal(3), "hours": Decimal(6)})
    starts = (now - dt.timedelta(days=10)).replace(hour=1, minute=30, second=0, microsecond=0)
    found = Session.objects.filter(course=course, trainer=trainer, starts_at=starts).first() or \
        Session.objects.create(course=course, org_unit=unit, trainer=trainer, starts_at=starts,
                               ends_at=starts + dt.timedelta(hours=3), place="研发中心 2 楼会议室")
    for person in Person.objects.filter(org_unit__name_path__startswith="总部/研发中心").exclude(pk=trainer.pk).order_by("employee_no")[:8]:
        Enrolment.objects.get_or_create(session=found, person=person)
    return found


def _homework(session: Session, now: dt.datetime) -> int:
    trainer = session.trainer
    made = 0
    learners = list(Person.objects.filter(enrolments__session=session, enrolments__status=Enrolment.Status.ENROLLED)
                    .exclude(pk=trainer.pk).order_by("employee_no")[:8])
    due = session.ends_at + dt.timedelta(days=3)
    done = Assignment.objects.filter(session=session, title="课后反思：我的沟通改进计划").first()
    if done is None:
        done = services.assignment_create(
            created_by=trainer.user, session=session, title="课后反思：我的沟通改进计划",
            instructions="结合课堂练习，写下你在工作中最需要改进的一个沟通习惯，以及接下来一个月的具体做法（300 字左右）。",
            due_at=due, now=session.ends_at)
        made += 1
    if not Submission.objects.filter(assignment=done).exists():
        for index, person in enumerate(learners[:6]):
            if index < 3:
                text, at = ANSWERS[index], due - dt.timedelta(days=1, hours=index)
            elif index < 5:
                text, at = COPIED, due - dt.timedelta(hours=6 - index)  # the same words twice: flagged
            else:
                text, at = LATE, due + dt.timedelta(hours=20)  # late
            services.submission_submit(assignment=done, person=person, text=text, now=min(at, now))
        for submission in Submission.objects.filter(assignment=done, flagged=False, on_time=True)[:2]:
            services.submission_grade(submission=submission, grader=trainer.user, score="90",
                                      comment="目标具体，可执行。", now=min(due + dt.timedelta(days=1), now))
    upcoming = Assignment.objects.filter(session=session, title="实践作业：一次跨部门沟通复盘").first()
    if upcoming is None:
        services.assignment_create(
            created_by=trainer.user, session=session, title="实践作业：一次跨部门沟通复盘",
            instructions="选一次真实的跨部门沟通，按“目标—过程—结果—改进”四段写复盘，可附会议纪要。",
            due_at=now + dt.timedelta(days=5), now=now)
        made += 1
    return made


CLAIMS = [
    # person, title, provider, kind, days ago, hours, credits, points, outcome (None pending, (credits, points), "reason")
    (LEARNER, "PMP 项目管理专业人士认证", "PMI", "certificate", 20, "35", "10", "50", None),
    ("JF0002", "Coursera：机器学习", "Coursera", "course", 45, "60", "8", "40", ("6", "30")),
    (TRAINER, "阿里云 ACP 认证", "阿里云", "certificate", 30, "24", "5", "30", "证书编号无法在官网查询到，请补充成绩单截图。"),
]

CONTRIBUTIONS = [
    (TRAINER, "trainer", "内部讲师：《Python 入门》第 3 期", "讲授两天，学员 24 人，课后满意度 4.6。", "approved"),
    (LEARNER, "sharing", "技术分享：接口联调的十个坑", "在平台组周会上分享了近期联调问题和检查清单。", None),
    ("JF0002", "case", "案例：一次线上事故的复盘", "整理了故障时间线、根因与改进项，供新人培训使用。", None),
    ("JF0006", "course", "课程开发：代码评审实务", "完成课程大纲、讲义和练习题。", "内容与现有《代码规范》课程重复较多，请合并后再提交。"),
]


def _reviewed(now: dt.datetime) -> int:
    reviewer = Person.objects.filter(employee_no=REVIEWER).select_related("user").first()
    made = 0
    for no, title, provider, kind, days, hours, credits, points, outcome in CLAIMS:
        person = Person.objects.filter(employee_no=no).first()
        if person is None or SelfStudyClaim.objects.filter(person=person, title=title).exists():
            continue
        at = now - dt.timedelta(days=days)
        claim = services.claim_create(
            person=person, title=title, provider=provider, kind=kind, completed_on=(at - dt.timedelta(days=3)).date(),
            hours=hours, credits_requested=credits, points_requested=points,
            evidence=_file(f"{title[:20]}.png", PNG + f"demo-claim-{no}-{title}".encode()), now=at)
        made += 1
        if reviewer is not None and isinstance(outcome, tuple):
            services.claim_approve(claim=claim, reviewer=reviewer.user, credits=outcome[0], points=outcome[1],
                                   note="材料齐全。", now=at + dt.timedelta(days=2))
        elif reviewer is not None and outcome:
            services.claim_reject(claim=claim, reviewer=reviewer.user, note=outcome, now=at + dt.timedelta(days=2))
    for index, (no, kind, title, description, outcome) in enumerate(CONTRIBUTIONS):
        person = Person.objects.filter(employee_no=no).first()
        if person is None or Contribution.objects.filter(person=person, title=title).exists():
            continue
        at = now - dt.timedelta(days=15 - index * 3)
        item = services.contribution_create(
            person=person, kind=kind, title=title, description=description,
            evidence=_file(f"{title[:20]}.txt", f"{title}\n{description}\n".encode()), now=at)
        made += 1
        if reviewer is not None and outcome == "approved":
            services.contribution_approve(contribution=item, reviewer=reviewer.user, note="感谢分享。",
                                          now=at + dt.timedelta(days=1))
        elif reviewer is not None and outcome:
            services.contribution_reject(contribution=item, reviewer=reviewer.user, note=outcome,
                                         now=at + dt.timedelta(days=1))
    return made


def build_demo(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    made = {"homework": 0, "claims_and_contributions": 0}
    with transaction.atomic():
        session = _demo_session(now)
        if session is not None:
            made["homework"] = _homework(session, now)
        made["claims_and_contributions"] = _reviewed(now)
    return made



"""Demo catalogue for the demo organisation (jifen.org.demo): a category tree, a dozen courses, past and
upcoming sessions organised by 人力资源部, enrolments (one upcoming session full, with a waitlist) and
required-course assignments. Completions of past sessions go through the real event intake, so credits
reach the ledger. Idempotent: courses by code, sessions only for courses that have none yet, events by key.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jifen.catalog import services
from jifen.catalog.models import (
    Course,
    CourseAssignment,
    CourseKind,
    Delivery,
    Enrolment,
    EnrolmentMode,
    Session,
)
from jifen.org.models import OrgUnit, Person, Position
from jifen.rules.services import EventIn, record_events

ORGANISER = "总部/人力资源部"
TRAINER = "JF0005"
LEARNER = "JF0007"

# code, title, category, kind, delivery, credits, hours, difficulty, recertify months, prerequisites
COURSES = [
    ("SAFE-01", "安全生产与应急处置", "通用能力/安全生产", CourseKind.REQUIRED, Delivery.OFFLINE, 4, 8, "1.0", 24, []),
    ("FIRE-02", "消防安全演练", "通用能力/安全生产", CourseKind.REQUIRED, Delivery.OFFLINE, 2, 3, "1.0", 12, []),
    ("COMP-02", "合规与职业道德", "通用能力/合规", CourseKind.REQUIRED, Delivery.ONLINE, 2, 2, "1.0", None, []),
    ("SEC-01", "信息安全意识", "通用能力/合规", CourseKind.REQUIRED, Delivery.ONLINE, 3, 4, "1.0", 24, []),
    ("COMM-01", "沟通技巧", "职业素养/沟通", CourseKind.ELECTIVE, Delivery.OFFLINE, 3, 6, "1.0", None, []),
    ("TALK-02", "演讲与表达", "职业素养/沟通", CourseKind.ELECTIVE, Delivery.OFFLINE, 3, 6, "1.2", None, []),
    ("MEET-03", "高效会议", "职业素养/效率", CourseKind.ELECTIVE, Delivery.BLENDED, 2, 3, "1.0", None, []),
    ("PY-101", "Python 入门", "专业技能/软件开发", CourseKind.ELECTIVE, Delivery.BLENDED, 6, 12, "1.2", None, []),
    ("PY-201", "Python 进阶：数据处理", "专业技能/软件开发", CourseKind.ELECTIVE, Delivery.BLENDED, 8, 16, "1.5", None,
     ["PY-101"]),
    ("DATA-10", "数据分析入门", "专业技能/数据", CourseKind.ELECTIVE, Delivery.BLENDED, 6, 12, "1.2", None, []),
    ("SALE-05", "顾问式销售", "专业技能/销售", CourseKind.ELECTIVE, Delivery.OFFLINE, 5, 10, "1.2", None, []),
    ("PM-101", "项目管理基础", "管理能力", CourseKind.ELECTIVE, Delivery.OFFLINE, 5, 10, "1.2", None, []),
    ("LEAD-20", "新任管理者的第一课", "管理能力", CourseKind.ELECTIVE, Delivery.OFFLINE, 8, 16, "1.5", None, []),
]

DESCRIPTIONS = {
    "SAFE-01": "识别作业现场的常见风险，掌握应急预案、疏散与初期处置流程。每 24 个月复训一次。",
    "COMM-01": "倾听、提问与反馈；跨部门沟通中的常见误区与案例演练。",
    "PY-101": "从零开始学习 Python：变量、函数、文件处理与常用库，配套上机练习。",
    "PY-201": "用 pandas 处理真实业务数据；需先完成《Python 入门》。",
    "LEAD-20": "从骨干到管理者：目标设定、授权、辅导与团队沟通。报名需培训部门审批。",
}

# code, days from now, mode, capacity, place
SESSIONS = [
    ("SAFE-01", -60, EnrolmentMode.ASSIGNED, 40, "总部大楼 3 楼培训室"),
    ("SAFE-01", 21, EnrolmentMode.ASSIGNED, 40, "总部大楼 3 楼培训室"),
    ("FIRE-02", 12, EnrolmentMode.SELF, 60, "园区东门广场"),
    ("COMM-01", -30, EnrolmentMode.SELF, 30, "总部大楼 5 楼会议室"),
    ("COMM-01", 9, EnrolmentMode.SELF, 30, "总部大楼 5 楼会议室"),
    ("TALK-02", 16, EnrolmentMode.SELF, 25, "总部大楼 5 楼会议室"),
    ("MEET-03", 5, EnrolmentMode.SELF, 20, "线上（腾讯会议）"),
    ("PY-101", -45, EnrolmentMode.SELF, 20, "研发中心机房"),
    ("PY-101", 7, EnrolmentMode.SELF, 3, "研发中心机房"),
    ("PY-201", 28, EnrolmentMode.SELF, 20, "研发中心机房"),
    ("DATA-10", 14, EnrolmentMode.SELF, 25, "研发中心机房"),
    ("PM-101", 19, EnrolmentMode.APPROVAL, 20, "总部大楼 2 楼会议室"),
    ("LEAD-20", 24, EnrolmentMode.APPROVAL, 15, "总部大楼 2 楼会议室"),
]


def _start(now: dt.datetime, days: int) -> dt.datetime:
    day = timezone.localtime(now + dt.timedelta(days=days))
    return day.replace(hour=9 if days % 2 else 14, minute=0, second=0, microsecond=0)


@transaction.atomic
def build_demo(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    courses: dict[str, Course] = {}
    trainer = Person.objects.filter(employee_no=TRAINER).first()
    for code, title, category, kind, delivery, credits, hours, difficulty, months, needs in COURSES:
        course = Course.objects.filter(code=code).first()
        fields = {"title": title, "category": services.category_ensure(path=category), "kind": kind,
                  "delivery": delivery, "credits": Decimal(credits), "hours": Decimal(hours),
                  "difficulty": Decimal(difficulty), "recertify_months": months,
                  "description": DESCRIPTIONS.get(code, "")}
        if course is None:
            course = services.course_create(code=code, prerequisites=[courses[n] for n in needs],
                                            trainers=[trainer] if trainer else [], **fields)
        elif course.category_id is None:  # made earlier by another demo: give it its place in the tree
            course = services.course_update(course=course, prerequisites=[courses[n] for n in needs], **fields)
        courses[code] = course

    organiser = OrgUnit.objects.filter(name_path=ORGANISER).first()
    if organiser is None:
        return {"courses": len(courses), "sessions": 0}
    people = list(Person.objects.filter(employee_no__startswith="JF").exclude(status=Person.Status.LEFT)
                  .order_by("employee_no"))
    by_no = {p.employee_no: p for p in people}
    learner = by_no.get(LEARNER)
    made = 0
    with_sessions = set(Session.objects.filter(course__in=courses.values()).values_list("course__code", flat=True))
    events: list[EventIn] = []
    for code, days, mode, capacity, place in SESSIONS:
        if code in with_sessions:
            continue
        start = _start(now, days)
        session = services.session_create(course=courses[code], org_unit=organiser, trainer=trainer,
                                          starts_at=start, ends_at=start + dt.timedelta(hours=3), place=place,
                                          capacity=capacity, enrolment_mode=mode)
        made += 1
        if days < 0:
            # A past run: its roster as it was, and completions through the rules (credits in the ledger).
            attendees = people[5:5 + min(capacity, 18)] + ([learner] if learner else [])
            for person in dict.fromkeys(attendees):
                Enrolment.objects.get_or_create(session=session, person=person, defaults={
                    "status": Enrolment.Status.ENROLLED, "source": Enrolment.Source.ASSIGNED})
                events.append(EventIn(f"demo-catalog-done:{code}:{person.employee_no}", "course.completed",
                                      person.employee_no, start + dt.timedelta(hours=3), code))
        elif code == "SAFE-01":
            services.enrolment_assign(session=session, people=people[10:30], now=now)
        elif code == "PY-101":  # full: three seats, then a waitlist
            for person in people[20:26]:
                services.enrolment_self(session=session, person=person, now=now)
        elif code == "MEET-03" and learner is not None:
            services.enrolment_self(session=session, person=learner, now=now)
        elif code == "LEAD-20":
            for person in people[30:33]:
                services.enrolment_self(session=session, person=person, now=now)
    if events:
        record_events(events=events, source="demo", now=now)

    today = timezone.localdate(now)
    assignments = [
        (courses["SAFE-01"], {"org_unit": OrgUnit.objects.filter(name_path="总部").first()},
         dt.date(today.year, 6, 30)),
        (courses["SEC-01"], {"org_unit": OrgUnit.objects.filter(name_path="总部/研发中心").first()},
         today + dt.timedelta(days=30)),
        (courses["COMP-02"], {"position": Position.objects.filter(code="SE").first()}, dt.date(today.year, 12, 31)),
        (courses["FIRE-02"], {"org_unit": OrgUnit.objects.filter(name_path="总部/生产部").first()},
         today + dt.timedelta(days=45)),
    ]
    for course, target, due_on in assignments:
        if None in target.values() or CourseAssignment.objects.filter(course=course, **target).exists():
            continue
        services.assignment_create(course=course, due_on=due_on, note="年度必修", **target)
    return {"courses": len(courses), "sessions": made}

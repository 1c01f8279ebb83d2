"""Demo learning activity: a few courses and three months of events for the demo organisation, posted
through the real intake so every entry has its rule, version and fact. Idempotent by event key."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from jifen.catalog.models import Course, CourseKind, Delivery
from jifen.catalog.services import category_ensure
from jifen.org.models import Person
from jifen.rules.services import EventIn, record_events

COURSES = [
    ("SAFE-01", "安全生产与应急处置", "通用能力", CourseKind.REQUIRED, Delivery.OFFLINE, Decimal(4), Decimal("1.0")),
    ("COMP-02", "合规与职业道德", "通用能力", CourseKind.REQUIRED, Delivery.ONLINE, Decimal(2), Decimal("1.0")),
    ("DATA-10", "数据分析入门", "专业技能", CourseKind.ELECTIVE, Delivery.BLENDED, Decimal(6), Decimal("1.2")),
    ("LEAD-20", "新任管理者的第一课", "管理能力", CourseKind.ELECTIVE, Delivery.OFFLINE, Decimal(8), Decimal("1.5")),
    ("SALE-05", "顾问式销售", "专业技能", CourseKind.ELECTIVE, Delivery.OFFLINE, Decimal(5), Decimal("1.2")),
]


def build_activity(*, now: dt.datetime | None = None, days: int = 90) -> int:
    now = now or timezone.now()
    for code, title, category, kind, delivery, credits, difficulty in COURSES:
        Course.objects.get_or_create(code=code, defaults={
            "title": title, "category": category_ensure(path=category), "kind": kind, "delivery": delivery, "credits": credits,
            "hours": credits * 2, "difficulty": difficulty})
    rng = random.Random(20260301)  # noqa: S311 - demo data, the same every time
    people = list(Person.objects.filter(employee_no__startswith="JF").exclude(status=Person.Status.LEFT)
                  .order_by("employee_no").values_list("employee_no", flat=True))
    start = (now - dt.timedelta(days=days)).replace(hour=1, minute=0, second=0, microsecond=0)
    events: list[EventIn] = []
    for week in range(days // 7):
        day = start + dt.timedelta(days=7 * week)
        course = COURSES[week % len(COURSES)][0]
        for number in people:
            roll = rng.random()
            stamp = f"{day:%Y%m%d}-{number}"
            if roll < 0.08:
                events.append(EventIn(f"demo-att-{stamp}", "attendance.absent", number, day, course))
                continue
            events.append(EventIn(f"demo-att-{stamp}", "attendance.present", number, day, course))
            events.append(EventIn(f"demo-hw-{stamp}", "homework.on_time" if roll < 0.8 else "homework.late",
                                  number, day + dt.timedelta(days=2), course))
            if roll < 0.35:
                events.append(EventIn(f"demo-part-{stamp}", "participation.active", number, day, course))
            if week % 4 == 3:
                score = rng.randint(48, 98)
                events.append(EventIn(f"demo-exam-{stamp}", "exam.scored", number, day + dt.timedelta(days=3),
                                      course, {"score": score, "pass_mark": 60, "previous_score": rng.randint(45, 80)}))
                if score >= 60:
                    events.append(EventIn(f"demo-done-{stamp}", "course.completed", number,
                                          day + dt.timedelta(days=3), course))
        if week % 3 == 0:
            events.append(EventIn(f"demo-share-{day:%Y%m%d}", "contribution.sharing", "JF0005", day))
    posted = 0
    for chunk in range(0, len(events), 1000):
        results = record_events(events=events[chunk:chunk + 1000], source="demo", now=now)
        posted += sum(r.status == "posted" for r in results)
    return posted

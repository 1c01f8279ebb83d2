"""Demo box-ticking cases: one open case waiting for a reviewer and one dismissed, for people of the
demo organisation (jifen.org.demo). Homework's demo (jifen.learning.work.demo) opens more through its
identical answers. Idempotent: cases by key."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jifen.learning.integrity.models import Case, CaseKind
from jifen.learning.integrity.services import case_dismiss, open_case
from jifen.org.models import Person

REVIEWER = "JF0003"


def build_demo(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    made = 0
    with transaction.atomic():
        learner = Person.objects.filter(employee_no="JF0007").first()
        colleague = Person.objects.filter(org_unit__name_path="总部/研发中心/应用组").order_by("employee_no").first()
        reviewer = Person.objects.filter(employee_no=REVIEWER).select_related("user").first()
        if colleague is not None:
            _case, created = open_case(
                person=colleague, kind=CaseKind.IMPOSSIBLE_STUDY_RATE, key="demo:study-rate:1",
                summary="《信息安全意识》4 学时的视频在 9 分钟内全部标记为已学完。",
                details={"course": "SEC-01", "hours": 4, "minutes_seen": 9}, now=now - dt.timedelta(days=2))
            made += created
        if learner is not None:
            case, created = open_case(
                person=learner, kind=CaseKind.QUIZ_TOO_FAST, key="demo:quiz-fast:1",
                summary="《合规与职业道德》随堂测验 20 题用时 48 秒。",
                details={"course": "COMP-02", "questions": 20, "seconds": 48}, now=now - dt.timedelta(days=9))
            made += created
            if case.status == Case.Status.OPEN and reviewer is not None:
                case_dismiss(case=case, reviewer=reviewer.user, note="该测验为复训，学员此前已满分通过，答题快属正常。",
                             now=now - dt.timedelta(days=8))
    return {"cases": made}

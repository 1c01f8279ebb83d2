"""Demo tracking report for the demo follow-up plan (jifen.tracking.followup.demo): attendance of its
session, the baseline from before Jifen (entered), cost and benefit for the ROI, and two business
measures 吴海涛 (JF0006, the platform team's manager) entered for 平台组. Idempotent: nothing is made
when the plan has its report settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from jifen.catalog.models import Enrolment
from jifen.core.errors import ApplicationError
from jifen.learning.attendance import services as attendance
from jifen.org.models import OrgUnit, Person
from jifen.tracking.followup.demo import COURSE
from jifen.tracking.followup.models import Plan
from jifen.tracking.growth import services as growth
from jifen.tracking.reports import services
from jifen.tracking.reports.models import PlanReport

MANAGER, ADMIN = "JF0006", "JF0003"


OBSERVATIONS = (("consistently", "评审会上先复述需求再回应,跨组沟通顺畅了很多。"),
                ("sometimes", "开始用反馈模型,但紧急时仍会直接下结论。"),
                ("not_yet", "周会上仍较少主动反馈,下月再观察。"))


def _growth(plan: Plan, enrolled, manager: Person, now: dt.datetime) -> None:
    """The manager's observations of three learners, and a learner's application case, for the course."""
    today = timezone.localdate(now)
    people = [e.person for e in enrolled if e.person.manager_id == manager.pk][:3]
    course = plan.session.course
    for person, (rating, feedback) in zip(people, OBSERVATIONS, strict=False):
        growth.observation_create(observer=manager.user, people=None, person=person, course=course,
                                  observed_on=today, skills="先倾听再回应\n用事实给反馈", rating=rating,
                                  feedback=feedback, now=now)
    if people:
        case = growth.case_create(person=people[0], course=course, title="用反馈模型化解接口争议",
                                  situation="两组对接口字段理解不一致,评审反复。",
                                  effect="按“事实—影响—建议”沟通,一次评审通过。", result="评审轮次 3 → 1",
                                  applied_on=today, now=now)
        growth.case_confirm(case=case, confirmer=manager.user, people=None, comment="很好的应用", now=now)


def build_demo(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    made = {"reports": 0, "measures": 0}
    plan = Plan.objects.filter(session__course__code=COURSE).select_related("session").first()
    manager = Person.objects.filter(employee_no=MANAGER).select_related("user").first()
    admin = get_user_model().objects.filter(person__employee_no=ADMIN).first()
    if plan is None or manager is None or PlanReport.objects.filter(plan=plan).exists():
        return made
    with transaction.atomic():
        enrolled = (Enrolment.objects.filter(session=plan.session, status=Enrolment.Status.ENROLLED)
                    .select_related("person").order_by("person__employee_no"))
        for index, enrolment in enumerate(enrolled):
            status = "absent" if index == len(enrolled) - 1 else "present"
            try:
                attendance.mark(session=plan.session, person=enrolment.person, status=status, now=plan.session.ends_at)
            except ApplicationError:
                continue  # already closed or marked otherwise: the report reads what is there
        services.report_update(
            plan=plan, actor=admin, now=now, baseline_participation=Decimal(65), baseline_exam_average=Decimal(64),
            cost=Decimal(18000), benefit=Decimal(30000),
            benefit_basis="返工减少按每次 2 人日、每人日 1,500 元估算,计三个月。",
            conclusion="学员反馈积极,考核平均分较往年明显提高;行为改变仍需用人部门持续观察与辅导。")
        made["reports"] = 1
        _growth(plan, enrolled, manager, now)
        unit = OrgUnit.objects.filter(name_path="总部/研发中心/平台组").first() or manager.org_unit
        units = OrgUnit.objects.filter(pk=unit.pk)
        for name, measure_unit, higher, before, after in (
                ("需求评审一次通过率", "%", True, Decimal(72), Decimal(85)),
                ("跨组沟通导致的返工", "次/月", False, Decimal(9), Decimal(5))):
            services.measure_add(plan=plan, org_unit=unit, units=units, name=name, unit=measure_unit,
                                 higher_is_better=higher, baseline=before, current=after,
                                 baseline_period="培训前三个月", current_period="培训后一个月",
                                 actor=manager.user, now=now)
            made["measures"] += 1
    return made

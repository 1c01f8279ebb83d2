"""Demo application and growth data for the demo organisation (jifen.org.demo): 吴海涛 (JF0006, the
platform team's manager) observes 郑雨桐 (JF0007) after 沟通技巧 and 高效会议; 郑雨桐 has application
cases, self-reports and an agreed development plan; 林晓雯 (JF0003, training admin) follows improvement
actions, one of them overdue and escalated. Everything goes through the services. Idempotent: each
item is looked up before it is made.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from jifen.catalog.models import Course
from jifen.org.models import OrgUnit, Person
from jifen.tracking.growth import services
from jifen.tracking.growth.models import (
    ActionSource,
    ActionStatus,
    ApplicationCase,
    DevelopmentPlan,
    ImprovementAction,
    Observation,
    Rating,
    SelfReport,
)

LEARNER, MANAGER, ADMIN = "JF0007", "JF0006", "JF0003"


def _course(code: str, title: str) -> Course:
    found = Course.objects.filter(code=code).first()
    if found is None:
        found = Course.objects.create(code=code, title=title, credits=Decimal(2), hours=Decimal(3))
    return found


@transaction.atomic
def build_demo(now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    today = timezone.localdate(now)
    learner = Person.objects.filter(employee_no=LEARNER).select_related("user").first()
    manager = Person.objects.filter(employee_no=MANAGER).select_related("user").first()
    admin = Person.objects.filter(employee_no=ADMIN).select_related("user").first()
    if learner is None or manager is None or manager.user is None:
        return
    comm = _course("COMM-01", "沟通技巧")
    meet = _course("MEET-03", "高效会议")

    for days, course, skills, rating, feedback in (
        (40, comm, "先倾听再回应\n复述对方的需求", Rating.SOMETIMES,
         "需求评审会上能先复述产品的需求再给方案，但讨论激烈时仍会打断别人。下次试着把问题记下来，等对方说完再提。"),
        (12, comm, "先倾听再回应\n用提问澄清分歧", Rating.CONSISTENTLY,
         "本月三次跨部门对接都先对齐了目标和截止时间，测试组反馈沟通顺畅了很多，继续保持。"),
        (5, meet, "会前发议程\n会后 24 小时内发纪要", Rating.NOT_YET,
         "周会还没有提前发议程，纪要也常常隔天才发。建议从下周的迭代评审开始试行。"),
    ):
        day = today - dt.timedelta(days=days)
        if not Observation.objects.filter(person=learner, course=course, observed_on=day).exists():
            services.observation_create(observer=manager.user, people=None, person=learner, course=course,
                                        observed_on=day, skills=skills, rating=rating, feedback=feedback, now=now)

    if not ApplicationCase.objects.filter(person=learner, title="用“先复述再方案”主持接口评审").exists():
        case = services.case_create(
            person=learner, course=comm, title="用“先复述再方案”主持接口评审", applied_on=today - dt.timedelta(days=20),
            situation="订单服务和库存服务的接口字段理解不一致，评审会上两边反复争论。",
            effect="先让双方各自复述对方的诉求，十分钟内找到了分歧点，当场定下字段含义。",
            result="接口评审从 2 轮减少到 1 轮", now=now)
        services.case_confirm(case=case, confirmer=manager.user, people=None, comment="很好的应用，建议在组内分享。",
                              now=now)
    if not ApplicationCase.objects.filter(person=learner, title="周会改为提前发议程").exists():
        services.case_create(
            person=learner, course=meet, title="周会改为提前发议程", applied_on=today - dt.timedelta(days=2),
            situation="平台组周会经常超时，议题临时才定。", effect="提前一天发议程后，本周会议按时结束。", now=now)

    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if not SelfReport.objects.filter(person=learner, period="month", period_start=last_month).exists():
        report = services.report_create(
            person=learner, period="month", day=last_month, course=comm,
            achievements="在两次需求评审和一次接口评审中使用了“先复述再回应”，评审轮次减少。",
            difficulties="和外部供应商沟通时还不太敢追问，希望有机会旁听经理的供应商会议。", now=now)
        services.report_confirm(report=report, confirmer=manager.user, people=None, comment="下次供应商会议带你一起。",
                                now=now)

    if not DevelopmentPlan.objects.filter(person=learner).exists():
        plan = services.plan_save(
            person=learner, start_year=today.year, end_year=today.year + 4,
            aspiration="三到五年内成长为能带小团队的技术负责人。",
            short_goals="独立负责一个中型模块的设计与交付\n在组内做两次技术分享",
            long_goals="成为平台组技术负责人，带 3-5 人的小组",
            actions=[services.ActionDraft("完成《高效会议》并在周会上试行", today + dt.timedelta(days=30)),
                     services.ActionDraft("主导订单服务重构方案评审", today + dt.timedelta(days=120),
                                          "doing")],
            courses=[comm, meet], submit=True, now=now)
        services.plan_decide(plan=plan, manager=manager.user, people=None, agree=True,
                             note="目标清楚，行动可以再细化到季度。", now=now)

    creator = admin.user if admin is not None and admin.user is not None else get_user_model().objects.filter(
        is_superuser=True).first()
    unit = OrgUnit.objects.filter(name_path="总部/研发中心/平台组").first() or learner.org_unit
    if creator is None:
        return
    for title, source, ref, days, status, effect in (
        ("课后一个月内安排带教人跟进", ActionSource.REPORT, "2026 年第三季度跟踪报告", 20, ActionStatus.IN_PROGRESS,
         "新员工课后应用案例数提高 30%"),
        ("沟通技巧课程增加跨部门案例演练", ActionSource.MEETING, "跟踪管理沟通会", -10, ActionStatus.OPEN,
         "学员满意度中“内容实用性”达到 90%"),
        ("会议纪要模板统一并上传知识库", ActionSource.OTHER, "", -40, ActionStatus.DONE, "会议纪要按时发出率 95%"),
    ):
        if ImprovementAction.objects.filter(title=title).exists():
            continue
        action = services.action_create(
            created_by=creator, units=None, title=title, source=source, source_ref=ref, org_unit=unit,
            responsible=manager, deadline=today + dt.timedelta(days=days), expected_effect=effect,
            now=now - dt.timedelta(days=60))
        if status != ActionStatus.OPEN:
            services.action_set_status(action=action, status=status, actor=creator, now=now)
        if status == ActionStatus.DONE:
            services.action_check_add(action=action, actor=creator, checked_on=today - dt.timedelta(days=3),
                                      result="抽查 12 份纪要，11 份在 24 小时内发出。", effective=True, now=now)
    services.escalate_overdue(now)

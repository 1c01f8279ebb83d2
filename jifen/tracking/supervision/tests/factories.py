"""A hand-built year of follow-up (2025) for the supervision tests, looked at on 2026-01-15.

总部 has 研发中心 (平台组, 应用组) and 市场部. 研发中心's manager 陈经理 and training admin 林培训 see
研发中心; the HR auditor 赵审计 sees everything.

* 平台组: plan P1 for 学员甲 and 学员乙, made the day after the training (on time). Each learner has a
  learner task and 陈经理 an observation task about each: 学员甲's done on time, 学员乙's done late,
  陈经理's about 学员甲 done on time, about 学员乙 never done.
* 应用组: plan P2 for 学员丙, made 10 days after its due date (late); the learner task done on time,
  the manager's task cancelled.
* 市场部: plan P3 for 钱多多, made on time, all open.
* Improvement actions with a 2025 deadline: 平台组 one done and one still open (overdue); 应用组 one
  cancelled; 市场部 one open (overdue). 平台组 also one due in 2026 (another year).
"""

from __future__ import annotations

import datetime as dt
import itertools

from jifen.catalog.models import Course, Enrolment, Session
from jifen.org import services as org_services
from jifen.org.models import OrgUnit, Role
from jifen.org.tests.factories import OrgBuilder
from jifen.tracking.followup import services as followup
from jifen.tracking.followup.models import ActivityKind, Audience, OffsetUnit, Plan, Task, TaskStatus
from jifen.tracking.growth import services as growth

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
YEAR = 2025
TODAY = dt.date(2026, 1, 15)
_numbers = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def session(*, unit: OrgUnit, learners, ends_on: dt.date, title: str) -> Session:
    n = next(_numbers)
    course = Course.objects.create(code=f"SV{n:04d}", title=title)
    ends_at = at(ends_on, 17)
    found = Session.objects.create(course=course, org_unit=unit, starts_at=ends_at - dt.timedelta(hours=6),
                                   ends_at=ends_at)
    for person in learners:
        Enrolment.objects.create(session=found, person=person)
    return found


def simple_template():
    """A learner task after 1 week and a manager's observation after 2 weeks."""
    template = followup.template_create(name="督导测试模板", plan_due_working_days=5)
    followup.activity_add(template=template, kind=ActivityKind.CUSTOM, title="应用小结", offset=1,
                          offset_unit=OffsetUnit.WEEKS, audiences=[Audience.LEARNER])
    followup.activity_add(template=template, kind=ActivityKind.OBSERVATION, offset=2, offset_unit=OffsetUnit.WEEKS,
                          audiences=[Audience.MANAGER])
    return template


def finish(task: Task, *, days_after_due: int) -> None:
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE,
                                           completed_at=at(task.due_on + dt.timedelta(days=days_after_due)))


def plan_for(template, unit: OrgUnit, learners, *, ends_on: dt.date, title: str, late_by_days: int | None = None,
             now: dt.datetime | None = None) -> Plan:
    found = session(unit=unit, learners=learners, ends_on=ends_on, title=title)
    made = now or at(ends_on + dt.timedelta(days=1))
    plan = followup.plan_create(template=template, session=found, now=made)
    if late_by_days is not None:
        Plan.objects.filter(pk=plan.pk).update(created_at=at(plan.due_on + dt.timedelta(days=late_by_days)))
        plan.refresh_from_db()
    return plan


class Example:
    def __init__(self):
        org = OrgBuilder()
        self.org = org
        self.root, self.rnd, self.platform, self.marketing = org.root, org.rnd, org.platform, org.marketing
        self.apps = org_services.unit_create(name="应用组", parent=org.rnd, kind=OrgUnit.Kind.TEAM)
        self.manager = org.person(unit=org.platform, no="RD-M001", name="陈经理", role=Role.MANAGER, scope=org.rnd)
        self.admin = org.person(unit=org.rnd, no="RD-A001", name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
        self.auditor = org.person(unit=org.root, no="HQ-H001", name="赵审计", role=Role.HR_AUDITOR)
        self.apps_manager = org.person(unit=self.apps, no="RD-M002", name="应用经理")
        self.market_manager = org.person(unit=org.marketing, no="MK-M001", name="市场经理")
        self.jia = org.person(unit=org.platform, no="RD-0001", name="学员甲", manager=self.manager)
        self.yi = org.person(unit=org.platform, no="RD-0002", name="学员乙", manager=self.manager)
        self.bing = org.person(unit=self.apps, no="RD-0003", name="学员丙", manager=self.apps_manager)
        self.qian = org.person(unit=org.marketing, no="MK-0001", name="钱多多", manager=self.market_manager)
        self.template = simple_template()

        self.p1 = plan_for(self.template, org.platform, [self.jia, self.yi], ends_on=dt.date(YEAR, 3, 6),
                           title="需求评审")
        tasks = {(t.audience, t.subject_id): t for t in self.p1.tasks.all()}
        finish(tasks[(Audience.LEARNER, self.jia.pk)], days_after_due=-1)
        finish(tasks[(Audience.LEARNER, self.yi.pk)], days_after_due=3)
        finish(tasks[(Audience.MANAGER, self.jia.pk)], days_after_due=0)
        self.p2 = plan_for(self.template, self.apps, [self.bing], ends_on=dt.date(YEAR, 4, 10), title="接口设计",
                           late_by_days=10)
        tasks = {t.audience: t for t in self.p2.tasks.all()}
        finish(tasks[Audience.LEARNER], days_after_due=0)
        Task.objects.filter(pk=tasks[Audience.MANAGER].pk).update(status=TaskStatus.CANCELLED)
        self.p3 = plan_for(self.template, org.marketing, [self.qian], ends_on=dt.date(YEAR, 5, 8), title="市场洞察")

        user = self.admin.user
        made = at(dt.date(YEAR, 2, 1))
        self.done_action = growth.action_create(created_by=user, units=None, title="统一纪要模板", source="meeting",
                                                org_unit=org.platform, deadline=dt.date(YEAR, 6, 30),
                                                expected_effect="纪要按时", now=made)
        growth.action_set_status(action=self.done_action, status="done", actor=user, now=at(dt.date(YEAR, 6, 20)))
        self.overdue_action = growth.action_create(
            created_by=user, units=None, title="增加案例演练", source="report", org_unit=org.platform,
            deadline=dt.date(YEAR, 9, 30), expected_effect="满意度 90%", now=made)
        self.cancelled_action = growth.action_create(
            created_by=user, units=None, title="取消的措施", source="other", org_unit=self.apps,
            deadline=dt.date(YEAR, 8, 1), expected_effect="无", now=made)
        growth.action_set_status(action=self.cancelled_action, status="cancelled", actor=user, now=made)
        self.market_action = growth.action_create(
            created_by=user, units=None, title="市场部措施", source="other", org_unit=org.marketing,
            deadline=dt.date(YEAR, 7, 1), expected_effect="市场", now=made)
        self.next_year_action = growth.action_create(
            created_by=user, units=None, title="明年的措施", source="other", org_unit=org.platform,
            deadline=dt.date(YEAR + 1, 12, 1), expected_effect="明年", now=made)


def survey_plan(example: Example, unit: OrgUnit, ratings: list[int], *, title: str) -> Plan:
    """A 2025 plan in ``unit`` with the anonymous satisfaction survey, one learner per rating, each
    answering every agreement question with their rating."""
    from jifen.tracking.instruments import services as instruments

    template = followup.template_create(name=f"满意度模板{next(_numbers)}", plan_due_working_days=5)
    followup.activity_add(template=template, kind=ActivityKind.SURVEY, offset=1, offset_unit=OffsetUnit.WEEKS,
                          audiences=[Audience.LEARNER], form=instruments.default_survey())
    learners = [example.org.person(unit=unit, name=f"{title}学员{i}") for i in range(len(ratings))]
    plan = plan_for(template, unit, learners, ends_on=dt.date(YEAR, 9, 4), title=title)
    for rating, task in zip(ratings, plan.tasks.select_related("activity__form").order_by("assignee__employee_no"),
                            strict=True):
        questions = task.activity.form.current_version().questions.order_by("position")
        followup.survey_answer(task=task, answers={q.pk: ("多一些案例" if q.kind == "text" else rating)
                                                   for q in questions}, now=at(dt.date(YEAR, 9, 8)))
    return plan

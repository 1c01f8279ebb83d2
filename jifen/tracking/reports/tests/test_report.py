"""The tracking report of a programme, in the training department's terms: Kirkpatrick's four levels
from the follow-up data, seed 002's goals against a baseline period, the ROI, the problems the data
shows, and the PDF and Excel for management."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from jifen.core.errors import ApplicationError
from jifen.learning.attendance import services as attendance
from jifen.tracking.followup import services as followup
from jifen.tracking.followup.models import ActivityKind, Task
from jifen.tracking.followup.tests import factories
from jifen.tracking.growth import services as growth
from jifen.tracking.instruments.models import Dimension
from jifen.tracking.reports import documents, selectors, services
from jifen.tracking.reports.models import BusinessMeasure

AFTER = dt.datetime(2026, 3, 20, 10, 0, tzinfo=factories.SHANGHAI)


def answer_survey(plan, ratings):
    """Each learner in turn answers the plan's anonymous survey, giving every 1-5 question ``rating``."""
    tasks = list(Task.objects.filter(plan=plan, kind=ActivityKind.SURVEY).select_related("activity__form")
                 .order_by("pk"))
    for task, rating in zip(tasks, ratings, strict=False):
        questions = task.activity.form.current_version().questions.order_by("position")
        followup.task_complete(task=task, answers={q.pk: ("好" if q.kind == "text" else rating)
                                                   for q in questions if q.kind in ("likert", "text")
                                                   or q.required})


class Programme:
    """A 沟通技巧 class of four in 平台组 (ended 2026-03-06); the same unit's class of four last autumn
    is the baseline."""

    def __init__(self, org):
        self.org = org
        self.manager, self.people, self.trainer = factories.team(org, size=4)
        self.baseline_session = factories.session(unit=org.platform, trainer=self.trainer, learners=self.people,
                                                  ends_on=dt.date(2025, 10, 17))
        self.session = factories.session(unit=org.platform, trainer=self.trainer, learners=self.people,
                                         ends_on=dt.date(2026, 3, 6))
        template = followup.default_template()
        self.baseline_plan = followup.plan_create(template=template, session=self.baseline_session)
        self.plan = followup.plan_create(template=template, session=self.session)

    def attend(self, session, present: int):
        for index, person in enumerate(self.people):
            status = "present" if index < present else "absent"
            attendance.mark(session=session, person=person, status=status, reason="", now=session.ends_at)


@pytest.fixture
def programme(org):
    return Programme(org)


def report_of(plan):
    plan.refresh_from_db()
    return selectors.plan_report(plan, today=dt.date(2026, 6, 30))


def goal(report, key):
    return next(g for g in report["goals"] if g.key == key)


def test_seed_002_goals_are_the_defaults_participation_20_satisfaction_90_exam_15(programme):
    report = report_of(programme.plan)
    assert [(g.key, g.goal_text) for g in report["goals"]] == [
        ("participation", _("+%(goal)s%%") % {"goal": Decimal("20.0")}),
        ("satisfaction", _("at least %(goal)s%%") % {"goal": Decimal("90.0")}),
        ("exam", _("+%(goal)s%%") % {"goal": Decimal("15.0")})]
    assert report["baseline"]["start"] == dt.date(2025, 3, 6)
    assert report["baseline"]["end"] == dt.date(2026, 3, 5)


def test_participation_rises_from_half_attending_to_three_quarters_a_50_percent_rise(programme):
    programme.attend(programme.baseline_session, present=2)
    programme.attend(programme.session, present=3)
    participation = goal(report_of(programme.plan), "participation")
    assert (participation.baseline, participation.current, participation.change) == (
        Decimal("50.0"), Decimal("75.0"), Decimal("50.0"))
    assert participation.met is True


def test_participation_rising_less_than_20_percent_is_not_met_and_named_as_a_problem(programme):
    programme.attend(programme.baseline_session, present=3)
    programme.attend(programme.session, present=3)
    report = report_of(programme.plan)
    participation = goal(report, "participation")
    assert participation.change == Decimal("0.0") and participation.met is False
    problem = _("Participation rose %(change)s%% against the goal of +%(goal)s%%.") % {
        "change": Decimal("0.0"), "goal": Decimal("20.0")}
    assert problem in [p["problem"] for p in report["problems"]]


def test_an_entered_baseline_replaces_the_counted_one(programme, org):
    programme.attend(programme.session, present=3)
    services.report_update(plan=programme.plan, baseline_participation=Decimal(60),
                           baseline_exam_average=Decimal(70))
    report = report_of(programme.plan)
    assert goal(report, "participation").baseline == Decimal("60.0")
    assert goal(report, "participation").change == Decimal("25.0")
    assert goal(report, "exam").baseline == Decimal("70.0")


def test_average_exam_score_against_last_autumns_and_grades_with_pre_post_improvement(programme):
    for person, score in zip(programme.people, (60, 60, 60, 60), strict=True):
        followup.test_result_record(plan=programme.baseline_plan, person=person, score=score)
    for person, score in zip(programme.people, (92, 85, 70, 45), strict=True):
        followup.test_result_record(plan=programme.plan, person=person, score=score, pre_score=60)
    report = report_of(programme.plan)
    level2 = report["level2"]
    assert level2["average"] == Decimal("73.0")
    assert [(g["grade"].value, g["count"]) for g in level2["grades"]] == [
        ("excellent", 1), ("good", 1), ("pass", 1), ("fail", 1)]
    assert (level2["pre_average"], level2["post_average"], level2["improvement"]) == (
        Decimal("60.0"), Decimal("73.0"), Decimal("13.0"))
    exam = goal(report, "exam")
    assert (exam.baseline, exam.current, exam.change, exam.met) == (
        Decimal("60.0"), Decimal("73.0"), Decimal("21.7"), True)
    assert any(p["problem"] == _("%(share)s%% of those tested failed (不合格).") % {"share": Decimal("25.0")}
               for p in report["problems"])


def test_satisfaction_counts_answers_of_4_or_5_and_below_90_percent_is_a_problem(programme):
    answer_survey(programme.plan, [5, 5, 4, 2])
    report = report_of(programme.plan)
    assert report["level1"]["satisfaction"] == Decimal("75.0")
    assert report["level1"]["answers"] == 4
    satisfaction = goal(report, "satisfaction")
    assert satisfaction.current == Decimal("75.0") and satisfaction.met is False
    problem = _("Satisfaction %(value)s%% is below the goal of %(goal)s%%.") % {
        "value": Decimal("75.0"), "goal": Decimal("90.0")}
    assert problem in [p["problem"] for p in report["problems"]]


def test_satisfaction_of_fewer_than_3_answers_stays_hidden_from_the_report(programme):
    answer_survey(programme.plan, [5, 1])
    report = report_of(programme.plan)
    assert report["level1"]["satisfaction"] is None
    assert report["level1"]["questions"] == []
    assert goal(report, "satisfaction").met is None
    assert len(report["level1"]["hidden"]) == 1


def test_behaviour_counts_observations_since_the_training_and_application_cases(programme, org):
    manager_user = programme.manager.user
    people = programme.people
    course = programme.session.course
    for person, rating in zip(people[:3], ("consistently", "sometimes", "not_yet"), strict=True):
        growth.observation_create(observer=manager_user, people=None, person=person, course=course,
                                  observed_on=dt.date(2026, 4, 10), skills="倾听", rating=rating, feedback="继续")
    growth.observation_create(observer=manager_user, people=None, person=people[0], course=course,
                              observed_on=dt.date(2026, 3, 1), skills="倾听", rating="not_yet",
                              feedback="培训前")  # before the training ended: not counted
    growth.case_create(person=people[0], course=course, title="用倾听化解投诉", situation="客户投诉",
                       effect="投诉当天解决", applied_on=dt.date(2026, 4, 2))
    level3 = report_of(programme.plan)["level3"]
    assert level3["observations"] == 3
    assert [(r["rating"].value, r["count"]) for r in level3["ratings"]] == [
        ("not_yet", 1), ("sometimes", 1), ("consistently", 1)]
    assert (level3["cases"], level3["case_people"], level3["case_share"]) == (1, 1, Decimal("25.0"))


def test_360_scores_are_weighted_manager_50_peers_30_self_20_and_averaged_over_people(programme):
    subject = programme.people[0]
    tasks = Task.objects.filter(plan=programme.plan, kind=ActivityKind.EVALUATION, subject=subject)
    ratings = {"manager": 4, "peers": 2, "self": 5}
    for task in tasks.select_related("activity__form"):
        version = task.activity.form.current_version()
        answers = {}
        for question in version.questions.all():
            if question.kind == "matrix":
                answers[question.pk] = {str(i): ratings[task.audience] for i in range(len(question.options))}
            elif question.kind == "likert":
                answers[question.pk] = ratings[task.audience]
            elif question.kind == "score":
                answers[question.pk] = question.max_value
            elif question.required:
                answers[question.pk] = "好"
        followup.task_complete(task=task, answers=answers)
    evaluations = report_of(programme.plan)["level3"]["evaluations"]
    assert evaluations["people"] == 1
    attitude = next(d for d in evaluations["dimensions"] if d["dimension"] == Dimension.ATTITUDE)
    # 4 × 50 + 2 × 30 + 5 × 20 = 360 over 100: 3.6 (when every audience answered)
    assert sorted(tasks.values_list("audience", flat=True)) == ["manager", "peers", "peers", "peers", "self"]
    assert attitude["average"] == Decimal("3.60")


def test_business_measures_and_roi_for_level_4(programme, org):
    manager_user = programme.manager.user
    units = org.platform.__class__.objects.filter(pk=org.platform.pk)
    services.measure_add(plan=programme.plan, org_unit=org.platform, units=units, name="客户投诉", unit="件/月",
                         higher_is_better=False, baseline=12, current=7, actor=manager_user)
    services.measure_add(plan=programme.plan, org_unit=org.platform, units=units, name="一次解决率", unit="%",
                         baseline=80, current=76, actor=manager_user)
    services.report_update(plan=programme.plan, cost=Decimal(10000), benefit=Decimal(25000),
                           benefit_basis="投诉减少节省的返工")
    report = report_of(programme.plan)
    level4 = report["level4"]
    assert [(m.name, m.improved) for m in level4["measures"]] == [("客户投诉", True), ("一次解决率", False)]
    assert level4["roi"] == Decimal("150.0")
    assert level4["cost_per_learner"] == Decimal("2500.00")
    assert any("一次解决率" in p["problem"] for p in report["problems"])


def test_a_manager_enters_results_only_for_their_own_department(programme, org):
    with pytest.raises(ApplicationError) as refused:
        services.measure_add(plan=programme.plan, org_unit=org.marketing, units=org.platform.__class__.objects
                             .filter(pk=org.platform.pk), name="销售额", baseline=1, current=2,
                             actor=programme.manager.user)
    assert refused.value.field == "org_unit"
    assert not BusinessMeasure.objects.exists()


def test_a_benefit_without_a_cost_is_refused_and_nothing_is_saved(programme):
    with pytest.raises(ApplicationError) as refused:
        services.report_update(plan=programme.plan, benefit=Decimal(1000))
    assert refused.value.field == "cost"
    assert selectors.settings_of(programme.plan).pk is None


def test_the_report_takes_a_fixed_number_of_queries_whatever_the_class_size(org):
    def queries(size):
        _manager, people, trainer = factories.team(org, size=size)
        session = factories.session(unit=org.platform, trainer=trainer, learners=people)
        plan = followup.plan_create(template=followup.default_template(), session=session)
        for person in people:
            followup.test_result_record(plan=plan, person=person, score=80, pre_score=70)
        answer_survey(plan, [5] * size)
        with CaptureQueriesContext(connection) as captured:
            selectors.plan_report(plan)
        return len(captured)

    assert queries(3) == queries(9)


def test_pdf_and_excel_carry_the_four_levels(programme):
    programme.attend(programme.session, present=3)
    for person, score in zip(programme.people, (92, 85, 70, 45), strict=True):
        followup.test_result_record(plan=programme.plan, person=person, score=score, pre_score=60)
    pdf = documents.report_pdf(programme.plan)
    assert pdf.startswith(b"%PDF")
    workbook = load_workbook(io.BytesIO(documents.report_xlsx(programme.plan)))
    assert _("L2 Learning") in workbook.sheetnames and _("Goals") in workbook.sheetnames
    learning = list(workbook[_("L2 Learning")].iter_rows(values_only=True))
    assert learning[1][1] == programme.people[0].name and learning[1][3] == 92


def test_a_formula_typed_into_a_measure_is_text_in_the_excel(programme, org):
    units = org.platform.__class__.objects.filter(pk=org.platform.pk)
    services.measure_add(plan=programme.plan, org_unit=org.platform, units=units, name="=HYPERLINK(\"x\")",
                         baseline=1, current=2, actor=programme.manager.user)
    workbook = load_workbook(io.BytesIO(documents.report_xlsx(programme.plan)))
    row = list(workbook[_("L4 Results")].iter_rows(values_only=True))[1]
    assert row[1] == "'=HYPERLINK(\"x\")"


def test_the_report_page_shows_goals_charts_and_a_link_to_make_an_improvement_action(programme, client, org):
    admin = org.person(unit=org.rnd, name="培训管理员", role="training_admin", scope=org.rnd)
    answer_survey(programme.plan, [5, 5, 4, 2])
    client.force_login(admin.user)
    response = client.get(reverse("tracking_reports:report", args=[programme.plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="chart-goals"' in html and 'id="chart-goals"' in html
    assert reverse("growth:action_create") + "?source=report" in html.replace("&amp;", "&")
    follow = client.get(reverse("growth:action_create") + "?source=report&title=复盘课程内容")
    assert "复盘课程内容" in follow.content.decode()


def test_the_api_gives_the_report_and_takes_a_departments_business_measure(programme, client, org):
    answer_survey(programme.plan, [5, 5, 5, 4])
    client.force_login(programme.manager.user)
    base = f"/api/v1/tracking/plans/{programme.plan.pk}"
    created = client.post(f"{base}/measures", data={"department_id": org.platform.pk, "name": "客户投诉",
                                                    "unit": "件/月", "higher_is_better": False, "baseline": "12",
                                                    "current": "7"}, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["improved"] is True
    report = client.get(f"{base}/report").json()
    assert report["reaction"]["satisfaction_percent"] == "100.0"
    assert [g["key"] for g in report["goals"]] == ["participation", "satisfaction", "exam"]
    assert report["results"]["measures"][0]["name"] == "客户投诉"
    refused = client.post(f"{base}/measures", data={"department_id": org.marketing.pk, "name": "销售额",
                                                    "baseline": "1", "current": "2"},
                          content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["detail"] == _("You can enter results only for your own departments.")
    assert BusinessMeasure.objects.count() == 1


def test_report_settings_page_refuses_a_baseline_ending_before_it_starts_and_saves_nothing(programme, client, org):
    admin = org.person(unit=org.rnd, name="培训管理员", role="training_admin", scope=org.rnd)
    client.force_login(admin.user)
    url = reverse("tracking_reports:settings", args=[programme.plan.pk])
    data = {"participation_goal": "20", "satisfaction_goal": "90", "exam_goal": "15", "baseline_start": "2025-12-01",
            "baseline_end": "2025-06-01", "cost": "", "benefit": "", "baseline_participation": "",
            "baseline_exam_average": "", "benefit_basis": "", "conclusion": "", "problems": "", "suggestions": ""}
    response = client.post(url, data)
    assert response.status_code == 200
    assert _("The baseline period ends before it starts.") in response.content.decode()
    assert selectors.settings_of(programme.plan).pk is None
    data.update(baseline_start="2025-01-01", baseline_end="2025-12-31", satisfaction_goal="95")
    assert client.post(url, data).status_code == 302
    report = report_of(programme.plan)
    assert report["baseline"]["start"] == dt.date(2025, 1, 1)
    assert goal(report, "satisfaction").goal_text == _("at least %(goal)s%%") % {"goal": Decimal("95.0")}

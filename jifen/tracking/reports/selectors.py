"""The tracking report of a plan (a session or a programme), computed from the follow-up data on
each request, in Kirkpatrick's four levels (seed 004 四(三)):

1. Reaction: the anonymous satisfaction surveys (only groups of 3 answers or more count).
2. Learning: the test grades, and the improvement of those tested before and after.
3. Behaviour: the managers' observations, the 360 evaluations and the application cases.
4. Results: the business measures the departments entered; and, when cost and benefit are
   given, the ROI.

Then the programme's goals against the baseline period (seed 002) and the problems the data shows,
each with a suggestion. A fixed number of queries whatever the number of learners.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import mean

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.catalog.models import Enrolment, Session
from jifen.learning.attendance.models import Attendance, AttendanceStatus
from jifen.org.models import Person
from jifen.org.permissions import Access, Perm
from jifen.tracking.followup.models import (
    ActivityKind,
    AnonymousResponse,
    Audience,
    Grade,
    Plan,
    Task,
    TaskStatus,
    TestResult,
)
from jifen.tracking.followup.selectors import MIN_GROUP, SUGGESTIONS, dimension_scores, plan_progress
from jifen.tracking.growth.models import ApplicationCase, Observation, Rating
from jifen.tracking.instruments.models import Dimension, Question, QuestionKind, Response
from jifen.tracking.reports.models import BusinessMeasure, PlanReport

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
FAIL_SHARE_PROBLEM = 10  # % failing above which the report names it as a problem
NOT_YET_SHARE_PROBLEM = 30  # % of observations "not yet seen" above which it is a problem
COMPLETION_PROBLEM = 80  # % of due tasks done below which feedback is called incomplete


# ---------------------------------------------------------------- who sees which plan's report


def plans_visible(access: Access) -> QuerySet[Plan]:
    """The plans organised inside the caller's follow-up view scope (training admins, managers,
    auditors)."""
    if not access.has(Perm.TRACKING_VIEW):
        return Plan.objects.none()
    return (Plan.objects.filter(org_unit__in=access.units(Perm.TRACKING_VIEW).values("pk"))
            .select_related("template", "session", "session__course", "programme", "org_unit", "course"))


def plans_for_measures(access: Access) -> QuerySet[Plan]:
    """Plans a manager may enter business results for: those they see, and those their people were
    followed up in."""
    if not access.has(Perm.TRACKING_FOLLOW):
        return Plan.objects.none()
    followed = Task.objects.filter(subject__in=access.people(Perm.TRACKING_FOLLOW).values("pk")).values("plan_id")
    visible = access.units(Perm.TRACKING_VIEW).values("pk") if access.has(Perm.TRACKING_VIEW) else []
    return (Plan.objects.filter(Q(pk__in=followed) | Q(org_unit__in=visible))
            .select_related("org_unit", "course").order_by("-ended_on", "-pk"))


def measures_editable(access: Access) -> QuerySet[BusinessMeasure]:
    """Measures the caller may remove: those of departments in their follow-up scope."""
    if not access.has(Perm.TRACKING_FOLLOW):
        return BusinessMeasure.objects.none()
    return BusinessMeasure.objects.filter(org_unit__in=access.units(Perm.TRACKING_FOLLOW).values("pk"),
                                          plan__in=plans_for_measures(access).values("pk"))


# ---------------------------------------------------------------- small helpers


def _round(value, places: int = 1) -> Decimal | None:
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def _percent(part: float, whole: float) -> Decimal | None:
    return _round(100 * Decimal(part) / Decimal(whole)) if whole else None


def _rise(current, baseline) -> Decimal | None:
    """The relative rise from baseline to current, in %."""
    if current is None or baseline is None or not baseline:
        return None
    return _round((Decimal(str(current)) - Decimal(str(baseline))) * 100 / abs(Decimal(str(baseline))))


def settings_of(plan: Plan) -> PlanReport:
    """The plan's report settings, or the defaults (not saved) if nobody has set them yet."""
    try:
        return plan.report
    except PlanReport.DoesNotExist:
        return PlanReport(plan=plan)


def plan_session_ids(plan: Plan) -> list[int]:
    if plan.session_id is not None:
        return [plan.session_id]
    return list(plan.programme.sessions.values_list("pk", flat=True))


def training_start(plan: Plan, session_ids: list[int]) -> dt.date:
    first = Session.objects.filter(pk__in=session_ids).order_by("starts_at").values_list("starts_at", flat=True)
    first = first.first()
    return timezone.localdate(first) if first is not None else plan.ended_on


def baseline_period(plan: Plan, report: PlanReport, start: dt.date) -> tuple[dt.date, dt.date]:
    """The settings' period, else the twelve months before the training began."""
    end = report.baseline_end or (start - dt.timedelta(days=1))
    if report.baseline_start:
        return report.baseline_start, end
    try:
        year_before = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        year_before = end.replace(year=end.year - 1, day=28)
    return year_before + dt.timedelta(days=1), end


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone))


# ---------------------------------------------------------------- the measures, over sets of sessions / plans


@dataclass
class Participation:
    enrolled: int
    attended: int

    @property
    def rate(self) -> Decimal | None:
        return _percent(self.attended, self.enrolled)


def participation(session_ids) -> Participation:
    """Of the enrolled learners of the sessions, how many attended (present or late)."""
    enrolled = Enrolment.objects.filter(session__in=session_ids, status=Enrolment.Status.ENROLLED)
    attended = Attendance.objects.filter(session__in=session_ids, status__in=ATTENDED).filter(Exists(
        Enrolment.objects.filter(session=OuterRef("session"), person=OuterRef("person"),
                                 status=Enrolment.Status.ENROLLED)))
    return Participation(enrolled=enrolled.count(), attended=attended.count())


def satisfaction(plan_ids) -> tuple[Decimal | None, int]:
    """The share of satisfied answers (4 or 5 on a 1-5 scale) over the anonymous surveys of the plans:
    per group (plan and survey) of at least 3 answers, the mean over its 1-5 questions; then the mean
    over the groups. Returns it and the number of answers counted."""
    rows = list(AnonymousResponse.objects.filter(plan__in=plan_ids, activity__kind=ActivityKind.SURVEY)
                .values_list("plan_id", "activity_id", "version_id", "answers"))
    groups = defaultdict(list)
    for plan_id, activity_id, version_id, answers in rows:
        groups[(plan_id, activity_id)].append((version_id, answers))
    likert = defaultdict(list)
    for pk, version_id in Question.objects.filter(version_id__in={r[2] for r in rows},
                                                  kind=QuestionKind.LIKERT).values_list("pk", "version_id"):
        likert[version_id].append(str(pk))
    shares, counted = [], 0
    for answers in groups.values():
        if len(answers) < MIN_GROUP:
            continue
        per_question = defaultdict(list)
        for version_id, given in answers:
            for key in likert[version_id]:
                if given.get(key) is not None:
                    per_question[(version_id, key)].append(given[key] >= 4)
        if per_question:
            shares.append(mean(100 * sum(v) / len(v) for v in per_question.values()))
            counted += len(answers)
    return (_round(mean(shares)) if shares else None), counted


def exam_average(plan_ids) -> tuple[Decimal | None, int]:
    row = TestResult.objects.filter(plan__in=plan_ids).aggregate(average=Avg("score"), count=Count("pk"))
    return _round(row["average"]), row["count"]


# ---------------------------------------------------------------- the report


@dataclass
class Goal:
    key: str
    label: str
    goal_text: str
    current: Decimal | None
    baseline: Decimal | None
    change: Decimal | None
    met: bool | None
    basis: str


def _goals(plan: Plan, report: PlanReport, session_ids: list[int], start: dt.date, level1: dict,
           level2: dict) -> tuple[list[Goal], dict]:
    begin, end = baseline_period(plan, report, start)
    low, high = _day_bounds(begin, end)
    baseline_sessions = (Session.objects.filter(org_unit__path__startswith=plan.org_unit.path, ends_at__gte=low,
                                                ends_at__lt=high).exclude(status=Session.Status.CANCELLED)
                         .exclude(pk__in=session_ids).values("pk"))
    baseline_plans = (Plan.objects.filter(org_unit__path__startswith=plan.org_unit.path, ended_on__gte=begin,
                                          ended_on__lte=end).exclude(pk=plan.pk).values("pk"))
    now = participation(session_ids)
    if report.baseline_participation is not None:
        before_rate, before_basis = _round(report.baseline_participation), _("entered")
    else:
        before = participation(baseline_sessions)
        before_rate = before.rate
        before_basis = _("%(attended)s of %(enrolled)s enrolled attended") % {
            "attended": before.attended, "enrolled": before.enrolled}
    participation_rise = _rise(now.rate, before_rate)
    before_satisfaction, before_answers = satisfaction(baseline_plans)
    if report.baseline_exam_average is not None:
        before_exam, exam_basis = _round(report.baseline_exam_average), _("entered")
    else:
        before_exam, before_tested = exam_average(baseline_plans)
        exam_basis = _("%(count)s results") % {"count": before_tested}
    exam_rise = _rise(level2["average"], before_exam)

    def met(value, goal):
        return None if value is None else value >= goal

    goals = [
        Goal("participation", _("Participation rate"), _("+%(goal)s%%") % {"goal": _round(report.participation_goal)},
             now.rate, before_rate, participation_rise, met(participation_rise, report.participation_goal),
             before_basis),
        Goal("satisfaction", _("Satisfaction"), _("at least %(goal)s%%") % {"goal": _round(report.satisfaction_goal)},
             level1["satisfaction"], before_satisfaction,
             None if level1["satisfaction"] is None or before_satisfaction is None
             else level1["satisfaction"] - before_satisfaction,
             met(level1["satisfaction"], report.satisfaction_goal),
             _("%(count)s answers") % {"count": before_answers}),
        Goal("exam", _("Average exam score"), _("+%(goal)s%%") % {"goal": _round(report.exam_goal)},
             level2["average"], before_exam, exam_rise, met(exam_rise, report.exam_goal), exam_basis),
    ]
    period = {"start": begin, "end": end, "participation": now, "custom": bool(report.baseline_start
                                                                                 or report.baseline_end)}
    return goals, period


def _level1(plan: Plan) -> dict:
    """Reaction: per survey and question, on the same rules as the survey results page."""
    from jifen.tracking.followup.selectors import survey_results

    groups = survey_results(plan)
    value, answers = satisfaction([plan.pk])
    questions = []
    for group in groups:
        for question in group["questions"]:
            if "average" in question:
                questions.append({"survey": group["activity"].display_title, "text": question["question"].text,
                                  "count": question["count"], "average": question["average"],
                                  "satisfied": question.get("satisfied")})
    return {"groups": groups, "satisfaction": value, "answers": answers, "questions": questions,
            "hidden": [g for g in groups if g["hidden"]]}


def _level2(plan: Plan, learner_count: int) -> dict:
    results = list(TestResult.objects.filter(plan=plan).select_related("person", "person__org_unit")
                   .order_by("person__employee_no"))
    grades = Counter(r.grade for r in results)
    paired = [r for r in results if r.pre_score is not None]
    pre = _round(mean(r.pre_score for r in paired)) if paired else None
    post = _round(mean(r.score for r in paired)) if paired else None
    return {
        "results": results, "count": len(results), "learners": learner_count,
        "tested_share": _percent(len(results), learner_count),
        "average": _round(mean(r.score for r in results)) if results else None,
        "grades": [{"grade": g, "label": g.label, "count": grades.get(g.value, 0),
                    "share": _percent(grades.get(g.value, 0), len(results))} for g in Grade],
        "fail_share": _percent(grades.get(Grade.FAIL, 0), len(results)),
        "paired": len(paired), "pre_average": pre, "post_average": post,
        "improvement": None if pre is None else post - pre, "improvement_percent": _rise(post, pre),
    }


def _evaluations(plan: Plan) -> dict:
    """The 360 evaluations of all learners at once: per dimension the template-weighted score (over
    who answered, as in the individual report), averaged over the people evaluated."""
    template = plan.template
    weights = {Audience.MANAGER: float(template.manager_weight), Audience.PEERS: float(template.peers_weight),
               Audience.SELF: float(template.self_weight)}
    tasks = {f"task:{pk}": (subject, audience) for pk, subject, audience in
             Task.objects.filter(plan=plan, kind=ActivityKind.EVALUATION, status=TaskStatus.DONE)
             .values_list("pk", "subject_id", "audience")}
    responses = Response.objects.filter(context__in=list(tasks)).prefetch_related("answers", "answers__question")
    scores = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))  # person → audience → dimension → values
    for response in responses:
        subject, audience = tasks[response.context]
        for dimension, values in dimension_scores(response).items():
            scores[subject][audience][dimension].append(mean(values))
    per_person = {}
    for subject, audiences in scores.items():
        row = {}
        for dimension in Dimension:
            weighted = total = 0.0
            for audience, weight in weights.items():
                values = audiences.get(audience, {}).get(dimension.value)
                if values:
                    weighted += weight * mean(values)
                    total += weight
            row[dimension.value] = round(weighted / total, 2) if total else None
        per_person[subject] = row
    dimensions = []
    for dimension in Dimension:
        values = [row[dimension.value] for row in per_person.values() if row[dimension.value] is not None]
        dimensions.append({"dimension": dimension, "label": dimension.label,
                           "average": _round(mean(values), 2) if values else None, "people": len(values)})
    return {"people": len(per_person), "dimensions": dimensions, "per_person": per_person}


def _level3(plan: Plan, learner_ids: list[int], course_ids: set[int]) -> dict:
    observations = Observation.objects.filter(person__in=learner_ids, course__in=course_ids,
                                              observed_on__gte=plan.ended_on)
    ratings = dict(observations.values_list("rating").annotate(n=Count("pk")).order_by())
    observed = sum(ratings.values())
    cases = (ApplicationCase.objects.filter(person__in=learner_ids, course__in=course_ids,
                                            applied_on__gte=plan.ended_on)
             .select_related("person").order_by("-applied_on", "-pk"))
    case_stats = cases.aggregate(total=Count("pk"), confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
                                 people=Count("person", distinct=True))
    return {
        "observations": observed,
        "observed_people": observations.values("person").distinct().count(),
        "ratings": [{"rating": r, "label": r.label, "count": ratings.get(r.value, 0),
                     "share": _percent(ratings.get(r.value, 0), observed)} for r in Rating],
        "not_yet_share": _percent(ratings.get(Rating.NOT_YET, 0), observed),
        "evaluations": _evaluations(plan),
        "cases": case_stats["total"], "cases_confirmed": case_stats["confirmed"],
        "case_people": case_stats["people"], "case_share": _percent(case_stats["people"], len(learner_ids)),
        "case_examples": list(cases.filter(confirmed_at__isnull=False)[:5]) or list(cases[:5]),
    }


def _level4(plan: Plan, report: PlanReport, learner_count: int) -> dict:
    measures = list(plan.business_measures.select_related("org_unit", "entered_by").order_by("org_unit__path", "pk"))
    roi = None
    if report.cost and report.benefit is not None:
        roi = _round((report.benefit - report.cost) * 100 / report.cost)
    return {
        "measures": measures, "improved": sum(1 for m in measures if m.improved),
        "worse": sum(1 for m in measures if m.improved is False),
        "cost": report.cost, "benefit": report.benefit, "roi": roi,
        "cost_per_learner": _round(report.cost / learner_count, 2) if report.cost and learner_count else None,
    }


def _problems(report: PlanReport, goals: list[Goal], level1: dict, level2: dict, level3: dict, level4: dict,
              progress) -> list[dict]:
    """What the data shows needs attention, each with a suggestion (seed 004 四(三)2-3)."""
    found = []
    by_key = {g.key: g for g in goals}
    goal = by_key["satisfaction"]
    if goal.met is False:
        lowest = min(level1["questions"], key=lambda q: q["average"], default=None)
        found.append({
            "problem": _("Satisfaction %(value)s%% is below the goal of %(goal)s%%.") % {
                "value": goal.current, "goal": _round(report.satisfaction_goal)},
            "suggestion": (_("Start with the lowest-rated question, “%(question)s” (%(average)s of 5): review the "
                             "content, method or trainer it concerns with the trainer.") % {
                "question": lowest["text"], "average": lowest["average"]}) if lowest else
            _("Review the course content, method and trainer with the trainer.")})
    if level1["hidden"]:
        found.append({"problem": _("%(count)s survey(s) have fewer than 3 answers: their results stay hidden.")
                      % {"count": len(level1["hidden"])},
                      "suggestion": _("Remind the learners to answer the anonymous survey.")})
    goal = by_key["participation"]
    if goal.met is False:
        found.append({"problem": _("Participation rose %(change)s%% against the goal of +%(goal)s%%.") % {
                      "change": goal.change, "goal": _round(report.participation_goal)},
                      "suggestion": _("Check scheduling and workload with the departments; offer make-up "
                                      "sessions or online study to those who missed the training.")})
    goal = by_key["exam"]
    if goal.met is False:
        found.append({"problem": _("The average exam score rose %(change)s%% against the goal of +%(goal)s%%.")
                      % {"change": goal.change, "goal": _round(report.exam_goal)},
                      "suggestion": _("Align the test with the course's key points and add practice on the "
                                      "points most often missed.")})
    if level2["fail_share"] is not None and level2["fail_share"] > FAIL_SHARE_PROBLEM:
        found.append({"problem": _("%(share)s%% of those tested failed (不合格).") % {"share": level2["fail_share"]},
                      "suggestion": _("Arrange a make-up study and a re-test for those who failed.")})
    for row in level3["evaluations"]["dimensions"]:
        if row["average"] is not None and row["average"] < 3:
            found.append({"problem": _("Work-performance evaluation: %(dimension)s averages %(value)s of 5.") % {
                          "dimension": row["label"], "value": row["average"]},
                          "suggestion": _(SUGGESTIONS[row["dimension"]])})
    if level3["not_yet_share"] is not None and level3["not_yet_share"] >= NOT_YET_SHARE_PROBLEM:
        found.append({"problem": _("In %(share)s%% of the observations the skills were not yet seen at work.")
                      % {"share": level3["not_yet_share"]},
                      "suggestion": _("Agree with the managers on on-the-job coaching and chances to use the "
                                      "skills, and observe again next month.")})
    for measure in level4["measures"]:
        if measure.improved is False:
            found.append({"problem": _("%(unit)s: %(measure)s got worse (%(before)s → %(after)s).") % {
                          "unit": measure.org_unit.name, "measure": measure.name,
                          "before": measure.baseline.normalize(), "after": measure.current.normalize()},
                          "suggestion": _("Look into the causes with the department before the next session.")})
    if progress.overdue:
        found.append({"problem": _("%(count)s follow-up task(s) are overdue.") % {"count": progress.overdue},
                      "suggestion": _("Remind those responsible; persistent delays go to the supervision group.")})
    return found


def plan_report(plan: Plan, *, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    report = settings_of(plan)
    session_ids = plan_session_ids(plan)
    learner_ids = sorted(set(Enrolment.objects.filter(session__in=session_ids, status=Enrolment.Status.ENROLLED)
                             .values_list("person_id", flat=True)))
    course_ids = set(Session.objects.filter(pk__in=session_ids).values_list("course_id", flat=True))
    if plan.course_id:
        course_ids.add(plan.course_id)
    start = training_start(plan, session_ids)
    progress = plan_progress(plan, today)
    level1 = _level1(plan)
    level2 = _level2(plan, len(learner_ids))
    level3 = _level3(plan, learner_ids, course_ids)
    level4 = _level4(plan, report, len(learner_ids))
    goals, baseline = _goals(plan, report, session_ids, start, level1, level2)
    people = Person.objects.in_bulk(list(level3["evaluations"]["per_person"]))
    level3["evaluations"]["rows"] = [
        {"person": people[pk], **row} for pk, row in sorted(level3["evaluations"]["per_person"].items(),
                                                            key=lambda item: people[item[0]].employee_no)]
    return {
        "plan": plan, "settings": report, "generated_at": timezone.now(), "today": today,
        "training_start": start, "learners": len(learner_ids), "sessions": len(session_ids),
        "progress": progress, "goals": goals, "baseline": baseline,
        "level1": level1, "level2": level2, "level3": level3, "level4": level4,
        "problems": _problems(report, goals, level1, level2, level3, level4, progress),
    }

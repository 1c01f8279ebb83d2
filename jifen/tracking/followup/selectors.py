"""Reads shared by the pages and the API, each narrowed by the caller's access."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import mean

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jifen.org.models import Person
from jifen.org.permissions import Access, Perm
from jifen.tracking.followup.models import (
    ActivityKind,
    AnonymousResponse,
    Audience,
    Plan,
    Task,
    TaskStatus,
    TemplateActivity,
    TestResult,
)
from jifen.tracking.instruments.models import Dimension, Question, QuestionKind, Response

MIN_GROUP = 3  # anonymous results are shown for groups of at least this many answers


def plans_managed(access: Access) -> QuerySet[Plan]:
    if not access.has(Perm.TRACKING_MANAGE):
        return Plan.objects.none()
    return (Plan.objects.filter(org_unit__in=access.units(Perm.TRACKING_MANAGE).values("pk"))
            .select_related("template", "session", "session__course", "programme", "org_unit", "course"))


def plans_with_progress(access: Access) -> QuerySet[Plan]:
    return plans_managed(access).annotate(
        task_count=Count("tasks", filter=~Q(tasks__status=TaskStatus.CANCELLED)),
        done_count=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
    ).order_by("-ended_on", "-pk")


def tasks_of(person_id: int) -> QuerySet[Task]:
    return (Task.objects.filter(assignee_id=person_id, plan__status=Plan.Status.ACTIVE)
            .select_related("plan", "activity", "activity__form", "subject").order_by("status", "due_on", "pk"))


def tasks_in_scope(access: Access) -> QuerySet[Task]:
    """Tasks of the plans the caller manages."""
    return (Task.objects.filter(plan__in=plans_managed(access).values("pk"))
            .select_related("plan", "activity", "activity__form", "subject", "assignee").order_by("due_on", "pk"))


def own_task(access: Access, pk: int) -> Task | None:
    if access.person_id is None:
        return None
    return tasks_of(access.person_id).filter(pk=pk).first()


@dataclass
class Progress:
    total: int = 0
    done: int = 0
    overdue: int = 0
    open: int = 0
    by_activity: list[dict] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def plan_progress(plan: Plan, today: dt.date) -> Progress:
    progress = Progress()
    rows = defaultdict(lambda: {"total": 0, "done": 0, "overdue": 0})
    activities = {}
    for task in plan.tasks.exclude(status=TaskStatus.CANCELLED).select_related("activity"):
        status = task.shown_status(today)
        row = rows[task.activity_id]
        activities[task.activity_id] = task.activity
        row["total"] += 1
        progress.total += 1
        if status == TaskStatus.DONE:
            row["done"] += 1
            progress.done += 1
        elif status == TaskStatus.OVERDUE:
            row["overdue"] += 1
            progress.overdue += 1
        else:
            progress.open += 1
    for activity_id, row in rows.items():
        activity = activities[activity_id]
        progress.by_activity.append({"activity": activity, **row,
                                     "percent": round(100 * row["done"] / row["total"]) if row["total"] else 0})
    progress.by_activity.sort(key=lambda r: (r["activity"].position, r["activity"].pk))
    return progress


# ---------------------------------------------------------------- anonymous survey results


def _question_summary(question: Question, values: list) -> dict:
    summary = {"question": question, "count": len(values)}
    if question.kind in (QuestionKind.LIKERT, QuestionKind.SCORE) and values:
        summary["average"] = round(mean(float(v) for v in values), 2)
        if question.kind == QuestionKind.LIKERT:
            summary["satisfied"] = round(100 * sum(1 for v in values if v >= 4) / len(values))
    elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        counts = [0] * len(question.options)
        for value in values:
            for index in value if isinstance(value, list) else [value]:
                if 0 <= index < len(counts):
                    counts[index] += 1
        summary["choices"] = list(zip(question.options, counts, strict=True))
    elif question.kind == QuestionKind.MATRIX:
        summary["rows"] = [(row, round(mean(v[str(i)] for v in values if str(i) in v), 2)
                            if any(str(i) in v for v in values) else None)
                           for i, row in enumerate(question.options)]
    elif question.kind == QuestionKind.TEXT:
        summary["texts"] = sorted(str(v) for v in values)  # sorted: never in the order they came
    return summary


def survey_results(plan: Plan) -> list[dict]:
    """Per survey activity of the plan: how many answered and, for 3 answers or more, the results
    per question (for each version answered). Fewer than 3: only that it is hidden."""
    groups = []
    activities = TemplateActivity.objects.filter(template=plan.template_id, kind=ActivityKind.SURVEY,
                                                 form__anonymous=True).order_by("position", "pk")
    for activity in activities:
        rows = list(AnonymousResponse.objects.filter(plan=plan, activity=activity).values_list("version_id",
                                                                                           "answers"))
        group = {"activity": activity, "count": len(rows), "hidden": len(rows) < MIN_GROUP, "questions": []}
        if not group["hidden"]:
            questions = Question.objects.filter(version_id__in={v for v, _a in rows}).order_by(
                "version__number", "position", "pk")
            for question in questions:
                values = [a[str(question.pk)] for v, a in rows if v == question.version_id and str(question.pk) in a]
                group["questions"].append(_question_summary(question, values))
            satisfied = [q["satisfied"] for q in group["questions"] if "satisfied" in q]
            group["satisfaction"] = round(mean(satisfied)) if satisfied else None
        groups.append(group)
    return groups


# ---------------------------------------------------------------- test results


def test_results_of(person_id: int) -> QuerySet[TestResult]:
    return TestResult.objects.filter(person_id=person_id).select_related("plan", "course")


def results_in_scope(access: Access, grade: str = "") -> QuerySet[TestResult]:
    """Test results of the people the caller follows (managers, training admins, auditors)."""
    results = TestResult.objects.filter(person__in=access.people(Perm.TRACKING_VIEW).values("pk"))
    if grade:
        results = results.filter(grade=grade)
    return results.select_related("person", "person__org_unit", "plan").order_by("-taken_on", "person__employee_no")


def people_followed(access: Access) -> QuerySet[Person]:
    return access.people(Perm.TRACKING_VIEW)


# ---------------------------------------------------------------- 360 evaluation report

SUGGESTIONS = {
    Dimension.ATTITUDE: gettext_noop("Agree with the manager on two or three concrete behaviours (taking ownership, "
                           "helping colleagues) and review them at the monthly one-to-one."),
    Dimension.ABILITY: gettext_noop("Practise the skills from the course on a real task with a mentor, and consider a "
                          "follow-up course or workshop."),
    Dimension.RESULTS: gettext_noop("Set measurable targets for the next quarter (completion, quality, efficiency) and "
                          "check progress monthly."),
}


def _suggestion(dimension: str) -> str:
    return _(SUGGESTIONS[dimension])


def dimension_scores(response: Response) -> dict[str, list[float]]:
    scores: dict[str, list[float]] = defaultdict(list)
    for answer in response.answers.all():
        question = answer.question
        if not question.dimension or answer.value is None:
            continue
        if question.kind == QuestionKind.MATRIX:
            scores[question.dimension] += [float(v) for v in answer.value.values()]
        elif question.kind == QuestionKind.LIKERT:
            scores[question.dimension].append(float(answer.value))
        elif question.kind == QuestionKind.SCORE and question.max_value is not None:
            low, high = float(question.min_value or 0), float(question.max_value)
            scores[question.dimension].append(1 + 4 * (float(answer.value) - low) / (high - low))
    return scores


def evaluation_report(plan: Plan, person: Person) -> dict:
    """The 360 report on one learner: per dimension the average (1-5) of manager, peers and self and
    the weighted score (the template's weights, re-scaled over who answered); strengths, weaknesses,
    suggestions, and the comments (peers' without names)."""
    template = plan.template
    weights = {Audience.MANAGER: float(template.manager_weight), Audience.PEERS: float(template.peers_weight),
               Audience.SELF: float(template.self_weight)}
    tasks = {f"task:{t.pk}": t for t in plan.tasks.filter(kind=ActivityKind.EVALUATION, subject=person,
                                                          status=TaskStatus.DONE)}
    responses = (Response.objects.filter(context__in=list(tasks)).select_related("respondent")
                 .prefetch_related("answers", "answers__question"))
    by_audience: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    comments: dict[str, list[dict]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for response in responses:
        audience = tasks[response.context].audience
        counts[audience] += 1
        for dimension, values in dimension_scores(response).items():
            by_audience[audience][dimension].append(mean(values))
        for answer in response.answers.all():
            if answer.question.kind == QuestionKind.TEXT and answer.value:
                comments[answer.question.topic or "other"].append({
                    "audience": Audience(audience).label,
                    "by": response.respondent.name if audience == Audience.MANAGER else "",
                    "text": answer.value})
    dimensions = []
    for dimension in Dimension:
        row = {"dimension": dimension, "label": dimension.label, "scores": {}}
        weighted, total = 0.0, 0.0
        for audience, weight in weights.items():
            values = by_audience.get(audience, {}).get(dimension.value)
            if values:
                score = mean(values)
                row["scores"][audience] = round(score, 2)
                weighted += weight * score
                total += weight
        row["weighted"] = round(weighted / total, 2) if total else None
        row["manager"], row["peers"], row["self"] = (row["scores"].get(a) for a in
                                                     (Audience.MANAGER, Audience.PEERS, Audience.SELF))
        dimensions.append(row)
    scored = [d for d in dimensions if d["weighted"] is not None]
    strengths = [d for d in scored if d["weighted"] >= 4]
    weaknesses = [d for d in scored if d["weighted"] < 3]
    if scored and not strengths and not weaknesses and len(scored) > 1:
        best, worst = max(scored, key=lambda d: d["weighted"]), min(scored, key=lambda d: d["weighted"])
        if best["weighted"] - worst["weighted"] >= 0.5:
            strengths, weaknesses = [best], [worst]
    return {
        "person": person, "plan": plan, "dimensions": dimensions, "counts": dict(counts),
        "overall": round(mean(d["weighted"] for d in scored), 2) if scored else None,
        "strengths": strengths, "weaknesses": weaknesses,
        "suggestions": [_suggestion(d["dimension"]) for d in weaknesses],
        "comments": dict(comments), "weights": weights,
    }


def evaluated_people(plan: Plan) -> QuerySet[Person]:
    return Person.objects.filter(pk__in=plan.tasks.filter(kind=ActivityKind.EVALUATION).values("subject_id")) \
        .order_by("employee_no")

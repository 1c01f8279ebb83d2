"""The tracking report and the business measures over the API, with the pages' scope rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Field, Router, Schema, Status

from jifen.org.models import OrgUnit
from jifen.org.permissions import Perm, get_access
from jifen.tracking.reports import selectors, services

router = Router(tags=["reports"])


class GoalOut(Schema):
    key: str
    label: str
    target: str
    current: Decimal | None
    baseline: Decimal | None
    change: Decimal | None
    met: bool | None


class ReportQuestionOut(Schema):
    survey: str
    text: str
    count: int
    average: float
    satisfied_percent: int | None


class ReactionOut(Schema):
    satisfaction_percent: Decimal | None
    answers: int
    questions: list[ReportQuestionOut]
    hidden_surveys: int = Field(..., description="Surveys with fewer than 3 answers, whose results stay hidden")


class GradeOut(Schema):
    grade: str
    label: str
    count: int


class LearningOut(Schema):
    tested: int
    learners: int
    average: Decimal | None
    grades: list[GradeOut]
    paired: int = Field(..., description="Learners tested before and after the training")
    pre_average: Decimal | None
    post_average: Decimal | None
    improvement_percent: Decimal | None


class DimensionOut(Schema):
    dimension: str
    label: str
    average: Decimal | None


class RatingOut(Schema):
    rating: str
    label: str
    count: int


class BehaviourOut(Schema):
    observations: int
    ratings: list[RatingOut]
    evaluated_people: int
    dimensions: list[DimensionOut]
    application_cases: int
    cases_confirmed: int
    learners_with_case: int


class BusinessMeasureOut(Schema):
    id: int
    plan_id: int
    department: str
    department_id: int
    name: str
    unit: str
    higher_is_better: bool
    baseline: Decimal
    current: Decimal
    change_percent: Decimal | None
    improved: bool | None
    baseline_period: str
    current_period: str
    note: str
    entered_at: dt.datetime


class ResultsOut(Schema):
    measures: list[BusinessMeasureOut]
    cost: Decimal | None
    benefit: Decimal | None
    roi_percent: Decimal | None


class ProblemOut(Schema):
    problem: str
    suggestion: str


class ReportOut(Schema):
    plan_id: int
    plan: str
    learners: int
    training_start: dt.date
    training_end: dt.date
    baseline_start: dt.date
    baseline_end: dt.date
    tasks_done: int
    tasks_total: int
    goals: list[GoalOut]
    reaction: ReactionOut
    learning: LearningOut
    behaviour: BehaviourOut
    results: ResultsOut
    problems: list[ProblemOut]
    conclusion: str


def _measure_out(m) -> dict:
    return {"id": m.pk, "plan_id": m.plan_id, "department": m.org_unit.name, "department_id": m.org_unit_id,
            "name": m.name, "unit": m.unit, "higher_is_better": m.higher_is_better, "baseline": m.baseline,
            "current": m.current, "change_percent": None if m.change_percent is None else round(m.change_percent, 1),
            "improved": m.improved, "baseline_period": m.baseline_period, "current_period": m.current_period,
            "note": m.note, "entered_at": m.entered_at}


@router.get("/tracking/plans/{plan_id}/report", response=ReportOut)
def plan_report(request, plan_id: int):
    """A tracking plan's report in Kirkpatrick's four levels, its goals against the baseline and the
    problems the data shows (training admins, managers and auditors, for plans organised in their scope)."""
    access = get_access(request)
    access.require(Perm.TRACKING_VIEW)
    plan = selectors.plans_visible(access).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    r = selectors.plan_report(plan)
    l1, l2, l3, l4 = r["level1"], r["level2"], r["level3"], r["level4"]
    return {
        "plan_id": plan.pk, "plan": plan.name, "learners": r["learners"], "training_start": r["training_start"],
        "training_end": plan.ended_on, "baseline_start": r["baseline"]["start"], "baseline_end": r["baseline"]["end"],
        "tasks_done": r["progress"].done, "tasks_total": r["progress"].total,
        "goals": [{"key": g.key, "label": g.label, "target": g.goal_text, "current": g.current, "baseline": g.baseline,
                   "change": g.change, "met": g.met} for g in r["goals"]],
        "reaction": {"satisfaction_percent": l1["satisfaction"], "answers": l1["answers"],
                     "questions": [{"survey": q["survey"], "text": q["text"], "count": q["count"],
                                    "average": q["average"], "satisfied_percent": q["satisfied"]}
                                   for q in l1["questions"]],
                     "hidden_surveys": len(l1["hidden"])},
        "learning": {"tested": l2["count"], "learners": l2["learners"], "average": l2["average"],
                     "grades": [{"grade": g["grade"].value, "label": g["label"], "count": g["count"]}
                                for g in l2["grades"]],
                     "paired": l2["paired"], "pre_average": l2["pre_average"], "post_average": l2["post_average"],
                     "improvement_percent": l2["improvement_percent"]},
        "behaviour": {"observations": l3["observations"],
                      "ratings": [{"rating": x["rating"].value, "label": str(x["label"]), "count": x["count"]}
                                  for x in l3["ratings"]],
                      "evaluated_people": l3["evaluations"]["people"],
                      "dimensions": [{"dimension": d["dimension"].value, "label": str(d["label"]),
                                      "average": d["average"]} for d in l3["evaluations"]["dimensions"]],
                      "application_cases": l3["cases"], "cases_confirmed": l3["cases_confirmed"],
                      "learners_with_case": l3["case_people"]},
        "results": {"measures": [_measure_out(m) for m in l4["measures"]], "cost": l4["cost"],
                    "benefit": l4["benefit"], "roi_percent": l4["roi"]},
        "problems": [{"problem": p["problem"], "suggestion": p["suggestion"]} for p in r["problems"]],
        "conclusion": r["settings"].conclusion,
    }


class MeasureIn(Schema):
    department_id: int
    name: str = Field(..., max_length=200)
    unit: str = Field("", max_length=30)
    higher_is_better: bool = True
    baseline: Decimal = Field(..., max_digits=16, decimal_places=4)
    current: Decimal = Field(..., max_digits=16, decimal_places=4)
    baseline_period: str = Field("", max_length=60)
    current_period: str = Field("", max_length=60)
    note: str = Field("", max_length=1000)


def _plan_for_measures(request, plan_id: int):
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    plan = selectors.plans_for_measures(access).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return access, plan


@router.get("/tracking/plans/{plan_id}/measures", response=list[BusinessMeasureOut])
def list_measures(request, plan_id: int):
    """The business measures of my departments for a plan my people were followed up in."""
    access, plan = _plan_for_measures(request, plan_id)
    return [_measure_out(m) for m in selectors.measures_editable(access).filter(plan=plan)
            .select_related("org_unit").order_by("org_unit__path", "pk")]


@router.post("/tracking/plans/{plan_id}/measures", response={201: BusinessMeasureOut})
def add_measure(request, plan_id: int, payload: MeasureIn):
    """Enter a business result (Kirkpatrick level 4) for one of my departments."""
    access, plan = _plan_for_measures(request, plan_id)
    units = access.units(Perm.TRACKING_FOLLOW)
    data = payload.dict()
    department = OrgUnit.objects.filter(pk=data.pop("department_id")).first()
    measure = services.measure_add(plan=plan, org_unit=department, units=units, actor=request.user, **data)
    return Status(201, _measure_out(measure))


@router.delete("/tracking/measures/{measure_id}", response={204: None})
def remove_measure(request, measure_id: int):
    access = get_access(request)
    access.require(Perm.TRACKING_FOLLOW)
    measure = selectors.measures_editable(access).filter(pk=measure_id).first()
    if measure is None:
        raise Http404
    services.measure_remove(measure=measure)
    return Status(204, None)

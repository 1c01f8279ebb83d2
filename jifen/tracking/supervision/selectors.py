"""Reads for the supervision group (监督小组, seed 004 四(六) and 五): department KPIs, the annual
summary and what the archive holds. Nothing here writes.

Every read is narrowed to an *area*: the unit the viewer chose (or the top of their TRACKING_VIEW
scope) and its subtree. Its departments are the units directly below it, each counted with its whole
subtree, so one grouped query per figure answers for every department at once: a unit belongs to the
department whose path is the first ``len(top.path) + steplen`` characters of its own path.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import mean

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr, TruncDate
from django.utils.translation import gettext as _

from jifen.org.models import OrgUnit
from jifen.org.permissions import Access, Perm
from jifen.tracking.followup.models import (
    AnonymousResponse,
    Audience,
    Grade,
    Plan,
    Task,
    TaskStatus,
    TestResult,
)
from jifen.tracking.followup.selectors import MIN_GROUP
from jifen.tracking.growth.models import (
    ActionStatus,
    ApplicationCase,
    CareerReview,
    DevelopmentPlan,
    ImprovementAction,
    Observation,
)
from jifen.tracking.instruments.models import Question, QuestionKind

FINISHED_ACTIONS = (ActionStatus.DONE, ActionStatus.VERIFIED)
OPEN_ACTIONS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
UNFINISHED_TASKS = (TaskStatus.OPEN, TaskStatus.OVERDUE)


# ---------------------------------------------------------------- the area a viewer looks at


@dataclass
class Area:
    """The unit looked at (``top``; None when the viewer's scope is several separate subtrees) and its
    departments: the units directly below it, or, without a top, the separate subtrees themselves."""

    top: OrgUnit | None
    departments: list[OrgUnit]

    @property
    def name(self) -> str:
        return self.top.name if self.top else "、".join(d.name for d in self.departments)

    def q(self, path_field: str) -> Q:
        """Rows whose unit (``path_field``, e.g. ``org_unit__path``) lies in the area."""
        if self.top is not None:
            return Q(**{f"{path_field}__startswith": self.top.path})
        q = Q(pk__in=[])
        for unit in self.departments:
            q |= Q(**{f"{path_field}__startswith": unit.path})
        return q

    def groups(self, path_field: str) -> list[tuple[int, Q]]:
        """(prefix length, filter) pairs: one grouped query each. One pair for a top; without a top, one
        per distinct depth of the subtrees (never one per department)."""
        if self.top is not None:
            return [(len(self.top.path) + OrgUnit.steplen, Q(**{f"{path_field}__startswith": self.top.path}))]
        by_length: dict[int, Q] = {}
        for unit in self.departments:
            by_length[len(unit.path)] = by_length.get(len(unit.path), Q(pk__in=[])) | Q(
                **{f"{path_field}__startswith": unit.path})
        return sorted(by_length.items(), key=lambda pair: pair[0])


def area_for(access: Access, unit_id: int | None = None) -> Area | None:
    """The area for the viewer: the chosen unit when it is in their TRACKING_VIEW scope (None when it
    is not: the caller answers 404), else the top of their scope."""
    if not access.has(Perm.TRACKING_VIEW):
        return None
    scope = access.scope(Perm.TRACKING_VIEW)
    if unit_id is not None:
        top = OrgUnit.objects.filter(pk=unit_id).first()
        if top is None or not access.can_unit(Perm.TRACKING_VIEW, top):
            return None
    elif scope.everything:
        roots = list(OrgUnit.objects.get_root_nodes())
        top = roots[0] if len(roots) == 1 else None
        if top is None:
            return Area(top=None, departments=roots)
    else:
        tops = list(OrgUnit.objects.filter(path__in=sorted(scope.unit_paths)).order_by("path"))
        if len(tops) != 1:
            return Area(top=None, departments=tops)
        top = tops[0]
    return Area(top=top, departments=list(OrgUnit.objects.filter(
        path__startswith=top.path, depth=top.depth + 1).order_by("path")))


def units_to_choose(access: Access) -> QuerySet[OrgUnit]:
    """The units a viewer may look at (for the unit picker): those in scope, shallow ones first."""
    return access.units(Perm.TRACKING_VIEW).filter(archived_at__isnull=True).order_by("path")


def _by_department(area: Area, queryset: QuerySet, path_field: str, **aggregates) -> dict[str, dict]:
    """``aggregates`` per department path (the top's own path for rows directly on the top)."""
    found: dict[str, dict] = {}
    for length, q in area.groups(path_field):
        rows = (queryset.filter(q).annotate(_department=Substr(path_field, 1, length)).order_by()
                .values("_department").annotate(**aggregates))
        for row in rows:
            found[row.pop("_department")] = row
    return found


# ---------------------------------------------------------------- department KPIs (部门跟踪考核指标)


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass
class KpiRow:
    """One department's follow-up figures for a year (see ``KPI_DEFINITIONS``)."""

    unit: OrgUnit | None
    label: str
    plans: int = 0
    plans_on_time: int = 0
    plan_tasks_due: int = 0
    plan_tasks_done: int = 0
    feedback_done: int = 0
    feedback_on_time: int = 0
    manager_done: int = 0
    manager_on_time: int = 0
    feedback_past_due: int = 0
    feedback_past_due_done: int = 0
    actions_due: int = 0
    actions_finished: int = 0
    actions_overdue: int = 0

    COUNTS = ("plans", "plans_on_time", "plan_tasks_due", "plan_tasks_done", "feedback_done", "feedback_on_time",
              "manager_done", "manager_on_time", "feedback_past_due", "feedback_past_due_done", "actions_due",
              "actions_finished", "actions_overdue")

    @property
    def plans_on_time_percent(self) -> int | None:
        return percent(self.plans_on_time, self.plans)

    @property
    def plan_tasks_percent(self) -> int | None:
        return percent(self.plan_tasks_done, self.plan_tasks_due)

    @property
    def timeliness_percent(self) -> int | None:
        return percent(self.feedback_on_time, self.feedback_done)

    @property
    def manager_timeliness_percent(self) -> int | None:
        return percent(self.manager_on_time, self.manager_done)

    @property
    def completeness_percent(self) -> int | None:
        return percent(self.feedback_past_due_done, self.feedback_past_due)

    @property
    def actions_percent(self) -> int | None:
        return percent(self.actions_finished, self.actions_due)

    def add(self, other: KpiRow) -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "unit_id": self.unit.pk if self.unit else None, "name": self.label,
            **{name: getattr(self, name) for name in self.COUNTS},
            "plans_on_time_percent": self.plans_on_time_percent, "plan_tasks_percent": self.plan_tasks_percent,
            "timeliness_percent": self.timeliness_percent,
            "manager_timeliness_percent": self.manager_timeliness_percent,
            "completeness_percent": self.completeness_percent, "actions_percent": self.actions_percent,
        }


def kpi_definitions() -> list[tuple[str, str]]:
    """What each KPI counts, word for word what the page's help text says."""
    return [
        (_("Plans made on time"),
         _("Tracking plans whose training ended in the year and that were made on or before their due date "
           "(the template's working days after the training), out of all those plans.")),
        (_("Plan task completion"),
         _("Tasks of those plans that are done, out of their tasks that are due by today or done early; "
           "cancelled tasks are not counted.")),
        (_("Feedback on time"),
         _("Follow-up tasks due in the year and done by the department's people: the share done on or before "
           "the due date. “Managers” is the same for the tasks managers do as the employing department "
           "(用人部门): observations, evaluations and career reviews of their people.")),
        (_("Feedback complete"),
         _("Follow-up tasks of the department's people due in the year whose due date has passed: the share "
           "done; cancelled tasks are not counted.")),
        (_("Improvement actions completed"),
         _("Improvement actions of the department with a deadline in the year that are done or verified, out of "
           "those whose deadline has passed or that are done or verified; cancelled actions are not counted. "
           "Overdue: still open after the deadline.")),
    ]


def department_kpis(area: Area, year: int, today: dt.date) -> tuple[list[KpiRow], KpiRow]:
    """One row per department of the area (and one for what sits directly on its top unit, when
    anything does), and the total. A fixed number of queries whatever the number of departments."""
    plans = Plan.objects.filter(ended_on__year=year)
    plan_rows = _by_department(
        area, plans.annotate(created_on=TruncDate("created_at")), "org_unit__path",
        plans=Count("pk"), plans_on_time=Count("pk", filter=Q(created_on__lte=F("due_on"))))
    plan_tasks = Task.objects.filter(plan__ended_on__year=year).exclude(status=TaskStatus.CANCELLED).filter(
        Q(due_on__lte=today) | Q(status=TaskStatus.DONE))
    plan_task_rows = _by_department(
        area, plan_tasks, "plan__org_unit__path",
        plan_tasks_due=Count("pk"), plan_tasks_done=Count("pk", filter=Q(status=TaskStatus.DONE)))
    done = Q(status=TaskStatus.DONE)
    on_time = done & Q(completed_on__lte=F("due_on"))
    manager = Q(audience=Audience.MANAGER)
    past_due = Q(due_on__lt=today)
    feedback = (Task.objects.filter(due_on__year=year).exclude(status=TaskStatus.CANCELLED)
                .annotate(completed_on=TruncDate("completed_at")))
    feedback_rows = _by_department(
        area, feedback, "assignee__org_unit__path",
        feedback_done=Count("pk", filter=done), feedback_on_time=Count("pk", filter=on_time),
        manager_done=Count("pk", filter=done & manager), manager_on_time=Count("pk", filter=on_time & manager),
        feedback_past_due=Count("pk", filter=past_due), feedback_past_due_done=Count("pk", filter=past_due & done))
    actions = ImprovementAction.objects.filter(deadline__year=year).exclude(status=ActionStatus.CANCELLED)
    action_rows = _by_department(
        area, actions, "org_unit__path",
        actions_due=Count("pk", filter=Q(deadline__lt=today) | Q(status__in=FINISHED_ACTIONS)),
        actions_finished=Count("pk", filter=Q(status__in=FINISHED_ACTIONS)),
        actions_overdue=Count("pk", filter=Q(status__in=OPEN_ACTIONS, deadline__lt=today)))

    def row_for(unit: OrgUnit, label: str) -> KpiRow:
        row = KpiRow(unit=unit, label=label)
        for found in (plan_rows, plan_task_rows, feedback_rows, action_rows):
            for name, value in found.get(unit.path, {}).items():
                setattr(row, name, value)
        return row

    rows = []
    if area.top is not None:
        direct = row_for(area.top, _("%(unit)s (directly)") % {"unit": area.top.name})
        if any(getattr(direct, name) for name in KpiRow.COUNTS):
            rows.append(direct)
    rows += [row_for(unit, unit.name) for unit in area.departments]
    total = KpiRow(unit=area.top, label=_("Total"))
    for row in rows:
        total.add(row)
    return rows, total


def kpi_chart(rows: list[KpiRow]) -> dict:
    """An ECharts option: the five rates per department, side by side."""
    series = [
        (_("Plans made on time"), "plans_on_time_percent", "#0f766e"),
        (_("Plan task completion"), "plan_tasks_percent", "#2563eb"),
        (_("Feedback on time"), "timeliness_percent", "#d97706"),
        (_("Feedback complete"), "completeness_percent", "#7c3aed"),
        (_("Improvement actions completed"), "actions_percent", "#b4461b"),
    ]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [row.label for row in rows], "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [{"name": str(name), "type": "bar", "itemStyle": {"color": color},
                    "data": [getattr(row, attr) for row in rows]} for name, attr, color in series],
    }


# ---------------------------------------------------------------- the annual summary (年度跟踪管理总结)


def plans_of(area: Area, year: int) -> QuerySet[Plan]:
    return Plan.objects.filter(area.q("org_unit__path"), ended_on__year=year)


def survey_satisfaction(plans: QuerySet[Plan]) -> dict:
    """Anonymous survey answers of the plans: how many, and the average satisfaction over the survey
    groups (one plan's one survey) of at least MIN_GROUP answers, each group's satisfaction worked out
    as ``followup.selectors.survey_results`` does (per agreement question the share answering 4 or 5,
    averaged). Groups below MIN_GROUP count as answered but never in the satisfaction. Two queries."""
    groups: dict[tuple[int, int], list[tuple[int, dict]]] = defaultdict(list)
    for plan_id, activity_id, version_id, answers in AnonymousResponse.objects.filter(
            plan__in=plans.values("pk")).values_list("plan_id", "activity_id", "version_id", "answers"):
        groups[(plan_id, activity_id)].append((version_id, answers))
    shown = {key: rows for key, rows in groups.items() if len(rows) >= MIN_GROUP}
    versions = {version for rows in shown.values() for version, _answers in rows}
    questions = list(Question.objects.filter(version_id__in=versions, kind=QuestionKind.LIKERT)
                     .order_by("version_id", "position", "pk").values_list("pk", "version_id"))
    satisfaction = []
    for rows in shown.values():
        satisfied = []
        for question_id, version_id in questions:
            values = [answers[str(question_id)] for version, answers in rows
                      if version == version_id and str(question_id) in answers]
            if values:
                satisfied.append(round(100 * sum(1 for v in values if v >= 4) / len(values)))
        if satisfied:
            satisfaction.append(round(mean(satisfied)))
    return {
        "answers": sum(len(rows) for rows in groups.values()), "groups": len(groups), "groups_shown": len(shown),
        "groups_hidden": len(groups) - len(shown),
        "satisfaction": round(mean(satisfaction)) if satisfaction else None,
    }


@dataclass
class Summary:
    year: int
    area: Area
    plans: dict = field(default_factory=dict)
    tasks: dict = field(default_factory=dict)
    surveys: dict = field(default_factory=dict)
    grades: list[tuple[str, str, int]] = field(default_factory=list)
    growth: dict = field(default_factory=dict)
    actions: dict = field(default_factory=dict)
    kpis: list[KpiRow] = field(default_factory=list)
    kpi_total: KpiRow | None = None

    @property
    def tested(self) -> int:
        return sum(n for _v, _l, n in self.grades)


def annual_summary(area: Area, year: int, today: dt.date) -> Summary:
    """The year's follow-up in the area, for the summary page, its PDF and the archive."""
    plans = plans_of(area, year)
    summary = Summary(year=year, area=area)
    summary.plans = plans.aggregate(run=Count("pk"), closed=Count("pk", filter=Q(status=Plan.Status.CLOSED)))
    summary.tasks = Task.objects.filter(plan__in=plans.values("pk")).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        overdue=Count("pk", filter=Q(status__in=UNFINISHED_TASKS, due_on__lt=today)),
        open=Count("pk", filter=Q(status__in=UNFINISHED_TASKS, due_on__gte=today)),
        cancelled=Count("pk", filter=Q(status=TaskStatus.CANCELLED)))
    summary.surveys = survey_satisfaction(plans)
    by_grade = dict(TestResult.objects.filter(plan__in=plans.values("pk")).order_by().values("grade")
                    .annotate(n=Count("pk")).values_list("grade", "n"))
    summary.grades = [(value, str(label), by_grade.get(value, 0)) for value, label in Grade.choices]
    person_in_area = area.q("person__org_unit__path")
    observations = Observation.objects.filter(person_in_area, observed_on__year=year).aggregate(
        total=Count("pk"), acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)))
    cases = ApplicationCase.objects.filter(person_in_area, applied_on__year=year).aggregate(
        total=Count("pk"), confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)))
    summary.growth = {
        "observations": observations["total"], "observations_acknowledged": observations["acknowledged"],
        "cases": cases["total"], "cases_confirmed": cases["confirmed"],
        "development_plans_agreed": DevelopmentPlan.objects.filter(
            person_in_area, status=DevelopmentPlan.Status.AGREED, agreed_at__year=year).count(),
        "career_reviews": CareerReview.objects.filter(area.q("plan__person__org_unit__path"), year=year).count(),
    }
    in_area = ImprovementAction.objects.filter(area.q("org_unit__path"))
    summary.actions = {
        "opened": in_area.filter(created_at__year=year).count(),
        **in_area.filter(closed_at__year=year).aggregate(
            closed=Count("pk", filter=Q(status__in=FINISHED_ACTIONS)),
            verified=Count("pk", filter=Q(status=ActionStatus.VERIFIED)),
            cancelled=Count("pk", filter=Q(status=ActionStatus.CANCELLED))),
        "open_overdue": in_area.filter(status__in=OPEN_ACTIONS, deadline__lt=today).count(),
    }
    summary.kpis, summary.kpi_total = department_kpis(area, year, today)
    return summary


def _bar(labels: list[str], values: list, color: str) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 24, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "data": values, "itemStyle": {"color": color},
                    "label": {"show": True, "position": "top"}}],
    }


def summary_charts(summary: Summary) -> dict[str, dict]:
    tasks = summary.tasks
    actions = summary.actions
    growth = summary.growth
    return {
        "tasks": _bar([_("Done"), _("Overdue"), _("Open"), _("Cancelled")],
                      [tasks["done"], tasks["overdue"], tasks["open"], tasks["cancelled"]], "#2563eb"),
        "grades": _bar([label for _v, label, _n in summary.grades], [n for _v, _l, n in summary.grades], "#0f766e"),
        "growth": _bar([_("Observations"), _("Application cases"), _("Development plans agreed"),
                        _("Career reviews")],
                       [growth["observations"], growth["cases"], growth["development_plans_agreed"],
                        growth["career_reviews"]], "#d97706"),
        "actions": _bar([_("New this year"), _("Completed"), _("Verified effective"), _("Open and overdue")],
                        [actions["opened"], actions["closed"], actions["verified"], actions["open_overdue"]],
                        "#b4461b"),
        "kpis": kpi_chart(summary.kpis),
    }


# ---------------------------------------------------------------- the archive


def archive_years(area: Area, today: dt.date) -> list[dict]:
    """Years with follow-up data in the area, newest first, each with its counts of plans and actions."""
    plan_counts = dict(Plan.objects.filter(area.q("org_unit__path")).order_by().values_list("ended_on__year")
                       .annotate(n=Count("pk")).values_list("ended_on__year", "n"))
    action_counts = dict(ImprovementAction.objects.filter(area.q("org_unit__path")).order_by()
                         .values_list("deadline__year").annotate(n=Count("pk")).values_list("deadline__year", "n"))
    years = sorted(set(plan_counts) | set(action_counts), reverse=True)
    return [{"year": year, "plans": plan_counts.get(year, 0), "actions": action_counts.get(year, 0),
             "current": year == today.year} for year in years]


def plans_with_progress(area: Area, year: int, today: dt.date) -> QuerySet[Plan]:
    return (plans_of(area, year).select_related("org_unit", "course", "template", "programme")
            .annotate(task_total=Count("tasks", filter=~Q(tasks__status=TaskStatus.CANCELLED)),
                      task_done=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
                      task_overdue=Count("tasks", filter=Q(tasks__status__in=UNFINISHED_TASKS,
                                                           tasks__due_on__lt=today)),
                      task_cancelled=Count("tasks", filter=Q(tasks__status=TaskStatus.CANCELLED)))
            .order_by("ended_on", "pk"))


def actions_of(area: Area, year: int) -> QuerySet[ImprovementAction]:
    """Improvement actions of the area opened or due in the year."""
    return (ImprovementAction.objects.filter(area.q("org_unit__path"))
            .filter(Q(created_at__year=year) | Q(deadline__year=year))
            .select_related("org_unit", "responsible", "created_by").order_by("deadline", "pk"))


def results_of(area: Area, year: int) -> QuerySet[TestResult]:
    """Test results of the year's plans in the area, for the people of the area only."""
    return (TestResult.objects.filter(plan__in=plans_of(area, year).values("pk"))
            .filter(area.q("person__org_unit__path"))
            .select_related("person", "person__org_unit", "plan", "course").order_by("plan_id", "person__employee_no"))

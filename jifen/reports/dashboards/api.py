"""The dashboards over the API: the same figures, permissions and scope as the pages.

No ``from __future__ import annotations`` here: django-ninja reads the annotations at runtime."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Query, Router, Schema

from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access
from jifen.reports.dashboards import selectors

router = Router(tags=["dashboards"])


class MonthOut(Schema):
    month: dt.date
    points: Decimal


class LotOut(Schema):
    points: Decimal
    expires_at: dt.datetime


class RequiredCourseOut(Schema):
    course_id: int
    code: str
    title: str
    due_on: dt.date
    overdue: bool


class BadgeOut(Schema):
    name: str
    symbol: str
    awarded_at: dt.datetime


class MeOut(Schema):
    year: int
    points: Decimal = Field(..., description="Points that can be spent now")
    credit_target: Decimal = Field(..., description="This year's credit target, pro-rated for a mid-year hire")
    credits: Decimal
    required_credits: Decimal
    elective_credits: Decimal
    required_minimum: Decimal
    percent: int
    trend: list[MonthOut] = Field(..., description="Points earned per month, the last 12 months")
    expiring: list[LotOut]
    expiring_total: Decimal
    next_required: list[RequiredCourseOut]
    rank: int | None = Field(..., description="Rank in the whole organisation on this year's points")
    ranked: int
    level: str | None
    next_level: str | None
    points_to_next_level: Decimal | None
    new_badges: list[BadgeOut]


@router.get("/dashboards/me", response=MeOut)
def dashboard_me(request):
    """Your own home: points, this year's credits against your target, the last 12 months, points expiring in
    30 days, required courses still to do, your rank and level, badges of the last 30 days."""
    access = get_access(request)
    person = Person.objects.select_related("org_unit", "position").filter(pk=access.person_id).first() \
        if access.person_id else None
    if person is None:
        raise Http404
    home = selectors.learner_home(person=person)
    return MeOut(
        year=home.year, points=home.points, credit_target=home.target, credits=home.earned,
        required_credits=home.required_earned, elective_credits=home.elective_earned,
        required_minimum=home.required_minimum, percent=home.percent,
        trend=[MonthOut(month=m.month, points=m.points) for m in home.trend],
        expiring=[LotOut(points=lot.remaining, expires_at=lot.expires_at) for lot in home.expiring],
        expiring_total=home.expiring_total,
        next_required=[RequiredCourseOut(course_id=line.course.pk, code=line.course.code, title=line.course.title,
                                         due_on=line.due_on, overdue=line.overdue) for line in home.next_required],
        rank=home.rank, ranked=home.ranked,
        level=home.level.level.name if home.level.level else None,
        next_level=home.level.next_level.name if home.level.next_level else None,
        points_to_next_level=home.level.to_next,
        new_badges=[BadgeOut(name=a.badge.name, symbol=a.badge.symbol, awarded_at=a.awarded_at)
                    for a in home.new_badges],
    )


class UnitOut(Schema):
    unit_id: int
    name: str
    directly: bool = Field(..., description="Only the people placed on the unit itself (a top unit's own staff), "
                                            "not on its sub-units, which have rows of their own")
    people: int
    at_target: int
    percent: Decimal | None
    points: Decimal


def _units(rows) -> list[UnitOut]:
    return [UnitOut(unit_id=row.unit.pk, name=row.name, directly=row.direct, people=row.people,
                    at_target=row.at_target, percent=row.percent, points=row.points) for row in rows]


class LagOut(Schema):
    person_id: int
    employee_no: str
    name: str
    unit: str
    target: Decimal
    credits: Decimal
    missing: Decimal
    required_missing: Decimal
    overdue_courses: int


class TaskOut(Schema):
    task_id: int
    kind: str
    about: str
    due_on: dt.date
    status: str


class TeamOut(Schema):
    year: int
    people: int
    at_target: int
    percent: Decimal | None = Field(..., description="Share of people at their (pro-rated) credit target")
    lagging_count: int
    page: int
    pages: int
    lagging: list[LagOut] = Field(..., description="One page of those below target, most missing first")
    tasks_due_count: int
    tasks_due: list[TaskOut] = Field(..., description="Your open evaluations and observations")
    ranking: list[UnitOut] = Field(..., description="Sub-units by points earned this year")


class PageFilter(Schema):
    page: int = Field(1, ge=1, le=10_000)


@router.get("/dashboards/team", response=TeamOut)
def dashboard_team(request, filters: Query[PageFilter]):
    """Your units' credit completion, who lags and by how much (paged), your follow-up tasks due and the
    ranking of your sub-units. Needs learning progress over others (managers, training admins, HR)."""
    access = get_access(request)
    if not access.sees_others(Perm.LEARNING_VIEW):
        raise PermissionDenied
    board = selectors.team_dashboard(access=access, page=filters.page)
    return TeamOut(
        year=board.year, people=board.people, at_target=board.at_target, percent=board.percent,
        lagging_count=board.lagging_count, page=board.page, pages=board.pages,
        lagging=[LagOut(person_id=row.person.pk, employee_no=row.person.employee_no, name=row.person.name,
                        unit=row.person.org_unit.name_path, target=row.target, credits=row.earned,
                        missing=row.missing, required_missing=row.required_missing, overdue_courses=row.overdue)
                 for row in board.lagging],
        tasks_due_count=board.tasks_due_count,
        tasks_due=[TaskOut(task_id=t.pk, kind=t.kind, about=t.subject.name, due_on=t.due_on, status=t.status)
                   for t in board.tasks_due],
        ranking=_units(board.ranking()),
    )


class MeasureOut(Schema):
    label: str
    current: Decimal | None
    previous: Decimal | None = Field(..., description="Last year")
    change_percent: Decimal | None
    goal: Decimal
    goal_text: str
    met: bool | None


class FigureOut(Schema):
    label: str
    value: Decimal


class PositionOut(Schema):
    position: str
    people: int
    at_target: int
    percent: Decimal | None


class TrainingOut(Schema):
    year: int
    measures: list[MeasureOut] = Field(..., description="Participation, satisfaction and exam average against "
                                                        "the goals (seed 002), this year against last year")
    hot_courses: list[FigureOut]
    hours: list[FigureOut] = Field(..., description="People per band of study hours this year")
    sources: list[FigureOut] = Field(..., description="Points earned this year per rule")
    departments: list[UnitOut]
    positions: list[PositionOut]


@router.get("/dashboards/training", response=TrainingOut)
def dashboard_training(request):
    """The year's training in your scope: participation, satisfaction and exam average against seed 002's
    goals, hot courses, study hours, sources of points, completion by department and position."""
    access = get_access(request)
    if not (access.sees_others(Perm.TRACKING_VIEW) or access.sees_others(Perm.LEARNING_VIEW)):
        raise PermissionDenied
    board = selectors.training_dashboard(access=access)
    return TrainingOut(
        year=board.year,
        measures=[MeasureOut(label=m.label, current=m.current, previous=m.previous, change_percent=m.change,
                             goal=m.goal, goal_text=m.goal_text, met=m.met) for m in board.measures],
        hot_courses=[FigureOut(label=f.label, value=f.value) for f in board.hot_courses],
        hours=[FigureOut(label=f.label, value=f.value) for f in board.hours],
        sources=[FigureOut(label=f.label, value=f.value) for f in board.sources],
        departments=_units(board.units),
        positions=[PositionOut(position=name, people=n, at_target=done, percent=percent)
                   for name, n, done, percent in board.positions],
    )


class EconomyMonthOut(Schema):
    month: dt.date
    issued: Decimal
    spent: Decimal
    expired: Decimal
    outstanding: Decimal


class LowStockOut(Schema):
    reward_id: int
    code: str
    name: str
    stock: int
    price: Decimal


class RuleEconomyOut(Schema):
    rule: str
    this_month: Decimal
    last_month: Decimal
    same_month_last_year: Decimal
    change_on_last_month_percent: Decimal | None
    change_on_last_year_percent: Decimal | None


class EconomyOut(Schema):
    months: list[EconomyMonthOut]
    outstanding: Decimal = Field(..., description="Points held now, not yet spent or expired")
    average_price: Decimal | None = Field(..., description="Average price (points) of a reward on sale")
    rewards_coverable: Decimal | None = Field(..., description="Rewards the outstanding points would buy at "
                                                               "that average price")
    stock_points: Decimal = Field(..., description="Points the limited stock on sale is worth")
    stock_coverage_percent: Decimal | None
    yuan_per_point: Decimal | None = Field(..., description="What the company pays per point, over the rewards on "
                                                            "sale that have a cost (total cost / total price)")
    liability_yuan: Decimal | None = Field(..., description="The outstanding points in yuan at that rate; null when "
                                                            "no reward on sale has a cost")
    rewards_with_cost: int
    rewards_on_sale: int
    low_stock: list[LowStockOut]
    rules: list[RuleEconomyOut]


class StockFilter(Schema):
    threshold: int = Field(selectors.LOW_STOCK, ge=1, le=1000, description="Stock below this is low")


@router.get("/dashboards/economy", response=EconomyOut)
def dashboard_economy(request, filters: Query[StockFilter]):
    """Points issued, spent, expired and outstanding per month, the liability against the reward catalogue,
    low stock, and points per rule against last month and the same month last year. Needs the ledger over the
    whole organisation, or the reward catalogue (then over the people in that scope)."""
    access = get_access(request)
    if not selectors.may_see_economy(access):
        raise PermissionDenied
    board = selectors.economy_dashboard(access=access, threshold=filters.threshold)
    return EconomyOut(
        months=[EconomyMonthOut(month=m.month, issued=m.issued, spent=m.spent, expired=m.expired,
                                outstanding=m.outstanding) for m in board.months],
        outstanding=board.outstanding, average_price=board.average_price, rewards_coverable=board.rewards_coverable,
        stock_points=board.stock_points, stock_coverage_percent=board.coverage,
        yuan_per_point=board.yuan_per_point, liability_yuan=board.liability, rewards_with_cost=board.costed,
        rewards_on_sale=board.on_sale,
        low_stock=[LowStockOut(reward_id=r.pk, code=r.code, name=r.name, stock=r.stock, price=r.price)
                   for r in board.low_stock],
        rules=[RuleEconomyOut(rule=r.rule, this_month=r.this_month, last_month=r.last_month, same_month_last_year=r.last_year,
                       change_on_last_month_percent=r.change_month, change_on_last_year_percent=r.change_year)
               for r in board.rules],
    )

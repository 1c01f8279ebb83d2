"""Leaderboards and ranks over the API. Other systems depend on these shapes: keep them."""

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from jifen.core.errors import ApplicationError
from jifen.org.permissions import Perm, get_access
from jifen.recognition import badges, selectors
from jifen.recognition.models import Badge, BadgeAward

router = Router(tags=["recognition"])

Period = Literal["week", "month", "season", "year"]


class RowOut(Schema):
    rank: int
    points: float
    name: str | None
    employee_no: str | None
    unit: str | None
    anonymous: bool


class BoardOut(Schema):
    scope: str
    label: str
    period: str
    start: dt.datetime
    end: dt.datetime
    group_size: int
    too_small: bool
    ranked: int
    rows: list[RowOut]


class RankOut(Schema):
    employee_no: str
    scope: str
    period: str
    rank: int | None
    ranked: int
    points: float
    too_small: bool


def _row(row: selectors.Row) -> dict:
    hidden = row.anonymous
    return {"rank": row.rank, "points": float(row.points), "anonymous": hidden,
            "name": None if hidden else row.name, "employee_no": None if hidden else row.employee_no,
            "unit": None if hidden else row.unit}


def _board(scope: str, period: str, viewer_id: int | None, size: int = selectors.BOARD_SIZE):
    try:
        return selectors.leaderboard(scope_key=scope, period=period, viewer_id=viewer_id, size=size)
    except selectors.BadScope as error:
        raise ApplicationError(str(error), field="scope") from error


@router.get("/leaderboard", response=BoardOut, summary="A leaderboard: points earned in the period, best first")
def leaderboard(request, scope: str = "company", period: Period = "month"):
    board = _board(scope, period, get_access(request).person_id)
    return {"scope": board.scope.key, "label": board.scope.label, "period": period, "start": board.start,
            "end": board.end, "group_size": board.group_size, "too_small": board.too_small, "ranked": board.ranked,
            "rows": [_row(row) for row in board.rows]}


@router.get("/people/{employee_no}/rank", response=RankOut, summary="A person's rank (oneself, or people in scope)")
def rank(request, employee_no: str, period: Period = "month", scope: str = "company"):
    person = get_object_or_404(get_access(request).people(Perm.LEDGER_VIEW), employee_no=employee_no)
    board = _board(scope, period, person.pk, size=0)
    mine = board.mine
    return {"employee_no": person.employee_no, "scope": board.scope.key, "period": period,
            "rank": mine.rank if mine else None, "ranked": board.ranked,
            "points": float(mine.points) if mine else 0.0, "too_small": board.too_small}


class BadgeDefinitionOut(Schema):
    code: str
    name: str
    description: str
    criterion: str
    threshold: int
    granted_by: str
    monthly_limit: int | None


class BadgeAwardOut(Schema):
    badge: str
    name: str
    awarded_at: dt.datetime
    granted_by: str | None
    reason: str


class GrantIn(Schema):
    employee_no: str
    reason: str


def _award(award) -> dict:
    return {"badge": award.badge.code, "name": award.badge.name, "awarded_at": award.awarded_at,
            "granted_by": award.granted_by.username if award.granted_by else None, "reason": award.reason}


@router.get("/badges", response=list[BadgeDefinitionOut], summary="The badges one can earn or be granted")
def badge_list(request):
    return Badge.objects.filter(is_active=True)


@router.get("/people/{employee_no}/badges", response=list[BadgeAwardOut], summary="A person's badges")
def person_badges(request, employee_no: str):
    person = get_object_or_404(get_access(request).people(Perm.LEDGER_VIEW), employee_no=employee_no)
    badges.award_due(person=person)
    return [_award(a) for a in BadgeAward.objects.filter(person=person).select_related("badge", "granted_by")]


@router.post("/badges/{code}/grants", response={201: BadgeAwardOut}, summary="Grant a badge by hand")
def badge_grant(request, code: str, payload: GrantIn):
    badge = get_object_or_404(Badge, code=code)
    if not badges.may_grant(request.user, badge):
        raise PermissionDenied
    people = get_access(request).people(Perm.PEOPLE_VIEW)
    person = get_object_or_404(people, employee_no=payload.employee_no)
    award = badges.grant(badge=badge, person=person, granted_by=request.user, reason=payload.reason, people=people)
    return 201, _award(award)

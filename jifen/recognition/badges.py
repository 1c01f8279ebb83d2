"""Badges: earned automatically from learning facts, or granted by hand by someone holding the badge's
granting role, within a monthly limit. Each badge is held once (a database UNIQUE).

``award_due`` checks the automatic badges for one person (when they open their badge wall) and
``award_due_for_everyone`` for all (``jifen badges``, and the daily job).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.org.models import Person, Role, RoleAssignment
from jifen.recognition import selectors
from jifen.recognition.models import Badge, BadgeAward, BadgeCriterion
from jifen.rules.models import Event, EventType

CONTRIBUTIONS = [EventType.CONTRIBUTION_TRAINER, EventType.CONTRIBUTION_CASE, EventType.CONTRIBUTION_COURSE,
                 EventType.CONTRIBUTION_SHARING]
NOT_LEARNING = [EventType.VIOLATION_CHEATING, EventType.ATTENDANCE_ABSENT, EventType.HOMEWORK_MISSING]


def _week(moment: dt.datetime) -> tuple[int, int]:
    return tuple(timezone.localtime(moment).isocalendar())[:2]


def streak_weeks(person: Person, now: dt.datetime, longest: int) -> int:
    """Consecutive weeks, up to this one (or the last, if nothing yet this week), with a learning fact."""
    since = now - dt.timedelta(weeks=longest + 1)
    weeks = {_week(t) for t in Event.objects.filter(person=person, occurred_at__gte=since, occurred_at__lte=now)
             .exclude(type__in=NOT_LEARNING).values_list("occurred_at", flat=True)}
    day = timezone.localtime(now)
    if _week(day) not in weeks:
        day -= dt.timedelta(weeks=1)
    count = 0
    while _week(day) in weeks and count < longest:
        count += 1
        day -= dt.timedelta(weeks=1)
    return count


def _earned(badge: Badge, person: Person, now: dt.datetime, cache: dict) -> bool:
    facts = Event.objects.filter(person=person, occurred_at__lte=now)
    if badge.criterion == BadgeCriterion.FIRST_COURSE:
        return facts.filter(type=EventType.COURSE_COMPLETED).exists()
    if badge.criterion == BadgeCriterion.COURSES:
        return facts.filter(type=EventType.COURSE_COMPLETED).values("course").distinct().count() >= badge.threshold
    if badge.criterion == BadgeCriterion.FIRST_CONTRIBUTION:
        return facts.filter(type__in=CONTRIBUTIONS).exists()
    if badge.criterion == BadgeCriterion.STREAK:
        return streak_weeks(person, now, badge.threshold) >= badge.threshold
    if badge.criterion == BadgeCriterion.REQUIRED_ON_TIME:
        from jifen.catalog.selectors import required_courses

        lines = required_courses(person=person, now=now)
        return bool(lines) and all(
            line.done and timezone.localdate(line.completed_at) <= line.due_on for line in lines)
    if badge.criterion == BadgeCriterion.TOP10_MONTH:
        last_month = selectors.period_bounds("month", now)[0] - dt.timedelta(days=1)
        if "top10" not in cache:
            board = selectors.leaderboard(scope_key="company", period="month", now=last_month, size=10)
            cache["top10"] = set() if board.too_small else {row.person_id for row in board.rows if row.rank <= 10}
        return person.pk in cache["top10"]
    return False


def _give(badge: Badge, person: Person, *, now: dt.datetime, granted_by=None, reason: str = "") -> bool:
    if BadgeAward.objects.filter(badge=badge, person=person).exists():
        return False
    try:
        with transaction.atomic():
            BadgeAward.objects.create(badge=badge, person=person, awarded_at=now, granted_by=granted_by,
                                      reason=reason[:300])
    except IntegrityError:
        return False
    return True


def award_due(*, person: Person, now: dt.datetime | None = None, cache: dict | None = None) -> int:
    now = now or timezone.now()
    cache = {} if cache is None else cache
    held = set(BadgeAward.objects.filter(person=person).values_list("badge_id", flat=True))
    given = 0
    for badge in Badge.objects.filter(is_active=True).exclude(criterion=BadgeCriterion.MANUAL).exclude(pk__in=held):
        if _earned(badge, person, now, cache):
            given += _give(badge, person, now=now)
    return given


def award_due_for_everyone(*, now: dt.datetime | None = None) -> int:
    cache: dict = {}
    return sum(award_due(person=person, now=now, cache=cache)
               for person in Person.objects.exclude(status=Person.Status.LEFT).iterator(500))


def may_grant(user, badge: Badge) -> bool:
    if badge.criterion != BadgeCriterion.MANUAL or not badge.is_active:
        return False
    if user.is_superuser:
        return True
    return RoleAssignment.objects.filter(user=user, role__in=[badge.granted_by, Role.SYSTEM_ADMIN]).exists()


def grantable(user) -> QuerySet[Badge]:
    manual = Badge.objects.filter(criterion=BadgeCriterion.MANUAL, is_active=True)
    if user.is_superuser or RoleAssignment.objects.filter(user=user, role=Role.SYSTEM_ADMIN).exists():
        return manual
    return manual.filter(granted_by__in=RoleAssignment.objects.filter(user=user).values("role"))


def grant(*, badge: Badge, person: Person, granted_by, reason: str, people: QuerySet[Person],
          now: dt.datetime | None = None) -> BadgeAward:
    """Grant a badge by hand: the granter holds its role, the person is in their scope, and the granter
    is within the badge's monthly limit (checked under the badge's row lock)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why: the learner sees it on their badge wall."), field="reason")
    if not may_grant(granted_by, badge):
        raise ApplicationError(_("This badge is granted by another role."), code="not_granter")
    if not people.filter(pk=person.pk).exists():
        raise ApplicationError(_("This person is outside the people you may grant badges to."), code="out_of_scope")
    if person.user_id == granted_by.pk:
        raise ApplicationError(_("Nobody grants a badge to themselves."), code="own_badge")
    with transaction.atomic():
        Badge.objects.select_for_update().get(pk=badge.pk)
        if badge.monthly_limit is not None:
            start = selectors.period_bounds("month", now)[0]
            used = BadgeAward.objects.filter(badge=badge, granted_by=granted_by, awarded_at__gte=start).count()
            if used >= badge.monthly_limit:
                raise ApplicationError(
                    _("You have granted this badge %(limit)d times this month, its monthly limit.")
                    % {"limit": badge.monthly_limit}, code="monthly_limit")
        if BadgeAward.objects.filter(badge=badge, person=person).exists():
            raise ApplicationError(_("%(name)s already holds this badge.") % {"name": person.name}, code="held")
        return BadgeAward.objects.create(badge=badge, person=person, awarded_at=now, granted_by=granted_by,
                                         reason=reason[:300])


def emblem_svg(badge: Badge, *, earned: bool = True) -> str:
    """The badge's emblem, drawn here (no uploads, nothing to sanitise): a ribboned medal in its colour."""
    color = badge.color if earned else "#b8b2a7"
    symbol = escape(badge.symbol[:2])
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 140" role="img">'
        f'<title>{escape(badge.name)}</title>'
        f'<path d="M38 78 L24 136 L46 124 L60 138 L60 84 Z" fill="{color}" opacity=".75"/>'
        f'<path d="M82 78 L96 136 L74 124 L60 138 L60 84 Z" fill="{color}" opacity=".6"/>'
        f'<circle cx="60" cy="56" r="48" fill="{color}"/>'
        '<circle cx="60" cy="56" r="39" fill="none" stroke="#fff" stroke-width="3" opacity=".8"/>'
        f'<text x="60" y="71" font-size="40" text-anchor="middle" fill="#fff" '
        f'font-family="Noto Sans CJK SC, sans-serif">{symbol}</text></svg>'
    )

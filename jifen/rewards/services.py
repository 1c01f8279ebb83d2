"""Ordering and handling rewards. Every change of points goes through the ledger, in the same transaction
as the stock, and every order under the reward's row lock:

* ``redeem``: lock the reward (stock cannot be oversold), check it is on sale, the person may have it and
  is within its limit, take the stock with a conditional UPDATE, spend the points (the ledger refuses an
  overdraft), record the order. A repeated key answers the first order.
* ``approve`` / ``fulfil`` move an open order on; ``reject`` (with a reason) and ``cancel`` give the stock
  back and refund the points. Each locks the order and re-checks its status, so a double click acts once.

Locks are always taken reward first, then the account (inside the ledger), so two orders never deadlock.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.ledger import services as ledger
from jifen.ledger.engine import InsufficientBalance, money
from jifen.org.models import Person
from jifen.rewards.models import OPEN_STATUSES, LimitPeriod, Redemption, RedemptionStatus, Reward

MAX_QUANTITY = 100
ACTIONS = ("approve", "fulfil", "reject", "cancel")
NOTE_MAX = 500


class OrderRefused(ApplicationError):
    """Stock or balance is short, or the person may not have this reward (the API answers 409)."""


@dataclass(frozen=True)
class Order:
    redemption: Redemption
    created: bool


def _period_start(period: str, now: dt.datetime) -> dt.datetime | None:
    local = timezone.localtime(now)
    if period == LimitPeriod.MONTH:
        start = local.replace(day=1)
    elif period == LimitPeriod.QUARTER:
        start = local.replace(month=(local.month - 1) // 3 * 3 + 1, day=1)
    elif period == LimitPeriod.YEAR:
        start = local.replace(month=1, day=1)
    else:
        return None
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


def eligibility_problem(reward: Reward, person: Person, now: dt.datetime) -> str | None:
    """Why ``person`` may not order ``reward`` now (translated), or None."""
    if not reward.is_active or (reward.active_from and now < reward.active_from) or (
            reward.active_to and now >= reward.active_to):
        return _("This reward is not on sale now.")
    units = list(reward.units.all())
    if units and not any(person.org_unit.path.startswith(unit.path) for unit in units):
        return _("This reward is only for some departments, and yours is not one of them.")
    positions = list(reward.positions.all())
    if positions and person.position_id not in {p.pk for p in positions}:
        return _("This reward is only for some positions, and yours is not one of them.")
    if reward.min_level_id is not None:
        from jifen.recognition.selectors import level_of

        progress = level_of(person=person, now=now)
        if progress.earned < reward.min_level.min_points:
            return _("This reward needs the level %(level)s: %(points)s more points earned.") % {
                "level": reward.min_level.name, "points": reward.min_level.min_points - progress.earned}
    return None


def ordered_in_period(reward: Reward, person: Person, now: dt.datetime) -> int:
    orders = Redemption.objects.filter(reward=reward, person=person).exclude(
        status__in=[RedemptionStatus.REJECTED, RedemptionStatus.CANCELLED])
    start = _period_start(reward.limit_period, now)
    if start is not None:
        orders = orders.filter(created_at__gte=start)
    return orders.aggregate(n=Sum("quantity"))["n"] or 0


def redeem(*, reward: Reward, person: Person, quantity: int = 1, key: str, ordered_by=None,
           now: dt.datetime | None = None) -> Order:
    """Place an order: stock held and points spent at once, or nothing at all (OrderRefused)."""
    now = now or timezone.now()
    key = (key or "").strip()
    if not key or len(key) > 150:
        raise ApplicationError(_("Every order needs a key of 1 to 150 characters."), field="key")
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ApplicationError(_("Order between 1 and %(max)d at a time.") % {"max": MAX_QUANTITY},
                               field="quantity")
    existing = Redemption.objects.filter(key=key).select_related("reward").first()
    if existing is not None:
        return _same_order(existing, reward, person)
    try:
        with transaction.atomic():
            locked = Reward.objects.select_for_update().get(pk=reward.pk)
            problem = eligibility_problem(locked, person, now)
            if problem:
                raise OrderRefused(problem, code="not_eligible")
            if locked.limit_per_person is not None and (
                    ordered_in_period(locked, person, now) + quantity > locked.limit_per_person):
                raise OrderRefused(
                    _("You may order at most %(limit)d of this reward %(period)s.")
                    % {"limit": locked.limit_per_person, "period": locked.get_limit_period_display()},
                    code="limit_reached")
            if locked.stock is not None:
                taken = Reward.objects.filter(pk=locked.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
                if not taken:
                    raise OrderRefused(_("Not enough in stock: %(left)d left.") % {"left": locked.stock},
                                       code="out_of_stock")
            points = money(locked.price * quantity)
            try:
                spent = ledger.spend(person=person, amount=points, key=f"redeem:{key}",
                                     reason=_("Redeemed: %(name)s × %(quantity)d") % {"name": locked.name,
                                                                                      "quantity": quantity},
                                     now=now, actor=ordered_by)
            except InsufficientBalance as short:
                raise OrderRefused(
                    _("Not enough points: %(available)s available, %(wanted)s needed.")
                    % {"available": short.available, "wanted": short.wanted}, code="insufficient_balance",
                ) from short
            redemption = Redemption.objects.create(
                reward=locked, person=person, quantity=quantity, points=points, key=key, ordered_by=ordered_by,
                created_at=now, spend_entry=spent.entry,
            )
            return Order(redemption, True)
    except IntegrityError:
        # The same key ordered at the same moment by another request: answer that order.
        existing = Redemption.objects.filter(key=key).select_related("reward").first()
        if existing is None:
            raise
        return _same_order(existing, reward, person)


def _same_order(existing: Redemption, reward: Reward, person: Person) -> Order:
    if existing.reward_id != reward.pk or existing.person_id != person.pk:
        raise ApplicationError(_("This order key is already used for another order."), code="key_reused",
                               field="key")
    return Order(existing, False)


def _lock(redemption: Redemption, people: QuerySet[Person] | None) -> Redemption:
    locked = Redemption.objects.select_for_update().select_related("reward", "spend_entry__account").get(
        pk=redemption.pk)
    if people is not None and not people.filter(pk=locked.person_id).exists():
        raise ApplicationError(_("This order is outside the people whose orders you may handle."),
                               code="out_of_scope")
    return locked


def _refused_move(locked: Redemption) -> ApplicationError:
    return ApplicationError(_("This order is already %(status)s.") % {"status": locked.get_status_display()},
                            code="already_decided")


@transaction.atomic
def approve(*, redemption: Redemption, by, people: QuerySet[Person] | None = None,
            now: dt.datetime | None = None) -> Redemption:
    locked = _lock(redemption, people)
    if locked.status == RedemptionStatus.APPROVED:
        return locked
    if locked.status != RedemptionStatus.PENDING:
        raise _refused_move(locked)
    locked.status, locked.decided_by, locked.decided_at = RedemptionStatus.APPROVED, by, now or timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


@transaction.atomic
def fulfil(*, redemption: Redemption, by, note: str = "", people: QuerySet[Person] | None = None,
           now: dt.datetime | None = None) -> Redemption:
    """Hand the reward over: a pickup code is made for the learner to show, and an optional note."""
    now = now or timezone.now()
    locked = _lock(redemption, people)
    if locked.status == RedemptionStatus.FULFILLED:
        return locked
    if locked.status not in OPEN_STATUSES:
        raise _refused_move(locked)
    if locked.decided_by_id is None:
        locked.decided_by, locked.decided_at = by, now
    locked.status, locked.fulfilled_at = RedemptionStatus.FULFILLED, now
    locked.pickup_code = locked.pickup_code or f"{secrets.randbelow(10**8):08d}"
    locked.note = (note or "").strip()[:NOTE_MAX] or locked.note
    locked.save(update_fields=["status", "decided_by", "decided_at", "fulfilled_at", "pickup_code", "note"])
    return locked


def decide(*, redemption: Redemption, action: str, by, note: str = "", people: QuerySet[Person] | None = None,
           now: dt.datetime | None = None) -> Redemption:
    """Move an order on: ``approve``, ``fulfil``, ``reject`` (with a note) or ``cancel``."""
    if action == "approve":
        return approve(redemption=redemption, by=by, people=people, now=now)
    moves = {"fulfil": fulfil, "reject": reject, "cancel": cancel}
    if action not in moves:
        raise ApplicationError(_("Unknown action."), field="action")
    return moves[action](redemption=redemption, by=by, note=note, people=people, now=now)


def _give_back(locked: Redemption, *, status: str, by, note: str, reason: str, now: dt.datetime) -> Redemption:
    if locked.reward.stock is not None:
        Reward.objects.filter(pk=locked.reward_id).update(stock=F("stock") + locked.quantity)
    refund = ledger.refund(spend_entry=locked.spend_entry, reason=reason[:NOTE_MAX], now=now, actor=by)
    locked.status, locked.decided_by, locked.decided_at = status, by, now
    locked.note, locked.refund_entry = note, refund.entry
    locked.save(update_fields=["status", "decided_by", "decided_at", "note", "refund_entry"])
    return locked


@transaction.atomic
def reject(*, redemption: Redemption, by, note: str, people: QuerySet[Person] | None = None,
           now: dt.datetime | None = None) -> Redemption:
    """Refuse an open order, saying why: its stock returns and its points are refunded."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Say why the order is rejected: the learner sees it."), field="note")
    locked = _lock(redemption, people)
    if locked.status == RedemptionStatus.REJECTED:
        return locked
    if locked.status not in OPEN_STATUSES:
        raise _refused_move(locked)
    return _give_back(locked, status=RedemptionStatus.REJECTED, by=by, note=note[:NOTE_MAX],
                      reason=_("Order rejected, points refunded: %(note)s") % {"note": note}, now=now or timezone.now())


@transaction.atomic
def cancel(*, redemption: Redemption, by, note: str = "", people: QuerySet[Person] | None = None,
           now: dt.datetime | None = None) -> Redemption:
    """The learner (while the order awaits approval) or an admin (until it is fulfilled) calls it off."""
    locked = _lock(redemption, people)
    if locked.status == RedemptionStatus.CANCELLED:
        return locked
    own = locked.person.user_id is not None and locked.person.user_id == getattr(by, "pk", None)
    allowed = (RedemptionStatus.PENDING,) if own and people is None else OPEN_STATUSES
    if locked.status not in allowed:
        raise _refused_move(locked)
    note = (note or "").strip()[:NOTE_MAX]
    return _give_back(locked, status=RedemptionStatus.CANCELLED, by=by, note=note,
                      reason=_("Order cancelled, points refunded: %(name)s") % {"name": locked.reward.name},
                      now=now or timezone.now())


def visible_to(reward_qs: QuerySet[Reward], person: Person | None, now: dt.datetime) -> QuerySet[Reward]:
    """Rewards on sale now that the person may order (all on sale when there is no person)."""
    qs = reward_qs.filter(is_active=True).filter(Q(active_from__isnull=True) | Q(active_from__lte=now)).filter(
        Q(active_to__isnull=True) | Q(active_to__gt=now))
    if person is None:
        return qs
    unit_paths = [person.org_unit.path[:n] for n in range(4, len(person.org_unit.path) + 1, 4)]
    qs = qs.filter(Q(units__isnull=True) | Q(units__path__in=unit_paths))
    qs = qs.filter(Q(positions__isnull=True) | Q(positions=person.position_id))
    return qs.distinct()

"""Rewards and redemptions over the API. Other systems depend on these shapes: keep them.

An order refused for stock, balance, eligibility or limit is a 409 problem with the reason; a repeated
order key answers the first order again."""

import datetime as dt
import json
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from jifen.api.api import problem
from jifen.core.errors import ApplicationError
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access
from jifen.rewards import selectors, services
from jifen.rewards.models import LimitPeriod, Redemption, RedemptionStatus, Reward, RewardCategory

router = Router(tags=["rewards"])


class RewardIn(Schema):
    code: str = Field(..., min_length=1, max_length=50)
    name: str = Field(..., min_length=1, max_length=200)
    category: RewardCategory
    price: Decimal = Field(..., gt=0, max_digits=10, decimal_places=2)
    unit_cost: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2,
                                      description="What one costs the company, in yuan; null: not known.")
    stock: int | None = Field(None, ge=0, description="null: unlimited.")
    description: str = ""
    limit_per_person: int | None = Field(None, ge=1)
    limit_period: LimitPeriod = LimitPeriod.YEAR


class RewardOut(Schema):
    code: str
    name: str
    category: str
    price: float
    unit_cost: float | None = Field(..., description="What one costs the company, in yuan; null: not known, "
                                                   "and always null for those who do not manage rewards.")
    stock: int | None = Field(..., description="Stock left; null: unlimited.")
    description: str
    limit_per_person: int | None
    limit_period: str
    is_active: bool

    @staticmethod
    def resolve_unit_cost(obj, context) -> float | None:
        if obj.unit_cost is None or not get_access(context["request"]).has(Perm.REWARDS_MANAGE):
            return None
        return float(obj.unit_cost)


class RedemptionIn(Schema):
    reward: str = Field(..., description="The reward's code.")
    quantity: int = Field(1, ge=1, le=services.MAX_QUANTITY)
    key: str = Field(..., min_length=1, max_length=150, description="A repeated key orders once.")
    person: str | None = Field(None, description="Employee number; only for those who handle orders. "
                                                 "A learner orders for themselves.")


class RedemptionOut(Schema):
    id: int
    status: str
    points: float
    reward: str = Field(..., alias="reward.code")
    quantity: int
    person: str = Field(..., alias="person.employee_no")
    key: str
    created_at: dt.datetime
    pickup_code: str
    note: str


def _note(request) -> str:
    """The optional note of a decision: a JSON body ``{"note": "…"}``, a form field, or nothing at all."""
    if request.content_type != "application/json":
        return request.POST.get("note", "")[: services.NOTE_MAX]
    if not request.body:
        return ""
    try:
        body = json.loads(request.body)
    except ValueError as error:
        raise ApplicationError(_("The body must be JSON such as {\"note\": \"…\"}."), field="note") from error
    note = body.get("note", "") if isinstance(body, dict) else ""
    if not isinstance(note, str) or len(note) > services.NOTE_MAX:
        raise ApplicationError(_("The note must be text of at most %(max)d characters.") % {"max": services.NOTE_MAX},
                               field="note")
    return note


@router.get("/rewards", response=list[RewardOut], summary="Rewards on sale (all rewards for those who manage them)")
def rewards(request):
    access = get_access(request)
    if access.has(Perm.REWARDS_MANAGE):
        return Reward.objects.order_by("category", "code")
    person = Person.objects.select_related("org_unit").filter(pk=access.person_id).first()
    return services.visible_to(Reward.objects.all(), person, timezone.now()).order_by("category", "code")


@router.post("/rewards", response={201: RewardOut}, summary="Add a reward to the catalogue")
def reward_create(request, payload: RewardIn):
    get_access(request).require(Perm.REWARDS_MANAGE)
    if Reward.objects.filter(code=payload.code).exists():
        return problem(request, 409, _("The request was refused."), _("A reward with this code already exists."),
                       field="code")
    try:
        created = Reward.objects.create(**payload.dict())
    except IntegrityError:
        return problem(request, 409, _("The request was refused."), _("A reward with this code already exists."),
                       field="code")
    return 201, created


@router.post("/redemptions", response={201: RedemptionOut}, summary="Order a reward (points held at once)")
def redemption_create(request, payload: RedemptionIn):
    access = get_access(request)
    if payload.person is None:
        if access.person_id is None:
            raise PermissionDenied
        person = Person.objects.select_related("org_unit").get(pk=access.person_id)
    else:
        own = access.person_id is not None and Person.objects.filter(
            pk=access.person_id, employee_no=payload.person).exists()
        if own:
            person = Person.objects.select_related("org_unit").get(pk=access.person_id)
        else:
            access.require(Perm.REWARDS_MANAGE)
            person = get_object_or_404(access.people(Perm.REWARDS_MANAGE).select_related("org_unit"),
                                       employee_no=payload.person)
    reward = Reward.objects.filter(code=payload.reward).first()
    if reward is None:
        raise Http404
    try:
        order = services.redeem(reward=reward, person=person, quantity=payload.quantity, key=payload.key,
                                ordered_by=request.user)
    except services.OrderRefused as refused:
        return problem(request, 409, _("The order was refused."), str(refused.message), code=refused.code)
    return 201, order.redemption


@router.get("/redemptions", response=list[RedemptionOut], summary="My orders, or the orders of people in scope")
def redemptions(request, status: RedemptionStatus | None = None, mine: bool = False):
    access = get_access(request)
    if access.has(Perm.REWARDS_MANAGE) and not mine:
        found = selectors.orders_in_scope(access=access)
    elif access.person_id is not None:
        found = selectors.orders_of(person_id=access.person_id).select_related("person")
    else:
        raise PermissionDenied
    if status:
        found = found.filter(status=status)
    return found[:500]


@router.post("/redemptions/{redemption_id}/{action}", response=RedemptionOut,
             summary="Approve, fulfil, reject or cancel an order (reject and cancel refund)")
def redemption_action(request, redemption_id: int, action: Literal["approve", "fulfil", "reject", "cancel"]):
    """The body is optional: ``{"note": "…"}`` (a rejection needs one; the learner sees it)."""
    note = _note(request)
    access = get_access(request)
    if action == "cancel" and access.person_id is not None:
        own = Redemption.objects.filter(pk=redemption_id, person_id=access.person_id).first()
        if own is not None:
            return services.cancel(redemption=own, by=request.user, note=note)
    access.require(Perm.REWARDS_MANAGE)
    people = access.people(Perm.REWARDS_MANAGE)
    order = get_object_or_404(Redemption.objects.filter(person__in=people.values("pk")), pk=redemption_id)
    return services.decide(redemption=order, action=action, by=request.user, note=note, people=people)

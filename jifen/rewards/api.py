"""Rewards and redemptions over the API. Other systems depend on these shapes: keep them.

An order refused for stock, balance, eligibility or limit is a 409 problem with the reason; a repeated
order key answers the first order again."""

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from jifen.api.api import problem
from jifen.api.pagination import CursorPagination
from jifen.api.tokens import admin_paths
from jifen.core.errors import ApplicationError
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access
from jifen.rewards import selectors, services
from jifen.rewards.forms import RewardForm
from jifen.rewards.models import LimitPeriod, Redemption, RedemptionStatus, Reward, RewardCategory

router = Router(tags=["rewards"])

# Editing a reward changes the catalogue: admin scope (ADMIN_PATHS has only numeric reward paths).
admin_paths(r"^rewards/[^/]+/?$")

MAX_INT = 2**31 - 1
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


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


class RewardPatch(Schema):
    """The reward form's fields; those left out keep their value. The code never changes (orders and other
    systems refer to it); a picture is uploaded on the page."""

    name: str | None = Field(None, min_length=1, max_length=200)
    category: RewardCategory | None = None
    price: Decimal | None = Field(None, gt=0, max_digits=10, decimal_places=2)
    unit_cost: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2,
                                      description="What one costs the company, in yuan; null: not known.")
    stock: int | None = Field(None, ge=0, le=MAX_INT, description="Stock left; null: unlimited.")
    description: str | None = None
    limit_per_person: int | None = Field(None, ge=1, le=MAX_INT, description="null: no limit.")
    limit_period: LimitPeriod | None = None
    units: list[Id] | None = Field(None, max_length=1000,
                                    description="Ids of the org units it is only for (with their subunits); "
                                                "empty: everyone. Only units in your scope.")
    positions: list[Id] | None = Field(None, max_length=1000,
                                        description="Ids of the positions it is only for; empty: every position.")
    min_level: int | None = Field(None, ge=1, le=2**63 - 1, description="Id of the level needed; null: any level.")
    active_from: dt.datetime | None = Field(None, description="On sale from; null: now.")
    active_to: dt.datetime | None = Field(None, description="On sale until (exclusive); null: no end.")
    is_active: bool | None = Field(None, description="false takes it off sale (open orders stay).")


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


class RewardDetailOut(RewardOut):
    """A reward with who may have it and when: what the edit form shows."""

    units: list[int] = Field(..., description="Ids of the org units it is only for; empty: everyone.")
    positions: list[int] = Field(..., description="Ids of the positions it is only for; empty: every position.")
    min_level: int | None = Field(..., alias="min_level_id", description="Id of the level needed; null: any.")
    active_from: dt.datetime | None
    active_to: dt.datetime | None

    @staticmethod
    def resolve_units(obj) -> list[int]:
        return sorted(unit.pk for unit in obj.units.all())

    @staticmethod
    def resolve_positions(obj) -> list[int]:
        return sorted(position.pk for position in obj.positions.all())


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


@router.post("/rewards", response={201: RewardOut}, summary="Add a reward to the catalogue",
             openapi_extra={"responses": {"409": {"description": "A reward with this code exists.",
                                                  "content": PROBLEM}}})
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


def _form_refusal(form) -> ApplicationError:
    field, errors = next(iter(form.errors.items()))
    return ApplicationError(errors[0], field=None if field == "__all__" else field)


@router.patch("/rewards/{code}", response=RewardDetailOut, summary="Edit a reward, or take it off sale")
def reward_update(request, code: str, payload: RewardPatch):
    """The checks of the page's edit form: the units only those in your scope, the end after the start."""
    access = get_access(request)
    access.require(Perm.REWARDS_MANAGE)
    reward = get_object_or_404(Reward, code=code)
    changes = payload.dict(exclude_unset=True)
    for name in ("category", "limit_period", "is_active"):
        if name in changes and changes[name] is None:
            changes.pop(name)  # not nullable: null leaves them as they are
    data = {**model_to_dict(reward, fields=[name for name in RewardForm._meta.fields if name != "picture"]),
            **changes}
    form = RewardForm(data, instance=reward, units=access.units(Perm.REWARDS_MANAGE))
    for name in ("units", "positions"):
        if name not in changes:
            del form.fields[name]  # left out: kept as they are (even units beyond the editor's scope)
    if not form.is_valid():
        raise _form_refusal(form)
    return form.save()


@router.post("/redemptions", response={201: RedemptionOut}, summary="Order a reward (points held at once)",
             openapi_extra={"responses": {"409": {"description": "Refused: stock, balance, eligibility or limit "
                                                                 "(`code` says which).", "content": PROBLEM}}})
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
@paginate(CursorPagination)
def redemptions(request, status: RedemptionStatus | None = None, mine: bool = False):
    """Newest first, a page at a time (``{items, next, count}``; pass ``next`` as ``cursor``)."""
    access = get_access(request)
    if access.has(Perm.REWARDS_MANAGE) and not mine:
        found = selectors.orders_in_scope(access=access)
    elif access.person_id is not None:
        found = selectors.orders_of(person_id=access.person_id).select_related("person")
    else:
        raise PermissionDenied
    if status:
        found = found.filter(status=status)
    return found


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

"""Reward pages: the store and "my orders" for learners (phone first); the catalogue and the order queue
for training admins. Thin: the rules live in jifen.rewards.services."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.ledger.selectors import points_balance
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access, require_perm
from jifen.rewards import selectors, services
from jifen.rewards.forms import DecisionForm, OrderForm, RewardForm
from jifen.rewards.models import RedemptionStatus, Reward, RewardCategory

PAGE_SIZE = 24


def _person(request) -> Person | None:
    person_id = get_access(request).person_id
    return Person.objects.select_related("org_unit").get(pk=person_id) if person_id else None


@login_required
def store(request):
    person = _person(request)
    now = timezone.now()
    rewards = services.visible_to(Reward.objects.all(), person, now)
    category = request.GET.get("category", "")
    if category in RewardCategory.values:
        rewards = rewards.filter(category=category)
    page = Paginator(rewards.order_by("price", "code"), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "rewards/store.html", {
        "page": page, "categories": RewardCategory.choices, "category": category, "person": person,
        "balance": points_balance(person=person) if person else None,
        "manage": get_access(request).has(Perm.REWARDS_MANAGE),
    })


def _visible_reward(request, code: str) -> tuple[Reward, Person | None]:
    """A reward the user may see: on sale to them, or any reward for someone who manages the catalogue."""
    person = _person(request)
    if get_access(request).has(Perm.REWARDS_MANAGE):
        return get_object_or_404(Reward, code=code), person
    found = services.visible_to(Reward.objects.filter(code=code), person, timezone.now()).first()
    if found is None:
        raise Http404
    return found, person


@login_required
def reward(request, code: str):
    found, person = _visible_reward(request, code)
    form = OrderForm(request.POST or None)
    if request.method == "POST":
        if person is None:
            raise PermissionDenied  # no points of their own to spend
        if form.is_valid():
            try:
                order = services.redeem(reward=found, person=person, quantity=form.cleaned_data["quantity"],
                                        key=form.cleaned_data["key"], ordered_by=request.user)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                if order.created:
                    messages.success(request, _("Ordered. Your points are held until the order is handled."))
                return redirect("rewards:my_orders")
    return TemplateResponse(request, "rewards/reward.html", {
        "reward": found, "form": form, "person": person,
        "balance": points_balance(person=person) if person else None,
        "problem": services.eligibility_problem(found, person, timezone.now()) if person else None,
    })


@login_required
def picture(request, code: str):
    found = _visible_reward(request, code)[0]
    if not found.picture:
        raise Http404
    content_type = mimetypes.guess_type(found.picture.name)[0] or "application/octet-stream"
    response = FileResponse(found.picture.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def my_orders(request):
    access = get_access(request)
    if access.person_id is None:
        return TemplateResponse(request, "ledger/no_person.html", {})
    page = Paginator(selectors.orders_of(person_id=access.person_id), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "rewards/my_orders.html", {"page": page})


@login_required
@require_POST
def cancel_mine(request, pk: int):
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied
    order = get_object_or_404(selectors.orders_of(person_id=access.person_id), pk=pk)
    try:
        services.cancel(redemption=order, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Order cancelled; your points are back."))
    return redirect("rewards:my_orders")


# ---------------------------------------------------------------- training admins


@require_perm(Perm.REWARDS_MANAGE)
def manage(request):
    rewards = Reward.objects.order_by("category", "code")
    page = Paginator(rewards, 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "rewards/manage.html", {"page": page})


@require_perm(Perm.REWARDS_MANAGE)
def reward_form(request, code: str | None = None):
    instance = get_object_or_404(Reward, code=code) if code else None
    form = RewardForm(request.POST or None, request.FILES or None, instance=instance,
                      units=get_access(request).units(Perm.REWARDS_MANAGE))
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Reward “%(name)s” saved.") % {"name": saved.name})
        return redirect("rewards:manage")
    return TemplateResponse(request, "rewards/reward_form.html", {"form": form, "reward": instance})


@require_perm(Perm.REWARDS_MANAGE)
def orders(request):
    access = get_access(request)
    status = request.GET.get("status", RedemptionStatus.PENDING)
    found = selectors.orders_in_scope(access=access)
    if status in RedemptionStatus.values:
        found = found.filter(status=status)
    else:
        status = ""
    page = Paginator(found, 25).get_page(request.GET.get("page"))
    return TemplateResponse(request, "rewards/orders.html", {
        "page": page, "statuses": RedemptionStatus.choices, "status": status})


@require_perm(Perm.REWARDS_MANAGE)
def order(request, pk: int):
    found = get_object_or_404(selectors.orders_in_scope(access=get_access(request)), pk=pk)
    return TemplateResponse(request, "rewards/order.html", {"order": found, "form": DecisionForm()})


@require_perm(Perm.REWARDS_MANAGE)
@require_POST
def order_action(request, pk: int, action: str):
    access = get_access(request)
    found = get_object_or_404(selectors.orders_in_scope(access=access), pk=pk)
    if action not in services.ACTIONS:
        raise Http404
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.decide(redemption=found, action=action, by=request.user, note=note,
                        people=access.people(Perm.REWARDS_MANAGE))
    except ApplicationError as error:
        apply_error(form, error)
        return TemplateResponse(request, "rewards/order.html", {"order": found, "form": form})
    messages.success(request, _("Order updated."))
    return redirect("rewards:order", pk=found.pk)

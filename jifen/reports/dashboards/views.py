"""The dashboards' pages: each checks the viewer's permission, then reads one selector over their scope."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from jifen.org.permissions import Perm, get_access, require_perm
from jifen.reports.dashboards import selectors


def _int(value, default: int, low: int = 1, high: int = 10_000) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


@require_GET
@require_perm(Perm.LEARNING_VIEW)
def team(request):
    access = get_access(request)
    if not access.sees_others(Perm.LEARNING_VIEW):
        raise PermissionDenied
    found = selectors.team_dashboard(access=access, page=_int(request.GET.get("page"), 1))
    return TemplateResponse(request, "dashboards/team.html", {
        "board": found, "completion_chart": found.completion_chart(), "ranking_chart": found.ranking_chart(),
        "ranking": found.ranking()})


@require_GET
@require_perm(Perm.TRACKING_VIEW, Perm.LEARNING_VIEW)
def training(request):
    access = get_access(request)
    if not (access.sees_others(Perm.TRACKING_VIEW) or access.sees_others(Perm.LEARNING_VIEW)):
        raise PermissionDenied
    found = selectors.training_dashboard(access=access)
    return TemplateResponse(request, "dashboards/training.html", {
        "board": found, "hot_chart": found.hot_chart(), "hours_chart": found.hours_chart(),
        "sources_chart": found.sources_chart(), "completion_chart": found.completion_chart(),
        "position_chart": found.position_chart()})


@require_GET
@require_perm(Perm.LEDGER_VIEW, Perm.REWARDS_MANAGE)
def economy(request):
    access = get_access(request)
    if not selectors.may_see_economy(access):
        raise PermissionDenied
    found = selectors.economy_dashboard(access=access, threshold=_int(request.GET.get("threshold"),
                                                                      selectors.LOW_STOCK, 1, 1000))
    return TemplateResponse(request, "dashboards/economy.html", {
        "board": found, "flow_chart": found.flow_chart(), "rules_chart": found.rules_chart()})


def home_panel(*, access, person) -> dict:
    """The learner's dashboard on the home page (registered in core's HOME_PANELS by the app config)."""
    from jifen.core.context_processors import NAVIGATION, _shown

    shown = {name for name, _label, _icon, perm in NAVIGATION if _shown(access, perm)}
    board = selectors.learner_home(person=person) if person is not None else None
    return {
        "board": board,
        "ring_chart": board.ring() if board else None,
        "trend_chart": board.trend_chart() if board else None,
        # Dashboards the menu does not already offer (the economy for a ledger viewer over everyone).
        "dashboards": [(name, label) for name, label in selectors.dashboards_for(access) if name not in shown],
    }

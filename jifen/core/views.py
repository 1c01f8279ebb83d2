from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.template.response import TemplateResponse

from jifen.org.permissions import Perm, get_access
from jifen.org.selectors import person_detail

# Apps that put something on the home page register a function here when they load (the dashboards
# put the learner's dashboard): ``panel(access=..., person=...) -> dict`` adds to the page's context.
# Core imports none of them (reports read everything; nothing imports reports).
HOME_PANELS: list = []


@login_required
def home(request):
    access = get_access(request)
    person = _own_person(request, access)
    if person is None and access.person_id:
        person = person_detail(access=access, pk=access.person_id)
        if person is not None and person.user_id == request.user.pk:
            request.user.person = person  # the top bar's name: no second read of the same row
    context = {"person": person, "sees_others": access.sees_others(Perm.PEOPLE_VIEW)}
    for panel in HOME_PANELS:
        context.update(panel(access=access, person=person))
    return TemplateResponse(request, "core/home.html", context)


def _own_person(request, access):
    """The signed-in person as the request's user was read (with unit, position and manager), when the
    permissions let them see their own record, as they always do: no second read of the same row."""
    descriptor = get_user_model().person.related
    if not access.person_id or not descriptor.is_cached(request.user):
        return None
    person = descriptor.get_cached_value(request.user)
    if person is None or person.pk != access.person_id or not access.can_person(Perm.PEOPLE_VIEW, person):
        return None
    return person


def healthz(request):
    """For load balancers: the process is up and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

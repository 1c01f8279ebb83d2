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
    person = person_detail(access=access, pk=access.person_id) if access.person_id else None
    if person is not None and person.user_id == request.user.pk:
        request.user.person = person  # the top bar's name: no second read of the same row
    context = {"person": person, "sees_others": access.sees_others(Perm.PEOPLE_VIEW)}
    for panel in HOME_PANELS:
        context.update(panel(access=access, person=person))
    return TemplateResponse(request, "core/home.html", context)


def healthz(request):
    """For load balancers: the process is up and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

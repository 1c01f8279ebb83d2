from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.template.response import TemplateResponse

from jifen.org.permissions import Perm, get_access
from jifen.org.selectors import person_detail


@login_required
def home(request):
    access = get_access(request)
    person = person_detail(access=access, pk=access.person_id) if access.person_id else None
    return TemplateResponse(request, "core/home.html", {
        "person": person,
        "sees_others": access.sees_others(Perm.PEOPLE_VIEW),
    })


def healthz(request):
    """For load balancers: the process is up and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone

from jifen.ledger import selectors
from jifen.ledger.models import Currency, EntryKind
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access, require_perm

PAGE_SIZE = 30


def _points_page(request, person: Person, *, own: bool):
    now = timezone.now()
    currency = request.GET.get("currency") if request.GET.get("currency") in Currency.values else ""
    kind = request.GET.get("kind") if request.GET.get("kind") in EntryKind.values else ""
    entries = selectors.entries_for(person=person, currency=currency, kind=kind)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    if own:  # each line of one's own history offers an appeal
        page.object_list = list(page.object_list)
        selectors.appeal_marks(entries=page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(request, "ledger/points.html", {
        "person": person, "own": own, "balances": selectors.balances(person=person, now=now),
        "expiring": selectors.expiring_soon(person=person, now=now)[:10], "page": page, "query": query.urlencode(),
        "currency": currency, "kind": kind, "currencies": Currency.choices, "kinds": EntryKind.choices,
    })


@login_required
def my_points(request):
    access = get_access(request)
    if access.person_id is None:
        return TemplateResponse(request, "ledger/no_person.html", {})
    person = Person.objects.select_related("position", "org_unit").get(pk=access.person_id)
    return _points_page(request, person, own=True)


@require_perm(Perm.LEDGER_VIEW)
def person_points(request, pk: int):
    access = get_access(request)
    person = access.people(Perm.LEDGER_VIEW).select_related("position", "org_unit").filter(pk=pk).first()
    if person is None:
        raise Http404
    return _points_page(request, person, own=person.pk == access.person_id)

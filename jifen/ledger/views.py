import datetime as dt
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    page.object_list = list(page.object_list)
    selectors.source_facts(entries=page.object_list)
    if own:  # each line of one's own history offers an appeal
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


class LedgerSearchForm(forms.Form):
    q = forms.CharField(label=_("Person"), required=False,
                        widget=forms.SearchInput(attrs={"placeholder": _("Number or name")}))
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *EntryKind.choices])
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=[("", _("All")), *Currency.choices])
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until (not included)"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from jifen.rules.models import Rule

        self.fields["rule"].choices = [("", _("All")), *((c, c) for c in Rule.objects.values_list("code", flat=True))]


def _midnight(day):
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)) if day else None


@require_perm(Perm.LEDGER_VIEW)
def ledger_search(request):
    """Staff search the entries of everyone in their scope by person, rule, kind and date."""
    access = get_access(request)
    if not access.sees_others(Perm.LEDGER_VIEW):
        raise PermissionDenied
    form = LedgerSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    entries = selectors.ledger_search(
        access=access, query=data.get("q") or "", rule=data.get("rule") or "", kind=data.get("kind") or "",
        currency=data.get("currency") or "", start=_midnight(data.get("start")), end=_midnight(data.get("end")))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    selectors.source_facts(entries=page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(request, "ledger/search.html", {"form": form, "page": page, "query": query.urlencode()})

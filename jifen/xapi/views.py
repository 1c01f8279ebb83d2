"""Admin pages of the LRS: which verbs and activities mean which events and courses, and what matched nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.core.paging import page_of, query_without_page
from jifen.org.permissions import Perm, get_access
from jifen.xapi import selectors, services
from jifen.xapi.forms import ActivityMappingForm, VerbMappingForm
from jifen.xapi.models import ActivityMapping, Unmatched, VerbMapping, XapiClient


def _manager_required(view):
    """Mappings decide what earns points for everyone: like the rules, they need RULES_MANAGE over all of it."""

    @login_required
    def wrapper(request, *args, **kwargs):
        if not get_access(request).scope(Perm.RULES_MANAGE).everything:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_manager_required
def mappings(request):
    verb_form = VerbMappingForm(request.POST if request.POST.get("form") == "verb" else None, prefix="verb")
    activity_form = ActivityMappingForm(request.POST if request.POST.get("form") == "activity" else None,
                                        prefix="activity")
    if request.method == "POST":
        form = verb_form if request.POST.get("form") == "verb" else activity_form
        if form.is_valid():
            try:
                if form is verb_form:
                    services.verb_mapping_save(**form.cleaned_data)
                else:
                    services.activity_mapping_save(**form.cleaned_data)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Mapping saved."))
                return redirect("xapi:mappings")
    return TemplateResponse(request, "xapi/mappings.html", {
        "verb_form": verb_form, "activity_form": activity_form,
        "verbs": VerbMapping.objects.all(), "activities": ActivityMapping.objects.select_related("course"),
        "clients": XapiClient.objects.order_by("name"), "unmatched": sum(selectors.unmatched_counts().values()),
    })


@require_POST
@_manager_required
def verb_delete(request, pk: int):
    get_object_or_404(VerbMapping, pk=pk).delete()
    messages.success(request, _("Mapping removed."))
    return redirect("xapi:mappings")


@require_POST
@_manager_required
def activity_delete(request, pk: int):
    get_object_or_404(ActivityMapping, pk=pk).delete()
    messages.success(request, _("Mapping removed."))
    return redirect("xapi:mappings")


@_manager_required
def unmatched(request):
    if request.method == "POST":
        matched = services.statements_reprocess()
        messages.success(request, _("%(count)s statements matched now.") % {"count": matched})
        return redirect("xapi:unmatched")
    reason = request.GET.get("reason") if request.GET.get("reason") in Unmatched.values else None
    counts = selectors.unmatched_counts()
    return TemplateResponse(request, "xapi/unmatched.html", {
        "page": page_of(request, selectors.unmatched_statements(reason=reason)), "query": query_without_page(request),
        "reasons": [(value, label, counts.get(value, 0)) for value, label in Unmatched.choices],
        "total": sum(counts.values()), "reason": reason,
    })

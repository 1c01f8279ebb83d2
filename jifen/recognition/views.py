"""Recognition pages: my level and ranks, the leaderboards, and the level settings (for training admins
over the whole organisation, like the rules)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access
from jifen.recognition import badges, certificates, selectors, services
from jifen.recognition.forms import LevelForm, SettingsForm
from jifen.recognition.models import Badge, BadgeAward, Certificate, Level, Preference, RecognitionSettings


def _me(request) -> Person | None:
    person_id = get_access(request).person_id
    return Person.objects.select_related("org_unit", "position").get(pk=person_id) if person_id else None


def _scopes(person: Person | None) -> list[tuple[str, str]]:
    scopes = [("company", _("Whole company"))]
    if person is not None:
        scopes.append((f"unit:{person.org_unit_id}", person.org_unit.name))
        if person.position_id:
            scopes.append((f"position:{person.position_id}", person.position.name))
    scopes.append(("newhire", _("New hires")))
    return scopes


@login_required
def mine(request):
    person = _me(request)
    if person is None:
        return redirect("recognition:leaderboard")
    boards = [selectors.rank_of(person=person, scope_key=key, period=period)
              for key, _label in _scopes(person)[:3] for period in ("month", "year")]
    preference = Preference.objects.filter(person=person).first()
    return TemplateResponse(request, "recognition/mine.html", {
        "person": person, "progress": selectors.level_of(person=person), "boards": boards,
        "levels": Level.objects.all(), "anonymous": bool(preference and preference.anonymous_on_boards),
    })


@login_required
def leaderboard(request):
    person = _me(request)
    scope_key = request.GET.get("scope") or "company"
    period = request.GET.get("period") or "month"
    try:
        board = selectors.leaderboard(scope_key=scope_key, period=period, viewer_id=person.pk if person else None)
    except selectors.BadScope as error:
        raise Http404(str(error)) from error
    top = board.rows[:10]
    chart = {
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "inverse": True,
                  "data": [row.name or _("Anonymous learner") for row in top]},
        "series": [{"type": "bar", "data": [float(row.points) for row in top], "itemStyle": {"color": "#c2410c"},
                    "label": {"show": True, "position": "right"}}],
    }
    return TemplateResponse(request, "recognition/leaderboard.html", {
        "board": board, "scopes": _scopes(person), "periods": [(p, selectors.period_label(p)) for p in selectors.PERIODS],
        "chart": chart, "person": person,
    })


@login_required
@require_POST
def preference(request):
    person = _me(request)
    if person is None:
        raise PermissionDenied
    services.set_anonymous(person=person, anonymous=request.POST.get("anonymous") == "on")
    messages.success(request, _("Your leaderboard setting is saved."))
    return redirect("recognition:mine")


def _require_whole_organisation(request) -> None:
    """Levels and board settings apply to everyone: only a training admin over the whole organisation."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not get_access(request).scope(Perm.RECOGNITION_MANAGE).everything:
        raise PermissionDenied


@login_required
def levels(request):
    _require_whole_organisation(request)
    settings_form = SettingsForm(request.POST or None, instance=RecognitionSettings.current(), prefix="settings")
    level_form = LevelForm(prefix="level")
    if request.method == "POST" and settings_form.is_valid():
        settings_form.save()
        messages.success(request, _("Settings saved."))
        return redirect("recognition:levels")
    return TemplateResponse(request, "recognition/levels.html", {
        "levels": Level.objects.all(), "settings_form": settings_form, "level_form": level_form})


@login_required
def level_form(request, pk: int | None = None):
    _require_whole_organisation(request)
    instance = get_object_or_404(Level, pk=pk) if pk else None
    form = LevelForm(request.POST or None, instance=instance, prefix="level")
    if request.method == "POST":
        if request.POST.get("delete") and instance is not None:
            try:
                services.level_delete(level=instance)
            except ApplicationError as error:
                messages.error(request, error.message)
                return redirect("recognition:level_edit", pk=instance.pk)
            messages.success(request, _("Level deleted."))
            return redirect("recognition:levels")
        if form.is_valid():
            try:
                services.level_save(form=form)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Level saved."))
                return redirect("recognition:levels")
    return TemplateResponse(request, "recognition/level_form.html", {"form": form, "level": instance})


# ---------------------------------------------------------------- certificates


@login_required
def my_certificates(request):
    person = _me(request)
    if person is None:
        return TemplateResponse(request, "ledger/no_person.html", {})
    certificates.issue_due(person=person)
    return TemplateResponse(request, "recognition/certificates.html", {
        "certificates": Certificate.objects.filter(person=person)})


def _viewable_certificate(request, pk: int) -> Certificate:
    """One's own certificate, or one of a person whose learning one may see."""
    access = get_access(request)
    people = access.people(Perm.LEARNING_VIEW)
    return get_object_or_404(Certificate.objects.filter(person__in=people.values("pk")).select_related(
        "person__org_unit"), pk=pk)


@login_required
def certificate_pdf(request, pk: int):
    certificate = _viewable_certificate(request, pk)
    verify_url = request.build_absolute_uri(certificates.verify_path(certificate))
    data = certificates.pdf(certificate=certificate, verify_url=verify_url)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.code}.pdf"'
    return response


@login_required
@require_POST
def certificate_consent(request, pk: int):
    person_id = get_access(request).person_id
    if person_id is None:
        raise PermissionDenied  # no certificates of their own
    certificate = get_object_or_404(Certificate, pk=pk, person_id=person_id)
    certificates.set_consent(certificate=certificate, show_name=request.POST.get("show_name") == "on",
                             show_unit=request.POST.get("show_unit") == "on")
    messages.success(request, _("Saved: the verification page shows what you chose."))
    return redirect("recognition:certificates")


def verify(request, code: str = ""):
    """Public: anyone with the code (or the QR code) checks a certificate. Shows only what the holder allowed."""
    code = (code or request.GET.get("code", "")).strip().upper()
    found = Certificate.objects.filter(code=code).select_related("person__org_unit").first() if code else None
    response = TemplateResponse(request, "recognition/verify.html", {
        "certificate": found, "code": code, "issuer": certificates.issuer_name()})
    if code and found is None:
        response.status_code = 404
    response["X-Robots-Tag"] = "noindex"
    return response


# ---------------------------------------------------------------- badges


@login_required
def badge_wall(request):
    person = _me(request)
    if person is None:
        return TemplateResponse(request, "ledger/no_person.html", {})
    badges.award_due(person=person)
    held = {award.badge_id: award for award in BadgeAward.objects.filter(person=person).select_related("granted_by")}
    wall = [(badge, held.get(badge.pk)) for badge in Badge.objects.filter(is_active=True)]
    return TemplateResponse(request, "recognition/badges.html", {
        "wall": wall, "held_count": len(held), "can_grant": badges.grantable(request.user).exists()})


@login_required
def badge_emblem(request, code: str):
    badge = get_object_or_404(Badge, code=code)
    response = HttpResponse(badges.emblem_svg(badge, earned=request.GET.get("earned") != "0"),
                            content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class GrantForm(forms.Form):
    badge = forms.ModelChoiceField(label=_("Badge"), queryset=Badge.objects.none())
    employee_no = forms.CharField(label=_("Employee number"), max_length=32)
    reason = forms.CharField(label=_("Why"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def badge_grant(request):
    grantable = badges.grantable(request.user)
    if not grantable.exists():
        raise PermissionDenied
    form = GrantForm(request.POST or None)
    form.fields["badge"].queryset = grantable
    if request.method == "POST" and form.is_valid():
        people = _grant_scope(request)
        person = people.filter(employee_no=form.cleaned_data["employee_no"].strip()).first()
        if person is None:
            form.add_error("employee_no", _("Nobody with this number is among the people you may grant badges to."))
        else:
            try:
                badges.grant(badge=form.cleaned_data["badge"], person=person, granted_by=request.user,
                             reason=form.cleaned_data["reason"], people=people)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Badge granted to %(name)s.") % {"name": person.name})
                return redirect("recognition:badge_grant")
    recent = BadgeAward.objects.filter(granted_by=request.user).select_related("badge", "person")[:20]
    return TemplateResponse(request, "recognition/badge_grant.html", {"form": form, "recent": recent})


def _grant_scope(request):
    """Whom one may grant badges to: the people one sees (a manager their unit; trainers, HR and admins
    per their roles), never oneself."""
    return get_access(request).people(Perm.PEOPLE_VIEW).exclude(status=Person.Status.LEFT)

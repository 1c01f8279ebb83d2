"""Attendance pages. The trainer's: my sessions, a session's roster (marks, participation, make-up;
htmx swaps one row), the live QR screen, the spreadsheet import, closing. The learner's: the scan
landing page (phone first) and my attendance. Thin: the rules live in services.py."""

from __future__ import annotations

import re
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jifen.catalog.models import Enrolment, Session
from jifen.core.errors import ApplicationError
from jifen.core.forms import apply_error
from jifen.learning.attendance import importing, selectors, services, tokens
from jifen.learning.attendance.forms import ImportForm, MakeUpForm, MarkForm, ParticipationForm
from jifen.learning.attendance.models import AttendanceStatus
from jifen.org.importing import ImportFileError
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access, require_perm

PAGE_SIZE = 25
DEVICE_COOKIE = "jifen_device"
DEVICE_COOKIE_AGE = 5 * 365 * 24 * 3600
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_ERRORS_SHOWN = 200


def _session(request, pk: int) -> Session:
    """A session this login runs, or 404 (never confirming that one out of reach exists)."""
    return get_object_or_404(selectors.runnable_sessions(get_access(request)), pk=pk)


def _enrolled(session: Session, person_pk: int) -> Person:
    return get_object_or_404(Person.objects.select_related("user"), pk=person_pk, enrolments__session=session,
                             enrolments__status=Enrolment.Status.ENROLLED)


# ---------------------------------------------------------------- the trainer's pages


@require_perm(Perm.SESSIONS_RUN)
def sessions(request):
    when = "past" if request.GET.get("when") == "past" else "recent"
    page = Paginator(selectors.my_sessions(get_access(request), when=when), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "attendance/sessions.html", {
        "page": page, "when": when, "query": f"when={when}", "now": timezone.now(),
    })


def _roster_page(request, session: Session, **extra):
    return TemplateResponse(request, "attendance/roster.html", {
        "session": session, "rows": selectors.roster(session), "counts": selectors.counts(session),
        "closed": services.is_closed(session), "statuses": AttendanceStatus.choices, "now": timezone.now(),
        "late_from": services.late_from(session), "opens_at": services.checkin_opens_at(session), **extra,
    })


@require_perm(Perm.SESSIONS_RUN)
def roster(request, pk: int):
    return _roster_page(request, _session(request, pk))


def _row_response(request, session: Session, person: Person, *, error: str = "", notice: str = ""):
    if request.htmx:
        return TemplateResponse(request, "attendance/_roster_row.html", {
            "session": session, "row": selectors.roster_row(session, person.pk), "row_error": error,
            "row_notice": notice, "statuses": AttendanceStatus.choices, "closed": services.is_closed(session),
        })
    if error:
        messages.error(request, f"{person.name}: {error}")
    elif notice:
        messages.success(request, notice)
    return redirect("attendance:roster", pk=session.pk)


def _form_error(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_perm(Perm.SESSIONS_RUN)
@require_POST
def mark(request, pk: int, person_pk: int):
    session = _session(request, pk)
    person = _enrolled(session, person_pk)
    form = MarkForm(request.POST)
    if not form.is_valid():
        return _row_response(request, session, person, error=_form_error(form))
    try:
        services.mark(session=session, person=person, status=form.cleaned_data["status"],
                      reason=form.cleaned_data["reason"], actor=request.user)
    except ApplicationError as error:
        return _row_response(request, session, person, error=str(error.message))
    return _row_response(request, session, person, notice=_("Saved."))


@require_perm(Perm.SESSIONS_RUN)
@require_POST
def participation(request, pk: int, person_pk: int):
    session = _session(request, pk)
    person = _enrolled(session, person_pk)
    form = ParticipationForm(request.POST)
    if not form.is_valid():
        return _row_response(request, session, person, error=_form_error(form))
    try:
        services.mark_participation(session=session, person=person, level=form.cleaned_data["level"],
                                    actor=request.user)
    except ApplicationError as error:
        return _row_response(request, session, person, error=str(error.message))
    return _row_response(request, session, person, notice=_("Saved."))


@require_perm(Perm.SESSIONS_RUN)
@require_POST
def makeup(request, pk: int, person_pk: int):
    session = _session(request, pk)
    person = _enrolled(session, person_pk)
    form = MakeUpForm(request.POST)
    if not form.is_valid():
        return _row_response(request, session, person, error=_form_error(form))
    try:
        services.makeup_assign(session=session, person=person, assignment=form.cleaned_data["assignment"],
                               due_on=form.cleaned_data["due_on"], actor=request.user)
    except ApplicationError as error:
        return _row_response(request, session, person, error=str(error.message))
    return _row_response(request, session, person, notice=_("Make-up study assigned."))


@require_perm(Perm.SESSIONS_RUN)
@require_POST
def close(request, pk: int):
    session = _session(request, pk)
    try:
        closure = services.close_attendance(session=session, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Attendance closed; %(count)d people without a record were marked absent.")
                         % {"count": closure.marked_absent})
    return redirect("attendance:roster", pk=session.pk)


@require_perm(Perm.SESSIONS_RUN)
def qr(request, pk: int):
    session = _session(request, pk)
    return TemplateResponse(request, "attendance/qr.html", {
        "session": session, "refresh_seconds": 5, "window_seconds": tokens.WINDOW_SECONDS,
    })


def _qr_state(session: Session, now) -> str:
    if session.status == Session.Status.CANCELLED:
        return _("This session has been cancelled.")
    if services.is_closed(session):
        return _("The attendance of this session is closed.")
    if now < services.checkin_opens_at(session):
        return _("Check-in opens at %(time)s.") % {
            "time": timezone.localtime(services.checkin_opens_at(session)).strftime("%H:%M")}
    if now >= session.ends_at:
        return _("This session has ended: check-in is closed.")
    return ""


@never_cache
@require_perm(Perm.SESSIONS_RUN)
def qr_code(request, pk: int):
    """The current code, as an inline SVG with the link it encodes (polled by the QR screen)."""
    import segno

    session = _session(request, pk)
    now = timezone.now()
    state = _qr_state(session, now)
    context = {"session": session, "state": state, "counts": selectors.counts(session),
               "late": now > services.late_from(session)}
    if not state:
        url = request.build_absolute_uri(reverse("attendance:checkin", args=[session.pk,
                                                                             tokens.make_token(session.pk, now)]))
        code = segno.make(url, error="m", micro=False)
        context.update(url=url, svg=code.svg_inline(scale=10, border=2, dark="#111", light="#fff",
                                                     omitsize=True, title=_("Check-in code")),
                       seconds_left=tokens.seconds_left(now))
    return TemplateResponse(request, "attendance/_qr_code.html", context)


@require_perm(Perm.SESSIONS_RUN)
def import_attendance(request, pk: int):
    session = _session(request, pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    plan = None
    if request.method == "POST" and form.is_valid():
        try:
            plan = importing.import_upload(session=session, upload=form.cleaned_data["file"],
                                           check_only=form.cleaned_data["check_only"], actor=request.user)
        except services.MarksRejected as rejected:
            plan = rejected.plan
            form.add_error(None, rejected.message)
        except (ImportFileError, ApplicationError) as error:
            apply_error(form, error)
        if plan is not None and plan.committed:
            messages.success(request, _("Attendance imported: %(changes)d changed, %(unchanged)d unchanged.")
                             % {"changes": plan.changes, "unchanged": plan.unchanged})
            return redirect("attendance:roster", pk=session.pk)
    errors = plan.errors if plan else []
    return TemplateResponse(request, "attendance/import.html", {
        "session": session, "form": form, "plan": plan, "errors": errors[:MAX_ERRORS_SHOWN],
        "more_errors": max(len(errors) - MAX_ERRORS_SHOWN, 0),
    })


@require_perm(Perm.SESSIONS_RUN)
def import_template(request, pk: int):
    session = _session(request, pk)
    response = HttpResponse(importing.template_file(session),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="attendance-{session.pk}.xlsx"'
    return response


# ---------------------------------------------------------------- the learner's pages


def _device_id(request) -> tuple[str, bool]:
    found = request.COOKIES.get(DEVICE_COOKIE, "")
    if _DEVICE_ID.match(found):
        return found, False
    return secrets.token_urlsafe(24), True


@never_cache
def checkin(request, session_pk: int, token: str):
    """What a phone opens after scanning the trainer's code: the scan is the check-in."""
    now = timezone.now()
    session = Session.objects.select_related("course", "trainer").filter(pk=session_pk).first()
    scanned_at = None
    if session is not None:
        scanned_at = tokens.check_token(session.pk, token, now) or tokens.check_grace(session.pk, token, now)
    if not request.user.is_authenticated:
        if scanned_at is None:
            return _checkin_page(request, None, refused=_("This code has expired. Scan the code on the screen again."))
        # Logging in on a phone takes longer than a code lives: a pass keeps the moment of the scan.
        return redirect_to_login(reverse("attendance:checkin", args=[session.pk,
                                                                     tokens.make_grace(session.pk, scanned_at)]))
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied  # no person record: nobody to check in
    if scanned_at is None:
        return _checkin_page(request, None, refused=_("This code has expired. Scan the code on the screen again."))
    person = Person.objects.select_related("user").get(pk=access.person_id)
    device_id, new_device = _device_id(request)
    try:
        result = services.check_in(session=session, person=person, scanned_at=scanned_at, device_id=device_id,
                                   user_agent=request.headers.get("User-Agent", ""), now=now)
    except ApplicationError as error:
        response = _checkin_page(request, session, refused=str(error.message))
    else:
        response = _checkin_page(request, session, record=result.attendance, created=result.created)
    if new_device:
        response.set_cookie(DEVICE_COOKIE, device_id, max_age=DEVICE_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure())
    return response


def _checkin_page(request, session, *, refused: str = "", record=None, created: bool = False):
    return TemplateResponse(request, "attendance/checkin.html", {
        "session": session, "refused": refused, "record": record, "created": created,
    })


@login_required
def my_attendance(request):
    access = get_access(request)
    if access.person_id is None:
        return TemplateResponse(request, "attendance/no_person.html", {})
    page = Paginator(selectors.attendance_of(access.person_id), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "attendance/my.html", {"page": page, "query": ""})

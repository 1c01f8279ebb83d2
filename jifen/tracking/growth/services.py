"""Every write of the growth app, one function per use case (keyword-only, in a transaction).

Who may act is decided by the caller (the views and the API narrow by access) and checked again here
where it is about people: a ``people`` queryset (the caller's scope) is passed in and the person must
be in it; a manager never confirms or reviews their own record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.catalog.models import Course
from jifen.core.errors import ApplicationError
from jifen.ledger.adjustments import check_evidence
from jifen.org.models import OrgUnit, Person, Role, RoleAssignment
from jifen.tracking.followup import services as followup
from jifen.tracking.followup.models import ActivityKind
from jifen.tracking.growth.models import (
    OPEN_STATUSES,
    ActionCheck,
    ActionSource,
    ActionStatus,
    ApplicationCase,
    CareerReview,
    DevelopmentAction,
    DevelopmentGoal,
    DevelopmentPlan,
    Escalation,
    Horizon,
    ImprovementAction,
    Observation,
    Rating,
    SelfReport,
)

TEXT_MAX = 5000
NOTE_MAX = 1000
PLAN_YEARS_MAX = 5  # a long-term goal looks 3-5 years ahead


# ---------------------------------------------------------------- helpers


def _clean(value, *, field: str, missing: str | None = None, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value and missing:
        raise ApplicationError(missing, field=field)
    if len(value) > max_length:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": max_length}, field=field)
    return value


def _in(people: QuerySet[Person] | None, person_id: int | None) -> bool:
    return person_id is not None and (people is None or people.filter(pk=person_id).exists())


def _is_self(user, person_id: int) -> bool:
    return user is not None and Person.objects.filter(pk=person_id, user=user).exists()


def _checked_file(upload, *, field: str) -> tuple[str, str]:
    """The repository's evidence check (size, type from the bytes), then name and SHA-256."""
    try:
        check_evidence(upload)
    except ApplicationError as error:
        raise ApplicationError(error.message, field=field, code=error.code) from error
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    name = PurePath((upload.name or "").replace("\\", "/")).name[:200] or "file"
    return name, digest.hexdigest()


def _not_future(day: dt.date | None, *, field: str, today: dt.date, missing: str) -> dt.date:
    if day is None:
        raise ApplicationError(missing, field=field)
    if day > today:
        raise ApplicationError(_("This date is in the future."), field=field)
    return day


def _course(course: Course | None, *, required: bool = True) -> Course | None:
    if course is None and required:
        raise ApplicationError(_("Choose the course."), field="course")
    return course


# ---------------------------------------------------------------- behaviour observations


def observation_create(*, observer, people: QuerySet[Person] | None, person: Person, course: Course,
                       observed_on: dt.date, skills: str, rating: str, feedback: str,
                       now: dt.datetime | None = None) -> Observation:
    """A manager's dated observation of one of their people against what a course taught."""
    now = now or timezone.now()
    if person is None or not _in(people, person.pk):
        raise ApplicationError(_("You can only observe people in your scope."), field="person", code="out_of_scope")
    if _is_self(observer, person.pk):
        raise ApplicationError(_("You cannot observe yourself."), field="person")
    _course(course)
    observed_on = _not_future(observed_on, field="observed_on", today=timezone.localdate(now),
                              missing=_("When did you observe it?"))
    lines = [line.strip() for line in (skills or "").splitlines() if line.strip()]
    if not lines:
        raise ApplicationError(_("Name at least one skill the course taught."), field="skills")
    skills = _clean("\n".join(lines), field="skills", max_length=2000)
    if rating not in Rating.values:
        raise ApplicationError(_("Choose how often you saw it."), field="rating")
    feedback = _clean(feedback, field="feedback", missing=_("Write your feedback for the person."),
                      max_length=TEXT_MAX)
    with transaction.atomic():
        observation = Observation.objects.create(person=person, course=course, observed_on=observed_on,
                                                 skills=skills, rating=rating, feedback=feedback,
                                                 observed_by=observer, created_at=now)
        followup.complete_matching(kind=ActivityKind.OBSERVATION, assignee_id=_person_id(observer),
                                   subject_id=person.pk, course_id=course.pk, now=now, actor=observer)
        return observation


def _person_id(user) -> int | None:
    person = getattr(user, "person", None) if user is not None else None
    return person.pk if person is not None else None


def observation_acknowledge(*, observation: Observation, person_id: int | None,
                            now: dt.datetime | None = None) -> Observation:
    """The observed person says they have read the feedback (once; again changes nothing)."""
    if person_id is None or observation.person_id != person_id:
        raise ApplicationError(_("Only the person observed can acknowledge the feedback."), code="not_own")
    with transaction.atomic():
        locked = Observation.objects.select_for_update().get(pk=observation.pk)
        if locked.acknowledged_at is None:
            locked.acknowledged_at = now or timezone.now()
            locked.save(update_fields=["acknowledged_at"])
        return locked


# ---------------------------------------------------------------- the training application archive


def case_create(*, person: Person, course: Course, title: str, situation: str, effect: str, applied_on: dt.date,
                result: str = "", evidence=None, now: dt.datetime | None = None) -> ApplicationCase:
    """A case where the person applied what a course taught, and its effect."""
    now = now or timezone.now()
    _course(course)
    title = _clean(title, field="title", missing=_("Say what you applied."))
    situation = _clean(situation, field="situation", missing=_("Describe the situation."), max_length=TEXT_MAX)
    effect = _clean(effect, field="effect", missing=_("Describe the effect."), max_length=TEXT_MAX)
    result = _clean(result, field="result")
    applied_on = _not_future(applied_on, field="applied_on", today=timezone.localdate(now),
                             missing=_("When did you apply it?"))
    files = {}
    if evidence:
        name, sha = _checked_file(evidence, field="evidence")
        files = {"evidence": evidence, "evidence_name": name, "evidence_sha256": sha}
    with transaction.atomic():
        return ApplicationCase.objects.create(person=person, course=course, title=title, situation=situation,
                                              effect=effect, result=result, applied_on=applied_on, created_at=now,
                                              **files)


def _confirm(model, *, obj, confirmer, people, comment: str, now: dt.datetime | None):
    if not _in(people, obj.person_id):
        raise ApplicationError(_("This person is outside your scope."), code="out_of_scope")
    if _is_self(confirmer, obj.person_id):
        raise ApplicationError(_("Your own record is confirmed by your manager."), code="own")
    comment = _clean(comment, field="comment", max_length=NOTE_MAX)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if locked.confirmed_at is not None:
            raise ApplicationError(_("This has already been confirmed."), code="confirmed")
        locked.comment = comment
        locked.confirmed_by = confirmer
        locked.confirmed_at = now or timezone.now()
        locked.save(update_fields=["comment", "confirmed_by", "confirmed_at"])
        return locked


def case_confirm(*, case: ApplicationCase, confirmer, people: QuerySet[Person] | None, comment: str = "",
                 now: dt.datetime | None = None) -> ApplicationCase:
    return _confirm(ApplicationCase, obj=case, confirmer=confirmer, people=people, comment=comment, now=now)


def period_start(period: str, day: dt.date) -> dt.date:
    """The first day of the month or quarter ``day`` is in."""
    if period == SelfReport.Period.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def report_create(*, person: Person, period: str, day: dt.date, achievements: str, difficulties: str = "",
                  course: Course | None = None, now: dt.datetime | None = None) -> SelfReport:
    """A monthly or quarterly self-report on applying the training; one per person and period."""
    now = now or timezone.now()
    if period not in SelfReport.Period.values:
        raise ApplicationError(_("Choose monthly or quarterly."), field="period")
    if day is None:
        raise ApplicationError(_("Which month or quarter is it about?"), field="day")
    start = period_start(period, day)
    if start > timezone.localdate(now):
        raise ApplicationError(_("This period has not started yet."), field="day")
    achievements = _clean(achievements, field="achievements", missing=_("Say what you applied and achieved."),
                          max_length=TEXT_MAX)
    difficulties = _clean(difficulties, field="difficulties", max_length=TEXT_MAX)
    try:
        with transaction.atomic():
            return SelfReport.objects.create(person=person, period=period, period_start=start, course=course,
                                             achievements=achievements, difficulties=difficulties, created_at=now)
    except IntegrityError as exc:
        raise ApplicationError(_("You have already sent the report for this period."), field="day") from exc


def report_confirm(*, report: SelfReport, confirmer, people: QuerySet[Person] | None, comment: str = "",
                   now: dt.datetime | None = None) -> SelfReport:
    return _confirm(SelfReport, obj=report, confirmer=confirmer, people=people, comment=comment, now=now)


# ---------------------------------------------------------------- individual development plans


@dataclass
class ActionDraft:
    text: str
    due_on: dt.date
    status: str = DevelopmentAction.Status.TODO


def _goal_lines(text: str, *, field: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines:
        if len(line) > 500:
            raise ApplicationError(_("A goal has at most %(max)d characters.") % {"max": 500}, field=field)
    return lines


def plan_save(*, person: Person, start_year: int, end_year: int, aspiration: str = "", short_goals: str = "",
              long_goals: str = "", actions: list[ActionDraft] = (), courses=(), submit: bool = False,
              plan: DevelopmentPlan | None = None, now: dt.datetime | None = None) -> DevelopmentPlan:
    """Create or change the person's own plan. A changed plan goes back to the manager: ``submit``
    sends it for agreement, otherwise it is a draft."""
    now = now or timezone.now()
    if plan is not None and plan.person_id != person.pk:
        raise ApplicationError(_("This is not your plan."), code="not_own")
    if not start_year or not end_year:
        raise ApplicationError(_("Give the years the plan covers."), field="start_year")
    if end_year < start_year or end_year - start_year >= PLAN_YEARS_MAX:
        raise ApplicationError(_("A plan covers one to five years."), field="end_year")
    aspiration = _clean(aspiration, field="aspiration", max_length=TEXT_MAX)
    shorts = _goal_lines(short_goals, field="short_goals")
    longs = _goal_lines(long_goals, field="long_goals")
    if submit and not shorts:
        raise ApplicationError(_("Write at least one short-term goal before sending the plan."), field="short_goals")
    drafts = []
    for draft in actions:
        text = _clean(draft.text, field="actions", max_length=500)
        if not text:
            continue
        if draft.due_on is None:
            raise ApplicationError(_("Every action needs a due date."), field="actions")
        if draft.status not in DevelopmentAction.Status.values:
            raise ApplicationError(_("Choose the action's status."), field="actions")
        drafts.append(ActionDraft(text=text, due_on=draft.due_on, status=draft.status))
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)  # one plan at a time per person
        overlapping = DevelopmentPlan.objects.filter(person=person, start_year__lte=end_year,
                                                     end_year__gte=start_year)
        if plan is not None:
            overlapping = overlapping.exclude(pk=plan.pk)
        if overlapping.exists():
            raise ApplicationError(_("You already have a plan for these years."), field="start_year")
        fields = {"start_year": start_year, "end_year": end_year, "aspiration": aspiration, "updated_at": now,
                  "status": DevelopmentPlan.Status.SUBMITTED if submit else DevelopmentPlan.Status.DRAFT,
                  "agreed_by": None, "agreed_at": None}
        if plan is None:
            plan = DevelopmentPlan.objects.create(person=person, created_at=now, **fields)
        else:
            plan = DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)
            for key, value in fields.items():
                setattr(plan, key, value)
            plan.save()
        plan.goals.all().delete()
        DevelopmentGoal.objects.bulk_create(
            [DevelopmentGoal(plan=plan, horizon=Horizon.SHORT, text=text, position=i) for i, text in enumerate(shorts)]
            + [DevelopmentGoal(plan=plan, horizon=Horizon.LONG, text=text, position=i) for i, text in enumerate(longs)])
        plan.actions.all().delete()
        DevelopmentAction.objects.bulk_create(
            [DevelopmentAction(plan=plan, text=d.text, due_on=d.due_on, status=d.status) for d in drafts])
        plan.courses.set(list(courses))
        if submit:  # sent to the manager: the follow-up task "write a development plan" is done
            followup.complete_matching(kind=ActivityKind.DEVELOPMENT_PLAN, assignee_id=person.pk,
                                       subject_id=person.pk, now=now)
    return plan


def plan_decide(*, plan: DevelopmentPlan, manager, people: QuerySet[Person] | None, agree: bool, note: str = "",
                now: dt.datetime | None = None) -> DevelopmentPlan:
    """The manager agrees to a plan sent to them, or sends it back with a note."""
    if not _in(people, plan.person_id):
        raise ApplicationError(_("This person is outside your scope."), code="out_of_scope")
    if _is_self(manager, plan.person_id):
        raise ApplicationError(_("Your own plan is agreed by your manager."), code="own")
    note = _clean(note, field="note", missing=None if agree else _("Say what should change."), max_length=NOTE_MAX)
    with transaction.atomic():
        locked = DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != DevelopmentPlan.Status.SUBMITTED:
            raise ApplicationError(_("Only a plan sent for agreement can be agreed or sent back."), code="status")
        locked.manager_note = note
        if agree:
            locked.status = DevelopmentPlan.Status.AGREED
            locked.agreed_by = manager
            locked.agreed_at = now or timezone.now()
        else:
            locked.status = DevelopmentPlan.Status.DRAFT
        locked.save(update_fields=["manager_note", "status", "agreed_by", "agreed_at"])
        return locked


def career_review_record(*, plan: DevelopmentPlan, reviewer, people: QuerySet[Person] | None, year: int,
                         achieved: list[str], assessment: str, next_steps: str,
                         now: dt.datetime | None = None) -> CareerReview:
    """The yearly career development review against an agreed plan: what was achieved per goal."""
    now = now or timezone.now()
    if not _in(people, plan.person_id):
        raise ApplicationError(_("This person is outside your scope."), code="out_of_scope")
    if _is_self(reviewer, plan.person_id):
        raise ApplicationError(_("Your own review is done by your manager."), code="own")
    if plan.status != DevelopmentPlan.Status.AGREED:
        raise ApplicationError(_("Review a plan once it has been agreed."), code="status")
    if not year or not plan.covers(year) or year > timezone.localdate(now).year:
        raise ApplicationError(_("Choose a year of the plan, up to this year."), field="year")
    goals = list(plan.goals.all())
    achieved = list(achieved or []) + [""] * len(goals)
    outcomes = [{"goal": goal.text, "horizon": goal.horizon,
                 "achieved": _clean(achieved[i], field=f"goal_{goal.pk}", max_length=NOTE_MAX)}
                for i, goal in enumerate(goals)]
    assessment = _clean(assessment, field="assessment", missing=_("Write your assessment."), max_length=TEXT_MAX)
    next_steps = _clean(next_steps, field="next_steps", missing=_("Write the next steps."), max_length=TEXT_MAX)
    try:
        with transaction.atomic():
            review = CareerReview.objects.create(plan=plan, year=year, outcomes=outcomes, assessment=assessment,
                                                 next_steps=next_steps, reviewed_by=reviewer, reviewed_at=now)
            # The annual career review tasks of the person and of the one who reviewed them are done.
            for assignee_id in {plan.person_id, _person_id(reviewer)}:
                followup.complete_matching(kind=ActivityKind.CAREER_REVIEW, assignee_id=assignee_id,
                                           subject_id=plan.person_id, now=now, actor=reviewer)
            return review
    except IntegrityError as exc:
        raise ApplicationError(_("This year's review has already been recorded."), field="year") from exc


# ---------------------------------------------------------------- improvement actions

# Where an action may go from each status.
TRANSITIONS = {
    ActionStatus.OPEN: {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED},
    ActionStatus.IN_PROGRESS: {ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.CANCELLED},
    ActionStatus.DONE: {ActionStatus.IN_PROGRESS, ActionStatus.VERIFIED},
    ActionStatus.VERIFIED: set(),
    ActionStatus.CANCELLED: set(),
}


def _action_fields(*, units: QuerySet[OrgUnit] | None, title, description, source, source_ref, org_unit,
                   responsible, deadline, expected_effect) -> dict:
    title = _clean(title, field="title", missing=_("Say what is to be improved."))
    description = _clean(description, field="description", max_length=TEXT_MAX)
    if source not in ActionSource.values:
        raise ApplicationError(_("Choose where the action comes from."), field="source")
    source_ref = _clean(source_ref, field="source_ref")
    if org_unit is None:
        raise ApplicationError(_("Choose the responsible unit."), field="org_unit")
    if units is not None and not units.filter(pk=org_unit.pk).exists():
        raise ApplicationError(_("This unit is outside your scope."), field="org_unit", code="out_of_scope")
    if responsible is not None and not responsible.org_unit.path.startswith(org_unit.path):
        raise ApplicationError(_("The responsible person must belong to the responsible unit."),
                               field="responsible")
    if deadline is None:
        raise ApplicationError(_("Set a deadline."), field="deadline")
    expected_effect = _clean(expected_effect, field="expected_effect", missing=_("Describe the expected effect."),
                             max_length=TEXT_MAX)
    return {"title": title, "description": description, "source": source, "source_ref": source_ref,
            "org_unit": org_unit, "responsible": responsible, "deadline": deadline,
            "expected_effect": expected_effect}


def action_create(*, created_by, units: QuerySet[OrgUnit] | None, title: str, source: str, org_unit: OrgUnit,
                  deadline: dt.date, expected_effect: str, responsible: Person | None = None,
                  description: str = "", source_ref: str = "", now: dt.datetime | None = None) -> ImprovementAction:
    now = now or timezone.now()
    fields = _action_fields(units=units, title=title, description=description, source=source,
                            source_ref=source_ref, org_unit=org_unit, responsible=responsible, deadline=deadline,
                            expected_effect=expected_effect)
    with transaction.atomic():
        return ImprovementAction.objects.create(created_by=created_by, created_at=now, updated_at=now, **fields)


def action_update(*, action: ImprovementAction, units: QuerySet[OrgUnit] | None, title: str, source: str,
                  org_unit: OrgUnit, deadline: dt.date, expected_effect: str, responsible: Person | None = None,
                  description: str = "", source_ref: str = "", now: dt.datetime | None = None) -> ImprovementAction:
    """Change an action that is not closed; a new deadline may be escalated again once it passes."""
    now = now or timezone.now()
    fields = _action_fields(units=units, title=title, description=description, source=source,
                            source_ref=source_ref, org_unit=org_unit, responsible=responsible, deadline=deadline,
                            expected_effect=expected_effect)
    with transaction.atomic():
        locked = ImprovementAction.objects.select_for_update().get(pk=action.pk)
        if locked.status in (ActionStatus.VERIFIED, ActionStatus.CANCELLED):
            raise ApplicationError(_("A verified or cancelled action cannot be changed."), code="closed")
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.updated_at = now
        locked.save()
        return locked


def action_set_status(*, action: ImprovementAction, status: str, actor, now: dt.datetime | None = None
                      ) -> ImprovementAction:
    now = now or timezone.now()
    if status not in ActionStatus.values:
        raise ApplicationError(_("Choose a status."), field="status")
    with transaction.atomic():
        locked = ImprovementAction.objects.select_for_update().get(pk=action.pk)
        if status == locked.status:
            return locked
        if status not in TRANSITIONS[locked.status]:
            raise ApplicationError(
                _("An action that is “%(now)s” cannot become “%(new)s”.")
                % {"now": locked.get_status_display(), "new": ActionStatus(status).label}, field="status",
                code="transition")
        if status == ActionStatus.VERIFIED and not locked.checks.filter(effective=True).exists():
            raise ApplicationError(_("Record a follow-up check that found it effective before verifying."),
                                   field="status", code="unchecked")
        locked.status = status
        locked.updated_at = now
        locked.closed_at = None if status in OPEN_STATUSES else (locked.closed_at or now)
        if status == ActionStatus.IN_PROGRESS:
            locked.closed_at = None
        locked.save(update_fields=["status", "updated_at", "closed_at"])
        return locked


def action_check_add(*, action: ImprovementAction, actor, checked_on: dt.date, result: str,
                     effective: bool | None = None, now: dt.datetime | None = None) -> ActionCheck:
    """A dated follow-up check of how the action is going: its result, effective or not (yet)."""
    now = now or timezone.now()
    checked_on = _not_future(checked_on, field="checked_on", today=timezone.localdate(now),
                             missing=_("When was it checked?"))
    result = _clean(result, field="result", missing=_("Write what the check found."), max_length=TEXT_MAX)
    if action.status in (ActionStatus.CANCELLED, ActionStatus.VERIFIED):
        raise ApplicationError(_("A verified or cancelled action takes no more checks."), code="closed")
    with transaction.atomic():
        ImprovementAction.objects.select_for_update().filter(pk=action.pk).update(updated_at=now)
        return ActionCheck.objects.create(action=action, checked_on=checked_on, result=result, effective=effective,
                                          checked_by=actor, created_at=now)


def escalation_recipients(action: ImprovementAction) -> list:
    """The responsible person's manager, and the training admins whose scope covers the unit."""
    users = []
    if action.responsible_id and action.responsible.manager_id and action.responsible.manager.user_id:
        users.append(action.responsible.manager.user)
    path = action.org_unit.path
    assignments = RoleAssignment.objects.filter(role=Role.TRAINING_ADMIN).select_related("user", "scope")
    for assignment in assignments:
        covers = assignment.scope_id is None or path.startswith(assignment.scope.path)
        if covers and assignment.user.is_active and assignment.user not in users:
            users.append(assignment.user)
    return users


def escalate_overdue(now: dt.datetime | None = None) -> list[Escalation]:
    """Escalate every open action whose deadline has passed, once per deadline: a stored escalation
    (who, when) the notifications will send. Running it again escalates nothing twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    made = []
    overdue = (ImprovementAction.objects.filter(status__in=OPEN_STATUSES, deadline__lt=today)
               .exclude(escalations__deadline=F("deadline"))
               .select_related("org_unit", "responsible__manager__user"))
    for action in overdue:
        with transaction.atomic():
            locked = ImprovementAction.objects.select_for_update().get(pk=action.pk)
            if locked.status not in OPEN_STATUSES or locked.deadline >= today:
                continue
            escalation, created = Escalation.objects.get_or_create(
                action=locked, deadline=locked.deadline, defaults={"escalated_at": now})
            if created:
                escalation.recipients.set(escalation_recipients(action))
                made.append(escalation)
    return made


def last_escalation(action: ImprovementAction) -> Escalation | None:
    return action.escalations.filter(deadline=action.deadline).first()


def is_escalated(action: ImprovementAction) -> bool:
    return Escalation.objects.filter(action=action, deadline=action.deadline).exists()


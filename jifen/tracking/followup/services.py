"""Tracking plans and their tasks: every write, one function per use case.

A plan is made for a session (or a programme of sessions) from a template. It is due within the
template's number of working days after the training ends (China's official calendar, see
workdays.py), and making it gives every activity's tasks to the right people: the learners, their
managers (Person.manager), up to three peers of the same session and org unit, the trainer.

Completing a survey or an evaluation records the rules event ``survey.completed`` /
``evaluation.completed`` under the key ``followup:task:<task id>``, so points come through the rules,
once per task.

Anonymous survey: the answer goes to AnonymousResponse (no person, task, time or sequential id) and a
SurveyReceipt (person, plan, activity) records only that the person answered. Each new answer swaps
its content with a uniformly chosen row of its group (an incremental Fisher-Yates shuffle), so the
order in which rows were written cannot be matched to the receipts either.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.catalog.models import Enrolment, Session
from jifen.core.errors import ApplicationError
from jifen.org.models import OrgUnit, Person
from jifen.rules.models import EventType
from jifen.rules.services import record_event
from jifen.tracking.followup.models import (
    ActivityKind,
    AnonymousResponse,
    Audience,
    Grade,
    OffsetUnit,
    Plan,
    PlanTemplate,
    Programme,
    SurveyReceipt,
    Task,
    TaskStatus,
    TemplateActivity,
    TestResult,
)
from jifen.tracking.followup.workdays import add_months, add_working_days_checked, next_working_day_checked
from jifen.tracking.instruments import services as instruments
from jifen.tracking.instruments.models import FormKind

MAX_PEERS = 3
REMIND_DAYS_BEFORE = 3
DEFAULT_TEMPLATE_CODE = "default"
# Kinds a person completes by answering the activity's form; the others by saying they are done
# (tests are recorded by the training department, observations and plans live in their own pages).
FORM_KINDS = {ActivityKind.SURVEY, ActivityKind.EVALUATION}
EVENT_OF = {ActivityKind.SURVEY: EventType.SURVEY_COMPLETED, ActivityKind.EVALUATION: EventType.EVALUATION_COMPLETED}


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


# ---------------------------------------------------------------- templates


def _text(value: str, *, field: str, missing: str | None = None, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value and missing:
        raise ApplicationError(missing, field=field)
    if len(value) > max_length:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": max_length}, field=field)
    return value


def _check_template(template: PlanTemplate) -> None:
    weights = (template.manager_weight, template.peers_weight, template.self_weight)
    if any(w < 0 or w > 100 for w in weights):
        raise ApplicationError(_("Each weight is between 0 and 100."), field="manager_weight")
    if sum(weights) != 100:
        raise ApplicationError(_("The weights of manager, peers and self must add up to 100."),
                               field="manager_weight")
    if not (100 >= template.excellent_from > template.good_from > template.pass_from >= 0):
        raise ApplicationError(_("The thresholds must fall from 优秀 to 良好 to 合格, between 0 and 100."),
                               field="excellent_from")


@transaction.atomic
def template_create(*, name: str, description: str = "", code: str = "", **settings) -> PlanTemplate:
    template = PlanTemplate(name=_text(name, field="name", missing=_("Give the template a name.")),
                            description=(description or "").strip(), code=code, **settings)
    _check_template(template)
    template.save()
    return template


@transaction.atomic
def template_update(*, template: PlanTemplate, **fields) -> PlanTemplate:
    locked = PlanTemplate.objects.select_for_update().get(pk=template.pk)
    for name, value in fields.items():
        if name == "name":
            value = _text(value, field="name", missing=_("Give the template a name."))
        setattr(locked, name, value)
    _check_template(locked)
    locked.save()
    return locked


@transaction.atomic
def activity_add(*, template: PlanTemplate, kind: str, offset: int, offset_unit: str = OffsetUnit.WEEKS,
                 audiences: list[str], title: str = "", repeat: int = 1, form=None) -> TemplateActivity:
    if kind not in ActivityKind.values:
        raise ApplicationError(_("Choose a kind of activity."), field="kind")
    if offset_unit not in OffsetUnit.values:
        raise ApplicationError(_("Choose weeks, months or working days."), field="offset_unit")
    if offset is None or offset < 0 or offset > 1000:
        raise ApplicationError(_("Enter a number from 0 to 1000."), field="offset")
    if not 1 <= (repeat or 0) <= 24:
        raise ApplicationError(_("Enter a number from 1 to 24."), field="repeat")
    audiences = [a for a in dict.fromkeys(audiences or []) if a]
    if not audiences or any(a not in Audience.values for a in audiences):
        raise ApplicationError(_("Choose who does it."), field="audiences")
    if kind in FORM_KINDS and form is None:
        raise ApplicationError(_("Choose the form to answer."), field="form")
    if kind == ActivityKind.SURVEY and form is not None and not form.anonymous:
        raise ApplicationError(_("A satisfaction survey uses an anonymous form."), field="form")
    if kind == ActivityKind.SURVEY and audiences != [Audience.LEARNER]:
        raise ApplicationError(_("The learners answer a satisfaction survey."), field="audiences")
    if kind != ActivityKind.SURVEY and form is not None and form.anonymous:
        raise ApplicationError(_("Only a satisfaction survey uses an anonymous form."), field="form")
    position = template.activities.count() + 1
    return TemplateActivity.objects.create(
        template=template, kind=kind, title=_text(title, field="title"), offset=offset, offset_unit=offset_unit,
        repeat=repeat, audiences=audiences, form=form if kind in FORM_KINDS or form is not None else None,
        position=position)


@transaction.atomic
def activity_remove(*, activity: TemplateActivity) -> None:
    if activity.tasks.exists():
        raise ApplicationError(_("Plans already have tasks of this activity: it stays."))
    activity.delete()


@transaction.atomic
def default_template() -> PlanTemplate:
    """The template of seed 004, made the first time it is needed: test after 2 weeks, survey after 1
    week, 360 evaluation after 3 months, monthly observations for 3 months, a development plan, an
    annual career review."""
    found = PlanTemplate.objects.filter(code=DEFAULT_TEMPLATE_CODE).first()
    if found is not None:
        return found
    survey, evaluation = instruments.default_survey(), instruments.default_evaluation()
    template = template_create(name=_("Standard follow-up (seed 004)"), code=DEFAULT_TEMPLATE_CODE,
                               description=_("Test, survey, 360 evaluation, observations, development plan and "
                                             "annual career review after every training."))
    activity_add(template=template, kind=ActivityKind.SURVEY, offset=1, offset_unit=OffsetUnit.WEEKS,
                 audiences=[Audience.LEARNER], form=survey)
    activity_add(template=template, kind=ActivityKind.TEST, offset=2, offset_unit=OffsetUnit.WEEKS,
                 audiences=[Audience.LEARNER])
    activity_add(template=template, kind=ActivityKind.OBSERVATION, offset=1, offset_unit=OffsetUnit.MONTHS,
                 repeat=3, audiences=[Audience.MANAGER])
    activity_add(template=template, kind=ActivityKind.DEVELOPMENT_PLAN, offset=1, offset_unit=OffsetUnit.MONTHS,
                 audiences=[Audience.LEARNER])
    activity_add(template=template, kind=ActivityKind.EVALUATION, offset=3, offset_unit=OffsetUnit.MONTHS,
                 audiences=[Audience.MANAGER, Audience.PEERS, Audience.SELF], form=evaluation)
    activity_add(template=template, kind=ActivityKind.CAREER_REVIEW, offset=12, offset_unit=OffsetUnit.MONTHS,
                 audiences=[Audience.LEARNER, Audience.MANAGER])
    return template


def grade_for(score: Decimal, template: PlanTemplate) -> str:
    if score >= template.excellent_from:
        return Grade.EXCELLENT
    if score >= template.good_from:
        return Grade.GOOD
    if score >= template.pass_from:
        return Grade.PASS
    return Grade.FAIL


# ---------------------------------------------------------------- plans and tasks


def due_of(activity: TemplateActivity, ended_on: dt.date, occurrence: int = 1) -> tuple[dt.date, bool]:
    """When the ``occurrence``-th time of an activity is due, moved to a working day; and whether the
    calendar had to be guessed."""
    amount = activity.offset * occurrence
    if activity.offset_unit == OffsetUnit.WORKING_DAYS:
        return add_working_days_checked(ended_on, amount)
    if activity.offset_unit == OffsetUnit.WEEKS:
        return next_working_day_checked(ended_on + dt.timedelta(weeks=amount))
    return next_working_day_checked(add_months(ended_on, amount))


def plan_sessions(plan: Plan) -> list[Session]:
    if plan.session_id is not None:
        return [plan.session]
    return list(plan.programme.sessions.select_related("course", "trainer").order_by("starts_at", "pk"))


def plan_learners(plan: Plan) -> list[tuple[Person, Session]]:
    """Each enrolled learner once, with the (first) session they were in."""
    seen: dict[int, tuple[Person, Session]] = {}
    for session in plan_sessions(plan):
        enrolments = (Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED)
                      .select_related("person", "person__manager").order_by("person__employee_no"))
        for enrolment in enrolments:
            seen.setdefault(enrolment.person_id, (enrolment.person, session))
    return list(seen.values())


def _peers(learners: list[tuple[Person, Session]]) -> dict[int, list[Person]]:
    """Up to three peers for each learner: the next ones (by number, round the circle) of the same
    session and org unit, so each person evaluates at most three others."""
    groups: dict[tuple[int, int], list[Person]] = {}
    for person, session in learners:
        groups.setdefault((session.pk, person.org_unit_id), []).append(person)
    peers = {}
    for members in groups.values():
        members.sort(key=lambda p: p.employee_no)
        for index, person in enumerate(members):
            count = min(MAX_PEERS, len(members) - 1)
            peers[person.pk] = [members[(index + step) % len(members)] for step in range(1, count + 1)]
    return peers


def _assignees(audience: str, person: Person, session: Session, peers: dict[int, list[Person]]) -> list[Person]:
    if audience in (Audience.LEARNER, Audience.SELF):
        return [person]
    if audience == Audience.MANAGER:
        return [person.manager] if person.manager_id and person.manager_id != person.pk else []
    if audience == Audience.TRAINER:
        return [session.trainer] if session.trainer_id and session.trainer_id != person.pk else []
    return peers.get(person.pk, [])


@transaction.atomic
def plan_generate_tasks(*, plan: Plan) -> int:
    """Make the plan's missing tasks (a learner enrolled later gets theirs); answers how many were made."""
    learners = plan_learners(plan)
    peers = _peers(learners)
    existing = set(plan.tasks.values_list("activity_id", "audience", "occurrence", "assignee_id", "subject_id"))
    fallback = plan.calendar_fallback
    new = []
    for activity in plan.template.activities.order_by("position", "pk"):
        for occurrence in range(1, activity.repeat + 1):
            due_on, guessed = due_of(activity, plan.ended_on, occurrence)
            fallback |= guessed
            remind_on = max(plan.ended_on, due_on - dt.timedelta(days=REMIND_DAYS_BEFORE))
            for person, session in learners:
                for audience in activity.audiences:
                    for assignee in _assignees(audience, person, session, peers):
                        key = (activity.pk, audience, occurrence, assignee.pk, person.pk)
                        if key in existing:
                            continue
                        existing.add(key)
                        new.append(Task(plan=plan, activity=activity, kind=activity.kind, audience=audience,
                                        occurrence=occurrence, assignee=assignee, subject=person, due_on=due_on,
                                        remind_on=min(remind_on, due_on)))
    Task.objects.bulk_create(new)
    if fallback != plan.calendar_fallback:
        Plan.objects.filter(pk=plan.pk).update(calendar_fallback=fallback)
        plan.calendar_fallback = fallback
    return len(new)


@transaction.atomic
def peer_add(*, plan: Plan, subject: Person, peer: Person) -> int:
    """Pick a peer to evaluate a learner (besides the ones chosen automatically): they get the
    plan's peer evaluation tasks about that learner. Answers how many tasks were made."""
    if subject.pk == peer.pk:
        raise ApplicationError(_("Nobody evaluates themselves as a peer."), field="peer")
    if not any(p.pk == subject.pk for p, _session in plan_learners(plan)):
        raise ApplicationError(_("This person is not a learner of the plan."), field="subject")
    activities = [a for a in plan.template.activities.filter(kind=ActivityKind.EVALUATION)
                  if Audience.PEERS in a.audiences]
    if not activities:
        raise ApplicationError(_("The plan's template has no peer evaluation."), field="peer")
    made = 0
    for activity in activities:
        for occurrence in range(1, activity.repeat + 1):
            due_on, _guessed = due_of(activity, plan.ended_on, occurrence)
            _task, created = Task.objects.get_or_create(
                plan=plan, activity=activity, audience=Audience.PEERS, occurrence=occurrence, assignee=peer,
                subject=subject,
                defaults={"kind": activity.kind, "due_on": due_on,
                          "remind_on": max(plan.ended_on, due_on - dt.timedelta(days=REMIND_DAYS_BEFORE))})
            made += created
    if not made:
        raise ApplicationError(_("This peer already evaluates this learner."), field="peer")
    return made


@transaction.atomic
def programme_create(*, name: str, org_unit, sessions) -> Programme:
    sessions = list(sessions)
    if not sessions:
        raise ApplicationError(_("Choose the sessions of the programme."), field="sessions")
    programme = Programme.objects.create(name=_text(name, field="name", missing=_("Give the programme a name.")),
                                         org_unit=org_unit)
    programme.sessions.set(sessions)
    return programme


@transaction.atomic
def plan_create(*, template: PlanTemplate, session: Session | None = None, programme: Programme | None = None,
                name: str = "", created_by=None, now: dt.datetime | None = None) -> Plan:
    """A tracking plan for a session (or a programme), due within the template's working days after
    the training ends, with its tasks."""
    now = now or timezone.now()
    if (session is None) == (programme is None):
        raise ApplicationError(_("Choose the session to follow up."), field="session")
    if session is not None:
        if Plan.objects.filter(session=session).exists():
            raise ApplicationError(_("This session has a tracking plan already."), field="session")
        if session.status == Session.Status.CANCELLED:
            raise ApplicationError(_("This session was cancelled."), field="session")
        sessions, org_unit, course = [session], session.org_unit, session.course
        default_name = f"{session.display_title} {local_date(session.starts_at):%Y-%m-%d}"
    else:
        sessions, org_unit = list(programme.sessions.select_related("course")), programme.org_unit
        courses = {s.course_id for s in sessions}
        course = sessions[0].course if len(courses) == 1 else None
        default_name = programme.name
    ended_on = max(local_date(s.ends_at) for s in sessions)
    due_on, fallback = add_working_days_checked(ended_on, template.plan_due_working_days)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                name=_text(name, field="name") or default_name[:200], template=template, session=session,
                programme=programme, org_unit=org_unit, course=course, ended_on=ended_on, due_on=due_on,
                calendar_fallback=fallback, created_by=created_by, created_at=now)
    except IntegrityError as exc:
        raise ApplicationError(_("This session has a tracking plan already."), field="session") from exc
    plan_generate_tasks(plan=plan)
    return plan


def common_unit(units) -> OrgUnit:
    """The smallest org unit that holds all of ``units``."""
    step = OrgUnit.steplen
    paths = [u.path for u in units]
    prefix = paths[0]
    for path in paths[1:]:
        length = 0
        while length < min(len(prefix), len(path)) and prefix[length:length + step] == path[length:length + step]:
            length += step
        prefix = prefix[:length]
    return OrgUnit.objects.get(path=prefix)


@transaction.atomic
def programme_plan_create(*, name: str, sessions, template: PlanTemplate, created_by=None,
                          units=None, now: dt.datetime | None = None) -> Plan:
    """A programme (a named set of sessions) and its tracking plan. ``units`` (the caller's scope)
    must hold the unit that holds all the sessions."""
    sessions = list(sessions)
    if len(sessions) < 2:
        raise ApplicationError(_("Choose at least two sessions for a programme."), field="sessions")
    if any(s.status == Session.Status.CANCELLED for s in sessions):
        raise ApplicationError(_("This session was cancelled."), field="sessions")
    org_unit = common_unit([s.org_unit for s in sessions])
    if units is not None and not units.filter(pk=org_unit.pk).exists():
        raise ApplicationError(_("These sessions are organised across units outside your scope."), field="sessions")
    programme = programme_create(name=name, org_unit=org_unit, sessions=sessions)
    return plan_create(template=template, programme=programme, name=name, created_by=created_by, now=now)


@transaction.atomic
def plan_close(*, plan: Plan) -> Plan:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CLOSED)
    plan.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.OVERDUE]).update(status=TaskStatus.CANCELLED)
    plan.status = Plan.Status.CLOSED
    return plan


def tasks_mark_overdue(*, today: dt.date) -> int:
    """Open tasks past their due date become overdue (a daily job; pages also show it on the fly)."""
    return Task.objects.filter(status=TaskStatus.OPEN, due_on__lt=today).update(status=TaskStatus.OVERDUE)


# ---------------------------------------------------------------- completing tasks


def _lock_open(task: Task) -> Task:
    locked = Task.objects.select_for_update(of=("self",)).select_related(
        "plan", "plan__course", "activity", "activity__form", "assignee", "subject").get(pk=task.pk)
    if locked.status == TaskStatus.DONE:
        raise ApplicationError(_("This task is done already."), code="done")
    if locked.status == TaskStatus.CANCELLED or locked.plan.status == Plan.Status.CLOSED:
        raise ApplicationError(_("This task was cancelled."), code="cancelled")
    return locked


def _done(task: Task, now: dt.datetime, *, actor=None) -> Task:
    event = EVENT_OF.get(task.kind)
    task.status, task.completed_at = TaskStatus.DONE, now
    if event is not None:
        key = f"followup:task:{task.pk}"
        result = record_event(key=key, type=event, person=task.assignee.employee_no, occurred_at=now,
                              course=task.plan.course.code if task.plan.course_id else None,
                              data={"plan": task.plan_id}, source="followup", actor=actor, now=now)
        if result.status != "rejected":
            task.event_key = key
    task.save(update_fields=["status", "completed_at", "event_key"])
    return task


def complete_matching(*, kind: str, assignee_id: int | None, subject_id: int, course_id: int | None = None,
                      now: dt.datetime | None = None, actor=None) -> Task | None:
    """A record made elsewhere (an observation, a development plan, a career review in the growth app) is
    what an open follow-up task asks for: complete the earliest such task of this kind, to this person,
    about this subject (of a plan for the given course, when one is given). Nothing open: nothing done."""
    if assignee_id is None:
        return None
    tasks = Task.objects.filter(kind=kind, assignee_id=assignee_id, subject_id=subject_id, status=TaskStatus.OPEN,
                                plan__status=Plan.Status.ACTIVE)
    if course_id is not None:
        tasks = tasks.filter(plan__course_id=course_id)
    task = tasks.order_by("due_on", "pk").first()
    if task is None:
        return None
    try:
        with transaction.atomic():
            return _done(_lock_open(task), now or timezone.now(), actor=actor)
    except ApplicationError:  # done or cancelled a moment ago by someone else: the record still counts
        return None


SHUFFLED = 5  # answers of a group each anonymous answer is shuffled with (itself included)


def survey_answer(*, task: Task, answers: dict, now: dt.datetime | None = None, actor=None) -> Task:
    """Answer a plan's anonymous survey: once per person; the answer keeps no trace of who gave it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_open(task)
        form = locked.activity.form
        version = form.current_version()
        cleaned = instruments.clean_answers(version, answers)
        try:
            with transaction.atomic():
                SurveyReceipt.objects.create(person=locked.assignee, plan=locked.plan, activity=locked.activity)
        except IntegrityError as exc:
            raise ApplicationError(_("You have answered this survey already."), code="answered") from exc
        payload = {str(qid): value for qid, value in cleaned.items() if value is not None}
        group = AnonymousResponse.objects.filter(plan=locked.plan, activity=locked.activity)
        others = list(group.select_for_update().values_list("pk", flat=True).order_by("pk"))
        new = AnonymousResponse.objects.create(plan=locked.plan, activity=locked.activity, version=version,
                                               answers=payload)
        # Shuffle the new content with up to SHUFFLED - 1 answers picked at random from the group, and
        # rewrite every one of them: whoever reads the database's own bookkeeping (the writing transaction
        # of a row, PostgreSQL's xmin; its physical place) sees this answer's transaction touch that many
        # answers of the group, and which of them holds the new content is chance.
        rng = secrets.SystemRandom()
        picked = rng.sample(others, min(SHUFFLED - 1, len(others)))
        contents = {new.pk: (version.pk, payload)} | {
            pk: (version_id, stored) for pk, version_id, stored in
            AnonymousResponse.objects.filter(pk__in=picked).values_list("pk", "version_id", "answers")}
        rows = list(contents)
        sources = rows[:]
        rng.shuffle(sources)
        for target, source in zip(rows, sources, strict=True):
            version_id, stored = contents[source]
            AnonymousResponse.objects.filter(pk=target).update(version=version_id, answers=stored)
        instruments.mark_in_use(version)
        return _done(locked, now, actor=actor)


def task_complete(*, task: Task, answers: dict | None = None, now: dt.datetime | None = None, actor=None) -> Task:
    """Complete one's task: answer its form (survey, evaluation) or, for the others, say it is done."""
    now = now or timezone.now()
    if task.kind == ActivityKind.SURVEY and task.activity.form_id and task.activity.form.anonymous:
        return survey_answer(task=task, answers=answers or {}, now=now, actor=actor)
    with transaction.atomic():
        locked = _lock_open(task)
        if locked.kind == ActivityKind.TEST:
            raise ApplicationError(_("The training department records the test result."), code="test")
        if locked.activity.form_id:
            version = locked.activity.form.current_version()
            instruments.response_submit(version=version, respondent=locked.assignee, subject=locked.subject,
                                        answers=answers or {}, context=f"task:{locked.pk}", now=now)
        return _done(locked, now, actor=actor)


def _score(value, *, field: str, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ApplicationError(_("Enter the score."), field=field)
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("Enter a number."), field=field) from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise ApplicationError(_("Enter a score from 0 to 100."), field=field)
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def test_result_record(*, plan: Plan, person: Person, score, pre_score=None, taken_on: dt.date | None = None,
                       recorded_by=None, now: dt.datetime | None = None) -> TestResult:
    """Record (or correct) a learner's test score: graded 优秀 / 良好 / 合格 / 不合格 by the template's
    thresholds, kept in their training record; their test task is done."""
    now = now or timezone.now()
    score = _score(score, field="score", required=True)
    pre_score = _score(pre_score, field="pre_score", required=False)
    if not any(p.pk == person.pk for p, _session in plan_learners(plan)):
        raise ApplicationError(_("This person is not a learner of the plan."), field="person")
    grade = grade_for(score, plan.template)
    result, _created = TestResult.objects.update_or_create(
        person=person, plan=plan,
        defaults={"course": plan.course, "score": score, "pre_score": pre_score, "grade": grade,
                  "taken_on": taken_on or timezone.localdate(now), "recorded_by": recorded_by, "recorded_at": now})
    for task in Task.objects.select_for_update().filter(plan=plan, kind=ActivityKind.TEST, assignee=person,
                                                         status__in=[TaskStatus.OPEN, TaskStatus.OVERDUE]):
        _done(task, now, actor=recorded_by)
    return result


def forms_for(kind: str):
    """The forms an activity of this kind may use."""
    from jifen.tracking.instruments.models import Form

    if kind == ActivityKind.SURVEY:
        return Form.objects.filter(anonymous=True)
    if kind == ActivityKind.EVALUATION:
        return Form.objects.filter(anonymous=False, kind=FormKind.EVALUATION)
    return Form.objects.filter(anonymous=False)

"""The periodic jobs (seeds 002 and 003): the weekly points notice, the monthly statement, reminders,
escalations for people behind on credits, overdue improvement actions, and the queue of deliveries.

Each job runs for a period (its key: ``weekly:2026-W47``) claimed in ``JobRun``: a second worker finds
it claimed and does nothing; a run that crashed (failed, or silent for ``STALE``) is taken over by the
next attempt, which skips what the first made (every notification has a unique key). So a job runs
once across all workers, and a rerun sends nothing twice. Progress (done of total) is saved as it goes.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jifen.catalog import selectors as catalog
from jifen.ledger.models import Account, Currency, Entry, EntryKind, Lot, Period, Standing
from jifen.notify import services
from jifen.notify.models import JobRun, JobStatus, Kind, LearningPlan, Notification, ProgressCheck
from jifen.org.models import Person

STALE = dt.timedelta(minutes=10)
CHUNK = 200
ZERO = Decimal(0)
BEHIND_SHARE = Decimal("0.8")  # behind: earned less than 80 % of the pro-rated progress expected by now


# ---------------------------------------------------------------- running a job once per period


def claim(job: str, key: str, now: dt.datetime) -> JobRun | None:
    """The run of ``key`` for this worker, or None when it is done or another worker is at it."""
    try:
        with transaction.atomic():
            run = JobRun.objects.select_for_update().filter(key=key).first()
            if run is None:
                return JobRun.objects.create(job=job, key=key, started_at=now, heartbeat_at=now)
            if run.status == JobStatus.DONE:
                return None
            if run.status == JobStatus.RUNNING and now - run.heartbeat_at < STALE:
                return None
            run.attempts += 1
            run.status, run.error, run.heartbeat_at, run.finished_at = JobStatus.RUNNING, "", now, None
            run.save(update_fields=["attempts", "status", "error", "heartbeat_at", "finished_at"])
            return run
    except IntegrityError:
        return None  # another worker created it at the same moment


def run_job(job: str, key: str, items: Iterable, handle: Callable[[list], int], *,
            now: dt.datetime | None = None, chunk_size: int = CHUNK) -> JobRun | None:
    """Claim the period, then ``handle`` the items chunk by chunk (it returns how many messages it made
    and must skip what exists), saving progress; on an error the run is marked failed and it raises."""
    now = now or timezone.now()
    run = claim(job, key, now)
    if run is None:
        return None
    try:
        items = list(items)
        run.total, run.done = len(items), 0
        run.save(update_fields=["total", "done"])
        for start in range(0, len(items), chunk_size):
            chunk = items[start:start + chunk_size]
            run.made += handle(chunk)
            run.done += len(chunk)
            run.heartbeat_at = timezone.now()
            run.save(update_fields=["done", "made", "heartbeat_at"])
        run.status, run.finished_at = JobStatus.DONE, timezone.now()
        run.save(update_fields=["status", "finished_at"])
        return run
    except Exception:
        run.status, run.error, run.finished_at = JobStatus.FAILED, traceback.format_exc()[-4000:], timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise


def once(job: str, key: str, work: Callable[[], int | list | None], *, now: dt.datetime | None = None
         ) -> JobRun | None:
    """A job without a list of people (expiry, digests): claimed for its period like the others."""
    def handle(_items: list) -> int:
        result = work()
        return len(result) if isinstance(result, list) else int(result or 0)

    return run_job(job, key, [key], handle, now=now)


def _people_with_logins() -> list[int]:
    return list(Person.objects.exclude(status=Person.Status.LEFT).filter(user__isnull=False, user__is_active=True)
                .order_by("pk").values_list("pk", flat=True))


def _one(value: Decimal | None) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _fresh(keys: dict[int, str]) -> dict[int, str]:
    """Of person → notification key, those not made yet."""
    made = set(Notification.objects.filter(key__in=list(keys.values())).values_list("key", flat=True))
    return {pk: key for pk, key in keys.items() if key not in made}


def _send(person: Person, kind: str, template: str, context: dict, *, key: str, url: str, now: dt.datetime,
          title: str) -> int:
    user = person.user
    with translation.override(services.language_of(user)):
        made = services.notify(user=user, kind=kind, title=_(title), url=url, key=key, now=now,
                               body=render_to_string(template, {"person": person, **context}).strip())
    return 1 if made is not None else 0


# ---------------------------------------------------------------- the weekly points notice (Monday morning)


def _points_sums(person_ids, kinds, start, end) -> dict[int, Decimal]:
    rows = (Entry.objects.filter(account__person_id__in=person_ids, account__currency=Currency.POINTS,
                                 kind__in=kinds, occurred_at__gte=start, occurred_at__lt=end)
            .values("account__person_id").annotate(total=Sum("amount")))
    return {r["account__person_id"]: r["total"] or ZERO for r in rows}


def _expiring(person_ids, now, days: int = 30) -> dict[int, Decimal]:
    rows = (Lot.objects.filter(account__person_id__in=person_ids, account__currency=Currency.POINTS, remaining__gt=0,
                               expires_at__gt=now, expires_at__lte=now + dt.timedelta(days=days))
            .values("account__person_id").annotate(total=Sum("remaining")))
    return {r["account__person_id"]: r["total"] or ZERO for r in rows}


def _balances(person_ids) -> dict[int, Decimal]:
    return dict(Account.objects.filter(person_id__in=person_ids, currency=Currency.POINTS)
                .values_list("person_id", "balance"))


def _standings(person_ids, period: str, start: dt.date) -> dict[int, Decimal]:
    return dict(Standing.objects.filter(person_id__in=person_ids, period=period, start=start)
                .values_list("person_id", "points"))


def _year_ranks(year_start: dt.date):
    """Ranks on the whole company's board for the year, counted once for the whole job."""
    from jifen.recognition.selectors import Ranks

    ranked = Standing.objects.filter(period=Period.YEAR, start=year_start, active=True, points__gt=0)
    return Ranks.count(ranked, 0)


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def weekly_notices(*, now: dt.datetime | None = None) -> JobRun | None:
    """Monday morning, for each person: last week's points earned and spent, points expiring within 30
    days, the balance, their rank in the company this year, and the credits still missing this year."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    week = monday - dt.timedelta(days=7)
    key = f"weekly:{week:%G-W%V}"
    year_start = dt.date(today.year, 1, 1)
    ranks = _year_ranks(year_start)

    def handle(person_ids: list[int]) -> int:
        keys = _fresh({pk: f"{key}:{pk}" for pk in person_ids})
        if not keys:
            return 0
        people = list(Person.objects.filter(pk__in=list(keys)).select_related("user", "user__notify_preference", "position", "org_unit")
                      .order_by("pk"))
        earned = _standings(keys, Period.WEEK, week)
        year_points = _standings(keys, Period.YEAR, year_start)
        spent = _points_sums(keys, [EntryKind.SPEND, EntryKind.REFUND], _local_midnight(week),
                             _local_midnight(monday))
        expiring, balance = _expiring(keys, now), _balances(keys)
        gaps = {row.person.pk: row for row in catalog.gap_rows(people=people, now=now, year=today.year)}
        made = 0
        for person in people:
            points = year_points.get(person.pk, ZERO)
            made += _send(person, Kind.WEEKLY, "notify/weekly.txt", {
                "week": week, "week_end": monday - dt.timedelta(days=1), "earned": _one(earned.get(person.pk)),
                "spent": _one(-spent.get(person.pk, ZERO)), "expiring": _one(expiring.get(person.pk)),
                "balance": _one(balance.get(person.pk)), "rank": ranks.rank(points) if points > 0 else None,
                "ranked": ranks.total, "gap": gaps.get(person.pk)},
                key=keys[person.pk], url=reverse("ledger:my_points"), now=now,
                title=gettext_noop("Your weekly points notice"))
        return made

    return run_job("weekly", key, _people_with_logins(), handle, now=now)


# ---------------------------------------------------------------- the monthly statement (seed 002)


def monthly_statements(*, now: dt.datetime | None = None) -> JobRun | None:
    """On the first of the month, last month's statement for each person: earned, spent, expired, the
    balance, and credits this year against the target."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today.replace(day=1)
    month = (first - dt.timedelta(days=1)).replace(day=1)
    key = f"monthly:{month:%Y-%m}"

    def handle(person_ids: list[int]) -> int:
        keys = _fresh({pk: f"{key}:{pk}" for pk in person_ids})
        if not keys:
            return 0
        people = list(Person.objects.filter(pk__in=list(keys)).select_related("user", "user__notify_preference", "position", "org_unit")
                      .order_by("pk"))
        start, end = _local_midnight(month), _local_midnight(first)
        earned = _standings(keys, Period.MONTH, month)
        spent = _points_sums(keys, [EntryKind.SPEND, EntryKind.REFUND], start, end)
        expired = _points_sums(keys, [EntryKind.EXPIRY], start, end)
        balance = _balances(keys)
        gaps = {row.person.pk: row for row in catalog.gap_rows(people=people, now=now, year=month.year)}
        made = 0
        for person in people:
            made += _send(person, Kind.MONTHLY, "notify/monthly.txt", {
                "month": month, "earned": _one(earned.get(person.pk)), "spent": _one(-spent.get(person.pk, ZERO)),
                "expired": _one(-expired.get(person.pk, ZERO)), "balance": _one(balance.get(person.pk)),
                "gap": gaps.get(person.pk)},
                key=keys[person.pk], url=reverse("ledger:my_points"), now=now,
                title=gettext_noop("Your monthly points statement"))
        return made

    return run_job("monthly", key, _people_with_logins(), handle, now=now)


# ---------------------------------------------------------------- daily reminders


def reminders(*, now: dt.datetime | None = None) -> JobRun | None:
    """Every morning: required courses due in 7 days and tomorrow, follow-up tasks whose reminder day
    is today, and points expiring within 7 days (once a week per person)."""
    from jifen.catalog.models import CourseAssignment
    from jifen.tracking.followup.models import Task, TaskStatus

    now = now or timezone.now()
    today = timezone.localdate(now)
    key = f"reminders:{today:%Y-%m-%d}"
    due_days = {today + dt.timedelta(days=7): 7, today + dt.timedelta(days=1): 1}
    assignments = list(CourseAssignment.objects.filter(due_on__in=list(due_days)).select_related(
        "course", "org_unit", "position"))
    tasks = list(Task.objects.filter(remind_on=today, status=TaskStatus.OPEN).values_list("pk", "assignee_id"))
    tasks_of = defaultdict(list)
    for pk, assignee in tasks:
        tasks_of[assignee].append(pk)

    def applies(assignment, person: Person) -> bool:
        if assignment.person_id:
            return assignment.person_id == person.pk
        if assignment.position_id:
            return assignment.position_id == person.position_id
        return assignment.org_unit_id is not None and person.org_unit.path.startswith(assignment.org_unit.path)

    def handle(person_ids: list[int]) -> int:
        people = list(Person.objects.filter(pk__in=person_ids).select_related("user", "org_unit").order_by("pk"))
        done = catalog.completions(person_ids=person_ids, course_ids={a.course_id for a in assignments})
        expiring = _expiring(person_ids, now, days=7)
        made = 0
        for person in people:
            for assignment in assignments:
                if applies(assignment, person) and (person.pk, assignment.course_id) not in done:
                    days = due_days[assignment.due_on]
                    made += _send(person, Kind.COURSE_DUE, "notify/course_due.txt",
                                  {"course": assignment.course, "due_on": assignment.due_on, "days": days},
                                  key=f"course_due:{assignment.pk}:{person.pk}:{days}",
                                  url=reverse("catalog:course", args=[assignment.course_id]), now=now,
                                  title=gettext_noop("A required course is due soon"))
            for task_pk in tasks_of.get(person.pk, []):
                made += _send(person, Kind.TASK_DUE, "notify/task_due.txt", {"task": _task(task_pk)},
                              key=f"task_due:{task_pk}", url=reverse("followup:task", args=[task_pk]), now=now,
                              title=gettext_noop("A follow-up task is waiting for you"))
            if expiring.get(person.pk):
                made += _send(person, Kind.POINTS_EXPIRING, "notify/expiring.txt",
                              {"amount": _one(expiring[person.pk])},
                              key=f"expiring:{today:%G-W%V}:{person.pk}", url=reverse("ledger:my_points"), now=now,
                              title=gettext_noop("Some of your points expire soon"))
        return made

    return run_job("reminders", key, _people_with_logins(), handle, now=now)


def _task(pk: int):
    from jifen.tracking.followup.models import Task

    return Task.objects.select_related("activity", "plan", "subject").get(pk=pk)


# ---------------------------------------------------------------- escalations (seed 003)


def progress_escalations(*, now: dt.datetime | None = None) -> JobRun | None:
    """On the first of the month: whoever earned less than 80 % of the credits expected by now (the
    year's target pro-rated by the months gone) is told so; behind two months running, a learning
    improvement plan is opened with suggested courses, and their manager is told."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    month = today.replace(day=1)
    key = f"escalations:{month:%Y-%m}"
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    share_of_year = Decimal((month - dt.date(month.year, 1, 1)).days) / Decimal(
        (dt.date(month.year + 1, 1, 1) - dt.date(month.year, 1, 1)).days)

    def handle(person_ids: list[int]) -> int:
        people = list(Person.objects.filter(pk__in=person_ids, position__isnull=False)
                      .select_related("user", "position", "org_unit", "manager__user").order_by("pk"))
        if share_of_year <= 0:
            return 0
        rows = catalog.gap_rows(people=people, now=now, year=month.year)
        was_behind = set(ProgressCheck.objects.filter(person_id__in=person_ids, month=previous)
                         .values_list("person_id", flat=True))
        made = 0
        open_plans = {plan.person_id: plan for plan in LearningPlan.objects.filter(
            person_id__in=person_ids, year=month.year, status=LearningPlan.Status.OPEN)}
        for row in rows:
            expected = _one(row.target * share_of_year)
            if row.target <= 0 or row.earned >= expected * BEHIND_SHARE:
                if row.person.pk in open_plans:  # caught up: the plan has done its work
                    _close_plan(open_plans[row.person.pk], row, now)
                continue
            person = row.person
            ProgressCheck.objects.get_or_create(person=person, month=month,
                                                defaults={"expected": expected, "earned": _one(row.earned)})
            context = {"expected": expected, "earned": _one(row.earned), "target": _one(row.target)}
            made += _send(person, Kind.BEHIND, "notify/behind.txt", context, key=f"behind:{month:%Y-%m}:{person.pk}",
                          url=reverse("catalog:my_courses"), now=now,
                          title=gettext_noop("You are behind on this year's credits"))
            if person.pk in was_behind:
                plan = _open_plan(person, month, expected, row, now)
                manager = person.manager
                if manager is not None and manager.user_id:
                    made += _send(manager, Kind.TEAM_BEHIND, "notify/team_behind.txt",
                                  {**context, "learner": person, "plan": plan},
                                  key=f"team_behind:{month:%Y-%m}:{person.pk}",
                                  url=reverse("notify:learning_plan", args=[plan.pk]), now=now,
                                  title=gettext_noop("One of your people is behind on credits"))
        return made

    return run_job("escalations", key, _people_with_logins(), handle, now=now)


def _close_plan(plan: LearningPlan, row, now: dt.datetime) -> None:
    plan.status, plan.closed_at = LearningPlan.Status.CLOSED, now
    plan.note = (_("Caught up: %(earned)s credits earned by %(day)s.") % {
        "earned": _one(row.earned), "day": timezone.localdate(now)})[:1000]
    plan.save(update_fields=["status", "closed_at", "note"])


def _open_plan(person: Person, month: dt.date, expected: Decimal, row, now: dt.datetime) -> LearningPlan:
    plan = LearningPlan.objects.filter(person=person, year=month.year, status=LearningPlan.Status.OPEN).first()
    if plan is not None:
        return plan
    gap = catalog.learning_gap(person=person, now=now, year=month.year)
    with transaction.atomic():
        plan = LearningPlan.objects.create(person=person, year=month.year, opened_on=timezone.localdate(now),
                                           expected=expected, earned=_one(row.earned), target=_one(row.target))
        plan.courses.set([option.course for option in gap.suggestions])
    return plan


# ---------------------------------------------------------------- overdue improvement actions (tracking)


def action_escalations(*, now: dt.datetime | None = None) -> int:
    """Send the escalations the follow-up recorded for overdue improvement actions (``jifen
    escalate_actions``) to those named, once each."""
    from jifen.tracking.growth import services as growth
    from jifen.tracking.growth.models import Escalation

    now = now or timezone.now()
    growth.escalate_overdue(now=now)  # record the escalations due today (each once per deadline)
    made = 0
    for escalation in (Escalation.objects.filter(sent_at__isnull=True).select_related("action", "action__org_unit")
                       .prefetch_related("recipients")):
        for user in escalation.recipients.all():
            with translation.override(services.language_of(user)):
                notification = services.notify(
                    user=user, kind=Kind.ACTION_OVERDUE, key=f"action_overdue:{escalation.pk}:{user.pk}", now=now,
                    title=_("Improvement action overdue: %(title)s") % {"title": escalation.action.title},
                    body=render_to_string("notify/action_overdue.txt", {"escalation": escalation}).strip(),
                    url=reverse("growth:action", args=[escalation.action_id]))
            made += notification is not None
        Escalation.objects.filter(pk=escalation.pk, sent_at__isnull=True).update(sent_at=now)
    return made


def review_reminders(*, now: dt.datetime | None = None) -> int:
    """Appeals and adjustments waiting three days or more: a reminder to those who decide them, once a day."""
    from jifen.ledger.models import AdjustmentBatch, AdjustmentStatus, Appeal, AppealStatus
    from jifen.org.permissions import Perm

    now = now or timezone.now()
    today = timezone.localdate(now)
    waiting_since = now - dt.timedelta(days=3)
    made = 0
    appeals = Appeal.objects.filter(status=AppealStatus.OPEN, raised_at__lte=waiting_since).count()
    adjustments = AdjustmentBatch.objects.filter(status=AdjustmentStatus.PROPOSED,
                                                 proposed_at__lte=waiting_since).count()
    for perm, count, what, url in ((Perm.APPEALS_REVIEW, appeals, "appeals", "ledger:appeals"),
                                   (Perm.LEDGER_APPROVE, adjustments, "adjustments", "ledger:adjustments")):
        if not count:
            continue
        for user in _users_with(perm):
            with translation.override(services.language_of(user)):
                title = (_("%(count)s appeal(s) have waited three days or more") if what == "appeals"
                         else _("%(count)s adjustment(s) have waited three days or more")) % {"count": count}
                made += services.notify(user=user, kind=Kind.REVIEW_WAITING, title=title, body=title,
                                        url=reverse(url), key=f"review:{what}:{today:%Y-%m-%d}:{user.pk}",
                                        now=now) is not None
    return made



def _users_with(perm):
    """Active logins holding ``perm`` through a role (over any scope)."""
    from django.contrib.auth import get_user_model

    from jifen.org.permissions import ROLE_PERMISSIONS

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    return (get_user_model().objects.filter(is_active=True, roles__role__in=roles).distinct()
            .order_by("pk"))

"""Event intake: record facts, evaluate the rules in force, post what they say — idempotently, in bulk."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from jifen.catalog.models import Course
from jifen.core.db import allocate_ids, copy_rows
from jifen.ledger import services as ledger
from jifen.ledger.engine import Posting
from jifen.ledger.expiry import expires_at as policy_expiry
from jifen.ledger.models import Entry, EntryKind
from jifen.org.models import Person
from jifen.rules.evaluation import Facts, History, evaluate
from jifen.rules.models import Event, EventType, RuleVersion

MAX_BATCH = 1000
EVENT_TYPES = frozenset(EventType.values)


@dataclass
class EventIn:
    key: str
    type: str
    person: str  # employee / student number
    occurred_at: dt.datetime | str
    course: str | None = None
    data: dict = field(default_factory=dict)


@dataclass
class IntakeResult:
    key: str
    status: str  # posted | duplicate | rejected
    entries: list[dict] = field(default_factory=list)
    error: str | None = None


def versions_in_force() -> list[RuleVersion]:
    return list(
        RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED, rule__archived_at__isnull=True)
        .select_related("rule")
        .order_by("rule__code")
    )


def _parse_time(value, now: dt.datetime) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value or "").strip())
    if moment is None:
        raise ValueError(_("“%(value)s” is not a date and time such as 2026-03-01T09:00:00+08:00.") % {"value": value})
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    if moment > now + dt.timedelta(days=1):
        raise ValueError(_("The time %(value)s is in the future.") % {"value": moment.isoformat()})
    return moment


def _entry_summary(entry: Entry) -> dict:
    return {"currency": entry.account.currency, "amount": entry.amount, "rule": entry.rule_label}


def record_events(*, events: list[EventIn], source: str = "api", actor=None, people: QuerySet[Person] | None = None,
                  now: dt.datetime | None = None) -> list[IntakeResult]:
    """Record up to MAX_BATCH events. A rejected event (unknown person or type, bad time) rejects only
    itself; a key seen before is a duplicate and posts nothing; results come back in the order sent.
    ``people`` limits whom events may be recorded for (the caller's scope); others are unknown."""
    now = now or timezone.now()
    if len(events) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} events per call")
    results, fresh = check_events(events=events, people=people, now=now)
    if fresh:
        try:
            _post_fresh(fresh, results, source=source, actor=actor, now=now)
        except IntegrityError:
            # Another writer recorded some of these keys at the same moment: go one by one.
            for one in fresh:
                try:
                    _post_fresh([one], results, source=source, actor=actor, now=now)
                except IntegrityError:
                    results[one[0]].status = "duplicate"
    _fill_duplicates(results)
    return results


def check_events(*, events: list[EventIn], people: QuerySet[Person] | None = None, now: dt.datetime | None = None
                 ) -> tuple[list[IntakeResult], list[tuple[int, Facts, EventIn]]]:
    """What intake makes of events, without writing: a result for each (``rejected`` with the reason, or
    ``duplicate`` of an earlier key of the batch or of a recorded event), and (index, facts, event) of
    those that are new. The new ones' results are left for the caller to fill in."""
    now = now or timezone.now()
    people_qs = Person.objects.all() if people is None else people
    people = {
        row[1]: row for row in people_qs.filter(employee_no__any={e.person for e in events}).values_list(
            "pk", "employee_no", "status", "org_unit__name_path", "position__code")
    }
    courses = {c.code: c for c in Course.objects.filter(code__in={e.course for e in events if e.course})
               .select_related("category")}
    results: list[IntakeResult] = []
    accepted: list[tuple[int, Facts, EventIn]] = []
    seen: set[str] = set()
    for index, item in enumerate(events):
        key = (item.key or "").strip()
        result = IntakeResult(key=key, status="rejected")
        results.append(result)
        try:
            facts = _facts(item, key, people, courses, now)
        except ValueError as error:
            result.error = str(error)
            continue
        if key in seen:
            result.status = "duplicate"
            continue
        seen.add(key)
        accepted.append((index, facts, item))

    existing = set(Event.objects.filter(key__any=[f.key for _i, f, _item in accepted]).values_list("key", flat=True))
    for index, facts, _item in accepted:
        if facts.key in existing:
            results[index].status = "duplicate"
    return results, [(i, f, item) for i, f, item in accepted if f.key not in existing]


def _facts(item: EventIn, key: str, people: dict, courses: dict, now: dt.datetime) -> Facts:
    """One event's facts as the rules see them; a ValueError (translated) says why it cannot be recorded."""
    if not key or len(key) > 150:
        raise ValueError(_("Every event needs a key of 1 to 150 characters."))
    if item.type not in EVENT_TYPES:
        raise ValueError(_("Unknown event type “%(type)s”.") % {"type": item.type})
    person = people.get(item.person)
    if person is None:
        raise ValueError(_("No person has the number %(no)s.") % {"no": item.person})
    course = None
    if item.course:
        course = courses.get(item.course)
        if course is None:
            raise ValueError(_("Unknown course “%(code)s”.") % {"code": item.course})
    occurred_at = _parse_time(item.occurred_at, now)
    if not isinstance(item.data or {}, dict):
        raise ValueError(_("“data” must be an object."))
    return Facts(key=key, type=item.type, person_id=person[0], unit_path=person[3] or "",
                 position_code=person[4] or "", course=course, occurred_at=occurred_at, data=item.data or {})


EVENT_COLUMNS = ["id", "key", "type", "person_id", "course_id", "occurred_at", "data", "status", "source",
                 "recorded_by_id", "recorded_at"]
BULK_FROM = 200  # events in one call from which PostgreSQL writes with COPY


def _write_events(fresh, outcomes, *, source: str, actor, now: dt.datetime) -> list[int]:
    """Write each event once, status and all; answer their ids in order."""
    statuses = [Event.Status.POSTED if found else Event.Status.NO_RULE for found in outcomes]
    actor_id = getattr(actor, "pk", None)
    connection = connections[router.db_for_write(Event)]
    if connection.vendor == "postgresql" and len(fresh) >= BULK_FROM:
        ids = allocate_ids(connection, Event, len(fresh))
        copy_rows(connection, Event, EVENT_COLUMNS, (
            (pk, f.key, f.type, f.person_id, f.course.pk if f.course else None, f.occurred_at, Jsonb(f.data),
             status, source, actor_id, now)
            for pk, (_i, f, _item), status in zip(ids, fresh, statuses, strict=True)
        ))
        return ids
    rows = [
        Event(key=f.key, type=f.type, person_id=f.person_id, course=f.course, occurred_at=f.occurred_at,
              data=f.data, source=source, recorded_by_id=actor_id, recorded_at=now, status=status)
        for (_i, f, _item), status in zip(fresh, statuses, strict=True)
    ]
    Event.objects.bulk_create(rows)
    return [row.pk for row in rows]


@transaction.atomic
def _post_fresh(fresh, results, *, source: str, actor, now: dt.datetime) -> None:
    by_type: dict[str, list[RuleVersion]] = {}
    for version in versions_in_force():
        by_type.setdefault(version.event_type, []).append(version)
    policies = ledger.expiry_policies()
    history = History()
    # Evaluate first (the rules need no database ids), so each event is written once, status and all.
    outcomes = [evaluate(facts, by_type.get(facts.type, []), history) for _i, facts, _item in fresh]
    event_ids = _write_events(fresh, outcomes, source=source, actor=actor, now=now)
    event_type_id = ContentType.objects.get_for_model(Event).pk
    actor_id = getattr(actor, "pk", None)
    requests, owners = [], []
    for (index, facts, _item), event_id, found in zip(fresh, event_ids, outcomes, strict=True):
        results[index].status = "posted"
        for outcome in found:
            version = outcome.version
            expires = None
            if outcome.amount > 0:
                expires = (policy_expiry(version.expiry_policy, version.expiry_months, facts.occurred_at)
                           if version.expiry_policy
                           else ledger.default_expiry(version.currency, facts.occurred_at, policies))
            posting = Posting(
                kind=EntryKind.AWARD if outcome.amount > 0 else EntryKind.PENALTY, amount=outcome.amount,
                key=f"{facts.key}/{version.rule.code}", occurred_at=facts.occurred_at, reason=outcome.reason,
                credit_type=outcome.credit_type, rule_version_id=version.pk, rule_label=version.rule.code,
                source_type_id=event_type_id, source_id=event_id, actor_id=actor_id, expires_at=expires,
            )
            requests.append(ledger.Request(facts.person_id, version.currency, posting))
            owners.append((index, version.currency))
    posted = ledger.post_many(requests, now=now, bulk=True)
    for (index, currency), result in zip(owners, posted, strict=True):
        results[index].entries.append({"currency": currency, "amount": result.entry.amount,
                                       "rule": result.entry.rule_label})


def _fill_duplicates(results: list[IntakeResult]) -> None:
    keys = [r.key for r in results if r.status == "duplicate"]
    if not keys:
        return
    event_ids = dict(Event.objects.filter(key__in=keys).values_list("key", "pk"))
    entries: dict[int, list[dict]] = {}
    for source_id, currency, amount, rule in Entry.objects.filter(
        source_type=ContentType.objects.get_for_model(Event), source_id__in=event_ids.values(),
    ).order_by("pk").values_list("source_id", "account__currency", "amount", "rule_label"):
        entries.setdefault(source_id, []).append({"currency": currency, "amount": amount, "rule": rule})
    for result in results:
        if result.status == "duplicate" and not result.entries:
            result.entries = entries.get(event_ids.get(result.key), [])


def record_event(*, key: str, type: str, person: str, occurred_at, course: str | None = None,
                 data: dict | None = None, source: str = "system", actor=None,
                 now: dt.datetime | None = None) -> IntakeResult:
    return record_events(events=[EventIn(key, type, person, occurred_at, course, data or {})], source=source,
                         actor=actor, now=now)[0]


def total_amount(results: list[IntakeResult], currency: str) -> Decimal:
    return sum((e["amount"] for r in results for e in r.entries if e["currency"] == currency), Decimal(0))

"""Events in, entries out: seed 002's table through the intake service."""

import datetime as dt
from decimal import Decimal

import pytest

from jifen.catalog.models import Course, CourseKind
from jifen.ledger.models import Account, Currency, Entry
from jifen.ledger.verify import verify_all
from jifen.rules import rule_services
from jifen.rules.models import Event, Rule
from jifen.rules.services import EventIn, record_event, record_events

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
AT = "2026-03-01T09:00:00+08:00"


@pytest.fixture
def learner(org):
    return org.person(no="E0001", name="郑雨桐")


@pytest.fixture
def course(db):
    return Course.objects.create(code="SAFE-01", title="安全生产", kind=CourseKind.REQUIRED, credits=Decimal(2))


def points(person) -> Decimal:
    account = Account.objects.filter(person=person, currency=Currency.POINTS).first()
    return account.balance if account else Decimal(0)


def send(type_, key, data=None, course=None, person="E0001"):
    return record_event(key=key, type=type_, person=person, occurred_at=AT, course=course, data=data, now=NOW)


def test_a_new_installation_has_seed_002s_ruleset(db):
    assert set(Rule.objects.values_list("code", flat=True)) >= {
        "attendance-present", "attendance-absent", "homework-on-time", "homework-late", "participation-active",
        "participation-passive", "exam-improvement", "exam-below-pass-mark", "course-credits"}


def test_attendance_earns_five_points_and_absence_costs_ten(learner):
    assert send("attendance.present", "att-1").entries[0]["amount"] == Decimal("5.00")
    send("attendance.absent", "att-2")
    assert points(learner) == Decimal("-5.00")


def test_homework_on_time_earns_ten_and_late_costs_five(learner):
    send("homework.on_time", "hw-1")
    send("homework.late", "hw-2")
    assert points(learner) == Decimal("5.00")


def test_active_participation_earns_ten_and_passive_costs_five(learner):
    send("participation.active", "p-1")
    send("participation.passive", "p-2")
    assert points(learner) == Decimal("5.00")


def test_exam_earns_twenty_per_ten_points_of_improvement(learner):
    result = send("exam.scored", "ex-1", {"score": 85, "pass_mark": 60, "previous_score": 62})
    assert [e["amount"] for e in result.entries] == [Decimal("40.00")]


def test_exam_below_the_pass_mark_costs_twenty(learner):
    result = send("exam.scored", "ex-1", {"score": 55, "pass_mark": 60, "previous_score": 40})
    assert [e["amount"] for e in result.entries] == [Decimal("-20.00")]


def test_completing_a_required_course_earns_its_credits_once(learner, course):
    send("course.completed", "c-1", course="SAFE-01")
    send("course.completed", "c-2", course="SAFE-01")
    credits = Entry.objects.filter(account__currency=Currency.CREDITS)
    assert [(e.amount, e.credit_type) for e in credits] == [(Decimal("2.00"), "required")]


def test_the_same_event_twice_posts_once(learner):
    first = send("attendance.present", "att-1")
    second = send("attendance.present", "att-1")
    assert (first.status, second.status) == ("posted", "duplicate")
    assert second.entries == first.entries
    assert points(learner) == Decimal("5.00")


def test_a_rejected_event_rejects_only_itself(learner):
    results = record_events(events=[
        EventIn("ok-1", "attendance.present", "E0001", AT),
        EventIn("bad-person", "attendance.present", "NOBODY", AT),
        EventIn("bad-type", "attendance.teleported", "E0001", AT),
        EventIn("bad-time", "attendance.present", "E0001", "yesterday-ish"),
        EventIn("ok-2", "homework.on_time", "E0001", AT),
    ], now=NOW)
    assert [r.status for r in results] == ["posted", "rejected", "rejected", "rejected", "posted"]
    assert "NOBODY" in results[1].error
    assert points(learner) == Decimal("15.00")
    assert Event.objects.count() == 2


def test_a_monthly_cap_limits_what_a_rule_pays(learner):
    for n in range(6):
        send("contribution.sharing", f"share-{n}")
    assert points(learner) == Decimal("40.00")


def test_editing_a_rule_makes_a_new_version_and_old_entries_keep_theirs(learner):
    send("attendance.present", "att-1")
    rule = Rule.objects.get(code="attendance-present")
    rule_services.rule_version_save(rule=rule, fields={"name": "出勤 +6", "event_type": "attendance.present",
                                                       "currency": "points", "amount": Decimal(6)})
    send("attendance.present", "att-2")
    versions = list(Entry.objects.order_by("pk").values_list("rule_version_id", "amount"))
    assert versions[0][0] != versions[1][0]
    assert [a for _v, a in versions] == [Decimal("5.00"), Decimal("6.00")]
    assert [str(p) for p in verify_all()] == []


def test_a_large_batch_posts_every_event_once_and_the_ledger_verifies(org):
    """Large batches take the bulk (COPY) path on PostgreSQL: same entries, same invariants."""
    people = [org.person(no=f"L{n:03d}") for n in range(25)]
    events = [EventIn(f"big-{n}", "attendance.present" if n % 5 else "attendance.absent", people[n % 25].employee_no,
                      AT) for n in range(400)]
    results = record_events(events=events, now=NOW)
    assert [r.status for r in results] == ["posted"] * 400
    assert Entry.objects.count() == 400
    assert sum(r.entries[0]["amount"] for r in results) == Decimal(320 * 5 - 80 * 10)
    assert [str(p) for p in verify_all()] == []
    again = record_events(events=events, now=NOW)
    assert {r.status for r in again} == {"duplicate"} and Entry.objects.count() == 400
    assert [r.entries for r in again] == [r.entries for r in results]


def test_a_large_batch_expires_due_points_before_the_new_awards(org):
    """Points of 2025 expire on 1 April 2026 (year end plus three months' grace). A large batch in May
    that awards attendance writes the expiry first, so the old lot is closed and the new one opened."""
    people = [org.person(no=f"X{n:03d}") for n in range(250)]
    record_events(events=[EventIn("old-0", "attendance.present", "X000", "2025-06-01T09:00:00+08:00")],
                  now=dt.datetime(2025, 6, 2, tzinfo=dt.UTC))
    may = dt.datetime(2026, 5, 4, tzinfo=dt.UTC)
    events = [EventIn(f"may-{n}", "attendance.present", people[n].employee_no, "2026-05-04T09:00:00+08:00")
              for n in range(250)]
    results = record_events(events=events, now=may)
    assert {r.status for r in results} == {"posted"}
    first = Entry.objects.filter(account__person=people[0]).order_by("seq")
    assert [(e.kind, e.amount) for e in first] == [
        ("award", Decimal("5.00")), ("expiry", Decimal("-5.00")), ("award", Decimal("5.00"))]
    assert points(people[0]) == Decimal("5.00")
    assert [str(p) for p in verify_all()] == []

"""Leaderboards read standings (points earned per person and period) that the ledger keeps with every
posting. These tests hold them to what the entries say, and ranks to a plain sort of everyone."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from jifen.ledger import services as ledger
from jifen.ledger import standings
from jifen.ledger.models import Currency, Entry, Standing
from jifen.org import services as org_services
from jifen.org.models import Person
from jifen.org.tests.factories import OrgBuilder
from jifen.recognition import selectors
from jifen.recognition.models import RecognitionSettings

NOW = dt.datetime(2026, 3, 18, 4, 0, tzinfo=dt.UTC)  # a Wednesday, 12:00 in Shanghai
D = Decimal


def earn(person, amount, key, at=NOW - dt.timedelta(hours=1)):
    return ledger.award(person=person, currency=Currency.POINTS, amount=amount, key=key, reason="出勤",
                        occurred_at=at, now=at)


def plain_ranking(points_by_person: dict[int, int]) -> list[tuple[int, int, Decimal]]:
    """(rank, person, points) the obvious way: sort everyone, equal points share the better rank."""
    ordered = sorted(((D(p), pk) for pk, p in points_by_person.items() if p > 0), key=lambda x: (-x[0], x[1]))
    return [(1 + sum(1 for other, _pk in ordered if other > points), pk, points) for points, pk in ordered]


class RanksMatchAPlainSort(TestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.integers(min_value=0, max_value=6), min_size=5, max_size=14), st.data())
    def test_my_rank_and_my_neighbours_ranks_match_a_plain_sort_with_ties(self, amounts, data):
        org = OrgBuilder()
        RecognitionSettings.objects.update(min_group_size=1)
        people = [org.person() for _ in amounts]
        for person, amount in zip(people, amounts, strict=True):
            if amount:
                earn(person, amount * 10, f"p-{person.pk}")
        expected = plain_ranking({p.pk: a * 10 for p, a in zip(people, amounts, strict=True)})
        viewer = data.draw(st.sampled_from(people))
        board = selectors.leaderboard(scope_key="company", period="month", viewer_id=viewer.pk, now=NOW, size=4)
        assert [(r.rank, r.person_id, r.points) for r in board.rows] == expected[:4]
        assert board.ranked == len(expected)
        where = next((i for i, (_r, pk, _p) in enumerate(expected) if pk == viewer.pk), None)
        if where is None:
            assert board.mine is None and board.neighbours == []
        else:
            assert (board.mine.rank, board.mine.points) == expected[where][::2]
            assert [(r.rank, r.person_id, r.points) for r in board.neighbours] == expected[max(where - 2, 0):where + 3]


@pytest.fixture
def six(org):
    RecognitionSettings.objects.update(min_group_size=2)
    people = [org.person(no=f"E{n:03d}", name=f"学员{n}") for n in range(1, 7)]
    for person, amount in zip(people, [60, 50, 40, 30, 20, 10], strict=True):
        earn(person, amount, f"m-{person.pk}")
    return people


def test_every_posting_keeps_the_standings_equal_to_the_entries(six):
    ledger.penalize(person=six[0], currency=Currency.POINTS, amount=15, key="late", reason="迟到",
                    occurred_at=NOW, now=NOW)
    ledger.spend(person=six[1], amount=20, key="shop", reason="兑换", now=NOW)
    ledger.reverse(entry=Entry.objects.get(idempotency_key=f"m-{six[2].pk}"), key="undo", reason="录入错误", now=NOW)
    assert standings.problems() == []
    mine = dict(Standing.objects.filter(person=six[0]).values_list("period", "points"))
    assert mine == {"week": D(45), "month": D(45), "season": D(45), "year": D(45)}
    assert Standing.objects.get(person=six[1], period="month").points == D(50)  # spending never lowers it
    assert Standing.objects.get(person=six[2], period="month").points == D(0)  # a reversed award does


def test_a_week_that_spans_two_months_counts_each_award_in_its_own_month(org):
    person = org.person()
    earn(person, 10, "sun", at=dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC))  # Sunday 1 March, Shanghai
    earn(person, 5, "sat", at=dt.datetime(2026, 2, 28, 2, tzinfo=dt.UTC))  # Saturday 28 February
    rows = {(s.period, s.start): s.points for s in Standing.objects.filter(person=person)}
    assert rows[("week", dt.date(2026, 2, 23))] == D(15)
    assert rows[("month", dt.date(2026, 2, 1))] == D(5) and rows[("month", dt.date(2026, 3, 1))] == D(10)
    assert rows[("season", dt.date(2026, 1, 1))] == D(15) and rows[("year", dt.date(2026, 1, 1))] == D(15)


def test_someone_who_moves_to_another_unit_moves_to_its_board(org, six):
    mover = six[0]
    org_services.person_update(person=mover, org_unit=org.marketing)
    rnd = selectors.leaderboard(scope_key=f"unit:{org.rnd.pk}", period="month", now=NOW)
    marketing = selectors.leaderboard(scope_key=f"unit:{org.marketing.pk}", period="month", now=NOW)
    assert mover.pk not in [r.person_id for r in rnd.rows]
    assert marketing.too_small  # alone there: no board that singles them out
    assert standings.problems() == []


def test_someone_moved_by_the_roster_import_moves_too(org, six):
    snapshot = org_services.org_snapshot()
    person = six[1]
    org_services.people_save_bulk([org_services.PersonDraft(
        ref=1, employee_no=person.employee_no, name=person.name, unit_path=org.marketing.name_path.strip("/"),
    )], snapshot)
    assert Standing.objects.filter(person=person).values_list("org_unit_id", flat=True).distinct().get() \
        == org.marketing.pk
    assert standings.problems() == []


def test_someone_who_left_leaves_the_board_and_the_ranks_close_up(six):
    org_services.person_update(person=six[0], status=Person.Status.LEFT)
    board = selectors.leaderboard(scope_key="company", period="month", viewer_id=six[1].pk, now=NOW)
    assert board.rows[0].person_id == six[1].pk and board.mine.rank == 1


def test_verify_finds_a_standing_changed_behind_the_ledgers_back(six):
    Standing.objects.filter(person=six[3], period="month").update(points=D(999))
    assert any("999" in problem for problem in standings.problems())
    standings.rebuild()
    assert standings.problems() == []
    assert Standing.objects.get(person=six[3], period="month").points == D(30)


def test_a_boards_queries_do_not_grow_from_six_people_to_sixty(org, six):
    """At most two more: the neighbours above and below are looked for among equal points first, and
    among higher or lower points only when there are too few equals."""

    def queries():
        with CaptureQueriesContext(connection) as captured:
            selectors.leaderboard(scope_key=f"unit:{org.rnd.pk}", period="month", viewer_id=six[3].pk, now=NOW)
        return len(captured)

    queries()  # the settings row is made on first use
    few = queries()
    for n in range(54):
        earn(org.person(), n % 7 * 5 + 5, f"more-{n}")
    assert queries() <= few + 2


def test_the_standings_command_finds_a_difference_and_rebuilds(six):
    from django.core.management import CommandError, call_command

    call_command("standings")  # in step: no complaint
    Standing.objects.filter(person=six[0], period="week").delete()
    with pytest.raises(CommandError):
        call_command("standings")
    with pytest.raises(CommandError):
        call_command("verify")
    call_command("standings", "--rebuild")
    call_command("verify")
    assert Standing.objects.get(person=six[0], period="week").points == D(60)


def test_a_busy_board_counts_ranks_again_at_most_every_thirty_seconds(six, settings, monkeypatch):
    """While points keep arriving, ranks come from counts at most JIFEN_BOARD_RANKS_SECONDS old; the top
    of the board and my own points are live all the time, and a quiet board is exact."""
    settings.JIFEN_BOARD_RANKS_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(selectors, "clock", lambda: clock[0])
    viewer = six[5]  # 10 points: rank 6
    assert selectors.rank_of(person=viewer, period="month", now=NOW).mine.rank == 6
    earn(viewer, 45, "jump")  # 55 points: second
    board = selectors.leaderboard(scope_key="company", period="month", viewer_id=viewer.pk, now=NOW)
    assert board.mine.points == D(55) and [r.person_id for r in board.rows][:2] == [six[0].pk, viewer.pk]
    assert board.mine.rank == 2  # more points than the counted 50, 40, 30, 20: one ahead either way
    earn(six[4], 100, "overtake")  # 120 points, first; the count is a second old
    clock[0] += 1
    board = selectors.leaderboard(scope_key="company", period="month", viewer_id=viewer.pk, now=NOW)
    assert board.rows[0].person_id == six[4].pk  # the top is live
    assert board.mine.rank == 2  # counted a second ago
    clock[0] += 30
    assert selectors.rank_of(person=viewer, period="month", now=NOW).mine.rank == 3

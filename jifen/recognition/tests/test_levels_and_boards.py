"""Levels and leaderboards in the users' terms: points earned in the window count, spending and expiry
never lower a rank, small groups get no board, and anyone may appear anonymously."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.ledger import services as ledger
from jifen.ledger.models import Currency, ExpiryPolicy
from jifen.recognition import selectors, services
from jifen.recognition.models import Level, RecognitionSettings

NOW = dt.datetime(2026, 3, 18, 4, 0, tzinfo=dt.UTC)  # a Wednesday, 12:00 in Shanghai
D = Decimal


def earn(person, amount, key, at=NOW - dt.timedelta(hours=1)):
    return ledger.award(person=person, currency=Currency.POINTS, amount=amount, key=key, reason="出勤",
                        occurred_at=at, now=at)


def make_team(org, at):
    """Six learners in 平台组 with 50, 40, 40, 30, 20 and 0 points earned at ``at``."""
    people = [org.person(no=f"E{n:03d}", name=name) for n, name in enumerate(
        ["郑雨桐", "王磊", "李娜", "张伟", "刘洋", "陈静"], start=1)]
    for person, amount in zip(people, [50, 40, 40, 30, 20], strict=False):
        earn(person, amount, f"m-{person.pk}", at=at)
    return people


@pytest.fixture
def team(org):
    return make_team(org, NOW - dt.timedelta(hours=1))


@pytest.fixture
def team_today(org):
    """The same team, for the pages and the API, which count the present month."""
    return make_team(org, timezone.now() - dt.timedelta(minutes=5))


def test_the_board_ranks_points_earned_with_ties_sharing_a_rank(team):
    board = selectors.leaderboard(scope_key="company", period="month", viewer_id=team[3].pk, now=NOW)
    assert [(r.rank, r.name, r.points) for r in board.rows] == [
        (1, "郑雨桐", D(50)), (2, "王磊", D(40)), (2, "李娜", D(40)), (4, "张伟", D(30)), (5, "刘洋", D(20))]
    assert board.mine.rank == 4 and board.ranked == 5
    assert [r.name for r in board.neighbours] == ["王磊", "李娜", "张伟", "刘洋"]


def test_spending_or_expiry_never_lowers_a_rank_but_a_penalty_does(team):
    ledger.spend(person=team[0], amount=45, key="shop", reason="兑换", now=NOW)
    board = selectors.leaderboard(scope_key="company", period="month", now=NOW)
    assert board.rows[0].name == "郑雨桐" and board.rows[0].points == D(50)
    ledger.penalize(person=team[0], currency=Currency.POINTS, amount=15, key="absent", reason="缺勤",
                    occurred_at=NOW, now=NOW)
    board = selectors.leaderboard(scope_key="company", period="month", now=NOW)
    assert [(r.name, r.points) for r in board.rows[:3]] == [("王磊", D(40)), ("李娜", D(40)), ("郑雨桐", D(35))]


def test_expired_points_still_count_as_earned(team, settings):
    from jifen.ledger.models import CurrencySettings

    CurrencySettings.objects.filter(currency=Currency.POINTS).update(expiry_policy=ExpiryPolicy.ROLLING,
                                                                     expiry_months=1)
    january = dt.datetime(2026, 1, 10, 2, tzinfo=dt.UTC)
    earn(team[5], 100, "jan", at=january)
    ledger.expire_due_lots(now=NOW)
    board = selectors.leaderboard(scope_key="company", period="year", now=NOW)
    assert board.rows[0].name == "陈静" and board.rows[0].points == D(100)


def test_periods_are_counted_in_local_time():
    start, end = selectors.period_bounds("week", NOW)
    assert (start.isoformat(), end.isoformat()) == ("2026-03-16T00:00:00+08:00", "2026-03-23T00:00:00+08:00")
    start, end = selectors.period_bounds("season", NOW)
    assert (start.date().isoformat(), end.date().isoformat()) == ("2026-01-01", "2026-04-01")
    start, end = selectors.period_bounds("month", dt.datetime(2026, 12, 31, 20, tzinfo=dt.UTC))
    assert (start.date().isoformat(), end.date().isoformat()) == ("2027-01-01", "2027-02-01")


def test_last_months_points_are_not_on_this_months_board(team):
    earn(team[5], 500, "feb", at=dt.datetime(2026, 2, 20, 2, tzinfo=dt.UTC))
    month = selectors.leaderboard(scope_key="company", period="month", now=NOW)
    year = selectors.leaderboard(scope_key="company", period="year", now=NOW)
    assert "陈静" not in [r.name for r in month.rows]
    assert year.rows[0].name == "陈静"


def smallest_group(size: int) -> None:
    """As the settings page saves it (the settings are cached: a bare UPDATE would not be seen)."""
    chosen = RecognitionSettings.current()
    chosen.min_group_size = size
    chosen.save()


def test_a_group_smaller_than_the_minimum_gets_no_board(org, team):
    loner = org.person(unit=org.marketing, no="M001", name="钱多多")
    earn(loner, 10, "m")
    board = selectors.leaderboard(scope_key=f"unit:{org.marketing.pk}", period="month", viewer_id=loner.pk, now=NOW)
    assert board.too_small and board.rows == [] and board.mine is None
    smallest_group(1)
    assert selectors.leaderboard(scope_key=f"unit:{org.marketing.pk}", period="month", now=NOW).rows[0].name == "钱多多"


def test_an_anonymous_learner_keeps_their_rank_but_not_their_name(team):
    services.set_anonymous(person=team[0], anonymous=True)
    board = selectors.leaderboard(scope_key="company", period="month", viewer_id=team[1].pk, now=NOW)
    assert (board.rows[0].rank, board.rows[0].anonymous, board.rows[0].name) == (1, True, "")
    own = selectors.leaderboard(scope_key="company", period="month", viewer_id=team[0].pk, now=NOW)
    assert own.rows[0].name == "郑雨桐" and own.rows[0].me  # one always sees oneself


def test_the_new_hire_league_counts_only_people_hired_recently(org, team):
    smallest_group(1)
    newcomer = org.person(no="N001", name="新同事", hire_date=dt.date(2026, 1, 5))
    earn(newcomer, 5, "n")
    board = selectors.leaderboard(scope_key="newhire", period="month", now=NOW)
    assert [r.name for r in board.rows] == ["新同事"]


def test_an_unknown_board_is_refused():
    with pytest.raises(selectors.BadScope):
        selectors.scope_for("unit:abc", now=NOW)


def test_levels_follow_points_earned_this_year(team):
    RecognitionSettings.current()
    progress = selectors.level_of(person=team[0], now=NOW)
    assert progress.earned == D(50)
    assert progress.level.min_points == D(0) and progress.next_level.min_points == D(100)
    assert progress.to_next == D(50) and progress.percent == 50
    earn(team[0], 260, "big")
    progress = selectors.level_of(person=team[0], now=NOW)
    assert progress.level.min_points == D(300)
    ledger.spend(person=team[0], amount=300, key="spent", reason="兑换", now=NOW)
    assert selectors.level_of(person=team[0], now=NOW).level.min_points == D(300)  # spending keeps the level


def test_a_new_installation_has_five_levels(db):
    assert list(Level.objects.values_list("min_points", flat=True)) == [D(0), D(100), D(300), D(600), D(1000)]


def test_the_leaderboard_page_shows_the_board_and_my_rank(client, team_today):
    client.force_login(team_today[3].user)
    response = client.get(reverse("recognition:leaderboard"), {"scope": "company", "period": "month"})
    body = response.content.decode()
    assert response.status_code == 200 and "郑雨桐" in body and 'data-chart="board-chart"' in body
    assert response.context["board"].mine.rank == 4


def test_the_leaderboard_page_refuses_an_unknown_board(client, team_today):
    client.force_login(team_today[0].user)
    assert client.get(reverse("recognition:leaderboard"), {"scope": "galaxy"}).status_code == 404


def test_the_leaderboard_queries_do_not_grow_with_the_number_of_learners(client, org, team_today,
                                                                        django_assert_max_num_queries):
    client.force_login(team_today[0].user)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("recognition:leaderboard"))
    for n in range(30):
        earn(org.person(no=f"X{n:03d}"), 1 + n, f"x-{n}", at=timezone.now() - dt.timedelta(minutes=5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("recognition:leaderboard"))


def test_api_leaderboard_and_rank_keep_their_shapes(client, team_today, org):
    client.force_login(team_today[1].user)
    board = client.get("/api/v1/leaderboard", {"scope": "company", "period": "month"}).json()
    assert board["rows"][0] == {"rank": 1, "points": 50.0, "name": "郑雨桐", "employee_no": "E001",
                                "unit": "平台组", "anonymous": False}
    rank = client.get(f"/api/v1/people/{team_today[1].employee_no}/rank", {"period": "month"}).json()
    assert (rank["rank"], rank["ranked"], rank["points"]) == (2, 5, 40.0)
    assert client.get(f"/api/v1/people/{team_today[0].employee_no}/rank").status_code == 404  # someone else's
    assert client.get("/api/v1/leaderboard", {"scope": "nowhere"}).status_code == 400

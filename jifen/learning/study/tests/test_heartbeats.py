"""The server counts study time from heartbeats: skipping and hidden time earn nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from jifen.learning.integrity.models import Case, CaseKind
from jifen.learning.study import services
from jifen.learning.study.models import Progress
from jifen.learning.study.tests import factories

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def learner(org):
    return org.person(no="E0001", name="郑雨桐")


@pytest.fixture
def lesson(db):
    return factories.video_lesson(factories.course(), duration=100)


def beat(lesson, person, at: float, position: float, *, visible=True, playing=True, client="tab-1"):
    return services.heartbeat_record(lesson=lesson, person=person, position=position, visible=visible,
                                     playing=playing, client=client, now=T0 + dt.timedelta(seconds=at))


def progress(lesson, person) -> Progress:
    return Progress.objects.get(lesson=lesson, person=person)


def test_playing_visibly_earns_the_wall_clock_time_and_marks_the_segments(lesson, learner):
    for t in range(0, 31, 10):
        beat(lesson, learner, t, t)
    p = progress(lesson, learner)
    assert p.seconds == 30
    assert p.watched[:6] == "111111" and p.watched[6:] == "0" * 14


def test_skipping_and_hidden_time_earn_nothing(lesson, learner):
    """The issue's own test: jump from 10 s to 80 s, and a minute with the page hidden, earn nothing."""
    beat(lesson, learner, 0, 0)
    beat(lesson, learner, 10, 10)  # +10, segments 0-1
    beat(lesson, learner, 20, 80)  # jumped forward 70 s in 10 s: nothing, nothing marked between
    beat(lesson, learner, 30, 90)  # +10, segments 16-17
    beat(lesson, learner, 31, 91, visible=False)  # the tab is hidden: this beat earns nothing
    beat(lesson, learner, 81, 91, visible=True)  # 50 s hidden: nothing
    beat(lesson, learner, 91, 101, visible=True)  # visible again: +10 (only 100 s long: position capped)
    p = progress(lesson, learner)
    assert p.seconds == 30
    assert p.watched == "11" + "0" * 14 + "1111"
    assert p.watched_percent == 30
    assert p.completed_at is None


def test_the_client_never_says_how_long_it_studied_the_server_clock_does(lesson, learner):
    beat(lesson, learner, 0, 0)
    beat(lesson, learner, 5, 5)
    assert progress(lesson, learner).seconds == 5  # however often or however the client counts


def test_one_heartbeat_earns_at_most_the_cap(lesson, learner, settings):
    settings.JIFEN_STUDY_HEARTBEAT_CAP_SECONDS = 20
    settings.JIFEN_STUDY_MAX_GAP_SECONDS = 60
    beat(lesson, learner, 0, 0)
    beat(lesson, learner, 30, 30)
    assert progress(lesson, learner).seconds == 20


def test_a_long_silence_earns_nothing(lesson, learner):
    beat(lesson, learner, 0, 0)
    beat(lesson, learner, 600, 10)
    assert progress(lesson, learner).seconds == 0


def test_a_paused_video_earns_nothing(lesson, learner):
    beat(lesson, learner, 0, 10, playing=False)
    beat(lesson, learner, 10, 10, playing=False)
    assert progress(lesson, learner).seconds == 0


def test_claiming_play_while_the_position_stands_still_earns_nothing(lesson, learner):
    beat(lesson, learner, 0, 10)
    beat(lesson, learner, 10, 10)
    assert progress(lesson, learner).seconds == 0


def test_two_tabs_at_once_earn_the_time_once_and_open_a_case(lesson, learner):
    other = factories.video_lesson(lesson.course, position=2)
    for t in range(0, 31, 10):
        beat(lesson, learner, t, t, client="tab-1")
        beat(other, learner, t + 2, t, client="tab-2")
    total = sum(Progress.objects.filter(person=learner).values_list("seconds", flat=True))
    assert total <= 32
    case = Case.objects.get(person=learner)
    assert case.kind == CaseKind.IMPOSSIBLE_STUDY_RATE


def test_watching_the_whole_video_completes_the_lesson_and_the_course(lesson, learner):
    from jifen.ledger.models import Account, Currency

    for t in range(0, 101, 10):
        beat(lesson, learner, t, t)
    p = progress(lesson, learner)
    assert p.watched_percent == 100 and p.completed_at is not None
    credits = Account.objects.get(person=learner, currency=Currency.CREDITS).balance
    assert credits == 2  # the course's credits, once


def test_the_heartbeat_api_ignores_what_the_client_claims_to_have_studied(client, lesson, learner):
    client.force_login(learner.user)
    url = f"/api/v1/lessons/{lesson.pk}/heartbeat"
    first = client.post(url, {"position": 0, "visible": True, "playing": True, "client": "t", "seconds": 9999},
                        content_type="application/json")
    assert first.status_code == 200 and first.json()["credited"] == 0
    hidden = client.post(url, {"position": 50, "visible": False, "playing": True, "client": "t"},
                         content_type="application/json")
    assert hidden.json()["credited"] == 0 and hidden.json()["seconds"] == 0
    assert progress(lesson, learner).watched.count("1") == 0

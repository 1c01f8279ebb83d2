"""The lesson pages as a learner and an admin use them; completing a course records its credits once."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.learning.exams import services as exam_services
from jifen.learning.exams.tests import factories as exam_factories
from jifen.learning.study import services
from jifen.learning.study.demo import build_demo
from jifen.learning.study.models import Lesson, Progress
from jifen.learning.study.tests import factories
from jifen.ledger.models import Account, Currency
from jifen.org.models import Role

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def learner(org, client):
    person = org.person(no="E0001", name="郑雨桐")
    client.force_login(person.user)
    return person


def read(lesson, person, seconds, client="tab", start=0):
    for t in range(start, start + seconds + 1, 10):
        services.heartbeat_record(lesson=lesson, person=person, position=0, visible=True, playing=True,
                                  client=client, now=T0 + dt.timedelta(seconds=t))


def credits(person):
    account = Account.objects.filter(person=person, currency=Currency.CREDITS).first()
    return account.balance if account else 0


def test_the_lesson_page_carries_the_heartbeat_address_and_the_script(client, learner):
    lesson = factories.video_lesson(factories.course())
    body = client.get(reverse("study:lesson", args=[lesson.pk])).content.decode()
    assert f"/api/v1/lessons/{lesson.pk}/heartbeat" in body
    assert "jifen/study.js" in body and "<video" in body and "<script>" not in body


def test_a_document_lesson_needs_its_minimum_time(learner):
    lesson = factories.document_lesson(factories.course(), min_seconds=30)
    read(lesson, learner, 20)
    assert Progress.objects.get(lesson=lesson).completed_at is None
    read(lesson, learner, 20, client="tab-2", start=100)  # another visit, later
    progress = Progress.objects.get(lesson=lesson)
    assert progress.seconds == 40 and progress.completed_at is not None


def test_a_lesson_linked_to_a_quiz_completes_only_after_passing_it(client, learner):
    course = factories.course()
    questions = exam_factories.ten_questions(course)
    quiz = exam_factories.quiz(course, questions)
    lesson = factories.document_lesson(course, min_seconds=10)
    lesson.quiz = quiz
    lesson.save()
    read(lesson, learner, 20)
    progress = Progress.objects.get(lesson=lesson)
    assert progress.completed_at is None
    assert credits(learner) == 0
    attempt = exam_services.attempt_start(quiz=quiz, person=learner, now=T0)
    exam_services.attempt_submit(attempt=attempt, answers=exam_factories.answers_scoring(questions, 80),
                                 now=T0 + dt.timedelta(minutes=3))
    client.post(reverse("study:lesson_complete", args=[lesson.pk]))
    assert Progress.objects.get(lesson=lesson).completed_at is not None
    assert credits(learner) == 2  # the only lesson: the course is complete


def test_completing_every_lesson_gives_the_course_credits_once(learner):
    course = factories.course()
    first = factories.document_lesson(course, min_seconds=10, position=1)
    second = factories.document_lesson(course, min_seconds=10, position=2)
    read(first, learner, 20)
    assert credits(learner) == 0
    read(second, learner, 20, start=60)
    assert credits(learner) == 2
    services.lesson_complete(lesson=second, person=learner, now=T0 + dt.timedelta(hours=1))
    assert credits(learner) == 2


def test_an_admin_adds_a_video_lesson_and_a_missing_length_keeps_the_form(client, org):
    admin = org.person(role=Role.TRAINING_ADMIN)
    client.force_login(admin.user)
    course = factories.course()
    url = reverse("study:lesson_create", args=[course.pk])
    data = {"title": "第1讲 视频", "position": 1, "kind": "video", "video_url": "http://intranet/v.mp4",
            "duration_seconds": 0, "body": "", "min_seconds": 60, "min_watched_percent": 90, "quiz": "",
            "is_active": "on"}
    response = client.post(url, data)
    assert response.status_code == 200 and "第1讲 视频" in response.content.decode()
    assert not Lesson.objects.exists()
    assert client.post(url, {**data, "duration_seconds": 300}).status_code == 302
    assert Lesson.objects.get().segment_count == 60


def test_a_bad_upload_is_refused_with_a_clear_error(client, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = org.person(role=Role.TRAINING_ADMIN)
    client.force_login(admin.user)
    course = factories.course()
    response = client.post(reverse("study:lesson_create", args=[course.pk]), {
        "title": "第1讲", "position": 1, "kind": "video", "duration_seconds": 60, "min_seconds": 0,
        "min_watched_percent": 90, "is_active": "on", "video_file": SimpleUploadedFile("virus.exe", b"MZ"),
    })
    assert response.status_code == 200
    assert "mp4" in response.content.decode()
    assert not Lesson.objects.exists()


def test_the_demo_course_has_document_lessons_the_last_one_needing_the_quiz(db):
    lessons = build_demo()
    assert [lesson.kind for lesson in lessons] == ["document"] * 3
    assert lessons[-1].quiz is not None
    assert [lesson.pk for lesson in build_demo()] == [lesson.pk for lesson in lessons]

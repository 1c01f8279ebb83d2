"""Who may use the study pages and API: admins (CATALOG_MANAGE) manage lessons; everyone with a person
record studies and sees only their own progress."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jifen.learning.study import services
from jifen.learning.study.models import Heartbeat, Lesson, Progress
from jifen.learning.study.tests import factories
from jifen.org.tests import test_permission_matrix as matrix
from jifen.org.tests.test_permission_matrix import (
    API,
    LEARN,
    MANAGE_CATALOG,
    ROLES,
    Case,
    api_case,
    assert_reaches_exactly,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


class StudyWorld(matrix.World):
    def __init__(self):
        super().__init__()
        self.course = factories.course("ONLINE-PERM")
        self.lesson = services.lesson_save(
            course=self.course, title="第1讲 阅读", kind="document", body="请阅读……", min_seconds=0,
            document=SimpleUploadedFile("讲义.txt", "信息安全讲义".encode()),
        )
        self.video = factories.video_lesson(self.course, position=2)


@pytest.fixture
def world(db) -> StudyWorld:
    return StudyWorld()


def fingerprint() -> tuple:
    return (
        matrix.fingerprint(),
        list(Lesson.objects.order_by("pk").values_list("pk", "title", "kind", "min_seconds", "is_active", "quiz_id",
                                                       "document")),
        list(Progress.objects.order_by("pk").values_list("pk", "person_id", "seconds", "watched", "completed_at")),
        list(Heartbeat.objects.order_by("pk").values_list("pk", "credited")),
    )


def page(name, *args):
    return lambda w, t: reverse(name, args=args)


def lesson_form(w, t):
    return {"title": "第3讲 新课", "position": 3, "kind": "document", "video_url": "", "duration_seconds": 0,
            "body": "新的阅读材料", "min_seconds": 60, "min_watched_percent": 90, "quiz": "", "is_active": "on"}


CASES: list[Case] = [
    Case("study:my_progress", "get", LEARN, page("study:my_progress")),
    Case("study:course", "get", LEARN, lambda w, t: reverse("study:course", args=[w.course.pk])),
    Case("study:lesson", "get", LEARN, lambda w, t: reverse("study:lesson", args=[w.lesson.pk])),
    Case("study:lesson_complete", "post", LEARN, lambda w, t: reverse("study:lesson_complete", args=[w.lesson.pk]),
         ok=302, writes=True),
    Case("study:media", "get", LEARN, lambda w, t: reverse("study:media", args=[w.lesson.pk, "document"])),
    Case("study:manage", "get", MANAGE_CATALOG, page("study:manage")),
    Case("study:lesson_create", "get", MANAGE_CATALOG,
         lambda w, t: reverse("study:lesson_create", args=[w.course.pk])),
    Case("study:lesson_create", "post", MANAGE_CATALOG,
         lambda w, t: reverse("study:lesson_create", args=[w.course.pk]), data=lesson_form, ok=302, writes=True),
    Case("study:lesson_edit", "get", MANAGE_CATALOG, lambda w, t: reverse("study:lesson_edit", args=[w.lesson.pk])),
    Case("study:lesson_edit", "post", MANAGE_CATALOG,
         lambda w, t: reverse("study:lesson_edit", args=[w.lesson.pk]), data=lesson_form, ok=302, writes=True),
    api_case("GET /api/v1/courses/{course_id}/lessons", "lessons_of_course", LEARN,
             lambda w, t: f"{API}/courses/{w.course.pk}/lessons"),
    api_case("POST /api/v1/lessons/{lesson_id}/heartbeat", "lesson_heartbeat", LEARN,
             lambda w, t: f"{API}/lessons/{w.video.pk}/heartbeat",
             data=lambda w, t: {"position": 0, "visible": True, "playing": True, "client": "tab-1"}, writes=True),
    api_case("GET /api/v1/study/progress/mine", "my_study_progress", LEARN, lambda w, t: f"{API}/study/progress/mine"),
    # ---- managing lessons (jifen/learning/study/api_manage.py), as the pages above
    api_case("GET /api/v1/study/courses/{course_id}/lessons", "study_manage_lessons", MANAGE_CATALOG,
             lambda w, t: f"{API}/study/courses/{w.course.pk}/lessons"),
    api_case("POST /api/v1/study/courses/{course_id}/lessons", "study_lesson_create", MANAGE_CATALOG,
             lambda w, t: f"{API}/study/courses/{w.course.pk}/lessons", ok=201, writes=True,
             data=lambda w, t: {"title": "第3讲 新课", "position": 3, "kind": "document", "min_seconds": 60,
                                "file": SimpleUploadedFile("第3讲.txt", "新的阅读材料".encode())}),
    api_case("PATCH /api/v1/study/lessons/{lesson_id}", "study_lesson_edit", MANAGE_CATALOG,
             lambda w, t: f"{API}/study/lessons/{w.lesson.pk}", data=lambda w, t: {"min_seconds": 120}, writes=True),
    api_case("POST /api/v1/study/lessons/{lesson_id}/file", "study_lesson_file", MANAGE_CATALOG,
             lambda w, t: f"{API}/study/lessons/{w.lesson.pk}/file", writes=True,
             data=lambda w, t: {"file": SimpleUploadedFile("讲义（修订）.txt", "修订后的讲义".encode())}),
    api_case("POST /api/v1/lessons/{lesson_id}/complete", "study_lesson_complete", LEARN,
             lambda w, t: f"{API}/lessons/{w.lesson.pk}/complete", writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_study(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, fingerprint, hides_in_scope_names=False)


def test_someone_elses_progress_never_appears_in_mine(client, world):
    services.heartbeat_record(lesson=world.video, person=world.in_person, position=0, visible=True, playing=True,
                              client="a")
    client.force_login(world.users["learner"])
    assert client.get(f"{API}/study/progress/mine").json() == []
    assert "第2讲" not in client.get(reverse("study:my_progress")).content.decode()

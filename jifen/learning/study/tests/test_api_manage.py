"""Training admins manage a course's online lessons over the API as on the study pages; learners complete
a lesson as the lesson page's button does."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from jifen.api.tests.helpers import API, bearer, is_problem, send
from jifen.learning.study import services
from jifen.learning.study.models import Lesson, Progress
from jifen.learning.study.tests import factories
from jifen.org.models import Role
from jifen.rules.models import Event, EventType

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def zh(message: str, **params) -> str:
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % params if params else text


@pytest.fixture
def admin(org):
    return org.person(unit=org.rnd, no="RD-A001", name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)


@pytest.fixture
def course(db):
    return factories.course("ONLINE-API")


def _lessons(client, course) -> list[dict]:
    return client.get(f"{API}/courses/{course.pk}/lessons").json()


def test_a_document_lesson_added_with_its_file_is_what_learners_study(client, org, admin, course):
    client.force_login(admin.user)
    response = client.post(f"{API}/study/courses/{course.pk}/lessons", {
        "title": "第1讲 信息安全", "kind": "document", "min_seconds": 60,
        "file": SimpleUploadedFile("讲义.pdf", b"%PDF-1.4 lesson")})
    assert response.status_code == 201, response.content
    assert response.json()["document"] == "讲义.pdf" and response.json()["min_seconds"] == 60
    lesson = Lesson.objects.get(course=course)
    assert lesson.document.name.endswith("讲义.pdf")
    client.force_login(org.person(unit=org.platform).user)
    assert [item["title"] for item in _lessons(client, course)] == ["第1讲 信息安全"]


def test_a_video_lesson_may_point_at_an_intranet_address_and_needs_its_length(client, admin, course):
    client.force_login(admin.user)
    url = f"{API}/study/courses/{course.pk}/lessons"
    body = is_problem(client.post(url, {"title": "第1讲", "kind": "video", "video_url": "http://video/1.mp4"}), 400)
    assert body["field"] == "duration_seconds" and body["detail"] == zh("Give the video's length in seconds.")
    made = client.post(url, {"title": "第1讲", "kind": "video", "video_url": "http://video/1.mp4",
                             "duration_seconds": 600})
    assert made.status_code == 201 and made.json()["video_url"] == "http://video/1.mp4"
    bad_address = is_problem(client.post(url, {"title": "第2讲", "kind": "video", "video_url": "ftp://video/2",
                                               "duration_seconds": 60}), 400)
    assert bad_address["field"] == "video_url"
    assert Lesson.objects.filter(course=course).count() == 1


def test_an_upload_of_the_wrong_kind_is_refused_as_on_the_page(client, admin, course):
    client.force_login(admin.user)
    response = client.post(f"{API}/study/courses/{course.pk}/lessons", {
        "title": "第1讲", "kind": "document", "file": SimpleUploadedFile("setup.exe", b"MZ")})
    body = is_problem(response, 400)
    assert body["field"] == "document"
    assert body["detail"] == zh("Upload a document as .pdf, .docx, .pptx, .xlsx or .txt.")
    video = factories.video_lesson(course)
    wrong = client.post(f"{API}/study/lessons/{video.pk}/file", {"file": SimpleUploadedFile("clip.avi", b"RIFF")})
    assert is_problem(wrong, 400)["detail"] == zh("Upload a video as .mp4 or .webm.")
    assert not Lesson.objects.get(pk=video.pk).video_file


def test_a_lesson_is_reordered_hidden_and_its_file_replaced(client, org, admin, course):
    first = factories.document_lesson(course, position=1)
    second = factories.video_lesson(course, position=2)
    client.force_login(admin.user)
    moved = send(client, "patch", f"/study/lessons/{second.pk}", {"position": 0, "title": "导学"})
    assert moved.status_code == 200 and moved.json()["position"] == 0
    hidden = send(client, "patch", f"/study/lessons/{first.pk}", {"is_active": False})
    assert hidden.json()["is_active"] is False
    assert [item["id"] for item in send(client, "get", f"/study/courses/{course.pk}/lessons").json()] == [
        second.pk, first.pk]
    replaced = client.post(f"{API}/study/lessons/{first.pk}/file",
                           {"file": SimpleUploadedFile("新讲义.txt", "新的讲义".encode())})
    assert replaced.json()["document"] == "新讲义.txt"
    client.force_login(org.person(unit=org.platform).user)
    assert [item["title"] for item in _lessons(client, course)] == ["导学"]


def test_a_quiz_of_another_course_cannot_be_linked_and_fields_cannot_be_emptied(client, admin, course):
    from jifen.learning.exams.models import Quiz

    lesson = factories.document_lesson(course)
    other = factories.course("OTHER-1")
    quiz = Quiz.objects.create(course=other, title="别的测验")
    client.force_login(admin.user)
    assert is_problem(send(client, "patch", f"/study/lessons/{lesson.pk}", {"quiz_id": quiz.pk}), 400)["field"] == "quiz"
    assert is_problem(send(client, "patch", f"/study/lessons/{lesson.pk}", {"title": None}), 400)["field"] == "title"
    assert Lesson.objects.get(pk=lesson.pk).quiz_id is None


def test_only_catalogue_managers_manage_lessons_and_only_with_an_admin_token(client, org, admin, course):
    lesson = factories.document_lesson(course)
    client.force_login(org.person(unit=org.platform).user)
    is_problem(send(client, "get", f"/study/courses/{course.pk}/lessons"), 403)
    is_problem(send(client, "patch", f"/study/lessons/{lesson.pk}", {"title": "改"}), 403)
    client.logout()
    body = is_problem(send(client, "patch", f"/study/lessons/{lesson.pk}", {"title": "改"},
                           **bearer(admin.user, "write")), 403)
    assert body["required_scope"] == "admin"
    assert send(client, "patch", f"/study/lessons/{lesson.pk}", {"title": "改"},
                **bearer(admin.user, "admin")).status_code == 200
    assert Lesson.objects.get(pk=lesson.pk).title == "改"
    assert is_problem(send(client, "patch", "/study/lessons/999999", {"title": "改"}, **bearer(admin.user, "admin")),
                      404)


def test_a_lesson_is_completed_once_its_study_time_is_done_and_the_course_with_it(client, org, course):
    learner = org.person(unit=org.platform)
    lesson = factories.document_lesson(course, min_seconds=60)
    client.force_login(learner.user)
    body = is_problem(client.post(f"{API}/lessons/{lesson.pk}/complete"), 400)
    assert body["detail"] == zh("Study at least %(minutes)s minutes (so far %(done)s).", minutes=1, done=0)
    Progress.objects.create(lesson=lesson, person=learner, seconds=60, started_at=timezone.now())
    done = client.post(f"{API}/lessons/{lesson.pk}/complete", **bearer(learner.user, "write"))
    assert done.status_code == 200 and done.json()["seconds"] == 60 and done.json()["completed_at"]
    assert Event.objects.filter(person=learner, course=course, type=EventType.COURSE_COMPLETED).count() == 1
    again = client.post(f"{API}/lessons/{lesson.pk}/complete")
    assert again.status_code == 200  # already complete: said again, recorded once
    assert Event.objects.filter(person=learner, course=course, type=EventType.COURSE_COMPLETED).count() == 1


def test_a_hidden_lesson_cannot_be_completed_and_a_login_without_a_person_studies_nothing(client, org, course):
    lesson = factories.document_lesson(course, min_seconds=0)
    services.lesson_save(lesson=lesson, course=course, title=lesson.title, kind="document", body=lesson.body,
                         is_active=False)
    client.force_login(org.person(unit=org.platform).user)
    is_problem(client.post(f"{API}/lessons/{lesson.pk}/complete"), 404)
    client.force_login(org.system_admin())
    is_problem(client.post(f"{API}/lessons/{lesson.pk}/complete"), 403)
    assert not Progress.objects.filter(lesson=lesson).exists()

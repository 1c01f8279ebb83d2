"""A trainer sets homework, closes it and grades it over the API, with the same services as the pages:
missing homework goes to the ledger on closing, as from the page."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from jifen.api.tests.helpers import bearer
from jifen.learning.work import services
from jifen.learning.work.models import Assignment, Submission
from jifen.learning.work.tests import factories
from jifen.ledger.models import Account, Currency
from jifen.org.models import Role
from jifen.rules.models import Event

API = "/api/v1"
ANSWER = "本次课程让我理解了倾听的重要性，今后在需求评审中先复述对方的观点再回应。"


def points(person) -> Decimal:
    account = Account.objects.filter(person=person, currency=Currency.POINTS).first()
    return account.balance if account else Decimal(0)


def call(client, method, path, body=None, **headers):
    headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    if body is None:
        return getattr(client, method)(f"{API}{path}", **headers)
    return getattr(client, method)(f"{API}{path}", data=json.dumps(body), content_type="application/json",
                                   **headers)


def refused(response, status=400):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.fixture
def world(org):
    trainer = org.person(name="孙讲师", role=Role.TRAINER)
    other_trainer = org.person(name="周讲师", unit=org.marketing, role=Role.TRAINER)
    learners = [org.person(name=name) for name in ("郑雨桐", "王磊", "李娜")]
    stranger = org.person(name="钱多多", unit=org.marketing)
    started = timezone.now() - dt.timedelta(days=3)
    session = factories.session(unit=org.platform, trainer=trainer, learners=learners, starts_at=started)
    elsewhere = factories.session(unit=org.marketing, trainer=other_trainer, learners=[stranger], starts_at=started)
    admin = org.person(name="林培训", role=Role.TRAINING_ADMIN, scope=org.rnd)
    return type("World", (), {"trainer": trainer, "other_trainer": other_trainer, "learners": learners,
                              "session": session, "elsewhere": elsewhere, "admin": admin, "org": org})


def set_homework(world, *, due_at, session=None):
    return services.assignment_create(created_by=world.trainer.user, session=session or world.session,
                                      title="课后反思", due_at=due_at, now=due_at - dt.timedelta(days=2))


def test_a_trainer_sets_homework_for_their_session_and_learners_see_it(client, world):
    due = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    made = call(client, "post", "/assignments", {"session_id": world.session.pk, "title": "课后反思",
                                                 "instructions": "写三点收获", "due_at": due.isoformat()},
                **bearer(world.trainer.user, "write"))
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["session_id"], body["handed_in"], body["missing"]) == (world.session.pk, 0, 3)
    assignment = Assignment.objects.get(pk=body["id"])
    assert assignment.due_at == due and assignment.created_by == world.trainer.user
    client.force_login(world.learners[0].user)
    assert [a["id"] for a in call(client, "get", "/assignments/mine").json()] == [assignment.pk]


def test_a_due_date_without_an_offset_is_the_servers_time(client, world):
    client.force_login(world.trainer.user)
    made = call(client, "post", "/assignments", {"session_id": world.session.pk, "title": "作业",
                                                 "due_at": "2030-01-10T18:00:00"})
    assert made.status_code == 201
    local = timezone.localtime(Assignment.objects.get(pk=made.json()["id"]).due_at)
    assert (local.hour, local.minute) == (18, 0)


def test_homework_for_a_session_someone_else_trains_is_not_found(client, world):
    client.force_login(world.trainer.user)
    refused(call(client, "post", "/assignments", {"session_id": world.elsewhere.pk, "title": "作业",
                                                  "due_at": "2030-01-10T18:00:00+08:00"}), 404)
    body = refused(call(client, "post", "/assignments", {"course_id": world.session.course_id, "title": "作业",
                                                         "due_at": "2030-01-10T18:00:00+08:00"}))
    assert body["field"] == "session_id"
    assert not Assignment.objects.exists()


def test_a_whole_organisation_admin_sets_homework_for_a_whole_course(client, world):
    client.force_login(world.org.system_admin())
    made = call(client, "post", "/assignments", {"course_id": world.session.course_id, "title": "课程作业",
                                                 "due_at": "2030-01-10T18:00:00+08:00"})
    assert made.status_code == 201 and made.json()["session_id"] is None


def test_closing_after_the_due_date_records_missing_homework_in_the_ledger(client, world):
    now = timezone.now()
    assignment = set_homework(world, due_at=now - dt.timedelta(hours=1))
    services.submission_submit(assignment=assignment, person=world.learners[0], text=ANSWER,
                               now=now - dt.timedelta(hours=2))
    client.force_login(world.trainer.user)
    closed = call(client, "post", f"/assignments/{assignment.pk}/close")
    assert closed.status_code == 200, closed.content
    assert closed.json()["missing_recorded"] == 2 and closed.json()["assignment"]["closed_at"]
    assert Event.objects.filter(type="homework.missing").count() == 2
    assert set(Event.objects.filter(type="homework.missing").values_list("person", flat=True)) == {
        world.learners[1].pk, world.learners[2].pk}
    again = call(client, "post", f"/assignments/{assignment.pk}/close")
    assert again.json()["missing_recorded"] == 0 and Event.objects.filter(type="homework.missing").count() == 2


def test_closing_before_the_due_date_is_refused_with_the_reason(client, world):
    assignment = set_homework(world, due_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(world.trainer.user)
    body = refused(call(client, "post", f"/assignments/{assignment.pk}/close"))
    assert body["detail"] == "Missing homework can be recorded only after the due date."
    assignment.refresh_from_db()
    assert assignment.closed_at is None


def test_listing_and_grading_the_submissions(client, world):
    now = timezone.now()
    assignment = set_homework(world, due_at=now + dt.timedelta(days=1))
    submission = services.submission_submit(assignment=assignment, person=world.learners[0], text=ANSWER)
    client.force_login(world.trainer.user)
    listed = call(client, "get", f"/assignments/{assignment.pk}/submissions").json()
    assert [(s["id"], s["name"], s["status"]) for s in listed["items"]] == [(submission.pk, "郑雨桐", "submitted")]
    graded = call(client, "post", f"/submissions/{submission.pk}/grade", {"score": "92.5", "comment": "条理清晰"})
    assert graded.status_code == 200, graded.content
    assert (graded.json()["status"], graded.json()["score"]) == ("graded", 92.5)
    assert points(world.learners[0]) == Decimal(10)  # on time, from the hand-in; grading posts nothing more
    submission.refresh_from_db()
    assert (submission.score, submission.comment, submission.graded_by) == (Decimal("92.5"), "条理清晰",
                                                                          world.trainer.user)
    # graded homework can no longer be changed by the learner, exactly as after grading on the page
    client.force_login(world.learners[0].user)
    changed = client.post(f"{API}/assignments/{assignment.pk}/submission", {"text": "改过的答案"})
    assert changed.status_code == 400


def test_a_score_over_100_is_refused_and_nobody_grades_their_own_homework(client, world):
    assignment = set_homework(world, due_at=timezone.now() + dt.timedelta(days=1))
    # the training admin is also enrolled and hands in
    from jifen.catalog.models import Enrolment

    Enrolment.objects.create(session=world.session, person=world.admin)
    own = services.submission_submit(assignment=assignment, person=world.admin, text=ANSWER)
    client.force_login(world.admin.user)
    refused(call(client, "post", f"/submissions/{own.pk}/grade", {"score": 101}), 422)
    body = refused(call(client, "post", f"/submissions/{own.pk}/grade", {"score": 90}))
    assert body["detail"] == "You cannot grade your own homework."
    assert Submission.objects.get(pk=own.pk).status == "submitted"


def test_a_training_admin_reaches_homework_in_their_units_only(client, world):
    inside = set_homework(world, due_at=timezone.now() + dt.timedelta(days=1))
    outside = services.assignment_create(created_by=world.other_trainer.user, session=world.elsewhere,
                                         title="渠道作业", due_at=timezone.now() + dt.timedelta(days=1))
    theirs = services.submission_submit(assignment=outside, person=world.elsewhere.enrolments.get().person,
                                        text=ANSWER)
    client.force_login(world.admin.user)
    assert [a["id"] for a in call(client, "get", "/assignments").json()["items"]] == [inside.pk]
    for method, path, body in (("get", f"/assignments/{outside.pk}", None),
                               ("post", f"/assignments/{outside.pk}/close", None),
                               ("get", f"/assignments/{outside.pk}/submissions", None),
                               ("post", f"/submissions/{theirs.pk}/grade", {"score": 60})):
        refused(call(client, method, path, body), 404)
    client.force_login(world.learners[0].user)
    refused(call(client, "get", "/assignments"), 403)


def test_a_read_token_cannot_set_close_or_grade(client, world):
    assignment = set_homework(world, due_at=timezone.now() - dt.timedelta(hours=1))
    read = bearer(world.trainer.user, "read")
    for path, body in (("/assignments", {"session_id": world.session.pk, "title": "x",
                                         "due_at": "2030-01-10T18:00:00+08:00"}),
                       (f"/assignments/{assignment.pk}/close", None),
                       ("/submissions/1/grade", {"score": 60})):
        assert refused(call(client, "post", path, body, **read), 403)["required_scope"] == "write"
    assert call(client, "get", f"/assignments/{assignment.pk}", **read).status_code == 200

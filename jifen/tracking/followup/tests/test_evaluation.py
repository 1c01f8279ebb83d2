"""The 360 work-performance evaluation: manager, peers and self score attitude, ability and results;
the report weighs them (50 / 30 / 20 by default) and names strengths, weaknesses and suggestions."""


import pytest

from jifen.rules.models import Event
from jifen.tracking.followup import selectors, services
from jifen.tracking.followup.models import ActivityKind, Audience, Task
from jifen.tracking.followup.tests import factories
from jifen.tracking.instruments.models import Dimension


@pytest.fixture
def setup(org):
    manager, people, trainer = factories.team(org, size=3)
    session = factories.session(unit=org.platform, trainer=trainer, learners=people)
    plan = services.plan_create(template=services.default_template(), session=session)
    return manager, people, plan


def evaluate(task, scores: dict[str, int], comment: str = ""):
    answers = {}
    for question in task.activity.form.current_version().questions.all():
        if question.dimension:
            answers[question.pk] = {str(i): scores[question.dimension] for i in range(len(question.options))}
        elif question.topic == "suggestions":
            answers[question.pk] = comment
    return services.task_complete(task=task, answers=answers)


def test_the_report_weighs_manager_peers_and_self_and_names_strengths_and_weaknesses(setup):
    _manager, people, plan = setup
    subject = people[0]
    tasks = Task.objects.filter(plan=plan, kind=ActivityKind.EVALUATION, subject=subject).select_related(
        "activity__form")
    evaluate(tasks.get(audience=Audience.MANAGER), {"attitude": 5, "ability": 2, "results": 4}, "多参加评审")
    for peer_task in tasks.filter(audience=Audience.PEERS):
        evaluate(peer_task, {"attitude": 4, "ability": 3, "results": 3})
    evaluate(tasks.get(audience=Audience.SELF), {"attitude": 5, "ability": 4, "results": 3})
    report = selectors.evaluation_report(plan, subject)
    rows = {row["dimension"]: row for row in report["dimensions"]}
    assert rows[Dimension.ATTITUDE]["weighted"] == pytest.approx(0.5 * 5 + 0.3 * 4 + 0.2 * 5)
    assert rows[Dimension.ABILITY]["weighted"] == pytest.approx(0.5 * 2 + 0.3 * 3 + 0.2 * 4)
    assert [d["dimension"] for d in report["strengths"]] == [Dimension.ATTITUDE]
    assert [d["dimension"] for d in report["weaknesses"]] == [Dimension.ABILITY]
    assert len(report["suggestions"]) == 1
    assert report["comments"]["suggestions"][0]["text"] == "多参加评审"
    assert report["counts"] == {Audience.MANAGER: 1, Audience.PEERS: 2, Audience.SELF: 1}


def test_weights_are_rescaled_over_those_who_answered(setup):
    _manager, people, plan = setup
    task = Task.objects.select_related("activity__form").get(plan=plan, kind=ActivityKind.EVALUATION,
                                                             subject=people[1], audience=Audience.MANAGER)
    evaluate(task, {"attitude": 4, "ability": 4, "results": 2})
    report = selectors.evaluation_report(plan, people[1])
    assert report["overall"] == pytest.approx((4 + 4 + 2) / 3, abs=0.01)


def test_completing_an_evaluation_records_the_rules_event_once_per_task(setup):
    manager, people, plan = setup
    task = Task.objects.select_related("activity__form").get(plan=plan, kind=ActivityKind.EVALUATION,
                                                             subject=people[0], audience=Audience.MANAGER)
    done = evaluate(task, {"attitude": 4, "ability": 4, "results": 4})
    assert done.event_key == f"followup:task:{task.pk}"
    event = Event.objects.get(key=done.event_key)
    assert event.type == "evaluation.completed" and event.person_id == manager.pk


def test_an_unrated_row_is_refused(setup):
    from jifen.tracking.instruments.services import AnswersInvalid

    _manager, people, plan = setup
    task = Task.objects.select_related("activity__form").get(plan=plan, kind=ActivityKind.EVALUATION,
                                                             subject=people[0], audience=Audience.MANAGER)
    with pytest.raises(AnswersInvalid):
        evaluate(task, {"attitude": 4, "ability": 6, "results": 4})
    assert task.status == "open" and not Event.objects.filter(type="evaluation.completed").exists()


def test_an_admin_can_pick_another_peer_to_evaluate_a_learner(setup, org):
    from django.utils.translation import gettext as _

    from jifen.core.errors import ApplicationError

    _manager, people, plan = setup
    colleague = org.person(name="隔壁组同事")
    assert services.peer_add(plan=plan, subject=people[0], peer=colleague) == 1
    task = Task.objects.get(plan=plan, assignee=colleague)
    assert (task.kind, task.audience, task.subject) == (ActivityKind.EVALUATION, Audience.PEERS, people[0])
    with pytest.raises(ApplicationError) as refused:
        services.peer_add(plan=plan, subject=people[0], peer=colleague)
    assert refused.value.message == _("This peer already evaluates this learner.")
    with pytest.raises(ApplicationError) as refused:
        services.peer_add(plan=plan, subject=people[0], peer=people[0])
    assert refused.value.message == _("Nobody evaluates themselves as a peer.")

from jifen.org.demo import build_demo as build_org
from jifen.tracking.growth.demo import build_demo
from jifen.tracking.growth.models import (
    ApplicationCase,
    DevelopmentPlan,
    Escalation,
    ImprovementAction,
    Observation,
    SelfReport,
)


def _counts():
    return [model.objects.count() for model in (Observation, ApplicationCase, SelfReport, DevelopmentPlan,
                                                ImprovementAction, Escalation)]


def test_the_demo_shows_growth_data_and_is_idempotent(db):
    build_org(password="jifen-demo", people=12)
    build_demo()
    first = _counts()
    assert first == [3, 2, 1, 1, 3, 1]
    build_demo()
    assert _counts() == first


def test_the_demo_pages_show_the_learners_and_the_admins_data(client, db):
    from django.urls import reverse

    from jifen.org.models import Person

    build_org(password="jifen-demo", people=12)
    build_demo()
    client.force_login(Person.objects.get(employee_no="JF0007").user)
    assert "先倾听再回应" in client.get(reverse("growth:my_feedback")).content.decode()
    assert "周会改为提前发议程" in client.get(reverse("growth:my_cases")).content.decode()
    assert "带 3-5 人的小组" in client.get(reverse("growth:my_plan")).content.decode()
    client.force_login(Person.objects.get(employee_no="JF0003").user)
    body = client.get(reverse("growth:actions"), {"overdue": "1"}).content.decode()
    assert "沟通技巧课程增加跨部门案例演练" in body and "会议纪要模板统一并上传知识库" not in body

"""The annual follow-up summary (年度跟踪管理总结): its figures, its page and its PDF."""

import re
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from jifen.org.permissions import access_for_user
from jifen.tracking.followup import services as followup
from jifen.tracking.followup.selectors import survey_results
from jifen.tracking.growth import services as growth
from jifen.tracking.supervision import exports, selectors
from jifen.tracking.supervision.tests.factories import TODAY, YEAR, at, survey_plan

pytestmark = pytest.mark.django_db


def summary_for(user, unit_id=None):
    return selectors.annual_summary(selectors.area_for(access_for_user(user), unit_id), YEAR, TODAY)


def pdf_title(document: bytes) -> str:
    """The PDF's document title (its Info dictionary, in a compressed object stream)."""
    chunks = [document]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", document, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    # The Info dictionary (with /Producer), not a bookmark of a heading, which has a /Title too.
    for chunk in chunks:
        for found in re.finditer(rb"<<(?:(?!<<).)*?/Title\s*<feff([0-9a-fA-F]*)>(?:(?!>>).)*?>>", chunk, re.S):
            if b"/Producer" in found.group(0):
                return bytes.fromhex(found.group(1).decode()).decode("utf-16-be")
    raise AssertionError("no title in the PDF")


def test_the_summary_counts_the_years_plans_tasks_and_actions_in_scope(example):
    summary = summary_for(example.manager.user)
    assert summary.plans == {"run": 2, "closed": 0}
    assert summary.tasks == {"total": 6, "done": 4, "overdue": 1, "open": 0, "cancelled": 1}
    assert summary.actions["opened"] == 4  # 平台组's three and 应用组's cancelled one, all created in 2025
    assert (summary.actions["closed"], summary.actions["verified"], summary.actions["cancelled"]) == (1, 0, 1)
    assert summary.actions["open_overdue"] == 1
    assert [row.label for row in summary.kpis] == ["平台组", "应用组"]

    everything = summary_for(example.auditor.user)
    assert everything.plans["run"] == 3 and everything.actions["open_overdue"] == 2


def test_only_surveys_with_three_answers_or_more_count_in_the_satisfaction(example):
    three = survey_plan(example, example.platform, [5, 5, 4], title="三人满意")
    survey_plan(example, example.apps, [1, 2], title="两人不满")
    summary = summary_for(example.manager.user)
    assert summary.surveys["answers"] == 5
    assert (summary.surveys["groups"], summary.surveys["groups_shown"], summary.surveys["groups_hidden"]) == (2, 1, 1)
    assert summary.surveys["satisfaction"] == 100  # the two unhappy answers are too few to be counted
    assert summary.surveys["satisfaction"] == survey_results(three)[0]["satisfaction"]


def test_the_satisfaction_is_none_when_every_survey_is_below_three_answers(example):
    survey_plan(example, example.platform, [5, 5], title="两人满意")
    summary = summary_for(example.manager.user)
    assert summary.surveys["answers"] == 2 and summary.surveys["satisfaction"] is None


def test_the_summary_counts_grades_and_growth_records(example):
    followup.test_result_record(plan=example.p1, person=example.jia, score=Decimal(95), now=at(TODAY))
    followup.test_result_record(plan=example.p1, person=example.yi, score=Decimal(50), now=at(TODAY))
    followup.test_result_record(plan=example.p3, person=example.qian, score=Decimal(85), now=at(TODAY))
    user = example.manager.user
    growth.observation_create(observer=user, people=None, person=example.jia, course=example.p1.course,
                              observed_on=TODAY.replace(year=YEAR, month=5), skills="先复述需求",
                              rating="consistently", feedback="很好", now=at(TODAY.replace(year=YEAR, month=5)))
    growth.observation_create(observer=user, people=None, person=example.qian, course=example.p1.course,
                              observed_on=TODAY.replace(year=YEAR, month=5), skills="x", rating="sometimes",
                              feedback="x", now=at(TODAY.replace(year=YEAR, month=5)))
    summary = summary_for(example.manager.user)
    assert {value: n for value, _label, n in summary.grades} == {"excellent": 1, "good": 0, "pass": 0, "fail": 1}
    assert summary.growth["observations"] == 1  # 钱多多 of 市场部 is outside 研发中心
    assert summary_for(example.auditor.user).growth["observations"] == 2


def test_the_summary_page_shows_the_figures_as_charts_and_tables(example, client):
    client.force_login(example.auditor.user)
    page = client.get(reverse("supervision:summary"), {"year": YEAR}).content.decode()
    for chart in ("tasks-chart", "grades-chart", "growth-chart", "actions-chart", "summary-kpi-chart"):
        assert f'data-chart="{chart}"' in page and f'id="{chart}"' in page
    assert "研发中心" in page and "市场部" in page


def test_the_summary_pdf_is_a_pdf_titled_in_the_viewers_language(example, client):
    client.force_login(example.manager.user)
    response = client.get(reverse("supervision:summary_pdf"), {"year": YEAR})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    title = pdf_title(response.content)
    assert title == _("Annual follow-up summary %(year)s · %(unit)s") % {"year": YEAR, "unit": "研发中心"}
    assert "研发中心" in title


def test_the_summary_pdf_is_titled_with_the_scope_the_viewer_sees(example):
    document = exports.summary_pdf(summary_for(example.manager.user), language="zh-hans")
    assert "市场部" not in pdf_title(document)
    assert pdf_title(exports.summary_pdf(summary_for(example.auditor.user), language="zh-hans")).endswith("总部")

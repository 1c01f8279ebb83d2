"""Who may open what in reports and exports: every role against every page and API operation, inside
(研发中心, 郑雨桐) and outside (市场部, 钱多多) the scope. Each world has a finished monthly report of
研发中心 and one of 市场部."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from jifen.api.api import api
from jifen.notify.models import JobRun, JobStatus
from jifen.org.tests.test_permission_matrix import (
    API,
    FORM_REFUSED,
    LEARN,
    MANAGE_REWARDS,
    ROLES,
    SEE_LEARNING,
    SEE_PEOPLE,
    SEE_POINTS,
    SEE_TRACKING,
    Case,
    World,
    api_case,
    api_scoped,
    assert_reaches_exactly,
    fingerprint,
    page,
    scoped,
)
from jifen.reports.exports import urls as exports_urls
from jifen.reports.exports.models import ReportFile, ReportKind

OTHERS_ONLY = (("learner", 403), ("trainer", 403))  # lists of others' points are for those who see more


class ExportsWorld(World):
    def __init__(self):
        super().__init__()
        self.reports = {}
        month = timezone.localdate().replace(day=1)
        for target in ("in", "out"):
            report = ReportFile.objects.create(kind=ReportKind.MONTHLY_XLSX, period=month,
                                               scope_unit=self.unit(target), created_at=timezone.now())
            # A finished report (building one for real is test_monthly_report's business; here it
            # would cost seconds for each of the many cases).
            report.job_run = JobRun.objects.create(job="report", key=report.job_key, status=JobStatus.DONE,
                                                   total=1, done=1)
            report.file.save(f"{target}.xlsx", ContentFile(b"PK\x03\x04 built elsewhere"), save=False)
            report.size = report.file.size
            report.save()
            self.reports[target] = report


@pytest.fixture
def world(db) -> ExportsWorld:
    return ExportsWorld()


def exports_fingerprint() -> tuple:
    return fingerprint(), list(ReportFile.objects.order_by("pk").values_list("pk", "kind", "scope_unit_id"))


def on_report(name: str):
    return lambda w, t: reverse(name, args=[w.reports[t].pk])


def monthly_form(w, t):
    return {"month": f"{timezone.localdate():%Y-%m}", "unit": w.unit(t).pk, "kind": ReportKind.MONTHLY_XLSX}


CASES: list[Case] = [
    Case("exports:index", "get", SEE_POINTS, page("exports:index"), overrides=OTHERS_ONLY),
    # an out-of-scope unit is not among the form's choices: the form is shown again, nothing made
    *scoped(url_name="exports:monthly_request", method="post", need=SEE_POINTS, url=page("exports:monthly_request"),
            data=monthly_form, ok=302, writes=True, out_of_scope=FORM_REFUSED, overrides=OTHERS_ONLY),
    *scoped(url_name="exports:report_row", method="get", need=SEE_POINTS, url=on_report("exports:report_row"),
            overrides=OTHERS_ONLY),
    *scoped(url_name="exports:download", method="get", need=SEE_POINTS, url=on_report("exports:download"),
            overrides=OTHERS_ONLY),
    Case("exports:people", "get", SEE_PEOPLE, page("exports:people")),
    Case("exports:entries", "get", SEE_POINTS, page("exports:entries"), overrides=OTHERS_ONLY),
    Case("exports:orders", "get", MANAGE_REWARDS, page("exports:orders")),
    Case("exports:results", "get", SEE_TRACKING, page("exports:results")),
    Case("exports:eligibility", "get", SEE_LEARNING, page("exports:eligibility")),
    Case("exports:my_record", "get", LEARN, page("exports:my_record")),
    *scoped(url_name="exports:record", method="get", need=SEE_LEARNING, url=lambda w, t: reverse(
        "exports:record", args=[w.person(t).pk])),
    *api_scoped("POST /api/v1/exports/monthly-reports", "request_monthly_report", SEE_POINTS,
                lambda w, t: f"{API}/exports/monthly-reports", ok=201, writes=True, overrides=OTHERS_ONLY,
                data=lambda w, t: {"month": f"{timezone.localdate():%Y-%m}", "unit_id": w.unit(t).pk}),
    *api_scoped("GET /api/v1/exports/monthly-reports/{report_id}", "monthly_report_status", SEE_POINTS,
                lambda w, t: f"{API}/exports/monthly-reports/{w.reports[t].pk}", overrides=OTHERS_ONLY),
    api_case("GET /api/v1/exports/eligibility", "eligibility", SEE_LEARNING, lambda w, t: f"{API}/exports/eligibility"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_reports_and_exports(client, world, role, case):
    assert_reaches_exactly(client, world, role, case, exports_fingerprint, hides_in_scope_names=False)


def test_every_page_and_operation_of_exports_has_a_row():
    names = {f"exports:{pattern.name}" for pattern in exports_urls.urlpatterns}
    assert names == {case.url_name for case in CASES if not case.api_op}
    schema = api.get_openapi_schema()
    ours = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods
            if methods[method].get("tags") == ["exports"]}
    assert ours == {case.api_op for case in CASES if case.api_op}

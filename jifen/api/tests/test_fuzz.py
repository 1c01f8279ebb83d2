"""Schemathesis against the OpenAPI document: every operation, as a system administrator with an admin
token, answers without a server error, with a status code and a body the document declares.

Bounded: FUZZ_EXAMPLES examples per operation (env JIFEN_FUZZ_EXAMPLES), and it stops exploring new
operations after FUZZ_BUDGET_SECONDS, failing if it had to skip any, so a slow CI shows up as a failure.
"""

import contextlib
import importlib
import os
import re
import time
from collections import Counter
from io import StringIO

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from jifen.api.api import api
from jifen.api.models import ApiToken
from jifen.api.tokens import token_create
from jifen.org.models import Person, Role
from jifen.org.services import role_grant

FUZZ_EXAMPLES = int(os.environ.get("JIFEN_FUZZ_EXAMPLES", "10"))
FUZZ_BUDGET_SECONDS = int(os.environ.get("JIFEN_FUZZ_BUDGET_SECONDS", "300"))
# A regex on "METHOD /path": fuzz only those operations (while working on a few endpoints).
FUZZ_ONLY = os.environ.get("JIFEN_FUZZ_ONLY", "")
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Long-running or file-producing operations that fuzzing would only slow down; they have their own tests.
SKIP = {
    ("POST", "/api/v1/exports/monthly-reports"),
    # They send to the addresses of channels the fuzzer made up, or run whole background jobs.
    ("POST", "/api/v1/notifications/channels/{channel_id}/test"),
    ("POST", "/api/v1/notifications/deliveries/{delivery_id}/resend"),
    ("POST", "/api/v1/notifications/jobs/{name}/run"),
}
# Refusals that are right even for a system admin.
MAY_REFUSE = {
    "POST /api/v1/badges/{code}/grants",  # only manual, active badges can be granted
}


@pytest.fixture
def admin_token(db, settings):
    """The demo organisation and its activity (a few seconds), and a system admin's admin-scope token."""
    settings.JIFEN_API_RATE = "0"
    call_command("demo", "--people", "12", stdout=StringIO())
    # A learner who is also a system admin: both the "mine" endpoints and the managing ones have data.
    admin = Person.objects.filter(user__isnull=False, user__roles__isnull=True).select_related("user").first()
    role_grant(user=admin.user, role=Role.SYSTEM_ADMIN)
    _token, raw = token_create(user=admin.user, name="fuzz", scope="admin")
    return raw


def _first(model_path: str, field: str = "pk"):
    module, name = model_path.rsplit(".", 1)
    model = getattr(importlib.import_module(module), name)
    return model.objects.order_by("pk").values_list(field, flat=True).first()


# Path parameters with rows that exist, so that half of the examples reach past the 404.
REAL = {
    "person_id": ("jifen.org.models.Person",), "unit_id": ("jifen.org.models.OrgUnit",),
    "position_id": ("jifen.org.models.Position",), "employee_no": ("jifen.org.models.Person", "employee_no"),
    "adjustment_id": ("jifen.ledger.models.AdjustmentBatch",), "appeal_id": ("jifen.ledger.models.Appeal",),
    "entry_id": ("jifen.ledger.models.Entry",), "session_id": ("jifen.catalog.models.Session",),
    "enrolment_id": ("jifen.catalog.models.Enrolment",), "course_id": ("jifen.catalog.models.Course",),
    "lesson_id": ("jifen.learning.study.models.Lesson",), "quiz_id": ("jifen.learning.exams.models.Quiz",),
    "attempt_id": ("jifen.learning.exams.models.Attempt",),
    "claim_id": ("jifen.learning.work.models.SelfStudyClaim",),
    "contribution_id": ("jifen.learning.work.models.Contribution",),
    "case_id": ("jifen.learning.integrity.models.Case",), "redemption_id": ("jifen.rewards.models.Redemption",),
    "task_id": ("jifen.tracking.followup.models.Task",), "plan_id": ("jifen.tracking.followup.models.Plan",),
    "action_id": ("jifen.tracking.growth.models.ImprovementAction",),
    "measure_id": ("jifen.tracking.reports.models.BusinessMeasure",),
    "report_id": ("jifen.reports.exports.models.ReportFile",), "token_id": ("jifen.api.models.ApiToken",),
    "level_id": ("jifen.recognition.models.Level",), "certificate_id": ("jifen.recognition.models.Certificate",),
    "channel_id": ("jifen.notify.models.Channel",), "delivery_id": ("jifen.notify.models.Delivery",),
    "run_id": ("jifen.notify.models.JobRun",),
    "category_id": ("jifen.catalog.models.Category",), "material_id": ("jifen.catalog.models.CourseMaterial",),
    "requirement_id": ("jifen.catalog.models.CourseAssignment",),
    "observation_id": ("jifen.tracking.growth.models.Observation",),
    "application_case_id": ("jifen.tracking.growth.models.ApplicationCase",),
    "self_report_id": ("jifen.tracking.growth.models.SelfReport",),
    "development_plan_id": ("jifen.tracking.growth.models.DevelopmentPlan",),
}
BY_PATH = {
    "/api/v1/courses/{code}": {"code": ("jifen.catalog.models.Course", "code")},
    "/api/v1/badges/{code}/grants": {"code": ("jifen.recognition.models.Badge", "code")},
    "/api/v1/assignments/{assignment_id}/submission": {"assignment_id": ("jifen.learning.work.models.Assignment",)},
    "/api/v1/assignments/{assignment_id}": {"assignment_id": ("jifen.learning.work.models.Assignment",)},
    "/api/v1/assignments/{assignment_id}/close": {"assignment_id": ("jifen.learning.work.models.Assignment",)},
    "/api/v1/assignments/{assignment_id}/submissions": {"assignment_id": ("jifen.learning.work.models.Assignment",)},
    "/api/v1/submissions/{submission_id}/grade": {"submission_id": ("jifen.learning.work.models.Submission",)},
    "/api/v1/questions/{question_id}": {"question_id": ("jifen.learning.exams.models.Question",)},
    "/api/v1/questions/{question_id}/retire": {"question_id": ("jifen.learning.exams.models.Question",)},
    "/api/v1/people/{person_id}/roles/{assignment_id}": {"assignment_id": ("jifen.org.models.RoleAssignment",)},
    "/api/v1/redemptions/{redemption_id}/{action}": {"action": None},
    "/api/v1/rewards/{code}": {"code": ("jifen.rewards.models.Reward", "code")},
    "/api/v1/notifications/jobs/{name}/run": {"name": ("jifen.notify.models.JobRun", "job")},
    "/api/v1/rules/{code}": {"code": ("jifen.rules.models.Rule", "code")},
    "/api/v1/rules/{code}/publish": {"code": ("jifen.rules.models.Rule", "code")},
    "/api/v1/rules/{code}/archive": {"code": ("jifen.rules.models.Rule", "code")},
    "/api/v1/tracking/templates/{template_id}": {"template_id": ("jifen.tracking.followup.models.PlanTemplate",)},
    "/api/v1/tracking/templates/{template_id}/activities": {
        "template_id": ("jifen.tracking.followup.models.PlanTemplate",)},
    "/api/v1/tracking/templates/{template_id}/activities/{activity_id}": {
        "template_id": ("jifen.tracking.followup.models.PlanTemplate",),
        "activity_id": ("jifen.tracking.followup.models.TemplateActivity",)},
    "/api/v1/tracking/forms/{form_id}": {"form_id": ("jifen.tracking.instruments.models.Form",)},
    "/api/v1/tracking/forms/{form_id}/questions": {"form_id": ("jifen.tracking.instruments.models.Form",)},
    "/api/v1/tracking/forms/{form_id}/questions/{question_id}": {
        "form_id": ("jifen.tracking.instruments.models.Form",),
        "question_id": ("jifen.tracking.instruments.models.Question",)},
    "/api/v1/tracking/forms/{form_id}/questions/{question_id}/move": {
        "form_id": ("jifen.tracking.instruments.models.Form",),
        "question_id": ("jifen.tracking.instruments.models.Question",)},
}


def real_path_parameters(path: str) -> dict:
    values = {}
    for name in re.findall(r"{(\w+)}", path):
        source = BY_PATH.get(path, {}).get(name, REAL.get(name))
        if source is None:
            continue
        value = _first(*source)
        if value is not None:
            values[name] = value
    return values


def _keep_admin_usable():
    """Fuzzing may revoke the token it uses or make its login leave: undo that before each call."""
    token = ApiToken.objects.select_related("user").get(name="fuzz")
    if token.revoked_at or not token.user.is_active:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
        type(token.user).objects.filter(pk=token.user_id).update(is_active=True)


def _explore(operation, app, headers, statuses: list[int], server_errors: list[str], refusals: set[str]) -> list[str]:
    failures: list[str] = []

    strategy = operation.as_strategy()
    real = real_path_parameters(operation.path)
    if real:
        strategy = operation.as_strategy(path_parameters=real) | strategy

    @given(case=strategy)
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case):
        # The document's security schemes make schemathesis invent credentials: ours replace them.
        case.headers = {**(case.headers or {}), **headers}
        _keep_admin_usable()
        case.cookies = {}
        try:
            response = case.call(app=app)
            statuses.append(response.status_code)
            if response.status_code == 401 or (response.status_code == 403
                                                and f"{operation.method.upper()} {operation.path}" not in MAY_REFUSE):
                refusals.add(f"{response.status_code} {operation.method.upper()} {operation.path}: {response.text[:200]}")
            if response.status_code >= 500:
                server_errors.append(f"{operation.method.upper()} {operation.path}: {response.text[:300]}")
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # collected, so that one run shows every operation that fails
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
            raise

    with contextlib.suppress(Exception, BaseExceptionGroup):  # the failure is in `failures`
        run()
    return failures[-1:]


@pytest.fixture
def wsgi_app():
    """The real WSGI application, which must not close the test's connection (inside its transaction) at
    the end of each request, as Django's own test client arranges."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db(transaction=False)
def test_every_endpoint_answers_within_its_documented_schema_and_never_with_a_server_error(admin_token, wsgi_app):
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    app = wsgi_app
    headers = {"Authorization": f"Bearer {admin_token}", "Accept-Language": "en"}
    started = time.monotonic()
    failures, explored, skipped, statuses, server_errors, refusals = [], 0, [], [], [], set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        if FUZZ_ONLY and not re.search(FUZZ_ONLY, f"{operation.method.upper()} {operation.path}"):
            continue
        if time.monotonic() - started > FUZZ_BUDGET_SECONDS:
            skipped.append(f"{operation.method.upper()} {operation.path}")
            continue
        failures += _explore(operation, app, headers, statuses, server_errors, refusals)
        explored += 1
    counts = Counter(statuses)
    print(f"fuzzed {explored} operations, {len(statuses)} calls in {time.monotonic() - started:.1f}s: {counts}")
    assert not refusals, "the admin token was not accepted everywhere:\n" + "\n".join(sorted(refusals))
    assert FUZZ_ONLY or sum(n for status, n in counts.items() if status < 300) > explored, "too few calls got through"
    assert not server_errors, "\n".join(server_errors)
    assert not failures, "\n\n".join(failures)
    assert not skipped, f"out of time before: {skipped}"
    assert explored > 50 or FUZZ_ONLY

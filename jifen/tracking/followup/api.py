"""Follow-up tasks over the API: one's own tasks (or, for training admins, those of their plans) and
answering them. Anonymous survey results only for groups of 3 answers or more."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jifen.api.pagination import CursorPagination
from jifen.org.importing import read_upload
from jifen.org.permissions import Perm, get_access
from jifen.tracking.followup import importing, selectors, services
from jifen.tracking.followup.models import TaskStatus

router = Router(tags=["followup"])


class FollowupQuestionOut(Schema):
    id: int
    kind: str
    text: str
    help_text: str
    required: bool
    options: list[str]
    min_value: float | None
    max_value: float | None
    dimension: str


class FormOut(Schema):
    id: int
    name: str
    anonymous: bool
    version: int
    questions: list[FollowupQuestionOut]


class PersonBrief(Schema):
    employee_no: str
    name: str


class FollowupTaskOut(Schema):
    id: int
    plan_id: int
    plan: str
    title: str
    kind: str
    audience: str
    assignee: PersonBrief
    subject: PersonBrief | None
    due_on: dt.date
    remind_on: dt.date
    status: str
    completed_at: dt.datetime | None
    form: FormOut | None = None


class TaskFilter(Schema):
    scope: Literal["mine", "managed"] = Field("mine", description="mine (the default): tasks given to me; "
                                                                  "managed: the tasks of the plans I manage")
    status: Literal["open", "done", "overdue", "cancelled", ""] = ""
    plan: int | None = None


class ResponseIn(Schema):
    answers: dict[str, Any] = Field(..., description="Question id → answer: likert 1-5, score a number, single "
                                                     "choice the option's index, multiple a list of indexes, matrix "
                                                     "{row index: 1-5}, text a string.")


def _out(task, today: dt.date, *, with_form: bool) -> dict:
    form = task.activity.form
    out = {
        "id": task.pk, "plan_id": task.plan_id, "plan": task.plan.name, "title": task.title, "kind": task.kind,
        "audience": task.audience, "assignee": task.assignee, "subject": task.subject,
        "due_on": task.due_on, "remind_on": task.remind_on, "status": task.shown_status(today),
        "completed_at": task.completed_at, "form": None,
    }
    if with_form and form is not None:
        version = form.current_version()
        out["form"] = {"id": form.pk, "name": form.name, "anonymous": form.anonymous, "version": version.number,
                       "questions": list(version.questions.order_by("position", "pk"))}
    return out


@router.get("/tracking/tasks", response=list[FollowupTaskOut])
@paginate(CursorPagination)
def list_tasks(request, filters: Query[TaskFilter]):
    """My follow-up tasks (with the form to answer), or, with ``scope=managed``, the tasks of the plans
    I manage (training admins, in their scope)."""
    access = get_access(request)
    today = timezone.localdate()
    if filters.scope == "managed":
        access.require(Perm.TRACKING_MANAGE)
        tasks = selectors.tasks_in_scope(access)
    elif access.person_id is None:
        return []
    else:
        tasks = selectors.tasks_of(access.person_id).select_related("assignee")
    if filters.plan:
        tasks = tasks.filter(plan_id=filters.plan)
    if filters.status == TaskStatus.OVERDUE:
        tasks = tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.OVERDUE], due_on__lt=today)
    elif filters.status == TaskStatus.OPEN:
        tasks = tasks.filter(status=TaskStatus.OPEN, due_on__gte=today)
    elif filters.status:
        tasks = tasks.filter(status=filters.status)
    return [_out(t, today, with_form=filters.scope == "mine") for t in tasks[:500]]


@router.post("/tracking/tasks/{task_id}/responses", response={201: FollowupTaskOut})
def answer_task(request, task_id: int, payload: ResponseIn):
    """Complete one of my tasks: answer its form (an anonymous survey keeps no link to me), or, for a
    task without a form, an empty ``answers`` marks it done."""
    access = get_access(request)
    if access.person_id is None:
        raise PermissionDenied  # taking part needs a person record
    task = selectors.own_task(access, task_id)
    if task is None:
        raise Http404
    done = services.task_complete(task=task, answers=payload.answers, actor=request.user)
    return Status(201, _out(done, timezone.localdate(), with_form=True))


class SurveyQuestionOut(Schema):
    question: str
    kind: str
    count: int
    average: float | None = None
    satisfied_percent: int | None = None
    choices: list[tuple[str, int]] | None = None
    rows: list[tuple[str, float | None]] | None = None
    texts: list[str] | None = None


class SurveyGroupOut(Schema):
    activity: str
    count: int
    hidden: bool
    satisfaction_percent: int | None = None
    questions: list[SurveyQuestionOut]


@router.get("/tracking/plans/{plan_id}/survey-results", response=list[SurveyGroupOut])
def survey_results(request, plan_id: int):
    """The anonymous survey results of a plan I manage; a group of fewer than 3 answers shows only its count."""
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    plan = selectors.plans_managed(access).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return [{
        "activity": group["activity"].display_title, "count": group["count"], "hidden": group["hidden"],
        "satisfaction_percent": group.get("satisfaction"),
        "questions": [{"question": q["question"].text, "kind": q["question"].kind, "count": q["count"],
                       "average": q.get("average"), "satisfied_percent": q.get("satisfied"),
                       "choices": q.get("choices"), "rows": q.get("rows"), "texts": q.get("texts")}
                      for q in group["questions"]],
    } for group in selectors.survey_results(plan)]


MAX_ROWS_RETURNED = 1000


class ImportRowErrorOut(Schema):
    row: int
    column: str
    field: str
    message: str


class ImportRowOut(Schema):
    row: int
    employee_no: str
    name: str
    outcome: Literal["new", "changed", "unchanged"]
    score: Decimal
    pre_score: Decimal | None
    taken_on: dt.date
    grade: Literal["excellent", "good", "pass", "fail"]
    grade_label: str
    previous_score: Decimal | None
    previous_grade: str | None


class TestImportOut(Schema):
    plan_id: int
    plan: str
    file_name: str
    dry_run: bool
    committed: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    error_rows: int
    error_count: int
    errors: list[ImportRowErrorOut]
    grades: dict[str, int]
    results: list[ImportRowOut]
    ignored_columns: list[str]


@router.post("/tracking/plans/{plan_id}/test-results/import", response={200: TestImportOut})
def import_test_results(request, plan_id: int, file: File[UploadedFile], dry_run: bool = True):
    """Check (query ``dry_run=true``, the default) or import (``dry_run=false``) a multipart ``file`` of test
    results for a plan I manage: .xlsx or .csv, columns 工号 / employee_no, 成绩 / score, optional 培训前成绩 /
    pre_score and 考核日期 / taken_on.

    Each row's outcome (new, changed, unchanged) and grade (优秀 / 良好 / 合格 / 不合格 by the plan template's
    thresholds), and each row error (row, column, reason; at most 1000 of each, the counts have them all).
    A commit with row errors imports nothing and answers 422 with the same fields; an unreadable file is a 400.
    """
    access = get_access(request)
    access.require(Perm.TRACKING_MANAGE)
    plan = selectors.plans_managed(access).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    table = importing.read(read_upload(file), file.name or "")
    if dry_run:
        result = importing.check(plan=plan, table=table)
    else:
        try:
            result = importing.commit(plan=plan, table=table, actor=request.user)
        except importing.TestImportRejected as rejected:
            from jifen.api.api import problem

            return problem(request, 422, _("The import was refused."), str(rejected.message), dry_run=False,
                           **rejected.result.as_dict(max_rows=MAX_ROWS_RETURNED))
    return {"dry_run": dry_run, **result.as_dict(max_rows=MAX_ROWS_RETURNED)}

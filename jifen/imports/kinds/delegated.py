"""Kinds whose file another app already reads and checks: the roster (people) and bulk adjustments.

Adjustments keep the ledger's maker-checker rule: importing the file proposes one batch that someone
else approves; nothing posts at import. A file's lines have no natural key (the same person may get
10 points twice for two reasons), so the file's content fingerprint is remembered with the batch it
proposed: the same lines again are "already imported" while that batch waits or was approved (after
a rejection they may be proposed again).
"""

from __future__ import annotations

import hashlib

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jifen.core.errors import ApplicationError
from jifen.imports.kinds.base import Column, Context, ImportRejected, Kind, Plan, Progress
from jifen.imports.models import ImportRun, RunStatus
from jifen.ledger import adjustment_file, adjustments
from jifen.ledger.models import AdjustmentBatch, AdjustmentStatus
from jifen.org import importing
from jifen.org.importing import Roster
from jifen.org.permissions import Perm


class PeopleKind(Kind):
    key = "people"
    label = gettext_lazy("People (roster)")
    description = gettext_lazy("Add and update people, their units, positions and managers.")
    perm = Perm.ROSTER_IMPORT
    columns = tuple(
        Column(c, importing.CHINESE_HEADERS[c], importing.HEADER_ALIASES[c], "", required=c in importing.REQUIRED_COLUMNS)
        for c in importing.COLUMNS
    )

    def column_help(self) -> list[dict]:
        # The same words as the roster import page.
        meanings = {
            "employee_no": _("Employee or student number; also the login name."),
            "name": _("Full name."),
            "org_unit": _("The unit's full path, such as 总部/研发中心/平台组. Missing units are created."),
            "position": _("A position's name or code, as set up under Positions."),
            "manager_no": _("The manager's number: someone in the file (any row) or already in the roster."),
            "email": _("E-mail address, unique per person."),
            "phone": _("Phone number."),
            "hire_date": _("A date such as 2024-03-01 or 2024/3/1, or a date cell."),
            "status": _("active, on_leave or left (在职, 休假, 离职). Empty: unchanged, or active for someone new."),
        }
        return [{"name": c.key, "chinese": c.chinese, "meaning": meanings[c.key], "required": c.required}
                for c in self.columns]

    def read(self, data: bytes, file_name: str) -> Roster:
        return importing.read_roster(data, file_name)

    def template_file(self, fmt: str) -> tuple[bytes, str, str]:
        return importing.template_file(fmt)

    def _scope(self, ctx: Context):
        return None if ctx.access is None else ctx.access.scope(Perm.ROSTER_IMPORT)

    @staticmethod
    def _plan(result: importing.ImportPlan) -> Plan:
        notes = [_("New units: %(units)s") % {"units": ", ".join(result.units_to_create)}] \
            if result.units_to_create else []
        return Plan(kind="people", file_name=result.file_name, rows=result.rows, new=result.created,
                    changed=result.updated, unchanged=result.unchanged, errors=list(result.errors),
                    columns=dict(result.columns), ignored_columns=list(result.ignored_columns), notes=notes,
                    committed=result.committed)

    def check(self, table: Roster, ctx: Context) -> Plan:
        return self._plan(importing.plan(table, scope=self._scope(ctx)))

    def commit(self, table: Roster, ctx: Context, progress: Progress | None = None) -> Plan:
        try:
            result = importing.commit(table, scope=self._scope(ctx))
        except importing.ImportRejected as rejected:
            raise ImportRejected(self._plan(rejected.plan)) from rejected
        if progress:
            progress(result.rows)
        return self._plan(result)


class AdjustmentsKind(Kind):
    key = "adjustments"
    label = gettext_lazy("Adjustments")
    description = gettext_lazy("Manual additions and deductions of points or credits, proposed as one batch for "
                               "another administrator to approve.")
    perm = Perm.LEDGER_ADJUST
    needs_user = True
    columns = tuple(
        Column(c, adjustment_file.CHINESE_HEADERS[c], adjustment_file.HEADER_ALIASES[c], "",
               required=c in adjustment_file.REQUIRED_COLUMNS)
        for c in adjustment_file.COLUMNS
    )

    def column_help(self) -> list[dict]:
        meanings = {
            "employee_no": _("Employee or student number."),
            "currency": _("points or credits (积分 or 学分)."),
            "amount": _("Signed: + adds, - deducts; at most two decimal places."),
            "reason": _("Why: the learner sees it in their history."),
            "credit_type": _("Credits only: required or elective (必修 or 选修)."),
        }
        return [{"name": c.key, "chinese": c.chinese, "meaning": meanings[c.key], "required": c.required}
                for c in self.columns]

    def read(self, data: bytes, file_name: str) -> Roster:
        return adjustment_file.read_file(data, file_name)

    def template_file(self, fmt: str) -> tuple[bytes, str, str]:
        return adjustment_file.template_file(fmt)

    @staticmethod
    def fingerprint(lines) -> str:
        text = "\n".join(f"{line.person.pk}|{line.currency}|{line.amount}|{line.credit_type}|{line.reason.strip()}"
                         for line in lines)
        return hashlib.sha256(text.encode()).hexdigest()

    def check(self, table: Roster, ctx: Context) -> Plan:
        if ctx.user is None:
            raise ApplicationError(_("Adjustments are proposed by someone: say who (--user)."), code="no_user")
        result = adjustment_file.plan(table, people=ctx.people(Perm.LEDGER_ADJUST), proposer=ctx.user)
        plan = Plan(kind=self.key, file_name=result.file_name, rows=result.rows, errors=list(result.errors),
                    columns=dict(result.columns), ignored_columns=list(result.ignored_columns))
        if result.errors or not result.lines:
            return plan
        key = self.fingerprint(result.lines)
        before = ImportRun.objects.filter(kind=self.key, content_key=key).values_list("ref_id", flat=True).first()
        status = AdjustmentBatch.objects.filter(pk=before).values_list("status", flat=True).first() if before else None
        if status is not None and status != AdjustmentStatus.REJECTED:
            plan.unchanged = len(result.lines)
            plan.notes.append(_("These lines were proposed already, as adjustment #%(id)d.") % {"id": before})
        else:
            plan.new = len(result.lines)
            for total in result.totals():
                plan.notes.append(_("%(label)s: %(lines)d lines, %(added)s added, %(deducted)s deducted")
                                  % {"label": total["label"], "lines": total["lines"], "added": total["added"],
                                     "deducted": total["deducted"]})
        plan.extra = {"lines": result.lines, "key": key, "rejected_before": before if status else None}
        plan.items = result.lines
        return plan

    def write(self, plan: Plan, ctx: Context, progress: Progress) -> None:
        if not plan.new:
            return
        batch = adjustments.adjustment_propose(
            proposed_by=ctx.user, lines=plan.extra["lines"], reason=_("Imported from %(file)s") % {
                "file": plan.file_name}, people=ctx.people(Perm.LEDGER_ADJUST), source_filename=plan.file_name,
            now=ctx.now)
        key = plan.extra["key"]
        ImportRun.objects.filter(kind=self.key, content_key=key).update(content_key="")  # a rejected batch's
        run = ctx.run
        if run is not None:
            run.content_key, run.ref_id = key, batch.pk
            run.save(update_fields=["content_key", "ref_id"])
        else:
            ImportRun.objects.create(kind=self.key, user=ctx.user, file_name=plan.file_name[:200],
                                     status=RunStatus.DONE, total=plan.rows, new=plan.new, content_key=key,
                                     ref_id=batch.pk, created_at=ctx.now, finished_at=timezone.now())
        plan.notes.append(_("Proposed as adjustment #%(id)d: it posts once another administrator approves it.")
                          % {"id": batch.pk})
        progress(plan.new)

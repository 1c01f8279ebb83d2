"""Knowledge contributions already reviewed outside Jifen (a list from the training department): employee
number, kind (授课 / 案例 / 课程开发 / 经验分享), title and date.

Each row is recorded as the event an approved contribution records (``contribution.<kind>``), through
the rules intake, so the same rules give the points (and their monthly caps). The key is made from
the row's content (``imp:contrib:<person>:<kind>:<date>:<title digest>``): the same row in any later
file is already there. Rows do not become contribution records of the learner: those carry the
learner's own evidence file, which an import has not got.
"""

from __future__ import annotations

import hashlib

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jifen.imports.kinds.base import (
    Column,
    Context,
    Kind,
    Plan,
    Progress,
    Rows,
    check_people,
    chunked,
    duplicate,
    lookup_chunk,
    noon,
    raise_rejected_events,
)
from jifen.imports.kinds.sessions import EMPLOYEE_NO
from jifen.learning.work.models import ContributionKind
from jifen.learning.work.services import CONTRIBUTION_EVENTS
from jifen.org.importing import Roster
from jifen.org.permissions import Perm
from jifen.rules.models import Event
from jifen.rules.services import EventIn, record_events

KIND_ALIASES = {
    "trainer": ContributionKind.TRAINER, "授课": ContributionKind.TRAINER, "内训师": ContributionKind.TRAINER,
    "内部讲师": ContributionKind.TRAINER, "讲课": ContributionKind.TRAINER,
    "case": ContributionKind.CASE, "案例": ContributionKind.CASE, "案例编写": ContributionKind.CASE,
    "course": ContributionKind.COURSE, "课程开发": ContributionKind.COURSE, "开发课程": ContributionKind.COURSE,
    "课程": ContributionKind.COURSE,
    "sharing": ContributionKind.SHARING, "经验分享": ContributionKind.SHARING, "分享": ContributionKind.SHARING,
}


def parse_kind(text: str) -> str | None:
    key = (text or "").strip().lower()
    if key in KIND_ALIASES:
        return KIND_ALIASES[key]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in ContributionKind.choices:
                if str(label).strip().lower() == key:
                    return value
    return None


def contribution_key(person_id: int, kind: str, day, title: str) -> str:
    digest = hashlib.sha256(" ".join(title.split()).lower().encode()).hexdigest()[:16]
    return f"imp:contrib:{person_id}:{kind}:{day:%Y%m%d}:{digest}"


class ContributionsKind(Kind):
    key = "contributions"
    label = gettext_lazy("Contributions")
    description = gettext_lazy("Knowledge contributions already reviewed: taught, wrote a case, developed a "
                               "course, shared experience.")
    perm = Perm.LEARNING_REVIEW
    sheet = ("Contributions", "知识贡献")
    columns = (
        EMPLOYEE_NO,
        Column("kind", "类型", ("type", "contribution", "类型", "贡献类型", "类别"),
               gettext_lazy("trainer, case, course or sharing (授课, 案例, 课程开发, 经验分享)."), max_length=40,
               width=10),
        Column("title", "标题", ("title", "name", "subject", "标题", "名称", "主题", "内容"),
               gettext_lazy("What was taught, written or shared."), max_length=200, width=30),
        Column("date", "日期", ("date", "日期", "时间", "完成日期", "分享日期"),
               gettext_lazy("When, such as 2024-03-01; empty: today."), required=False, max_length=40),
    )

    def examples(self, chinese: bool) -> list[list]:
        today = timezone.localdate()
        if chinese:
            return [["E0001", "授课", "新员工安全培训", today], ["E0002", "经验分享", "客户投诉处理经验", today]]
        return [["E0001", "trainer", "Safety training for new staff", today],
                ["E0002", "sharing", "Handling customer complaints", today]]

    def check(self, table: Roster, ctx: Context) -> Plan:
        rows = Rows(table, self.columns)
        today = timezone.localdate(ctx.now)
        parsed = self.parse(table, rows, ctx)
        people = check_people(rows, parsed, allowed=ctx.people(Perm.LEARNING_REVIEW), own_person_id=ctx.person_id,
                              own_message=_("You cannot record your own contributions: ask another reviewer."))
        keyed, seen = [], {}
        for (row, cells), (_row, values) in zip(table.rows, parsed, strict=True):
            kind = None
            if values.get("kind"):
                kind = parse_kind(values["kind"])
                if kind is None:
                    rows.error(row, "kind", _("“%(value)s” is not a kind of contribution: use trainer, case, course or "
                                              "sharing (授课, 案例, 课程开发, 经验分享).") % {"value": values["kind"][:40]})
            day = rows.date(row, cells, "date", today=today) if values.get("date") else today
            person = people.get(values.get("employee_no") or "")
            if person is None or kind is None or day is None or not values.get("title") or rows.failed(row):
                continue
            key = contribution_key(person[0], kind, day, values["title"])
            if duplicate(rows, seen, key, row, "title"):
                continue
            keyed.append((key, kind, values["employee_no"], day, values["title"]))
        existing = set()
        for part in chunked([k[0] for k in keyed], lookup_chunk()):
            existing.update(Event.objects.filter(key__any=part).values_list("key", flat=True))
        items = [k for k in keyed if k[0] not in existing]
        plan = self.plan_for(table, rows, new=len(items), unchanged=len(keyed) - len(items))
        plan.items = items
        return plan

    def write(self, plan: Plan, ctx: Context, progress: Progress) -> None:
        actor = ctx.user if getattr(ctx.user, "pk", None) else None
        done = 0
        for part in chunked(plan.items):
            events = [EventIn(key, CONTRIBUTION_EVENTS[kind], no, noon(day, ctx.now), None,
                              {"title": title, "imported": True}) for key, kind, no, day, title in part]
            raise_rejected_events(record_events(events=events, source="contribution", actor=actor, now=ctx.now))
            done += len(part)
            progress(done)

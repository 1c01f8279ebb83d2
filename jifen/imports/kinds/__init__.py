"""The registry of bulk import kinds: ``KINDS[key]``."""

from __future__ import annotations

from jifen.imports.kinds.base import Context, ImportRejected, Kind, Plan
from jifen.imports.kinds.contributions import ContributionsKind
from jifen.imports.kinds.delegated import AdjustmentsKind, PeopleKind
from jifen.imports.kinds.exams import ExamScoresKind
from jifen.imports.kinds.homework import HomeworkKind
from jifen.imports.kinds.sessions import AttendanceKind, ParticipationKind

KINDS: dict[str, Kind] = {kind.key: kind for kind in (
    AttendanceKind(), ExamScoresKind(), HomeworkKind(), ParticipationKind(), ContributionsKind(), AdjustmentsKind(),
    PeopleKind(),
)}

__all__ = ["KINDS", "Context", "ImportRejected", "Kind", "Plan"]

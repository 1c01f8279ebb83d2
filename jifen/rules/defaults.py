"""The default ruleset: seed 002's table, credits for completing a course, points for contributing
knowledge. Installed by a data migration; admins change it in the rules pages (each change a version)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jifen.ledger.models import Currency
from jifen.rules.models import AmountMode, EventType

D = Decimal

DEFAULT_RULES = [
    # code, name, event, currency, amount, extra fields
    ("attendance-present", _("Attendance +5"), EventType.ATTENDANCE_PRESENT, Currency.POINTS, D(5), {}),
    ("attendance-absent", _("Absence −10"), EventType.ATTENDANCE_ABSENT, Currency.POINTS, D(-10), {}),
    ("homework-on-time", _("Homework on time +10"), EventType.HOMEWORK_ON_TIME, Currency.POINTS, D(10), {}),
    ("homework-late", _("Homework late −5"), EventType.HOMEWORK_LATE, Currency.POINTS, D(-5), {}),
    ("participation-active", _("Active participation +10"), EventType.PARTICIPATION_ACTIVE, Currency.POINTS, D(10), {}),
    ("participation-passive", _("Passive participation −5"), EventType.PARTICIPATION_PASSIVE, Currency.POINTS,
     D(-5), {}),
    ("exam-improvement", _("Exam: +20 per 10 points of improvement"), EventType.EXAM_SCORED, Currency.POINTS, D(20),
     {"amount_mode": AmountMode.PER_SCORE_STEP, "score_step": D(10), "conditions": {"passed": True}}),
    ("exam-below-pass-mark", _("Exam below the pass mark −20"), EventType.EXAM_SCORED, Currency.POINTS, D(-20),
     {"conditions": {"passed": False}}),
    ("course-credits", _("Course completed: its credits"), EventType.COURSE_COMPLETED, Currency.CREDITS, D(1),
     {"amount_mode": AmountMode.PER_CREDIT, "once_per_course": True}),
    ("contribution-trainer", _("Taught a session as an internal trainer +30"), EventType.CONTRIBUTION_TRAINER,
     Currency.POINTS, D(30), {}),
    ("contribution-case", _("Wrote a case +20"), EventType.CONTRIBUTION_CASE, Currency.POINTS, D(20), {}),
    ("contribution-course", _("Developed a course +50"), EventType.CONTRIBUTION_COURSE, Currency.POINTS, D(50), {}),
    ("contribution-sharing", _("Shared experience +10"), EventType.CONTRIBUTION_SHARING, Currency.POINTS, D(10),
     {"cap_month": D(40)}),
    ("selfstudy-credits", _("Approved self-study: the credits approved, at most 10"), EventType.SELFSTUDY_APPROVED,
     Currency.CREDITS, D(10), {"amount_mode": AmountMode.FROM_FACT, "credit_source": "elective"}),
    ("selfstudy-points", _("Approved self-study: the points approved, at most 50"), EventType.SELFSTUDY_APPROVED,
     Currency.POINTS, D(50), {"amount_mode": AmountMode.FROM_FACT}),
    ("violation-cheating", _("Confirmed cheating −50"), EventType.VIOLATION_CHEATING, Currency.POINTS, D(-50), {}),
]

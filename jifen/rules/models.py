"""Rules turn recorded events into ledger entries. A rule's every edit is a new version; entries keep
pointing at the version that made them, so anyone can see which wording of which rule paid them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.catalog.models import Course
from jifen.ledger.models import CreditType, Currency, ExpiryPolicy
from jifen.org.models import Person


class EventType(models.TextChoices):
    ATTENDANCE_PRESENT = "attendance.present", _("Attendance: present")
    ATTENDANCE_LATE = "attendance.late", _("Attendance: late")
    ATTENDANCE_ABSENT = "attendance.absent", _("Attendance: absent")
    ATTENDANCE_EXCUSED = "attendance.excused", _("Attendance: excused")
    HOMEWORK_ON_TIME = "homework.on_time", _("Homework: on time")
    HOMEWORK_LATE = "homework.late", _("Homework: late")
    HOMEWORK_MISSING = "homework.missing", _("Homework: missing")
    PARTICIPATION_ACTIVE = "participation.active", _("Participation: active")
    PARTICIPATION_PASSIVE = "participation.passive", _("Participation: passive")
    EXAM_SCORED = "exam.scored", _("Exam scored")
    COURSE_COMPLETED = "course.completed", _("Course completed")
    CONTRIBUTION_TRAINER = "contribution.trainer", _("Contribution: taught as a trainer")
    CONTRIBUTION_CASE = "contribution.case", _("Contribution: wrote a case")
    CONTRIBUTION_COURSE = "contribution.course", _("Contribution: developed a course")
    CONTRIBUTION_SHARING = "contribution.sharing", _("Contribution: shared experience")
    SELFSTUDY_APPROVED = "selfstudy.approved", _("Self-study approved")
    VIOLATION_CHEATING = "violation.cheating", _("Violation: cheating")
    SURVEY_COMPLETED = "survey.completed", _("Survey completed")
    EVALUATION_COMPLETED = "evaluation.completed", _("Evaluation completed")


class AmountMode(models.TextChoices):
    FIXED = "fixed", _("Fixed amount")
    PER_CREDIT = "per_credit", _("Per course credit")
    PER_SCORE_STEP = "per_score_step", _("Per step of score improvement")
    # A reviewed fact carries its own amount (a self-study claim's approved credits): the rule's
    # amount is the most one fact may bring.
    FROM_FACT = "from_fact", _("As approved with the fact, at most the amount")


class CreditSource(models.TextChoices):
    FROM_COURSE = "from_course", _("From the course (required / elective)")
    REQUIRED = CreditType.REQUIRED.value, _("Required")
    ELECTIVE = CreditType.ELECTIVE.value, _("Elective")


class Rule(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class RuleVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("In force")
        SUPERSEDED = "superseded", _("Superseded")

    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    name = models.CharField(_("name"), max_length=200, help_text=_("Shown to learners beside each entry."))
    description = models.TextField(_("description"), blank=True)
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    currency = models.CharField(_("currency"), max_length=10, choices=Currency.choices, default=Currency.POINTS)
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, help_text=_("Negative for a deduction.")
    )
    amount_mode = models.CharField(_("how the amount is counted"), max_length=20, choices=AmountMode.choices,
                                   default=AmountMode.FIXED)
    score_step = models.DecimalField(_("score step"), max_digits=6, decimal_places=2, default=10)
    multiply_by_difficulty = models.BooleanField(_("multiply by course difficulty"), default=False)
    credit_source = models.CharField(_("credit type"), max_length=12, choices=CreditSource.choices,
                                     default=CreditSource.FROM_COURSE)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    cap_day = models.DecimalField(_("cap per day"), max_digits=10, decimal_places=2, null=True, blank=True)
    cap_week = models.DecimalField(_("cap per week"), max_digits=10, decimal_places=2, null=True, blank=True)
    cap_month = models.DecimalField(_("cap per month"), max_digits=10, decimal_places=2, null=True, blank=True)
    cap_year = models.DecimalField(_("cap per year"), max_digits=10, decimal_places=2, null=True, blank=True)
    once_per_course = models.BooleanField(_("once per course"), default=False)
    cooldown_minutes = models.PositiveIntegerField(_("cooldown (minutes)"), default=0)
    expiry_policy = models.CharField(_("expiry"), max_length=20, choices=ExpiryPolicy.choices, blank=True,
                                     help_text=_("Empty: the currency's policy."))
    expiry_months = models.PositiveSmallIntegerField(_("expiry months"), default=12)
    active_from = models.DateTimeField(_("active from"), null=True, blank=True)
    active_to = models.DateTimeField(_("active until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        ordering = ["rule__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_number_unique"),
            models.UniqueConstraint(fields=["rule"], condition=Q(status="published"), name="rule_one_in_force"),
            models.UniqueConstraint(fields=["rule"], condition=Q(status="draft"), name="rule_one_draft"),
            models.CheckConstraint(condition=~Q(amount=0), name="rule_amount_not_zero"),
            models.CheckConstraint(condition=Q(score_step__gt=0), name="rule_score_step_positive"),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_from__isnull=True) | Q(active_to__gt=models.F("active_from")),
                name="rule_active_window_ordered",
            ),
        ]
        indexes = [models.Index(fields=["event_type", "status"], name="rule_version_event_status")]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.number}"

    @property
    def label(self) -> str:
        return f"{self.rule.code}@v{self.number}"


class Event(models.Model):
    """A learning fact as the rules see it. Recorded once per key, whoever sends it and however often."""

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        NO_RULE = "no_rule", _("No rule applied")

    key = models.CharField(_("key"), max_length=150)  # unique: see Meta
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="events",
                               db_index=False)  # indexed by (person, type, occurred_at)
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, null=True, blank=True,
                               related_name="events", db_index=False)
    occurred_at = models.DateTimeField(_("occurred at"))
    data = models.JSONField(_("data"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NO_RULE)
    source = models.CharField(_("source"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+", db_index=False)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["person", "type", "occurred_at"], name="event_person_type_time"),
            models.Index(fields=["occurred_at"], name="event_time"),
            # Most events name no course and no recording user: index only those that do.
            models.Index(fields=["course"], condition=models.Q(course__isnull=False), name="event_course"),
            models.Index(fields=["recorded_by"], condition=models.Q(recorded_by__isnull=False), name="event_recorded_by"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="event_key"),  # no pattern index, unlike unique=True
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.key}"

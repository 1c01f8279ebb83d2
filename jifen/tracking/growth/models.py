"""Application, growth and improvement after training (seed 004, 三(一)3, 三(二), 三(三), 四(五)).

* Behaviour observations (行为观察): a manager's dated note about a person against the skills a course
  taught, with a rating and feedback the person reads and acknowledges.
* The training application archive (培训应用档案): cases where a person applied a course, with their
  effect and an optional evidence file, and monthly or quarterly self-reports; a manager confirms.
* Individual development plans (个人发展计划): short- and long-term goals, actions, linked courses,
  agreed with the manager; a yearly career development review against the plan.
* Improvement actions (改进措施) from reports and meetings, with follow-up checks; an overdue action is
  escalated once per deadline, and the escalation is stored so the notification can be sent later.
"""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def growth_upload_to(instance, filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower()[:10]
    return f"growth/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


# ---------------------------------------------------------------- behaviour observations


class Rating(models.TextChoices):
    NOT_YET = "not_yet", _("Not yet seen")
    SOMETIMES = "sometimes", _("Sometimes")
    CONSISTENTLY = "consistently", _("Consistently")


class Observation(models.Model):
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="growth_observations")
    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT,
                               related_name="+")
    observed_on = models.DateField(_("observed on"))
    skills = models.TextField(_("skills observed"), help_text=_("One skill the course taught per line."))
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    feedback = models.TextField(_("feedback"))
    observed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("observed by"),
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("behaviour observation")
        verbose_name_plural = _("behaviour observations")
        ordering = ["-observed_on", "-pk"]
        indexes = [models.Index(fields=["person", "observed_on"], name="growth_obs_person_day")]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.course_id} · {self.observed_on}"

    @property
    def skill_list(self) -> list[str]:
        return [line.strip() for line in self.skills.splitlines() if line.strip()]


# ---------------------------------------------------------------- the training application archive


class ApplicationCase(models.Model):
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="growth_cases")
    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField(_("what was applied"), max_length=200)
    situation = models.TextField(_("situation"))
    effect = models.TextField(_("effect"))
    result = models.CharField(_("measurable result"), max_length=200, blank=True)
    evidence = models.FileField(_("evidence"), upload_to=growth_upload_to, max_length=200, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)
    applied_on = models.DateField(_("applied on"))
    created_at = models.DateTimeField(_("recorded at"))
    comment = models.CharField(_("manager's comment"), max_length=1000, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application case")
        verbose_name_plural = _("application cases")
        ordering = ["-applied_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class SelfReport(models.Model):
    class Period(models.TextChoices):
        MONTH = "month", _("Monthly")
        QUARTER = "quarter", _("Quarterly")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="growth_reports")
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    period_start = models.DateField(_("period starts"))
    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    achievements = models.TextField(_("what I applied and achieved"))
    difficulties = models.TextField(_("difficulties and help needed"), blank=True)
    created_at = models.DateTimeField(_("sent at"))
    comment = models.CharField(_("manager's comment"), max_length=1000, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")
        ordering = ["-period_start", "-pk"]
        constraints = [models.UniqueConstraint(fields=["person", "period", "period_start"],
                                               name="growth_report_once_a_period")]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.period} {self.period_start}"

    @property
    def period_label(self) -> str:
        if self.period == self.Period.QUARTER:
            return f"{self.period_start.year} Q{(self.period_start.month - 1) // 3 + 1}"
        return f"{self.period_start:%Y-%m}"


# ---------------------------------------------------------------- individual development plans


class DevelopmentPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting the manager")
        AGREED = "agreed", _("Agreed")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="growth_plans")
    start_year = models.PositiveIntegerField(_("from year"))
    end_year = models.PositiveIntegerField(_("to year"))
    aspiration = models.TextField(_("career direction"), blank=True)
    courses = models.ManyToManyField("catalog.Course", verbose_name=_("linked courses"), blank=True,
                                     related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    manager_note = models.CharField(_("manager's note"), max_length=1000, blank=True)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agreed by"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")
        ordering = ["-start_year", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "start_year"], name="growth_plan_one_per_period"),
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="growth_plan_years"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.start_year}–{self.end_year}"

    def covers(self, year: int) -> bool:
        return self.start_year <= year <= self.end_year


class Horizon(models.TextChoices):
    SHORT = "short", _("Short term (1-2 years)")
    LONG = "long", _("Long term (3-5 years)")


class DevelopmentGoal(models.Model):
    plan = models.ForeignKey(DevelopmentPlan, verbose_name=_("plan"), on_delete=models.CASCADE,
                             related_name="goals")
    horizon = models.CharField(_("horizon"), max_length=5, choices=Horizon.choices)
    text = models.CharField(_("goal"), max_length=500)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("development goal")
        verbose_name_plural = _("development goals")
        ordering = ["plan_id", "-horizon", "position", "pk"]  # "short" sorts after "long": short-term first

    def __str__(self) -> str:
        return self.text


class DevelopmentAction(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", _("Not started")
        DOING = "doing", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    plan = models.ForeignKey(DevelopmentPlan, verbose_name=_("plan"), on_delete=models.CASCADE,
                             related_name="actions")
    text = models.CharField(_("action"), max_length=500)
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.TODO)

    class Meta:
        verbose_name = _("development action")
        verbose_name_plural = _("development actions")
        ordering = ["plan_id", "due_on", "pk"]

    def __str__(self) -> str:
        return self.text


class CareerReview(models.Model):
    """The yearly career development review (职业发展评估) against the plan: what was achieved per goal
    (``outcomes``: [{"goal": text, "achieved": text}], the goal's wording as it was), the manager's
    assessment and the next steps."""

    plan = models.ForeignKey(DevelopmentPlan, verbose_name=_("plan"), on_delete=models.PROTECT,
                             related_name="reviews")
    year = models.PositiveIntegerField(_("year"))
    outcomes = models.JSONField(_("achieved per goal"), default=list)
    assessment = models.TextField(_("manager's assessment"))
    next_steps = models.TextField(_("next steps"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"),
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"))

    class Meta:
        verbose_name = _("career development review")
        verbose_name_plural = _("career development reviews")
        ordering = ["-year", "-pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "year"], name="growth_review_once_a_year")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.year}"


# ---------------------------------------------------------------- improvement actions


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    VERIFIED = "verified", _("Verified")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionSource(models.TextChoices):
    REPORT = "report", _("Tracking report")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class ImprovementAction(models.Model):
    title = models.CharField(_("what"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    source = models.CharField(_("source"), max_length=8, choices=ActionSource.choices)
    source_ref = models.CharField(_("source reference"), max_length=200, blank=True,
                                  help_text=_("E.g. the report or the meeting and its date."))
    org_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("responsible unit"), on_delete=models.PROTECT,
                                 related_name="+")
    responsible = models.ForeignKey("org.Person", verbose_name=_("responsible person"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="growth_actions")
    deadline = models.DateField(_("deadline"))
    expected_effect = models.TextField(_("expected effect"))
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="growth_action_status_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.deadline < (today or timezone.localdate())


class ActionCheck(models.Model):
    action = models.ForeignKey(ImprovementAction, verbose_name=_("action"), on_delete=models.PROTECT,
                               related_name="checks")
    checked_on = models.DateField(_("checked on"))
    result = models.TextField(_("result"))
    effective = models.BooleanField(_("effective"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("follow-up check")
        verbose_name_plural = _("follow-up checks")
        ordering = ["-checked_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.action_id} · {self.checked_on}"


class Escalation(models.Model):
    """An overdue action escalated once for its deadline, to the people named in ``recipients``
    (user ids: the responsible person's manager, else the unit's training admins). ``sent_at`` is
    filled when the notification goes out."""

    action = models.ForeignKey(ImprovementAction, verbose_name=_("action"), on_delete=models.PROTECT,
                               related_name="escalations")
    deadline = models.DateField(_("deadline missed"))
    escalated_at = models.DateTimeField(_("escalated at"))
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("escalated to"), blank=True,
                                        related_name="+")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-escalated_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["action", "deadline"], name="growth_escalate_once")]

    def __str__(self) -> str:
        return f"{self.action_id} · {self.deadline}"

"""Tracking plans (跟踪管理计划) made from templates of activities, the tasks they give people, test
results with grades, and the anonymous satisfaction survey's receipts and answers."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class ActivityKind(models.TextChoices):
    TEST = "test", _("Knowledge and skill test")
    SURVEY = "survey", _("Satisfaction survey")
    EVALUATION = "evaluation", _("Work-performance evaluation (360)")
    OBSERVATION = "observation", _("Behaviour observation")
    DEVELOPMENT_PLAN = "development_plan", _("Individual development plan")
    CAREER_REVIEW = "career_review", _("Annual career review")
    CUSTOM = "custom", _("Other activity")


class OffsetUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


class Audience(models.TextChoices):
    LEARNER = "learner", _("Learner")
    MANAGER = "manager", _("Manager")
    PEERS = "peers", _("Peers")
    TRAINER = "trainer", _("Trainer")
    SELF = "self", _("Self (about oneself)")


class PlanTemplate(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    code = models.SlugField(_("code"), max_length=60, blank=True)
    plan_due_working_days = models.PositiveIntegerField(
        _("plan due within (working days)"), default=5,
        help_text=_("The tracking plan is made within this many working days after the training ends."))
    manager_weight = models.DecimalField(_("manager weight %"), max_digits=5, decimal_places=2,
                                         default=Decimal(50), validators=PERCENT)
    peers_weight = models.DecimalField(_("peers weight %"), max_digits=5, decimal_places=2, default=Decimal(30),
                                       validators=PERCENT)
    self_weight = models.DecimalField(_("self weight %"), max_digits=5, decimal_places=2, default=Decimal(20),
                                      validators=PERCENT)
    excellent_from = models.DecimalField(_("优秀 from"), max_digits=6, decimal_places=2, default=Decimal(90))
    good_from = models.DecimalField(_("良好 from"), max_digits=6, decimal_places=2, default=Decimal(80))
    pass_from = models.DecimalField(_("合格 from"), max_digits=6, decimal_places=2, default=Decimal(60))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan template")
        verbose_name_plural = _("plan templates")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="plan_template_code_unique"),
            models.CheckConstraint(condition=Q(manager_weight__gte=0, peers_weight__gte=0, self_weight__gte=0),
                                   name="plan_template_weights_positive"),
            models.CheckConstraint(condition=Q(excellent_from__gt=models.F("good_from"),
                                               good_from__gt=models.F("pass_from")),
                                   name="plan_template_grades_ordered"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateActivity(models.Model):
    template = models.ForeignKey(PlanTemplate, verbose_name=_("template"), on_delete=models.CASCADE,
                                 related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    offset = models.PositiveIntegerField(_("after"), default=1)
    offset_unit = models.CharField(_("unit"), max_length=15, choices=OffsetUnit.choices, default=OffsetUnit.WEEKS)
    repeat = models.PositiveIntegerField(_("times"), default=1, validators=[MinValueValidator(1), MaxValueValidator(24)],
                                         help_text=_("Repeated at the same interval, e.g. monthly observations "
                                                     "3 times."))
    audiences = models.JSONField(_("who does it"), default=list)
    form = models.ForeignKey("instruments.Form", verbose_name=_("form"), on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+")
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["template_id", "position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(repeat__gte=1), name="activity_repeats_at_least_once")]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or str(ActivityKind(self.kind).label)

    def audience_labels(self) -> list[str]:
        return [str(Audience(a).label) for a in self.audiences if a in Audience.values]


class Programme(models.Model):
    """A named set of sessions followed up together (a training programme / 培训项目)."""

    name = models.CharField(_("name"), max_length=200)
    org_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("organised by"), on_delete=models.PROTECT,
                                 related_name="+")
    sessions = models.ManyToManyField("catalog.Session", verbose_name=_("sessions"), related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    template = models.ForeignKey(PlanTemplate, verbose_name=_("template"), on_delete=models.PROTECT,
                                 related_name="plans")
    session = models.ForeignKey("catalog.Session", verbose_name=_("session"), on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="plans")
    org_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("organised by"), on_delete=models.PROTECT,
                                 related_name="+")
    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    ended_on = models.DateField(_("training ended on"))
    due_on = models.DateField(_("plan due on"))
    calendar_fallback = models.BooleanField(
        _("dates estimated"), default=False,
        help_text=_("Some dates fall in a year the official holiday calendar does not cover yet: Monday to Friday "
                    "were counted as working days."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("tracking plan")
        verbose_name_plural = _("tracking plans")
        ordering = ["-ended_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(session__isnull=False) | Q(programme__isnull=False),
                                   name="plan_for_session_or_programme"),
            models.UniqueConstraint(fields=["session"], condition=Q(session__isnull=False),
                                    name="plan_once_per_session"),
            models.UniqueConstraint(fields=["programme"], condition=Q(programme__isnull=False),
                                    name="plan_once_per_programme"),
        ]

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """One thing one person does for a plan: answer a survey, evaluate someone, record an observation."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks")
    activity = models.ForeignKey(TemplateActivity, verbose_name=_("activity"), on_delete=models.PROTECT,
                                 related_name="tasks")
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    audience = models.CharField(_("as"), max_length=10, choices=Audience.choices)
    occurrence = models.PositiveIntegerField(_("occurrence"), default=1)
    assignee = models.ForeignKey("org.Person", verbose_name=_("to do by"), on_delete=models.PROTECT,
                                 related_name="followup_tasks")
    subject = models.ForeignKey("org.Person", verbose_name=_("about"), on_delete=models.PROTECT,
                                related_name="followup_tasks_about")
    due_on = models.DateField(_("due on"))
    remind_on = models.DateField(_("reminder on"))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    event_key = models.CharField(_("event key"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "activity", "audience", "occurrence", "assignee", "subject"],
                                    name="task_once"),
            models.CheckConstraint(condition=Q(remind_on__lte=models.F("due_on")), name="task_reminder_before_due"),
        ]
        indexes = [models.Index(fields=["assignee", "status"], name="task_assignee_status")]

    def __str__(self) -> str:
        return f"{self.activity.display_title} · {self.assignee_id}"

    @property
    def title(self) -> str:
        title = self.activity.display_title
        return f"{title} ({self.occurrence}/{self.activity.repeat})" if self.activity.repeat > 1 else title

    def shown_status(self, today) -> str:
        if self.status == TaskStatus.OPEN and self.due_on < today:
            return TaskStatus.OVERDUE
        return self.status


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class TestResult(models.Model):
    """A knowledge and skill test result in the person's training record (员工培训档案)."""

    __test__ = False  # not a pytest class, whatever its name

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="test_results")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="test_results")
    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, validators=PERCENT)
    pre_score = models.DecimalField(_("score before training"), max_digits=6, decimal_places=2, null=True,
                                    blank=True, validators=PERCENT)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    taken_on = models.DateField(_("taken on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        ordering = ["-taken_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "plan"], name="test_result_once_per_plan"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="test_result_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.score} {self.grade}"

    @property
    def improvement(self):
        return None if self.pre_score is None else self.score - self.pre_score


class SurveyReceipt(models.Model):
    """That a person answered a plan's anonymous survey (for answering once and for their task), and
    nothing about what they answered. No time is kept beyond the date."""

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(TemplateActivity, verbose_name=_("activity"), on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        verbose_name = _("survey receipt")
        verbose_name_plural = _("survey receipts")
        constraints = [models.UniqueConstraint(fields=["person", "plan", "activity"], name="survey_answered_once")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.plan_id}"


class AnonymousResponse(models.Model):
    """One anonymous survey answer. On purpose it has no person, no task, no time and no sequential id;
    each new row swaps its content with a random earlier row of the same group, so the order rows were
    written in says nothing about who answered what (see services.survey_answer)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(TemplateActivity, verbose_name=_("activity"), on_delete=models.PROTECT,
                                 related_name="+")
    version = models.ForeignKey("instruments.FormVersion", verbose_name=_("form version"), on_delete=models.PROTECT,
                                related_name="+")
    answers = models.JSONField(_("answers"), default=dict)

    class Meta:
        verbose_name = _("anonymous answer")
        verbose_name_plural = _("anonymous answers")

    def __str__(self) -> str:
        return str(self.id)

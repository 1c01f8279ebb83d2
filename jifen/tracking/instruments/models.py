"""Forms (问卷 / 评估表 / 考核表) built from questions, in versions: a form that has been answered is
never changed in place; editing it makes a new version, and every response keeps the version (the
wording) it answered."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FormKind(models.TextChoices):
    SURVEY = "survey", _("Satisfaction survey")
    EVALUATION = "evaluation", _("Work-performance evaluation (360)")
    TEST = "test", _("Knowledge and skill test")
    GENERAL = "general", _("General form")


class QuestionKind(models.TextChoices):
    LIKERT = "likert", _("Agreement 1-5")
    SCORE = "score", _("Score (a number)")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    MATRIX = "matrix", _("Rating matrix (rows × 1-5)")
    TEXT = "text", _("Free text")


class Dimension(models.TextChoices):
    """What a 360 evaluation question measures (seed 004: 工作态度、工作能力、工作业绩)."""

    ATTITUDE = "attitude", _("Work attitude")
    ABILITY = "ability", _("Work ability")
    RESULTS = "results", _("Work results")


class Form(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=FormKind.choices, default=FormKind.GENERAL)
    anonymous = models.BooleanField(
        _("anonymous"), default=False,
        help_text=_("Answers are stored with no link to the person who gave them; results show only for groups "
                    "of 3 or more."))
    description = models.TextField(_("description"), blank=True)
    code = models.SlugField(_("code"), max_length=60, blank=True,
                            help_text=_("Set on the built-in forms, so they are found again."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="form_code_unique")]

    def __str__(self) -> str:
        return self.name

    def current_version(self) -> FormVersion:
        return self.versions.order_by("-number").first()


class FormVersion(models.Model):
    form = models.ForeignKey(Form, verbose_name=_("form"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set by the first answer (named or anonymous): from then on the wording is frozen.
    in_use = models.BooleanField(_("answered"), default=False)

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["form_id", "number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="form_version_once")]

    def __str__(self) -> str:
        return f"{self.form.name} v{self.number}"


class Question(models.Model):
    version = models.ForeignKey(FormVersion, verbose_name=_("form version"), on_delete=models.CASCADE,
                                related_name="questions")
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.LIKERT)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("explanation"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    min_value = models.DecimalField(_("lowest score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("highest score"), max_digits=8, decimal_places=2, null=True, blank=True)
    # Choices of a single / multiple choice question, rows of a rating matrix.
    options = models.JSONField(_("options"), default=list, blank=True)
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices, blank=True)
    topic = models.SlugField(_("topic"), max_length=30, blank=True,
                             help_text=_("What a survey question is about (content, method, trainer, timing, "
                                         "application), for the reports."))

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(min_value__isnull=True) | Q(max_value__isnull=True)
                                   | Q(max_value__gt=models.F("min_value")), name="question_min_below_max"),
        ]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """A named response (evaluation, test, general form). Anonymous surveys are never stored here: see
    jifen.tracking.followup.models.AnonymousResponse."""

    version = models.ForeignKey(FormVersion, verbose_name=_("form version"), on_delete=models.PROTECT,
                                related_name="responses")
    respondent = models.ForeignKey("org.Person", verbose_name=_("respondent"), on_delete=models.PROTECT,
                                   related_name="form_responses")
    subject = models.ForeignKey("org.Person", verbose_name=_("about"), on_delete=models.PROTECT, null=True,
                                blank=True, related_name="form_responses_about")
    context = models.CharField(_("context"), max_length=60, blank=True, help_text=_("e.g. task:12"))
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["context"], condition=~Q(context=""),
                                               name="response_once_per_context")]

    def __str__(self) -> str:
        return f"{self.version} · {self.respondent_id}"


class Answer(models.Model):
    response = models.ForeignKey(Response, verbose_name=_("response"), on_delete=models.CASCADE,
                                 related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(_("answer"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response_id", "question__position", "pk"]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}"

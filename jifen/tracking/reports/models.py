"""What a programme's tracking report (跟踪管理报告) needs besides the follow-up data itself: the goals
and the baseline period they are measured against (seed 002: participation +20 %, satisfaction at
least 90 %, average exam score +15 %), the cost and money benefit for an optional ROI, the training
department's own conclusions, and the business results (Kirkpatrick level 4) the departments enter."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
MONEY = [MinValueValidator(0)]

# Seed 002 (积分管理与激励措施, 二): 学员学习参与率提升20%, 课程满意度达到90%, 考核平均分提高15%.
DEFAULT_PARTICIPATION_GOAL = Decimal(20)
DEFAULT_SATISFACTION_GOAL = Decimal(90)
DEFAULT_EXAM_GOAL = Decimal(15)


class PlanReport(models.Model):
    plan = models.OneToOneField("followup.Plan", verbose_name=_("tracking plan"), on_delete=models.CASCADE,
                                related_name="report")
    baseline_start = models.DateField(_("baseline from"), null=True, blank=True,
                                      help_text=_("Empty: the twelve months before the training began."))
    baseline_end = models.DateField(_("baseline to"), null=True, blank=True)
    participation_goal = models.DecimalField(
        _("participation rate rise goal (%)"), max_digits=6, decimal_places=2, default=DEFAULT_PARTICIPATION_GOAL,
        validators=[MinValueValidator(0), MaxValueValidator(1000)])
    satisfaction_goal = models.DecimalField(_("satisfaction goal (%)"), max_digits=5, decimal_places=2,
                                            default=DEFAULT_SATISFACTION_GOAL, validators=PERCENT)
    exam_goal = models.DecimalField(
        _("average exam score rise goal (%)"), max_digits=6, decimal_places=2, default=DEFAULT_EXAM_GOAL,
        validators=[MinValueValidator(0), MaxValueValidator(1000)])
    baseline_participation = models.DecimalField(
        _("baseline participation rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=PERCENT, help_text=_("Only if the baseline comes from before Jifen: empty means counted from "
                                        "the sessions of the baseline period."))
    baseline_exam_average = models.DecimalField(
        _("baseline average exam score"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT,
        help_text=_("Only if the baseline comes from before Jifen: empty means counted from the test results of "
                    "the baseline period."))
    cost = models.DecimalField(_("training cost (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True,
                               validators=MONEY)
    benefit = models.DecimalField(_("money benefit (yuan)"), max_digits=14, decimal_places=2, null=True,
                                  blank=True, validators=MONEY,
                                  help_text=_("The business benefit attributed to the training, for the ROI."))
    benefit_basis = models.TextField(_("how the benefit was estimated"), blank=True)
    conclusion = models.TextField(_("overall assessment"), blank=True)
    problems = models.TextField(_("problems and causes"), blank=True)
    suggestions = models.TextField(_("suggestions for improvement"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tracking report settings")
        verbose_name_plural = _("tracking report settings")
        constraints = [
            models.CheckConstraint(condition=Q(baseline_start__isnull=True) | Q(baseline_end__isnull=True)
                                   | Q(baseline_end__gte=models.F("baseline_start")),
                                   name="report_baseline_ordered"),
        ]

    def __str__(self) -> str:
        return str(self.plan_id)


class BusinessMeasure(models.Model):
    """A business result (Kirkpatrick level 4) a department's manager enters for the training: e.g.
    customer complaints per month 12 → 7, first-pass yield 91 % → 95 %."""

    plan = models.ForeignKey("followup.Plan", verbose_name=_("tracking plan"), on_delete=models.CASCADE,
                             related_name="business_measures")
    org_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("department"), on_delete=models.PROTECT,
                                 related_name="+")
    name = models.CharField(_("measure"), max_length=200)
    unit = models.CharField(_("unit of measure"), max_length=30, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    baseline = models.DecimalField(_("before the training"), max_digits=16, decimal_places=4)
    current = models.DecimalField(_("after the training"), max_digits=16, decimal_places=4)
    baseline_period = models.CharField(_("measured before (period)"), max_length=60, blank=True)
    current_period = models.CharField(_("measured after (period)"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT,
                                   related_name="+")
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("business measure")
        verbose_name_plural = _("business measures")
        ordering = ["plan_id", "org_unit_id", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def change(self) -> Decimal:
        return self.current - self.baseline

    @property
    def change_percent(self) -> Decimal | None:
        if not self.baseline:
            return None
        return (self.current - self.baseline) * 100 / abs(self.baseline)

    @property
    def improved(self) -> bool | None:
        if self.current == self.baseline:
            return None
        return (self.current > self.baseline) == self.higher_is_better

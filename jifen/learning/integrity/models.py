"""Box-ticking (走过场 / 刷学分) cases: a detector in another app sees a suspicious pattern and opens a
case; a reviewer confirms it (which records a ``violation.cheating`` event, so the rules deduct) or
dismisses it. The learner can appeal the deduction like any other entry."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    QUIZ_TOO_FAST = "quiz_too_fast", _("Quiz answered faster than reading allows")
    SHARED_DEVICE = "shared_device", _("Many check-ins from one device")
    IMPOSSIBLE_STUDY_RATE = "study_rate", _("Study time at an impossible rate")
    IDENTICAL_SUBMISSION = "identical_work", _("Identical homework submissions")
    DUPLICATE_EVIDENCE = "dup_evidence", _("The same evidence file submitted twice")
    OTHER = "other", _("Other")


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="integrity_cases")
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    summary = models.CharField(_("summary"), max_length=500, help_text=_("What was seen, in plain words."))
    details = models.JSONField(_("details"), default=dict, blank=True)
    # What the pattern was seen on (an attempt, a check-in, a submission…): its key makes a case once.
    source_type = models.ForeignKey(ContentType, verbose_name=_("source type"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    source_id = models.BigIntegerField(_("source"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    key = models.CharField(_("key"), max_length=200, help_text=_("One case per pattern and object."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=1000, blank=True)
    event_key = models.CharField(_("event key"), max_length=150, blank=True,
                                 help_text=_("The violation.cheating event a confirmation recorded."))

    class Meta:
        verbose_name = _("box-ticking case")
        verbose_name_plural = _("box-ticking cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["status", "opened_at"], name="integrity_case_status_time")]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="integrity_case_key"),
            models.CheckConstraint(
                condition=Q(status="open", reviewed_at__isnull=True)
                | (~Q(status="open") & Q(reviewed_at__isnull=False) & ~Q(decision_note="")),
                name="integrity_case_decision_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person_id}"

"""Homework (作业), knowledge contributions (知识贡献) and self-study claims (自学申报).

Homework: an assignment belongs to a session (or, set by a whole-organisation admin, to a course);
each enrolled learner hands in one submission, which they may change until it is graded (the row is
overwritten, ``revisions`` counts the changes). Whether it was on time is decided by the server clock
at the first hand-in, and the rule event is recorded then.

Claims and contributions are reviewed by a training admin in scope; an approval records the rule
event. Evidence files are fingerprinted (SHA-256) so the same file cannot be claimed twice.
"""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def work_upload_to(instance, filename: str) -> str:
    """work/<year>/<month>/<random>.<ext>: the user's own file name is kept beside the file."""
    suffix = PurePath(filename or "").suffix.lower()[:10]
    return f"work/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class Assignment(models.Model):
    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT,
                               related_name="assignments")
    session = models.ForeignKey("catalog.Session", verbose_name=_("session"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="assignments",
                                help_text=_("Empty: every session of the course."))
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    due_at = models.DateTimeField(_("due"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True,
                                     help_text=_("When missing homework was recorded; no hand-ins after that."))

    class Meta:
        verbose_name = _("homework assignment")
        verbose_name_plural = _("homework assignments")
        ordering = ["-due_at", "-pk"]
        indexes = [models.Index(fields=["due_at"], name="work_assignment_due")]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, now=None) -> bool:
        return (now or timezone.now()) > self.due_at


class Submission(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        GRADED = "graded", _("Graded")

    assignment = models.ForeignKey(Assignment, verbose_name=_("assignment"), on_delete=models.PROTECT,
                                   related_name="submissions")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="homework_submissions")
    text = models.TextField(_("answer"), blank=True)
    file = models.FileField(_("file"), upload_to=work_upload_to, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True, db_index=True)
    text_hash = models.CharField(_("text fingerprint"), max_length=64, blank=True, db_index=True)
    first_submitted_at = models.DateTimeField(_("first handed in"))
    submitted_at = models.DateTimeField(_("last handed in"))
    on_time = models.BooleanField(_("on time"), help_text=_("Decided by the server clock at the first hand-in."))
    revisions = models.PositiveIntegerField(_("revisions"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    flagged = models.BooleanField(_("identical to another submission"), default=False)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("graded by"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    event_key = models.CharField(_("event key"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("homework submission")
        verbose_name_plural = _("homework submissions")
        ordering = ["assignment_id", "first_submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "person"], name="work_submission_once"),
            models.CheckConstraint(condition=~Q(text="") | ~Q(file=""), name="work_submission_not_empty"),
            models.CheckConstraint(
                condition=Q(status="submitted", graded_at__isnull=True, score__isnull=True)
                | Q(status="graded", graded_at__isnull=False, score__isnull=False),
                name="work_submission_graded_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.person_id}"

    @property
    def changed_after_due(self) -> bool:
        """Changed (not first handed in) after the due date: the trainer may want to know."""
        return self.submitted_at > self.first_submitted_at and self.submitted_at > self.assignment.due_at


class Review(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Reviewed(models.Model):
    """What a claim and a contribution share: the learner's evidence and a reviewer's decision."""

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    evidence = models.FileField(_("evidence"), upload_to=work_upload_to, max_length=200)
    evidence_name = models.CharField(_("evidence file name"), max_length=200)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    status = models.CharField(_("status"), max_length=10, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    decision_note = models.CharField(_("reviewer's note"), max_length=1000, blank=True)
    event_key = models.CharField(_("event key"), max_length=150, blank=True)

    class Meta:
        abstract = True


class ClaimKind(models.TextChoices):
    COURSE = "course", _("External course")
    CERTIFICATE = "certificate", _("Certificate")


class SelfStudyClaim(Reviewed):
    kind = models.CharField(_("kind"), max_length=12, choices=ClaimKind.choices, default=ClaimKind.COURSE)
    provider = models.CharField(_("provider"), max_length=200)
    completed_on = models.DateField(_("completed on"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    credits_requested = models.DecimalField(_("credits requested"), max_digits=6, decimal_places=1)
    points_requested = models.DecimalField(_("points requested"), max_digits=8, decimal_places=0)
    credits_approved = models.DecimalField(_("credits approved"), max_digits=6, decimal_places=1, null=True,
                                           blank=True)
    points_approved = models.DecimalField(_("points approved"), max_digits=8, decimal_places=0, null=True,
                                          blank=True)

    class Meta:
        verbose_name = _("self-study claim")
        verbose_name_plural = _("self-study claims")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="work_claim_status_time")]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="work_claim_hours_positive"),
            models.CheckConstraint(condition=Q(credits_requested__gte=0, points_requested__gte=0),
                                   name="work_claim_request_non_negative"),
            models.CheckConstraint(
                condition=Q(status="pending", reviewed_at__isnull=True)
                | Q(status="approved", reviewed_at__isnull=False, credits_approved__gte=0, points_approved__gte=0)
                | (Q(status="rejected", reviewed_at__isnull=False) & ~Q(decision_note="")),
                name="work_claim_decision_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ContributionKind(models.TextChoices):
    TRAINER = "trainer", _("Taught a session as an internal trainer")
    CASE = "case", _("Wrote a case")
    COURSE = "course", _("Developed a course")
    SHARING = "sharing", _("Shared experience")


class Contribution(Reviewed):
    kind = models.CharField(_("kind"), max_length=10, choices=ContributionKind.choices)
    description = models.TextField(_("description"))

    class Meta:
        verbose_name = _("knowledge contribution")
        verbose_name_plural = _("knowledge contributions")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="work_contrib_status_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", reviewed_at__isnull=True)
                | Q(status="approved", reviewed_at__isnull=False)
                | (Q(status="rejected", reviewed_at__isnull=False) & ~Q(decision_note="")),
                name="work_contribution_decision_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title

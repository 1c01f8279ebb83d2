"""Courses: what learning facts refer to, and what rules read (kind, category, delivery, credits, difficulty)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CourseKind(models.TextChoices):
    REQUIRED = "required", _("Required")
    ELECTIVE = "elective", _("Elective")
    SPECIAL = "special", _("Special")


class Delivery(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    ONLINE = "online", _("Online")
    BLENDED = "blended", _("Blended")


class Course(models.Model):
    code = models.CharField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CourseKind.choices, default=CourseKind.ELECTIVE)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.OFFLINE)
    credits = models.DecimalField(_("credits"), max_digits=6, decimal_places=1, default=0)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=0)
    difficulty = models.DecimalField(
        _("difficulty"), max_digits=3, decimal_places=1, default=1,
        help_text=_("A multiplier rules may apply, e.g. 1.0 basic, 1.5 advanced."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(credits__gte=0), name="course_credits_non_negative"),
            models.CheckConstraint(condition=Q(difficulty__gt=0), name="course_difficulty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class EnrolmentMode(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned by the training department")
    SELF = "self", _("Open to self-enrolment")
    APPROVAL = "approval", _("Self-enrolment with approval")


class Session(models.Model):
    """One run of a course (开班 / 场次): when and where it happens, who trains, who may come."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CANCELLED = "cancelled", _("Cancelled")

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("Leave empty to use the course title."))
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="sessions",
        help_text=_("Training admins of this unit (or above) manage the session."),
    )
    trainer = models.ForeignKey(
        "org.Person", verbose_name=_("trainer"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="trained_sessions",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty: no limit."))
    enrolment_mode = models.CharField(_("enrolment"), max_length=10, choices=EnrolmentMode.choices,
                                      default=EnrolmentMode.ASSIGNED)
    late_after_minutes = models.PositiveIntegerField(
        _("late after (minutes)"), default=10, help_text=_("A check-in this long after the start counts as late."),
    )
    checkin_opens_minutes = models.PositiveIntegerField(
        _("check-in opens (minutes before)"), default=30,
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"], name="session_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                                   name="session_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.display_title} {self.starts_at:%Y-%m-%d}"

    @property
    def display_title(self) -> str:
        return self.title or self.course.title


class Enrolment(models.Model):
    """A person's place in a session. A full session puts newcomers on the waitlist (in order of
    arrival); a cancellation moves the first waiting person up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        ENROLLED = "enrolled", _("Enrolled")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Rejected")

    class Source(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        SELF = "self", _("Self-enrolled")

    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE,
                                related_name="enrolments")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="enrolments")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ENROLLED)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ASSIGNED)
    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session_id", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="enrolment_once_per_session"),
        ]
        indexes = [models.Index(fields=["person", "status"], name="enrolment_person_status")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.session_id} ({self.status})"

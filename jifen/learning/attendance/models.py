"""Attendance (签到 / 考勤), participation and make-up study (补学) for offline sessions.

Each record carries the key of the rule event it posted (``event_key``). A correction posts a new
event under a new key (``revision`` goes up) and reverses the ledger entries of the old one, so a
change of mind never counts twice and never disappears from the history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", pgettext_lazy("attendance", "Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused absence")


class Method(models.TextChoices):
    QR = "qr", _("QR check-in")
    MANUAL = "manual", _("Marked by the trainer")
    IMPORT = "import", _("Imported")
    CLOSE = "close", _("Closing the attendance")
    API = "api", _("API")


class Attendance(models.Model):
    session = models.ForeignKey("catalog.Session", verbose_name=_("session"), on_delete=models.PROTECT,
                                related_name="attendance")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="attendance")
    status = models.CharField(_("status"), max_length=10, choices=AttendanceStatus.choices)
    method = models.CharField(_("recorded by way of"), max_length=10, choices=Method.choices)
    reason = models.CharField(_("leave reason"), max_length=500, blank=True,
                              help_text=_("Why the person was excused."))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    device_id = models.CharField(_("device"), max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=500, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1,
                                           help_text=_("Goes up with every correction."))
    event_key = models.CharField(_("event key"), max_length=150,
                                 help_text=_("The rule event the current status posted."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["session_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_once_per_session"),
            models.UniqueConstraint(fields=["event_key"], name="attendance_event_key"),
            models.CheckConstraint(condition=~Q(status="excused") | ~Q(reason=""),
                                   name="attendance_excused_has_reason"),
        ]
        indexes = [
            models.Index(fields=["person", "recorded_at"], name="attendance_person_time"),
            models.Index(fields=["session", "device_id"], condition=~Q(device_id=""),
                         name="attendance_session_device"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.session_id}: {self.status}"


class ParticipationLevel(models.TextChoices):
    ACTIVE = "active", _("Active")
    PASSIVE = "passive", _("Passive")


class Participation(models.Model):
    """The trainer's mark for how a person took part in a session."""

    session = models.ForeignKey("catalog.Session", verbose_name=_("session"), on_delete=models.PROTECT,
                                related_name="participation")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="participation")
    level = models.CharField(_("participation"), max_length=10, choices=ParticipationLevel.choices)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    event_key = models.CharField(_("event key"), max_length=150)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("participation mark")
        verbose_name_plural = _("participation marks")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="participation_once_per_session"),
            models.UniqueConstraint(fields=["event_key"], name="participation_event_key"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.session_id}: {self.level}"


class AttendanceClosure(models.Model):
    """A session's attendance closed: everyone enrolled without a record was marked absent; no more scans."""

    session = models.OneToOneField("catalog.Session", verbose_name=_("session"), on_delete=models.PROTECT,
                                   related_name="attendance_closure")
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    marked_absent = models.PositiveIntegerField(_("marked absent"), default=0)

    class Meta:
        verbose_name = _("closed attendance")
        verbose_name_plural = _("closed attendance")

    def __str__(self) -> str:
        return f"{self.session_id} closed {self.closed_at:%Y-%m-%d %H:%M}"


class MakeUp(models.Model):
    """Make-up study (补学): a missed offline session replaced by assigned online study. The online
    study app calls ``services.complete_makeup`` when the person finishes it."""

    attendance = models.OneToOneField(Attendance, verbose_name=_("missed session"), on_delete=models.PROTECT,
                                      related_name="makeup")
    course = models.ForeignKey("catalog.Course", verbose_name=_("online course"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="+")
    assignment = models.CharField(_("what to study"), max_length=300,
                                  help_text=_("A course code or the lesson's name."))
    due_on = models.DateField(_("due on"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    event_key = models.CharField(_("event key"), max_length=150, blank=True,
                                 help_text=_("The attendance event completing it recorded, if any."))

    class Meta:
        verbose_name = _("make-up study")
        verbose_name_plural = _("make-up study")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.assignment} ({self.attendance_id})"

"""Online lessons and the study time the server counts from heartbeats.

The client never says how long someone studied: it sends a heartbeat every ~10-15 s with the video
position and whether the page is visible and playing, and the server credits at most the wall-clock
time since the previous accepted heartbeat (capped), only while visible and playing, and marks the
5-second segments of the video that were actually played through."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SEGMENT_SECONDS = 5


class Lesson(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")

    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT,
                               related_name="lessons")
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VIDEO)
    video_file = models.FileField(_("video file"), upload_to="study/videos/%Y/%m/", blank=True)
    # A plain text field: intranet hosts often have no dots (http://video/...), which URLField refuses.
    video_url = models.CharField(_("video address"), max_length=500, blank=True,
                                 help_text=_("An address on the intranet, instead of an uploaded file."))
    duration_seconds = models.PositiveIntegerField(_("video length (seconds)"), default=0)
    document = models.FileField(_("document file"), upload_to="study/documents/%Y/%m/", blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("The reading, shown on the lesson page."))
    min_seconds = models.PositiveIntegerField(_("minimum study time (seconds)"), default=0)
    min_watched_percent = models.PositiveSmallIntegerField(
        _("minimum share watched (%)"), default=90, help_text=_("Videos: the share of the video actually played."))
    quiz = models.ForeignKey("exams.Quiz", verbose_name=_("quiz to pass"), on_delete=models.PROTECT, null=True,
                             blank=True, related_name="lessons",
                             help_text=_("If set, the lesson is complete only once this quiz is passed."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["course_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(min_watched_percent__lte=100), name="study_lesson_share_max_100"),
            models.CheckConstraint(condition=~Q(kind="video") | Q(duration_seconds__gt=0),
                                   name="study_lesson_video_has_length"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def segment_count(self) -> int:
        if self.kind != self.Kind.VIDEO or not self.duration_seconds:
            return 0
        return -(-self.duration_seconds // SEGMENT_SECONDS)


class Progress(models.Model):
    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.PROTECT, related_name="progress")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="lesson_progress")
    seconds = models.PositiveIntegerField(_("study time (seconds)"), default=0)
    # One character per segment: "1" played through, "0" not.
    watched = models.TextField(_("segments watched"), blank=True)
    started_at = models.DateTimeField(_("started at"))
    last_beat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    last_position = models.FloatField(_("last position"), default=0)
    last_active = models.BooleanField(_("last heartbeat visible and playing"), default=False)
    last_client = models.CharField(_("last client"), max_length=64, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        ordering = ["lesson_id", "person_id"]
        constraints = [models.UniqueConstraint(fields=["lesson", "person"], name="study_progress_once")]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.lesson_id}"

    @property
    def watched_percent(self) -> int:
        if not self.watched:
            return 0
        return int(self.watched.count("1") * 100 / len(self.watched))


class Heartbeat(models.Model):
    """Each heartbeat as received, with what it earned: the audit trail of study time."""

    progress = models.ForeignKey(Progress, verbose_name=_("progress"), on_delete=models.CASCADE,
                                 related_name="heartbeats")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("received at"))
    position = models.FloatField(_("position"), default=0)
    visible = models.BooleanField(_("visible"))
    playing = models.BooleanField(_("playing"))
    client = models.CharField(_("client"), max_length=64, blank=True)
    credited = models.PositiveIntegerField(_("seconds credited"), default=0)
    note = models.CharField(_("note"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["person", "at"], name="study_beat_person_at"),
            models.Index(fields=["progress", "client", "at"], name="study_beat_page"),
        ]

    def __str__(self) -> str:
        return f"{self.progress_id} @ {self.at:%H:%M:%S} +{self.credited}"

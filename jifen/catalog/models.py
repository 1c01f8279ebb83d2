"""Courses: what learning facts refer to, and what rules read (kind, category, delivery, credits, difficulty);
sessions and enrolments; required-course assignments and the credit policy behind the annual gap."""

import re
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
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


CATEGORY_SEPARATOR = "/"


class Category(models.Model):
    """A node of the course category tree (通用能力 / 安全). ``name_path`` is kept by the services on
    every rename and move, so a course's whole lineage is known without walking the tree."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", verbose_name=_("parent category"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="children")
    name_path = models.CharField(_("full name"), max_length=1000, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course category")
        verbose_name_plural = _("course categories")
        ordering = ["name_path"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="category_name_not_empty"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="category_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name_path

    @property
    def lineage(self) -> list[str]:
        """Its own name and every ancestor's, outermost first."""
        return self.name_path.split(CATEGORY_SEPARATOR)

    @property
    def depth(self) -> int:
        return self.name_path.count(CATEGORY_SEPARATOR)


class Course(models.Model):
    code = models.CharField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="courses")
    kind = models.CharField(_("kind"), max_length=10, choices=CourseKind.choices, default=CourseKind.ELECTIVE)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.OFFLINE)
    credits = models.DecimalField(_("credits"), max_digits=6, decimal_places=1, default=0)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=0)
    difficulty = models.DecimalField(
        _("difficulty"), max_digits=3, decimal_places=1, default=1,
        help_text=_("A multiplier rules may apply, e.g. 1.0 basic, 1.5 advanced."),
    )
    description = models.TextField(_("description"), blank=True)
    trainers = models.ManyToManyField("org.Person", verbose_name=_("trainers"), blank=True,
                                      related_name="courses_trained")
    prerequisites = models.ManyToManyField("self", verbose_name=_("prerequisites"), symmetrical=False, blank=True,
                                           related_name="required_for",
                                           help_text=_("Courses a learner must have completed before enrolling."))
    recertify_months = models.PositiveIntegerField(
        _("recertify every (months)"), null=True, blank=True,
        help_text=_("E.g. 24: the course must be taken again every 24 months. Empty: once is enough."),
    )
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

    @property
    def category_names(self) -> list[str]:
        """The category and all its ancestors (what a rule's ``course_categories`` matches)."""
        return self.category.lineage if self.category_id else []


MATERIAL_EXTENSIONS = (".pdf", ".ppt", ".pptx", ".doc", ".docx", ".xls", ".xlsx", ".txt", ".md", ".zip",
                       ".png", ".jpg", ".jpeg", ".mp4")
MATERIAL_MAX_BYTES = 50 * 1024 * 1024


def validate_material(file) -> None:
    if Path(file.name).suffix.lower() not in MATERIAL_EXTENSIONS:
        raise ValidationError(
            _("This kind of file cannot be attached. Allowed: %(types)s."),
            params={"types": ", ".join(MATERIAL_EXTENSIONS)}, code="file_type")
    if file.size > MATERIAL_MAX_BYTES:
        raise ValidationError(_("The file is larger than %(size)d MB."),
                              params={"size": MATERIAL_MAX_BYTES // (1024 * 1024)}, code="file_size")
    if file.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    suffix = Path(file.name).suffix.lower()
    if not _material_looks_like(suffix, file):
        raise ValidationError(_("The file is not really a %(kind)s file."),
                              params={"kind": suffix.lstrip(".").upper()}, code="file_content")


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt
OOXML_PART = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}


def _material_looks_like(suffix: str, file) -> bool:
    """What the first bytes say, never the name or what the browser claims: a page or a script renamed
    to .pdf is refused."""
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    if suffix == ".pdf":
        return b"%PDF-" in head[:1024]
    if suffix == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if suffix == ".mp4":
        return head[4:8] == b"ftyp"
    if suffix in (".doc", ".xls", ".ppt"):
        return head.startswith(OLE2)
    if suffix == ".zip":
        return head.startswith(b"PK\x03\x04")
    if suffix in OOXML_PART:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(file) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        finally:
            file.seek(0)
        return "[Content_Types].xml" in names and any(name.startswith(OOXML_PART[suffix]) for name in names)
    # .txt, .md: text, not markup a browser would run
    text = None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError as error:
            if len(head) == 8192 and error.start >= len(head) - 4:  # a character cut at the 8 KB we read
                text = head[:error.start].decode(encoding, errors="ignore")
                break
    if text is None:
        return False
    return "\x00" not in text and not re.search(r"<\s*(script|html|iframe|svg)\b", text, re.IGNORECASE)


def material_upload_to(instance, filename: str) -> str:
    return f"courses/{instance.course_id}/{Path(filename).name}"


class CourseMaterial(models.Model):
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_upload_to, max_length=300, validators=[validate_material])
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course material")
        verbose_name_plural = _("course materials")
        ordering = ["course_id", "title", "pk"]

    def __str__(self) -> str:
        return self.title


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
    waitlist_rank = models.PositiveIntegerField(_("place on the waitlist"), null=True, blank=True)

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


class CourseAssignment(models.Model):
    """A required course for an org unit (its whole subtree), a position or one person, due by a date."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT,
                               related_name="required_assignments")
    org_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="course_assignments",
                                 help_text=_("Everyone in this unit and the units under it."))
    position = models.ForeignKey("org.Position", verbose_name=_("position"), on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="course_assignments")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="course_assignments")
    due_on = models.DateField(_("due on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"),
                                   on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("required-course assignment")
        verbose_name_plural = _("required-course assignments")
        ordering = ["due_on", "pk"]
        constraints = [
            # exactly one of unit, position, person
            models.CheckConstraint(
                condition=(Q(org_unit__isnull=False, position__isnull=True, person__isnull=True)
                           | Q(org_unit__isnull=True, position__isnull=False, person__isnull=True)
                           | Q(org_unit__isnull=True, position__isnull=True, person__isnull=False)),
                name="course_assignment_one_target"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} → {self.target} ({self.due_on})"

    @property
    def target(self):
        return self.org_unit or self.position or self.person


class CreditPolicy(models.Model):
    """The organisation's credit policy: one row (pk 1)."""

    required_share_percent = models.DecimalField(
        _("minimum share from required courses (%)"), max_digits=5, decimal_places=1, default=40,
        help_text=_("Of the annual credit target, at least this share must come from required courses."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("credit policy")
        verbose_name_plural = _("credit policy")
        constraints = [
            models.CheckConstraint(condition=Q(required_share_percent__gte=0) & Q(required_share_percent__lte=100),
                                   name="credit_policy_share_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.required_share_percent}%"

    @classmethod
    def current(cls) -> "CreditPolicy":
        """The saved policy, or the default one (not saved: reading never writes). Cached (``config_cache``)."""
        from jifen.core.config_cache import cached

        return cached("credit-policy", lambda: cls.objects.filter(pk=1).first() or cls(pk=1))

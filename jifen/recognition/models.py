import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LevelWindow(models.TextChoices):
    YEAR = "year", _("This calendar year")
    ROLLING = "rolling", _("The last 12 months")
    ALL_TIME = "all_time", _("All time")


class Level(models.Model):
    """A title (学习新秀, 学习达人 …) reached with this many points earned in the settings' window."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    min_points = models.DecimalField(_("points needed"), max_digits=10, decimal_places=2, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        ordering = ["min_points"]
        constraints = [models.CheckConstraint(condition=Q(min_points__gte=0), name="level_points_non_negative")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def ladder(cls) -> list["Level"]:
        """Every level, lowest first. Cached (``config_cache``)."""
        from jifen.core.config_cache import cached

        return cached("levels", lambda: list(cls.objects.order_by("min_points")))


class RecognitionSettings(models.Model):
    """One row: how levels and leaderboards are counted."""

    level_window = models.CharField(_("levels count points earned in"), max_length=10, choices=LevelWindow.choices,
                                    default=LevelWindow.YEAR)
    min_group_size = models.PositiveIntegerField(
        _("smallest group with a leaderboard"), default=5,
        help_text=_("A unit or position with fewer active people gets no board: ranks there would single people out."))
    new_hire_months = models.PositiveIntegerField(_("new-hire league: hired within (months)"), default=12)

    class Meta:
        verbose_name = _("recognition settings")
        verbose_name_plural = _("recognition settings")

    def __str__(self) -> str:
        return str(_("Recognition settings"))

    @classmethod
    def current(cls) -> "RecognitionSettings":
        """The one row, made on first use. Cached (``config_cache``)."""
        from jifen.core.config_cache import cached

        return cached("recognition-settings", lambda: cls.objects.order_by("pk").first() or cls.objects.create())


class Preference(models.Model):
    """A person's choice to appear on leaderboards as an anonymous learner (their rank still counts)."""

    person = models.OneToOneField("org.Person", verbose_name=_("person"), on_delete=models.CASCADE,
                                  related_name="recognition_preference")
    anonymous_on_boards = models.BooleanField(_("show me as anonymous on leaderboards"), default=False)

    class Meta:
        verbose_name = _("recognition preference")
        verbose_name_plural = _("recognition preferences")

    def __str__(self) -> str:
        return f"{self.person_id}"


class CertificateKind(models.TextChoices):
    COURSE = "course", _("Course completion")
    HONOUR = "honour", _("Honour")
    ANNUAL = "annual", _("Annual learning certificate")


class Certificate(models.Model):
    """A certificate with a verification code: anyone holding the code (or scanning its QR code) sees on a
    public page that it is genuine, and only what the holder agreed to show."""

    person = models.ForeignKey("org.Person", verbose_name=_("holder"), on_delete=models.PROTECT,
                               related_name="certificates")
    kind = models.CharField(_("kind"), max_length=10, choices=CertificateKind.choices)
    title = models.CharField(_("title"), max_length=200)
    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    level = models.ForeignKey(Level, verbose_name=_("level"), on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    key = models.CharField(_("key"), max_length=100, unique=True, help_text=_("One certificate per achievement."))
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    show_name = models.BooleanField(_("show my name on the verification page"), default=False)
    show_unit = models.BooleanField(_("show my department on the verification page"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["person", "issued_at"], name="certificate_person_time")]
        constraints = [
            models.CheckConstraint(condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                                   name="certificate_revoked_with_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class BadgeCriterion(models.TextChoices):
    MANUAL = "manual", _("Granted by hand")
    FIRST_COURSE = "first_course", _("First course completed")
    COURSES = "courses", _("A number of courses completed")
    STREAK = "streak", _("Learning every week for a number of weeks")
    TOP10_MONTH = "top10_month", _("Top 10 of the company last month")
    FIRST_CONTRIBUTION = "first_contribution", _("First knowledge contribution")
    REQUIRED_ON_TIME = "required_on_time", _("Every required course completed by its due date")


class Badge(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=300, blank=True)
    criterion = models.CharField(_("earned by"), max_length=20, choices=BadgeCriterion.choices)
    threshold = models.PositiveIntegerField(_("how many"), default=1,
                                            help_text=_("Courses for “a number of courses”, weeks for a streak."))
    color = models.CharField(_("colour"), max_length=7, default="#c2410c",
                             help_text=_("The emblem's colour, e.g. #c2410c."))
    symbol = models.CharField(_("symbol"), max_length=2, default="★", help_text=_("One or two characters."))
    granted_by = models.CharField(_("granted by"), max_length=20, blank=True,
                                  help_text=_("For a badge granted by hand: the role that grants it."))
    monthly_limit = models.PositiveIntegerField(_("grants per granter per month"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(criterion="manual") | Q(granted_by=""), name="badge_granter_only_manual"),
            models.CheckConstraint(condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="badge_color_hex"),
        ]

    def __str__(self) -> str:
        return self.name


class BadgeAward(models.Model):
    uid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False,
                           help_text=_("Names the Open Badges assertion; not guessable."))
    badge = models.ForeignKey(Badge, verbose_name=_("badge"), on_delete=models.PROTECT, related_name="awards")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="badges")
    awarded_at = models.DateTimeField(_("awarded at"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("badge awarded")
        verbose_name_plural = _("badges awarded")
        ordering = ["-awarded_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["badge", "person"], name="badge_once_per_person")]
        indexes = [models.Index(fields=["granted_by", "badge", "awarded_at"], name="badge_grants_by_month")]

    def __str__(self) -> str:
        return f"{self.badge_id} → {self.person_id}"

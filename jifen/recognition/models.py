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
        found = cls.objects.order_by("pk").first()
        return found or cls.objects.create()


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

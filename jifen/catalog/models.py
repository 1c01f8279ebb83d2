"""Courses: what learning facts refer to, and what rules read (kind, category, delivery, credits, difficulty)."""

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

"""One upload being imported: who, which kind, how far (the page polls it), and for kinds whose rows
have no natural key of their own (adjustments), the fingerprint that makes a re-import change nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    kind = models.CharField(_("kind"), max_length=30)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    token = models.CharField(_("upload token"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(_("rows"), default=0)
    new = models.PositiveIntegerField(_("added"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("already imported"), default=0)
    error = models.TextField(_("error"), blank=True)
    # What a kind without natural row keys made of the file (the adjustment batch), by its fingerprint.
    content_key = models.CharField(_("content fingerprint"), max_length=64, blank=True)
    ref_id = models.PositiveBigIntegerField(_("made"), null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "content_key"], condition=~Q(content_key=""),
                                    name="imports_content_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name}"

    @property
    def running(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

"""Generated report files (the monthly points report as Excel or PDF), kept under MEDIA_ROOT/reports/ and
served only to those who may see the points of the unit they cover."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jifen.notify.models import JobStatus


class ReportKind(models.TextChoices):
    MONTHLY_XLSX = "monthly_xlsx", _("Monthly points report (Excel)")
    MONTHLY_PDF = "monthly_pdf", _("Monthly points report (PDF)")


def report_upload_to(instance: ReportFile, filename: str) -> str:
    return f"reports/{instance.period:%Y-%m}/{filename}"


class ReportFile(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    period = models.DateField(_("month"), help_text=_("The first day of the month the report covers."))
    scope_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", help_text=_("Empty: the whole organisation."))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    job_run = models.ForeignKey("notify.JobRun", verbose_name=_("job run"), on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    file = models.FileField(_("file"), upload_to=report_upload_to, max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["period", "kind"], name="reportfile_period_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period:%Y-%m}"

    @property
    def job_key(self) -> str:
        return f"report:{self.pk}"

    @property
    def ready(self) -> bool:
        return bool(self.file)

    @property
    def failed(self) -> bool:
        return not self.file and self.job_run is not None and self.job_run.status == JobStatus.FAILED

    @property
    def running(self) -> bool:
        return not self.file and not self.failed

    @property
    def percent(self) -> int:
        if self.file:
            return 100
        return self.job_run.percent if self.job_run is not None else 0

    @property
    def is_pdf(self) -> bool:
        return self.kind == ReportKind.MONTHLY_PDF

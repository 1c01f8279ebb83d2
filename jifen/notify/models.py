"""Notifications: the in-app inbox, each person's channel preferences, the group robots and webhooks
admins configure, the delivery log of every message sent outside the app, and the runs of the
background jobs that make them.

Idempotency is in the keys: a notification's ``key`` and a delivery's ``key`` are unique, so a job
that crashed and runs again finds what it already made and makes nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly points notice")
    MONTHLY = "monthly", _("Monthly statement")
    COURSE_DUE = "course_due", _("Required course due")
    TASK_DUE = "task_due", _("Follow-up task due")
    POINTS_EXPIRING = "points_expiring", _("Points expiring")
    BEHIND = "behind", _("Behind on credits")
    TEAM_BEHIND = "team_behind", _("Your people behind on credits")
    ACTION_OVERDUE = "action_overdue", _("Improvement action overdue")
    REVIEW_WAITING = "review_waiting", _("Waiting for your review")
    OTHER = "other", _("Other")


# Kinds that go out at once even in digest mode: someone must act on them soon.
URGENT_KINDS = frozenset({Kind.COURSE_DUE, Kind.ACTION_OVERDUE})


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    key = models.CharField(_("key"), max_length=150, unique=True,
                           help_text=_("What the notification is about, once: e.g. weekly:2026-W48:12."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    digested_at = models.DateTimeField(_("included in a digest at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notify_user_unread"),
                   models.Index(fields=["user", "-created_at"], name="notify_user_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Mode(models.TextChoices):
    DIGEST = "digest", _("A daily digest")
    IMMEDIATE = "immediate", _("Each message as it comes")


class Preference(models.Model):
    """How a person wants to hear from Jifen outside the app. The inbox always has everything."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="notify_preference")
    email = models.BooleanField(_("e-mail"), default=True)
    robots = models.BooleanField(_("my team's group chat (WeCom, DingTalk, Feishu)"), default=False,
                                 help_text=_("Messages go to the group chat robot of your department, "
                                             "mentioning you."))
    mode = models.CharField(_("how often"), max_length=10, choices=Mode.choices, default=Mode.DIGEST)
    quiet_start = models.TimeField(_("quiet hours from"), default=dt.time(22, 0))
    quiet_end = models.TimeField(_("quiet hours until"), default=dt.time(8, 0))
    muted_kinds = models.JSONField(_("kinds I do not want outside the app"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)

    def is_quiet(self, moment: dt.time) -> bool:
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        if start < end:
            return start <= moment < end
        return moment >= start or moment < end  # over midnight: 22:00–08:00


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")
    FEISHU = "feishu", _("Feishu / Lark group robot (飞书)")
    WEBHOOK = "webhook", _("Webhook (signed, for other systems)")


class Channel(models.Model):
    """A group robot or a webhook. A robot posts a department's people's messages to its group chat
    (only for those who chose it); a webhook receives every notification as signed JSON."""

    kind = models.CharField(_("kind"), max_length=10, choices=[c for c in ChannelKind.choices
                                                                if c[0] != ChannelKind.EMAIL])
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(_("secret"), max_length=200, blank=True,
                              help_text=_("DingTalk's and Feishu's signing secret, or the webhook's HMAC key."))
    org_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("department"), on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+",
                                 help_text=_("A robot serves the people of this department and its sub-units."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["kind", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class Delivery(models.Model):
    """One message to one channel (an e-mail address, a robot, a webhook), with its retries."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                             null=True, blank=True, related_name="+")
    channel_kind = models.CharField(_("channel"), max_length=10, choices=ChannelKind.choices)
    channel = models.ForeignKey(Channel, verbose_name=_("robot or webhook"), on_delete=models.CASCADE, null=True,
                                blank=True, related_name="deliveries")
    address = models.CharField(_("address"), max_length=254, blank=True)
    notifications = models.ManyToManyField(Notification, verbose_name=_("notifications"), related_name="deliveries")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_delivery_due")]

    def __str__(self) -> str:
        return self.key


class JobStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobRun(models.Model):
    """One run of a background job for one period (``key``: e.g. weekly:2026-W48). A rerun of the
    same period continues it: what the earlier attempt made is found by its keys and skipped."""

    job = models.CharField(_("job"), max_length=40)
    key = models.CharField(_("period"), max_length=100, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.RUNNING)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    total = models.PositiveIntegerField(_("to do"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    made = models.PositiveIntegerField(_("messages made"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    heartbeat_at = models.DateTimeField(_("last sign of life"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(done__lte=models.F("total")) | Q(total=0),
                                              name="jobrun_done_within_total")]

    def __str__(self) -> str:
        return self.key

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.status == JobStatus.DONE else 0)


# ---------------------------------------------------------------- escalations for people behind on credits


class ProgressCheck(models.Model):
    """A month's check that found a person behind their pro-rated credit progress (seed 003: 连续未达标
    → 学习改进计划 and a reminder to the manager)."""

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    expected = models.DecimalField(_("expected by now"), max_digits=8, decimal_places=1)
    earned = models.DecimalField(_("earned"), max_digits=8, decimal_places=1)

    class Meta:
        verbose_name = _("progress check")
        verbose_name_plural = _("progress checks")
        constraints = [models.UniqueConstraint(fields=["person", "month"], name="notify_check_once_a_month")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m}"


class LearningPlan(models.Model):
    """A learning improvement plan (学习改进计划) opened for someone behind two months running: how far
    behind, the courses that would close the gap, and whether it is still open."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="learning_plans")
    year = models.PositiveIntegerField(_("year"))
    opened_on = models.DateField(_("opened on"))
    expected = models.DecimalField(_("expected by now"), max_digits=8, decimal_places=1)
    earned = models.DecimalField(_("earned"), max_digits=8, decimal_places=1)
    target = models.DecimalField(_("annual target"), max_digits=8, decimal_places=1)
    courses = models.ManyToManyField("catalog.Course", verbose_name=_("suggested courses"), blank=True,
                                     related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("learning improvement plan")
        verbose_name_plural = _("learning improvement plans")
        ordering = ["-opened_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], condition=Q(status="open"),
                                               name="notify_one_open_plan_a_year")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}"

    @property
    def gap(self):
        return max(self.expected - self.earned, 0)

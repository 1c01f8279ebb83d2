"""The Learning Record Store: client systems, statements as received, their attachments and documents, and the
mapping from what statements say (verbs, activities) to Jifen's events and courses."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jifen.catalog.models import Course
from jifen.org.models import OrgUnit
from jifen.rules.models import Event, EventType


class XapiClient(models.Model):
    """A system that sends statements (an e-learning platform, a course player). It signs in with HTTP Basic:
    its key and a secret of which only the SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key = models.CharField(_("key"), max_length=40, unique=True)
    secret_hash = models.CharField(_("secret hash"), max_length=64)
    active = models.BooleanField(_("active"), default=True)
    read_all = models.BooleanField(
        _("reads every statement"), default=False,
        help_text=_("Otherwise the client reads back only the statements it sent itself."))
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("If set, the client's statements earn points only for people in this unit and below."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("xAPI client")
        verbose_name_plural = _("xAPI clients")

    def __str__(self) -> str:
        return self.name


class Outcome(models.TextChoices):
    POSTED = "posted", _("Recorded as an event")
    NO_CREDIT = "no_credit", _("Matched, but neither success nor completion")
    UNMATCHED = "unmatched", _("Unmatched")
    VOIDING = "voiding", _("Voids another statement")
    IGNORED = "ignored", _("Not about learning")


class Unmatched(models.TextChoices):
    UNKNOWN_ACTOR = "unknown_actor", _("Unknown actor")
    UNMAPPED_VERB = "unmapped_verb", _("Unmapped verb")
    UNMAPPED_ACTIVITY = "unmapped_activity", _("Unmapped activity")
    REJECTED = "rejected", _("Rejected by the rules intake")


class Statement(models.Model):
    """One statement exactly as stored (with id, stored, authority and version filled in). Never changed
    afterwards except for the voided flag and how Jifen matched it."""

    statement_id = models.UUIDField(_("statement id"), unique=True)
    data = models.JSONField(_("statement"))
    version = models.CharField(_("xAPI version"), max_length=10)
    stored = models.DateTimeField(_("stored"), db_index=True)
    timestamp = models.DateTimeField(_("timestamp"))
    client = models.ForeignKey(XapiClient, verbose_name=_("client"), on_delete=models.PROTECT,
                               related_name="statements")
    voided = models.BooleanField(_("voided"), default=False)
    verb = models.CharField(_("verb"), max_length=1000, db_index=True)
    activity = models.CharField(_("activity"), max_length=1000, blank=True, db_index=True)
    agent = models.CharField(_("actor"), max_length=600, blank=True, db_index=True)
    registration = models.UUIDField(_("registration"), null=True, blank=True, db_index=True)
    voids = models.UUIDField(_("voids statement"), null=True, blank=True)
    # How Jifen matched it: an event, or why not.
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.UNMATCHED)
    reason = models.CharField(_("reason"), max_length=20, choices=Unmatched.choices, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        indexes = [
            models.Index(fields=["stored", "id"], name="xapi_stmt_stored_id"),
            models.Index(fields=["outcome"], condition=models.Q(outcome="unmatched"), name="xapi_stmt_unmatched"),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementLink(models.Model):
    """An agent or activity a statement mentions, for the ``related_agents`` / ``related_activities`` filters
    (``direct``: the actor or object itself)."""

    class Kind(models.TextChoices):
        AGENT = "agent", _("Agent")
        ACTIVITY = "activity", _("Activity")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=1000)
    direct = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="xapi_link_value")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class Attachment(models.Model):
    """An attachment's content, once per SHA-256, whichever statements name it."""

    sha2 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    content_type = models.CharField(_("content type"), max_length=255)
    content = models.BinaryField(_("content"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("xAPI attachment")
        verbose_name_plural = _("xAPI attachments")

    def __str__(self) -> str:
        return self.sha2


class Document(models.Model):
    """A state, activity profile or agent profile document; ``etag`` is the SHA-1 of its content."""

    class Kind(models.TextChoices):
        STATE = "state", _("State")
        ACTIVITY_PROFILE = "activity_profile", _("Activity profile")
        AGENT_PROFILE = "agent_profile", _("Agent profile")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    activity = models.CharField(_("activity"), max_length=1000, blank=True)
    agent = models.CharField(_("agent"), max_length=600, blank=True)
    registration = models.CharField(_("registration"), max_length=36, blank=True)
    document_id = models.CharField(_("document id"), max_length=1000)
    content = models.BinaryField(_("content"))
    content_type = models.CharField(_("content type"), max_length=255)
    etag = models.CharField(_("ETag"), max_length=40)
    updated = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("xAPI document")
        verbose_name_plural = _("xAPI documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "activity", "agent", "registration", "document_id"],
                                    name="xapi_document_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.document_id}"


class VerbMapping(models.Model):
    """Statements with this verb become events of this type."""

    verb = models.CharField(_("verb IRI"), max_length=1000, unique=True)
    event_type = models.CharField(_("event type"), max_length=40, choices=EventType.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("xAPI verb mapping")
        verbose_name_plural = _("xAPI verb mappings")
        ordering = ["verb"]

    def __str__(self) -> str:
        return f"{self.verb} → {self.event_type}"


class ActivityMapping(models.Model):
    """Statements about this activity are about this course."""

    activity = models.CharField(_("activity IRI"), max_length=1000, unique=True)
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("xAPI activity mapping")
        verbose_name_plural = _("xAPI activity mappings")
        ordering = ["activity"]

    def __str__(self) -> str:
        return f"{self.activity} → {self.course.code}"

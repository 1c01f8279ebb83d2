"""The reward catalogue and redemptions (兑换).

Stock is a column decremented only by a conditional UPDATE (``stock >= quantity``) under the reward's row
lock, and a CHECK keeps it from ever going below zero. Points are spent through the ledger in the same
transaction, so an order either holds both its stock and its points, or neither.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RewardCategory(models.TextChoices):
    MATERIAL = "material", _("Books and supplies")
    GIFT_CARD = "gift_card", _("Gift cards")
    COURSE_SEAT = "course_seat", _("Advanced course seats")
    CONFERENCE = "conference", _("Conference places")
    LEARNING_FUND = "learning_fund", _("Learning fund")
    HONOUR = "honour", _("Honour titles")
    MENTORING = "mentoring", _("One-to-one mentoring")
    INTERNSHIP = "internship", _("Internship opportunities")
    STUDY_LEAVE = "study_leave", _("Paid study leave")


class LimitPeriod(models.TextChoices):
    MONTH = "month", _("per month")
    QUARTER = "quarter", _("per quarter")
    YEAR = "year", _("per year")
    EVER = "ever", _("in total")


def picture_upload_to(instance, filename: str) -> str:
    return f"rewards/{instance.code}/{filename}"


class Reward(models.Model):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=RewardCategory.choices)
    description = models.TextField(_("description"), blank=True)
    picture = models.FileField(_("picture"), upload_to=picture_upload_to, max_length=200, blank=True)
    price = models.DecimalField(_("price (points)"), max_digits=10, decimal_places=2)
    unit_cost = models.DecimalField(
        _("cost to the company (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("What one of these costs the company; the points economy values the points people hold with it. "
                    "Empty: not known."))
    stock = models.PositiveIntegerField(_("stock left"), null=True, blank=True,
                                        help_text=_("Empty: unlimited."))
    limit_per_person = models.PositiveIntegerField(_("limit per person"), null=True, blank=True,
                                                   help_text=_("Empty: no limit."))
    limit_period = models.CharField(_("limit period"), max_length=10, choices=LimitPeriod.choices,
                                    default=LimitPeriod.YEAR)
    units = models.ManyToManyField("org.OrgUnit", verbose_name=_("only for these units"), blank=True,
                                   related_name="+", help_text=_("Empty: everyone. A unit includes its subunits."))
    positions = models.ManyToManyField("org.Position", verbose_name=_("only for these positions"), blank=True,
                                       related_name="+", help_text=_("Empty: every position."))
    min_level = models.ForeignKey("recognition.Level", verbose_name=_("minimum level"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  help_text=_("Empty: any level. Levels come from points earned, not spent."))
    active_from = models.DateTimeField(_("available from"), null=True, blank=True)
    active_to = models.DateTimeField(_("available until"), null=True, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["category", "price", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="reward_price_positive"),
            models.CheckConstraint(condition=Q(unit_cost__isnull=True) | Q(unit_cost__gte=0),
                                   name="reward_cost_never_negative"),
            models.CheckConstraint(condition=Q(stock__isnull=True) | Q(stock__gte=0), name="reward_stock_never_negative"),
            models.CheckConstraint(condition=~Q(code="") & ~Q(name=""), name="reward_code_and_name"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RedemptionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    FULFILLED = "fulfilled", _("Fulfilled")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (RedemptionStatus.PENDING, RedemptionStatus.APPROVED)


class Redemption(models.Model):
    """An order. Its stock and points are held from the moment it is placed; a rejection or a
    cancellation gives both back (the points as a refund entry)."""

    Status = RedemptionStatus
    reward = models.ForeignKey(Reward, verbose_name=_("reward"), on_delete=models.PROTECT, related_name="redemptions")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="redemptions")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    points = models.DecimalField(_("points"), max_digits=12, decimal_places=2)
    key = models.CharField(_("order key"), max_length=150, help_text=_("A repeated key orders once."))
    status = models.CharField(_("status"), max_length=10, choices=RedemptionStatus.choices,
                              default=RedemptionStatus.PENDING)
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ordered by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("ordered at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    pickup_code = models.CharField(_("pickup code"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True,
                            help_text=_("The reason of a rejection, or how to collect the reward."))
    spend_entry = models.OneToOneField("ledger.Entry", verbose_name=_("spend entry"), on_delete=models.PROTECT,
                                       related_name="redemption")
    refund_entry = models.OneToOneField("ledger.Entry", verbose_name=_("refund entry"), on_delete=models.PROTECT,
                                        null=True, blank=True, related_name="refunded_redemption")

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="redemption_status_time"),
            models.Index(fields=["person", "reward", "created_at"], name="redemption_person_reward"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="redemption_key"),
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(points__gt=0), name="redemption_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["rejected", "cancelled"], refund_entry__isnull=False)
                | (~Q(status__in=["rejected", "cancelled"]) & Q(refund_entry__isnull=True)),
                name="redemption_refunded_iff_returned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reward_id} × {self.quantity} for {self.person_id} ({self.status})"

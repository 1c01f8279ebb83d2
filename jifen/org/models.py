from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node

UNIT_PATH_SEPARATOR = "/"


class OrgUnit(MP_Node):
    """A node of the organisation: company / department / team, or institution / class / cohort.

    The tree is a materialised path (treebeard), so a unit's whole subtree is one indexed
    prefix match on ``path``. ``name_path`` ("总部/研发中心/平台组") is kept by the services on
    every rename and move; it is what imports match and lists show without extra queries.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")
        INSTITUTION = "institution", _("Institution")
        FACULTY = "faculty", _("Faculty")
        CLASS = "class", _("Class")
        COHORT = "cohort", _("Cohort")
        OTHER = "other", _("Other")

    steplen = 4

    name = models.CharField(_("name"), max_length=100)
    name_path = models.CharField(_("full name"), max_length=1000, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    code = models.CharField(_("code"), max_length=50, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="org_unit_name_not_empty"),
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="org_unit_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name_path

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Position(models.Model):
    """A job position with its level and the annual credit target (学分要求) of whoever holds it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(_("code"), max_length=50, blank=True)
    job_level = models.CharField(_("job level"), max_length=20, blank=True)
    annual_credit_target = models.DecimalField(
        _("annual credit target"), max_digits=7, decimal_places=1, default=0
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(annual_credit_target__gte=0), name="position_target_non_negative"),
            models.CheckConstraint(condition=~Q(name=""), name="position_name_not_empty"),
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="position_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """An employee, student or teacher. Someone who leaves is marked so and keeps their history."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ON_LEAVE = "on_leave", _("On leave")
        LEFT = "left", _("Left")

    employee_no = models.CharField(_("employee / student number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="people"
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="reports",
        null=True,
        blank=True,
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        related_name="person",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["employee_no"]
        indexes = [
            models.Index(fields=["org_unit", "status"], name="person_unit_status"),
            models.Index(fields=["name"], name="person_name"),
            models.Index(fields=["position", "status"], name="person_position_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(manager=F("id")), name="person_not_own_manager"),
            models.CheckConstraint(condition=~Q(employee_no=""), name="person_employee_no_not_empty"),
            models.CheckConstraint(condition=~Q(name=""), name="person_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"


class Role(models.TextChoices):
    """Roles beyond learner. Everyone with a person record is a learner."""

    MANAGER = "manager", pgettext_lazy("role", "Manager")
    TRAINER = "trainer", _("Trainer")
    TRAINING_ADMIN = "training_admin", _("Training admin")
    HR_AUDITOR = "hr_auditor", _("HR / auditor")
    SYSTEM_ADMIN = "system_admin", _("System admin")


class RoleAssignment(models.Model):
    """A role held by a login, over an org unit's subtree or (scope empty) the whole organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    scope = models.ForeignKey(
        OrgUnit,
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
        null=True,
        blank=True,
        help_text=_("The org unit whose whole subtree this role covers; empty means the whole organisation."),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="manager") | Q(scope__isnull=False), name="role_manager_needs_scope"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "scope"], condition=Q(scope__isnull=False), name="role_unique_scoped"
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(scope__isnull=True), name="role_unique_global"
            ),
        ]

    def __str__(self) -> str:
        scope = self.scope.name_path if self.scope_id else _("whole organisation")
        return f"{self.get_role_display()} · {scope}"

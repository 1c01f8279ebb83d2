"""The one permission mechanism every page and every API endpoint uses.

A login's access is the union of what its roles grant, each over a scope: the whole
organisation, the subtrees of some org units, or (for a learner) only themselves.
Views ask ``access.has(perm)`` for a page and narrow every query with
``access.people(perm)`` / ``access.units(perm)``, so an object outside the scope is
simply not found (404), never shown and never confirmed to exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from jifen.org.models import OrgUnit, Person, Role, RoleAssignment


class Perm(StrEnum):
    PEOPLE_VIEW = "people.view"
    PEOPLE_MANAGE = "people.manage"
    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    POSITIONS_VIEW = "positions.view"
    POSITIONS_MANAGE = "positions.manage"
    ROSTER_IMPORT = "roster.import"
    ROLES_MANAGE = "roles.manage"
    LEDGER_VIEW = "ledger.view"
    LEDGER_ADJUST = "ledger.adjust"  # propose manual adjustments (the maker)
    LEDGER_APPROVE = "ledger.approve"  # approve or reject them (the checker)
    APPEALS_REVIEW = "appeals.review"
    EVENTS_RECORD = "events.record"
    RULES_MANAGE = "rules.manage"
    # Learning (catalog and facts). A person always has LEARNING_VIEW over themselves: their courses,
    # check-in, study, quizzes, homework, claims and contributions.
    CATALOG_MANAGE = "catalog.manage"  # courses, categories, sessions, requirements (sessions: in scope)
    SESSIONS_RUN = "sessions.run"  # mark attendance and participation, show the QR code, grade (own sessions)
    LEARNING_VIEW = "learning.view"  # people's progress, gaps, attendance, results (in scope)
    LEARNING_REVIEW = "learning.review"  # self-study claims, contributions, box-ticking cases (in scope)
    REWARDS_MANAGE = "rewards.manage"  # the catalogue and stock; orders of people in scope
    RECOGNITION_MANAGE = "recognition.manage"  # levels and leaderboard settings
    # Post-training follow-up (tracking).
    TRACKING_MANAGE = "tracking.manage"  # plans, templates, instruments, reports, improvement actions (in scope)
    TRACKING_FOLLOW = "tracking.follow"  # evaluate and observe people in scope, see their follow-up
    TRACKING_VIEW = "tracking.view"  # read follow-up results, department KPIs and the annual archive (in scope)
    NOTIFY_MANAGE = "notify.manage"  # group robots and webhooks, the delivery log, background job runs
    AUDIT_VIEW = "audit.view"  # the audit log of configuration changes (whole organisation only)
    ADMIN_SITE = "admin.site"


_READ_ORG = {Perm.PEOPLE_VIEW, Perm.ORG_VIEW, Perm.POSITIONS_VIEW}
_MANAGE_ORG = {Perm.PEOPLE_MANAGE, Perm.ORG_MANAGE, Perm.POSITIONS_MANAGE, Perm.ROSTER_IMPORT}

_LEDGER_ADMIN = {Perm.LEDGER_VIEW, Perm.EVENTS_RECORD, Perm.RULES_MANAGE, Perm.LEDGER_ADJUST, Perm.APPEALS_REVIEW}
_LEARNING_ADMIN = {Perm.CATALOG_MANAGE, Perm.SESSIONS_RUN, Perm.LEARNING_VIEW, Perm.LEARNING_REVIEW}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.MANAGER: frozenset(_READ_ORG | {Perm.LEDGER_VIEW, Perm.LEARNING_VIEW, Perm.TRACKING_FOLLOW,
                                         Perm.TRACKING_VIEW}),
    # A trainer runs the sessions they are the trainer of (checked per session), over any scope.
    Role.TRAINER: frozenset(_READ_ORG | {Perm.SESSIONS_RUN}),
    Role.TRAINING_ADMIN: frozenset(_READ_ORG | _MANAGE_ORG | _LEDGER_ADMIN | _LEARNING_ADMIN
                                 | {Perm.REWARDS_MANAGE, Perm.RECOGNITION_MANAGE, Perm.TRACKING_MANAGE,
                                    Perm.TRACKING_FOLLOW, Perm.TRACKING_VIEW}),
    # The checker of maker-checker: approves what training admins propose, proposes nothing.
    Role.HR_AUDITOR: frozenset(_READ_ORG | {Perm.LEDGER_VIEW, Perm.LEDGER_APPROVE, Perm.LEARNING_VIEW,
                                            Perm.TRACKING_VIEW, Perm.AUDIT_VIEW}),
    Role.SYSTEM_ADMIN: frozenset(Perm),
}
# What every person may do about themselves: see their record and their points and credits.
SELF_PERMISSIONS = frozenset({Perm.PEOPLE_VIEW, Perm.LEDGER_VIEW, Perm.LEARNING_VIEW})


@dataclass
class Scope:
    everything: bool = False
    unit_paths: set[str] = field(default_factory=set)
    person_ids: set[int] = field(default_factory=set)

    def add_unit(self, path: str) -> None:
        # Keep only the outermost paths: a subtree inside another adds nothing.
        if any(path.startswith(p) for p in self.unit_paths):
            return
        self.unit_paths = {p for p in self.unit_paths if not p.startswith(path)} | {path}

    @property
    def empty(self) -> bool:
        return not (self.everything or self.unit_paths or self.person_ids)

    def covers_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.unit_paths)

    def unit_q(self, prefix: str = "") -> Q:
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for path in sorted(self.unit_paths):
            q |= Q(**{f"{prefix}path__startswith": path})
        return q


@dataclass
class Access:
    user_id: int | None
    person_id: int | None
    roles: frozenset[str]
    grants: dict[Perm, Scope]
    is_superuser: bool = False

    def has(self, perm: Perm) -> bool:
        scope = self.grants.get(perm)
        return scope is not None and not scope.empty

    def sees_others(self, perm: Perm) -> bool:
        """More than oneself: a whole organisation or some units."""
        scope = self.scope(perm)
        return scope.everything or bool(scope.unit_paths)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def scope(self, perm: Perm) -> Scope:
        return self.grants.get(perm) or Scope()

    def people(self, perm: Perm, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
        qs = Person.objects.all() if queryset is None else queryset
        scope = self.scope(perm)
        if scope.everything:
            return qs
        q = Q(pk__in=sorted(scope.person_ids))
        if scope.unit_paths:
            q |= Q(org_unit__in=OrgUnit.objects.filter(scope.unit_q()).values("pk"))
        return qs.filter(q)

    def units(self, perm: Perm, queryset: QuerySet[OrgUnit] | None = None) -> QuerySet[OrgUnit]:
        qs = OrgUnit.objects.all() if queryset is None else queryset
        return qs.filter(self.scope(perm).unit_q())

    def can_person(self, perm: Perm, person: Person) -> bool:
        scope = self.scope(perm)
        return person.pk in scope.person_ids or scope.covers_path(person.org_unit.path)

    def can_unit(self, perm: Perm, unit: OrgUnit) -> bool:
        return self.scope(perm).covers_path(unit.path)

    def require(self, perm: Perm) -> None:
        if not self.has(perm):
            raise PermissionDenied

    def require_any(self, *perms: Perm) -> None:
        if not any(self.has(perm) for perm in perms):
            raise PermissionDenied


ANONYMOUS = Access(user_id=None, person_id=None, roles=frozenset(), grants={})


def _person_id(user) -> int | None:
    """The user's person, from the user's own row when it was read with its person (as each request's
    user is: ``EmployeeNoOrEmailBackend.get_user``), else by one query."""
    from django.contrib.auth import get_user_model

    related = get_user_model().person.related
    if related.is_cached(user):
        person = related.get_cached_value(user)
        return person.pk if person is not None else None
    return Person.objects.filter(user=user).values_list("pk", flat=True).first()


def access_for_user(user) -> Access:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    grants: dict[Perm, Scope] = {}
    roles: set[str] = set()
    if user.is_superuser:
        roles.add(Role.SYSTEM_ADMIN)
        grants = {perm: Scope(everything=True) for perm in Perm}
    assignments = RoleAssignment.objects.filter(user=user).select_related("scope")
    for assignment in assignments:
        roles.add(assignment.role)
        for perm in ROLE_PERMISSIONS[assignment.role]:
            scope = grants.setdefault(perm, Scope())
            if assignment.scope_id is None:
                scope.everything = True
            else:
                scope.add_unit(assignment.scope.path)
    person_id = _person_id(user)
    if person_id is not None:
        roles.add("learner")
        for perm in SELF_PERMISSIONS:
            grants.setdefault(perm, Scope()).person_ids.add(person_id)
    return Access(
        user_id=user.pk,
        person_id=person_id,
        roles=frozenset(roles),
        grants=grants,
        is_superuser=user.is_superuser,
    )


def get_access(request) -> Access:
    """The request's access, worked out once per request."""
    access = getattr(request, "_jifen_access", None)
    if access is None:
        access = access_for_user(getattr(request, "user", None))
        request._jifen_access = access
    return access


def require_perm(perm: Perm, *others: Perm):
    """View decorator: signed in, and holding ``perm`` (or any of ``others``) over at least some scope."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            get_access(request).require_any(perm, *others)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

"""Bearer tokens: made once and shown once, stored as a hash, revocable, with their last use.

A token acts as its user, within the user's roles and scope, and no further than its own scope:

- ``read``: GET (and HEAD, OPTIONS) only;
- ``write``: also the operational writes (events, check-ins, redemptions, approvals...);
- ``admin``: also what changes the configuration or the organisation (``ADMIN_PATHS``): org units,
  positions, people and roster imports, the reward catalogue, rules, levels, roles, settings and tokens.
  Only a user holding one of ``ADMIN_PERMS`` may make an admin token.

Sessions (a person in a browser) are not limited by scope: the pages' own permission checks apply.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from jifen.api.models import ApiToken, TokenScope
from jifen.api.ratelimit import check_rate
from jifen.core.errors import ApplicationError
from jifen.org.permissions import Perm

PREFIX = "jf_"
SCOPE_ORDER = [TokenScope.READ, TokenScope.WRITE, TokenScope.ADMIN]
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# Writes that change configuration or the organisation, not the day-to-day facts: admin scope.
# Matched against the path after /api/v1/.
ADMIN_PATHS = re.compile(
    r"^/?(org/|positions|people/?$|people/\d+(/roles.*)?$|rewards/?$|rewards/\d+|rules|levels|roles|settings|tokens"
    r"|notifications/channels|webhooks)"
)
_MORE_ADMIN_PATHS: list[re.Pattern] = []


def admin_paths(*patterns: str) -> None:
    """An app's API module declares its configuration paths (regexes on the part after /api/v1/)
    as needing admin scope for writes, beside ``ADMIN_PATHS``."""
    _MORE_ADMIN_PATHS.extend(re.compile(pattern) for pattern in patterns)


# Holding any of these lets a user make an admin token (what the token may do stays within the roles).
ADMIN_PERMS = (
    Perm.ORG_MANAGE, Perm.PEOPLE_MANAGE, Perm.POSITIONS_MANAGE, Perm.ROSTER_IMPORT, Perm.ROLES_MANAGE,
    Perm.RULES_MANAGE, Perm.CATALOG_MANAGE, Perm.REWARDS_MANAGE, Perm.RECOGNITION_MANAGE,
    Perm.TRACKING_MANAGE, Perm.NOTIFY_MANAGE, Perm.ADMIN_SITE,
)


class ScopeTooNarrow(Exception):
    """A valid token asked for more than its scope: 403, not a silent fallback to the session."""

    def __init__(self, needed: str):
        self.needed = needed


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def may_hold_admin_tokens(access) -> bool:
    return any(access.has(perm) for perm in ADMIN_PERMS)


def token_create(*, user, name: str, scope: str = TokenScope.READ, access=None) -> tuple[ApiToken, str]:
    """A new token and its raw value (shown once). With ``access``, refuses scopes the user may not hold."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the token a name."), field="name")
    if scope not in TokenScope.values:
        raise ApplicationError(_("Unknown scope."), field="scope")
    if access is not None and scope == TokenScope.ADMIN and not may_hold_admin_tokens(access):
        raise ApplicationError(_("Only administrators may create a token with admin scope."), field="scope")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:10], key_hash=_digest(raw),
                                    scope=scope)
    return token, raw


def token_revoke(*, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    """Revoked once; revoking again keeps the first time."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now or timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def tokens_of(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def scope_allows(granted: str, needed: str) -> bool:
    return SCOPE_ORDER.index(TokenScope(granted)) >= SCOPE_ORDER.index(TokenScope(needed))


def scope_needed(method: str, path: str) -> str:
    """What a call needs: ``path`` is the part after /api/v1/."""
    if method in SAFE_METHODS:
        return TokenScope.READ
    if ADMIN_PATHS.match(path) or any(pattern.match(path) for pattern in _MORE_ADMIN_PATHS):
        return TokenScope.ADMIN
    return TokenScope.WRITE


def _api_path(request) -> str:
    path = request.path_info
    marker = "/api/v1/"
    return path[path.index(marker) + len(marker):] if marker in path else path.lstrip("/")


class BearerToken(HttpBearer):
    """Authenticates ``Authorization: Bearer jf_…`` within the token's scope and rate."""

    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        if not request.META.get("HTTP_ACCEPT_LANGUAGE") and getattr(found.user, "language", ""):
            translation.activate(found.user.language)
        needed = scope_needed(request.method, _api_path(request))
        if not scope_allows(found.scope, needed):
            raise ScopeTooNarrow(needed)
        check_rate(f"token:{found.pk}")
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > dt.timedelta(minutes=1):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found

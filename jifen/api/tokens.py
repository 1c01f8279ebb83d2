"""Bearer tokens: made once and shown once, stored as a hash, revocable, with their last use."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone
from ninja.security import HttpBearer

from jifen.api.models import ApiToken, TokenScope

PREFIX = "jf_"
SCOPE_ORDER = [TokenScope.READ, TokenScope.WRITE, TokenScope.ADMIN]


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name: str, scope: str = TokenScope.READ) -> tuple[ApiToken, str]:
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=_digest(raw), scope=scope)
    return token, raw


def token_revoke(*, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def scope_allows(granted: str, needed: str) -> bool:
    return SCOPE_ORDER.index(TokenScope(granted)) >= SCOPE_ORDER.index(TokenScope(needed))


class BearerToken(HttpBearer):
    """Authenticates ``Authorization: Bearer jf_…``; a token reads with GET and writes only with write scope."""

    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        needed = TokenScope.READ if request.method in ("GET", "HEAD", "OPTIONS") else TokenScope.WRITE
        if not scope_allows(found.scope, needed):
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > dt.timedelta(minutes=1):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.api_token = found
        return found

"""Tokens of the signed-in user: list, create (the raw token is in the answer once), revoke.

Called with a session, or with an admin-scope token (``jifen.api.tokens.ADMIN_PATHS``)."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.responses import Status

from jifen.api.models import ApiToken, TokenScope
from jifen.api.tokens import token_create, token_revoke, tokens_of
from jifen.org.permissions import get_access

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: TokenScope
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    scope: TokenScope = TokenScope.READ


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The bearer token. It is shown only this once.")


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def list_tokens(request):
    return list(tokens_of(user=request.user))


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create a token (shown once)")
def create_token(request, payload: TokenIn):
    token, raw = token_create(user=request.user, name=payload.name, scope=payload.scope,
                              access=get_access(request))
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke one of my tokens")
def revoke_token(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    return token_revoke(token=token)

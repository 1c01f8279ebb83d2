"""The user's API tokens: list, create (the raw token shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.api.forms import TokenForm
from jifen.api.models import ApiToken
from jifen.api.tokens import may_hold_admin_tokens, token_create, token_revoke, tokens_of
from jifen.core.errors import ApplicationError
from jifen.org.permissions import get_access


@login_required
def token_list(request):
    access = get_access(request)
    allow_admin = may_hold_admin_tokens(access)
    form = TokenForm(request.POST or None, allow_admin=allow_admin)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = token_create(user=request.user, name=form.cleaned_data["name"],
                                      scope=form.cleaned_data["scope"], access=access)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            created = {"token": token, "raw": raw}
            form = TokenForm(allow_admin=allow_admin)
    response = TemplateResponse(request, "api/tokens.html", {
        "tokens": tokens_of(user=request.user), "form": form, "created": created, "allow_admin": allow_admin,
    })
    response["Cache-Control"] = "no-store"  # the page may hold a raw token
    return response


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("tokens:list")

"""OpenID Connect sign-in: off to the provider, and back with a code that becomes a login."""

import logging
import time

import jwt
import requests
from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from jifen.accounts.sso.conf import OIDC_BACKEND
from jifen.accounts.sso.oidc import PersonOIDCBackend, ProviderUnavailable, oidc_setting, provider_name
from jifen.accounts.sso.services import SignOnRefused

logger = logging.getLogger(__name__)

# A sign-in not finished within this time starts again (the state kept in the session expires).
STATE_SECONDS = 600


def _refused(request, message: str):
    messages.error(request, message)
    return redirect("accounts:login")


def _unavailable(request):
    return _refused(request, _("%(provider)s did not answer. Try again later, or log in with your password.")
                    % {"provider": provider_name()})


def _not_completed(request):
    return _refused(request, _("Signing in with %(provider)s could not be completed (it may have taken too "
                               "long, or been started in another tab). Please try again.")
                    % {"provider": provider_name()})


class OIDCStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with a fresh state, nonce and PKCE challenge kept in the session."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs):
        # The provider's endpoints are looked up in get(), once we know sign-on is configured.
        View.__init__(self, **kwargs)

    def get(self, request):
        if not settings.JIFEN_OIDC_ENABLED:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as exc:
            logger.warning("OIDC sign-in not started: %s", exc)
            return _unavailable(request)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


@require_GET
def oidc_callback(request):
    """The provider sends the browser back here. The state must be one this browser's session started
    (and is used once); the code is exchanged for an ID token, whose signature, nonce, audience and issuer
    are checked, and the person it names signs in."""
    if not settings.JIFEN_OIDC_ENABLED:
        raise Http404
    states = request.session.get("oidc_states")
    states = states if isinstance(states, dict) else {}
    started = states.pop(request.GET.get("state", ""), None)
    request.session["oidc_states"] = states
    request.session.save()  # the state is spent before the (slow) token exchange
    if request.GET.get("error"):
        logger.info("OIDC sign-in refused by the provider: %s", request.GET.get("error"))
        return _refused(request, _("Signing in with %(provider)s was cancelled or refused.")
                        % {"provider": provider_name()})
    if started is None or not request.GET.get("code"):
        logger.warning("OIDC callback with an unknown state or no code")
        return _not_completed(request)
    if time.time() - started.get("added_on", 0) > STATE_SECONDS:
        return _not_completed(request)
    try:
        user = PersonOIDCBackend().authenticate(
            request, nonce=started["nonce"], code_verifier=started.get("code_verifier")
        )
    except SignOnRefused as refusal:
        logger.info("OIDC sign-in refused: %s", refusal.message)
        return _refused(request, refusal.message)
    except (ProviderUnavailable, requests.RequestException) as exc:
        logger.warning("OIDC sign-in failed, provider unavailable: %s", exc)
        return _unavailable(request)
    except (SuspiciousOperation, jwt.InvalidTokenError) as exc:
        logger.warning("OIDC sign-in failed verification: %s", exc)
        return _not_completed(request)
    if user is None:
        return _not_completed(request)
    next_url = request.session.pop("oidc_login_next", None)
    # Not through auth.authenticate: a refusal here is no password guess, and must not count towards
    # django-axes locking (which would lock everyone behind one address out). The sign-in itself is
    # recorded like any other (user_logged_in: axes' access log).
    auth.login(request, user, backend=OIDC_BACKEND)
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))

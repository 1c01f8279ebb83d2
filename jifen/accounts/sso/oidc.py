"""OpenID Connect: the provider's endpoints (from its discovery document) and the backend that turns a
verified ID token into the login of the matching person (mozilla-django-oidc does the protocol)."""

import hashlib
import logging

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from jifen.accounts.sso.services import sign_on_login

logger = logging.getLogger(__name__)

DISCOVERY_KEYS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_ISSUER": "issuer",
}
DISCOVERY_SECONDS = 3600


class ProviderUnavailable(Exception):
    """The identity provider did not answer, or answered with something that is not a discovery document."""


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME or _("single sign-on")


def discovery_document() -> dict:
    """The provider's discovery document, fetched on first use and kept an hour (not at start-up, so a
    provider that is down never stops Jifen from starting or people from using their passwords)."""
    url = getattr(settings, "OIDC_OP_DISCOVERY", "")
    if not url:
        return {}
    key = "sso:oidc-discovery:" + hashlib.sha256(url.encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(f"discovery document {url}: {exc}") from exc
        if not isinstance(document, dict) or not document.get("authorization_endpoint"):
            raise ProviderUnavailable(f"discovery document {url} names no authorization endpoint")
        cache.set(key, document, DISCOVERY_SECONDS)
    return document


def oidc_setting(attr: str, *default):
    """A mozilla-django-oidc setting; an endpoint not configured by itself comes from discovery."""
    if attr in DISCOVERY_KEYS and not getattr(settings, attr, ""):
        return discovery_document().get(DISCOVERY_KEYS[attr]) or (default[0] if default else "")
    return import_from_settings(attr, *default)


def _setting_property(attr: str):
    return property(lambda self: oidc_setting(attr, None))


def _audiences(payload: dict) -> list[str]:
    audience = payload.get("aud")
    if isinstance(audience, str):
        return [audience]
    return list(audience or [])


class PersonOIDCBackend(OIDCAuthenticationBackend):
    """Signs in the person the provider's identity names (employee number claim, else e-mail claim).

    Never makes a login for an identity that names no one (mozilla-django-oidc's default would)."""

    # Endpoints are looked up when used: Django makes every backend for each password login too,
    # and that must not call the provider.
    OIDC_OP_TOKEN_ENDPOINT = _setting_property("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _setting_property("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _setting_property("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_CLIENT_ID = _setting_property("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _setting_property("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = _setting_property("OIDC_RP_SIGN_ALGO")
    OIDC_RP_IDP_SIGN_KEY = _setting_property("OIDC_RP_IDP_SIGN_KEY")
    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback view (which passes the nonce it kept) signs in this way: a password login
        # that happens to carry ?code=...&state=... must not start a token exchange.
        if request is None or "nonce" not in kwargs or "password" in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        # A person who leaves is signed out at their next request, as with a password login.
        user = self.UserModel._default_manager.select_related("person").filter(pk=user_id, is_active=True).first()
        return user

    # Permissions come from Jifen roles (accounts.backends.RolePermissionBackend), not Django groups.
    def get_all_permissions(self, user, obj=None):
        return set()

    def has_perm(self, user, perm, obj=None):
        return False

    def has_module_perms(self, user, app_label):
        return False

    def verify_token(self, token, **kwargs):
        """Signature and nonce (mozilla-django-oidc), then the audience and issuer, which it leaves out."""
        payload = super().verify_token(token, **kwargs)
        if self.OIDC_RP_CLIENT_ID not in _audiences(payload):
            raise SuspiciousOperation("ID token was issued for another client")
        issuer = oidc_setting("OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token was issued by another provider")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo is about someone else than the ID token")
            claims.update(userinfo)
        return sign_on_login(source=provider_name(), **identity_from_claims(claims))


def identity_from_claims(claims: dict) -> dict:
    """Employee number and e-mail from the configured claims; an e-mail the provider says it has not
    verified is not trusted to name anyone."""
    employee_claim = settings.OIDC_EMPLOYEE_NO_CLAIM
    email_claim = settings.OIDC_EMAIL_CLAIM
    employee_no = claims.get(employee_claim) if employee_claim else None
    email = claims.get(email_claim) if email_claim else None
    if claims.get("email_verified") in (False, "false"):
        email = None
    return {
        "employee_no": employee_no if isinstance(employee_no, str | int) else "",
        "email": email if isinstance(email, str) else "",
    }

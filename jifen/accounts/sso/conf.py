"""Sign-on settings read from the environment: each of OpenID Connect and LDAP stays off (no button, no
authentication backend, no network call) until its variables are set. Imported by jifen/settings.py, so
nothing here may touch models."""

import os

from django.core.exceptions import ImproperlyConfigured

from jifen.core.env import env_bool, env_int, env_str

OIDC_BACKEND = "jifen.accounts.sso.oidc.PersonOIDCBackend"
LDAP_BACKEND = "jifen.accounts.sso.directory.PersonLDAPBackend"
NUMBER_OR_EMAIL_BACKEND = "jifen.accounts.backends.EmployeeNoOrEmailBackend"
DISCOVERY_PATH = "/.well-known/openid-configuration"
OIDC_ENDPOINTS = (
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_OP_ISSUER",
)
# Whatever people type in the login box (their directory user id, e-mail or employee number) finds them.
DEFAULT_LDAP_FILTER = "(|(uid=%(user)s)(mail=%(user)s)(employeeNumber=%(user)s))"


def _name(variable: str, default: str) -> str:
    """A claim or attribute name: unset means the default, set but empty means "don't match on this"."""
    return os.environ.get(variable, default).strip()


def discovery_url(value: str) -> str:
    """The provider's issuer URL or its full discovery URL, as an administrator may give either."""
    value = value.strip()
    if not value or value.endswith(DISCOVERY_PATH):
        return value
    return value.rstrip("/") + DISCOVERY_PATH


def oidc_settings() -> dict:
    client_id = env_str("OIDC_RP_CLIENT_ID")
    if not client_id:
        return {"JIFEN_OIDC_ENABLED": False}
    endpoints = {name: env_str(name) for name in OIDC_ENDPOINTS}
    discovery = discovery_url(env_str("OIDC_OP_DISCOVERY"))
    if not discovery and not (endpoints["OIDC_OP_AUTHORIZATION_ENDPOINT"] and endpoints["OIDC_OP_TOKEN_ENDPOINT"]):
        raise ImproperlyConfigured(
            "OIDC_RP_CLIENT_ID is set: also set OIDC_OP_DISCOVERY (the provider's issuer URL), or "
            "OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_JWKS_ENDPOINT"
        )
    return {
        "JIFEN_OIDC_ENABLED": True,
        "OIDC_PROVIDER_NAME": env_str("OIDC_PROVIDER_NAME"),
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": env_str("OIDC_RP_CLIENT_SECRET"),
        "OIDC_OP_DISCOVERY": discovery,
        **endpoints,
        "OIDC_RP_SIGN_ALGO": env_str("OIDC_RP_SIGN_ALGO", "RS256"),
        "OIDC_RP_SCOPES": env_str("OIDC_RP_SCOPES", "openid email profile"),
        "OIDC_USE_PKCE": env_bool("OIDC_USE_PKCE", True),
        # An intranet provider often has a certificate from the company's own authority.
        "OIDC_VERIFY_SSL": env_str("OIDC_CA_BUNDLE") or env_bool("OIDC_VERIFY_SSL", True),
        "OIDC_TIMEOUT": env_int("OIDC_TIMEOUT_SECONDS", 10),
        "OIDC_EMPLOYEE_NO_CLAIM": _name("OIDC_EMPLOYEE_NO_CLAIM", "employee_no"),
        "OIDC_EMAIL_CLAIM": _name("OIDC_EMAIL_CLAIM", "email"),
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso:oidc_callback",
    }


def ldap_settings() -> dict:
    server = env_str("LDAP_SERVER_URI")
    if not server:
        return {"JIFEN_LDAP_ENABLED": False}
    import ldap
    from django_auth_ldap.config import LDAPSearch

    search_base = env_str("LDAP_USER_SEARCH_BASE")
    if not search_base:
        raise ImproperlyConfigured("LDAP_SERVER_URI is set: also set LDAP_USER_SEARCH_BASE (where people are)")
    timeout = env_int("LDAP_TIMEOUT_SECONDS", 5)
    global_options = {}
    if env_str("LDAP_CA_CERT_FILE"):
        global_options[ldap.OPT_X_TLS_CACERTFILE] = env_str("LDAP_CA_CERT_FILE")
    return {
        "JIFEN_LDAP_ENABLED": True,
        "AUTH_LDAP_SERVER_URI": server,
        "AUTH_LDAP_BIND_DN": env_str("LDAP_BIND_DN"),
        "AUTH_LDAP_BIND_PASSWORD": env_str("LDAP_BIND_PASSWORD"),
        "AUTH_LDAP_START_TLS": env_bool("LDAP_START_TLS", False),
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(
            search_base, ldap.SCOPE_SUBTREE, env_str("LDAP_USER_FILTER", DEFAULT_LDAP_FILTER)
        ),
        "AUTH_LDAP_GLOBAL_OPTIONS": global_options,
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: timeout, ldap.OPT_TIMEOUT: timeout, ldap.OPT_REFERRALS: 0,
        },
        # Jifen keeps the login in step with the person; the directory only checks the password.
        "AUTH_LDAP_ALWAYS_UPDATE_USER": False,
        "LDAP_EMPLOYEE_NO_ATTR": _name("LDAP_EMPLOYEE_NO_ATTR", "employeeNumber"),
        "LDAP_EMAIL_ATTR": _name("LDAP_EMAIL_ATTR", "mail"),
    }


def sign_on_settings(backends: list[str]) -> dict:
    """Settings for jifen/settings.py: the OIDC and LDAP blocks and the authentication backends.

    The LDAP backend goes before the password backend, so a directory password works and a Jifen
    password still does (for logins the directory does not know, or while it is down)."""
    values = {**oidc_settings(), **ldap_settings()}
    backends = list(backends)
    if values["JIFEN_LDAP_ENABLED"]:
        backends.insert(backends.index(NUMBER_OR_EMAIL_BACKEND), LDAP_BACKEND)
    if values["JIFEN_OIDC_ENABLED"]:
        backends.append(OIDC_BACKEND)
    values["AUTHENTICATION_BACKENDS"] = backends
    return values

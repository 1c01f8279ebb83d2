from django.conf import settings as django_settings

from jifen.accounts.sso.conf import LDAP_BACKEND, OIDC_BACKEND, sign_on_settings

SIGN_ON_ENV = (
    "OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET", "OIDC_OP_DISCOVERY", "OIDC_PROVIDER_NAME",
    "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_OP_ISSUER", "OIDC_EMPLOYEE_NO_CLAIM", "OIDC_EMAIL_CLAIM",
    "LDAP_SERVER_URI", "LDAP_BIND_DN", "LDAP_BIND_PASSWORD", "LDAP_USER_SEARCH_BASE", "LDAP_USER_FILTER",
    "LDAP_EMPLOYEE_NO_ATTR", "LDAP_EMAIL_ATTR",
)


def configure(settings, monkeypatch, **env) -> dict:
    """Settings as jifen/settings.py makes them from exactly these environment variables."""
    for name in SIGN_ON_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    base = [b for b in django_settings.AUTHENTICATION_BACKENDS if b not in (OIDC_BACKEND, LDAP_BACKEND)]
    values = sign_on_settings(base)
    for name, value in values.items():
        setattr(settings, name, value)
    return values

"""LDAP: the company directory checks the password (django-auth-ldap); the person is found in Jifen by
the entry's employee number attribute, else its e-mail attribute."""

from django.conf import settings
from django.utils.translation import gettext as _
from django_auth_ldap.backend import LDAPBackend

from jifen.accounts.sso.services import SignOnRefused, sign_on_login

# Where the login form finds why a directory login was refused (see accounts.forms.LoginForm).
REFUSAL_ATTR = "sso_refusal"


def _first(attrs, name: str) -> str:
    if not name:
        return ""
    values = attrs.get(name) or []
    return values[0] if values else ""


class PersonLDAPBackend(LDAPBackend):
    """Password logins checked against the directory, for the person the directory entry names."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        self._request = request
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        # A person who leaves is signed out at their next request, as with a password login.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def get_or_build_user(self, username, ldap_user):
        attrs = ldap_user.attrs or {}
        try:
            user = sign_on_login(
                employee_no=_first(attrs, settings.LDAP_EMPLOYEE_NO_ATTR),
                email=_first(attrs, settings.LDAP_EMAIL_ATTR),
                source=_("directory (LDAP)"),
            )
        except SignOnRefused as refusal:
            request = getattr(self, "_request", None)
            if request is not None:
                setattr(request, REFUSAL_ATTR, refusal.message)
            raise ldap_user.AuthenticationFailed(f"{ldap_user.dn}: {refusal.message}") from refusal
        return user, False

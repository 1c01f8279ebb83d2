from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def _find_login(identifier: str):
    users = get_user_model()._default_manager
    user = users.filter(username=identifier).first()
    if user is None and "@" in identifier:
        user = users.filter(email__iexact=identifier).first()
    return user


def lockout_username(request, credentials=None) -> str:
    """What django-axes counts failures against (AXES_USERNAME_CALLABLE): the login itself, so
    the number, the e-mail and every spelling of the e-mail share one count of failures."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    identifier = (raw or "").strip()
    user = _find_login(identifier) if identifier else None
    return user.username if user is not None else identifier.lower()


class EmployeeNoOrEmailBackend(ModelBackend):
    """Log in with the employee / student number (the username) or the e-mail address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = _find_login(username.strip())
        if user is None:
            # Same work as a real check, so timing doesn't reveal which logins exist.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The signed-in user of each request, with their person in the same query (every page needs it:
        the top bar's name, the permissions' own records, and the home page's own card)."""
        user = (get_user_model()._default_manager
                .select_related("person__org_unit", "person__position", "person__manager")
                .filter(pk=user_id).first())
        return user if user is not None and self.user_can_authenticate(user) else None


class RolePermissionBackend:
    """Django's own permission checks (the admin) follow Jifen roles: a system admin may do all."""

    def authenticate(self, request, **credentials):
        return None

    def _is_system_admin(self, user) -> bool:
        if not user.is_active:
            return False
        cached = getattr(user, "_jifen_system_admin", None)
        if cached is None:
            cached = user.roles.filter(role="system_admin").exists()
            user._jifen_system_admin = cached
        return cached

    def has_perm(self, user, perm, obj=None) -> bool:
        return self._is_system_admin(user)

    def has_module_perms(self, user, app_label) -> bool:
        return self._is_system_admin(user)

    def get_user(self, user_id):
        return None

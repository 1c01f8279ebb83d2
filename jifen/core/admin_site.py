"""The Django admin is for system admins only, whatever their is_staff flag says."""

from django.contrib import admin

from jifen.org.permissions import Perm, get_access


def has_permission(request) -> bool:
    return request.user.is_active and get_access(request).has(Perm.ADMIN_SITE)


def restrict_admin_site() -> None:
    admin.site.has_permission = has_permission

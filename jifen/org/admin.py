from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from jifen.org.models import OrgUnit, Person, Position, RoleAssignment


@admin.register(OrgUnit)
class OrgUnitAdmin(TreeAdmin):
    form = movenodeform_factory(OrgUnit)
    list_display = ["name", "name_path", "kind", "archived_at"]
    search_fields = ["name", "name_path", "code"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["name", "job_level", "annual_credit_target", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "org_unit", "position", "status"]
    list_filter = ["status", "position"]
    search_fields = ["employee_no", "name", "email"]
    raw_id_fields = ["manager", "user", "org_unit"]
    list_select_related = ["org_unit", "position"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "scope", "granted_at"]
    list_filter = ["role"]
    raw_id_fields = ["user", "scope", "granted_by"]

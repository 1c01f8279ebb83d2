from django.contrib import admin

from jifen.xapi.models import ActivityMapping, Statement, VerbMapping, XapiClient


@admin.register(VerbMapping)
class VerbMappingAdmin(admin.ModelAdmin):
    list_display = ["verb", "event_type", "created_at"]
    search_fields = ["verb"]


@admin.register(ActivityMapping)
class ActivityMappingAdmin(admin.ModelAdmin):
    list_display = ["activity", "course", "created_at"]
    search_fields = ["activity", "course__code", "course__title"]
    list_select_related = ["course"]


@admin.register(XapiClient)
class XapiClientAdmin(admin.ModelAdmin):
    """Create clients with `jifen createxapiclient NAME` (the secret is shown once); here they can be switched off."""

    list_display = ["name", "key", "active", "read_all", "org_unit", "last_used_at"]
    fields = ["name", "key", "active", "read_all", "org_unit", "last_used_at"]
    readonly_fields = ["key", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    """Read-only: statements are immutable; voiding is a statement too."""

    list_display = ["statement_id", "stored", "client", "verb", "outcome", "reason", "voided"]
    list_filter = ["outcome", "reason", "voided", "client"]
    search_fields = ["=statement_id", "verb", "activity", "agent"]
    list_select_related = ["client"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

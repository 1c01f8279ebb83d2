from django.contrib import admin

from jifen.ledger.models import CurrencySettings, Entry


@admin.register(CurrencySettings)
class CurrencySettingsAdmin(admin.ModelAdmin):
    list_display = ["currency", "expiry_policy", "expiry_months"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    """Read-only: entries change only through the ledger service (and never after posting)."""

    list_display = ["account", "seq", "kind", "amount", "balance_after", "rule_label", "occurred_at"]
    list_filter = ["kind", "account__currency"]
    search_fields = ["idempotency_key", "account__person__employee_no", "rule_label"]
    list_select_related = ["account"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

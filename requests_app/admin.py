from django.contrib import admin

from requests_app.models import PrivacyRequest, RequestEvent


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "name", "from_status", "to_status", "actor_label", "reason", "data")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    """Read-only here: staff act through /staff/, where every change goes through the lifecycle."""

    list_display = ("reference", "kind", "status", "received_at", "due_at")
    list_filter = ("kind", "status")
    search_fields = ("reference",)
    inlines = [RequestEventInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from django.contrib import admin

from requests_app.models import OutboxMessage, PrivacyRequest, RequestEvent


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


class OutboxFailingFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("failing", "keeps failing"), ("pending", "not sent yet"), ("sent", "sent")]

    def queryset(self, request, queryset):
        from requests_app.outbox.services import FAILING_ATTEMPTS

        if self.value() == "failing":
            return queryset.filter(sent_at__isnull=True, attempts__gte=FAILING_ATTEMPTS)
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: which outgoing messages keep failing and why (the error's kind; never the payload,
    which holds addresses and bodies)."""

    list_display = ("key", "kind", "attempts", "last_error", "next_attempt_at", "sent_at", "created_at")
    list_filter = (OutboxFailingFilter, "kind", "last_error")
    search_fields = ("key",)
    fields = ("key", "kind", "attempts", "last_error", "created_at", "next_attempt_at", "sent_at")
    readonly_fields = fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from django.contrib import admin

from requests_app.appeals.models import Appeal

from .models import DenialReasonTemplate, StaffEvent, VerificationLowering


@admin.register(DenialReasonTemplate)
class DenialReasonTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "reason", "code", "offer_opt_out", "active")
    list_filter = ("reason", "active")
    search_fields = ("title", "statute")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible for oversight; staff change these only through /staff/, where every change is audited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("request", "submitted_at", "due_at", "decision", "decided_at")
    list_filter = ("decision",)
    exclude = ("statement", "explanation")


@admin.register(VerificationLowering)
class VerificationLoweringAdmin(ReadOnlyAdmin):
    list_display = ("request", "level", "state", "proposed_by", "decided_by", "proposed_at")
    list_filter = ("state",)


@admin.register(StaffEvent)
class StaffEventAdmin(ReadOnlyAdmin):
    """Staff security events (MFA): who enrolled, signed in with which kind of code, failed, regenerated."""

    list_display = ("created_at", "name", "actor_label", "data")
    list_filter = ("name",)
    search_fields = ("actor_label",)

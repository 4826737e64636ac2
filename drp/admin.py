from django.contrib import admin

from drp.models import DrpAgent, DrpRequest


@admin.register(DrpAgent)
class DrpAgentAdmin(admin.ModelAdmin):
    """Agents come from the directory file (`manage.py drp_agents_load`); here they are enabled or
    disabled. A disabled agent's messages and token are refused at once."""

    list_display = ("agent_id", "name", "enabled", "token_issued_at", "loaded_at")
    list_filter = ("enabled",)
    list_editable = ("enabled",)
    search_fields = ("agent_id", "name")
    readonly_fields = ("token_issued_at", "loaded_at")
    fields = (
        "agent_id",
        "name",
        "enabled",
        "verify_key",
        "web_url",
        "identity_assurance_url",
        "technical_contact",
        "business_contact",
        "token_issued_at",
        "loaded_at",
    )


@admin.register(DrpRequest)
class DrpRequestAdmin(admin.ModelAdmin):
    list_display = ("request_id", "agent", "exercise", "received_at")
    list_filter = ("agent", "exercise")
    readonly_fields = [f.name for f in DrpRequest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

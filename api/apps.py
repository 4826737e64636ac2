from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Follow requests for the outgoing webhooks: every status change (inside its transaction) and
        every acknowledgement of receipt. Registered here: requests_app imports nothing of the API."""
        from requests_app import lifecycle

        from . import schema, tasks  # noqa: F401  (the bearer security scheme; tasks in every process)
        from .webhooks import webhook_acknowledged_hook, webhook_transition_hook

        lifecycle.lifecycle_hooks_register(
            on_transition=[webhook_transition_hook], on_acknowledged=[webhook_acknowledged_hook]
        )

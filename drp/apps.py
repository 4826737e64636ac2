from django.apps import AppConfig


class DrpConfig(AppConfig):
    name = "drp"
    verbose_name = "Data Rights Protocol"

    def ready(self) -> None:
        """Follow every status change of a DRP request, to call the agent back (through the outbox), and
        purge the agent's free text with the submission's personal data."""
        from drp import tasks  # noqa: F401  (registers the callback task in every process)
        from drp.services import drp_purge_hook, drp_transition_hook
        from requests_app import lifecycle

        lifecycle.lifecycle_hooks_register(on_transition=[drp_transition_hook], on_purge=[drp_purge_hook])

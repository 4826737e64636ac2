from django.apps import AppConfig


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = "Privacy requests"

    def ready(self) -> None:
        """Wire the right packages into the core, which imports none of them: every task registered in
        every process (the web process enqueues them too), each kind's fulfilment task, the rules every
        transition honours."""
        from requests_app import fulfilment, lifecycle, tasks
        from requests_app.agents.services import agent_release_refusal, agent_request_closed_hook
        from requests_app.systems.services import system_runs_closed_hook
        from requests_app.verify.services import request_closed_hook

        fulfilment.fulfilment_tasks_register(tasks.FULFILMENT)
        lifecycle.lifecycle_hooks_register(
            on_close=[request_closed_hook, agent_request_closed_hook, system_runs_closed_hook],
            release_checks=[agent_release_refusal],
        )

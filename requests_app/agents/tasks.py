"""Authorized agents' tasks: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="requests.agents.acknowledge")
def agent_acknowledgement_task(authorization_id: int) -> None:
    from requests_app.agents.services import agent_acknowledgement_send

    agent_acknowledgement_send(authorization_id=authorization_id)


@shared_task(base=RetryingTask, name="requests.agents.acknowledged_hooks")
def agent_acknowledged_hooks_task(authorization_id: int) -> None:
    from requests_app.agents.services import agent_acknowledged_hooks_run

    agent_acknowledged_hooks_run(authorization_id=authorization_id)


@shared_task(base=RetryingTask, name="requests.agents.process")
def agent_process_task(authorization_id: int) -> None:
    from requests_app.agents.services import agent_authorization_process

    agent_authorization_process(authorization_id=authorization_id)


@shared_task(name="requests.agents.status_code", ignore_result=True)
def agent_status_code_task(authorization_id: int | None) -> None:
    from requests_app.agents.services import agent_status_code_deliver

    agent_status_code_deliver(authorization_id=authorization_id)


@shared_task(base=RetryingTask, name="requests.agents.confirmation")
def agent_confirmation_task(authorization_id: int | None, again: bool = False) -> None:
    from requests_app.agents.services import agent_confirmation_send

    agent_confirmation_send(authorization_id=authorization_id, again=again)


@shared_task(name="requests.agents.sweep")
def agent_sweep_task() -> dict[str, int]:
    from requests_app.agents.services import agent_sweep

    return agent_sweep()

"""Task names are pinned, so that queued messages and beat entries survive a module's move."""

from django.conf import settings

from rakunest_privacy.celery import app

OUR_MODULES = ("requests_app.", "staff.", "records.", "verification.", "drp.", "api.")


def our_tasks() -> dict:
    return {name: task for name, task in app.tasks.items() if task.__module__.startswith(OUR_MODULES)}


def test_every_task_of_ours_has_a_pinned_name_not_its_module_path():
    tasks = our_tasks()
    assert len(tasks) >= 25
    assert [name for name, task in tasks.items() if name.startswith(task.__module__)] == []
    assert all(name.startswith(("requests.", "staff.", "api.")) for name in tasks)


def test_every_beat_entry_names_a_registered_task():
    registered = set(our_tasks())
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} - registered == set()


def test_each_kind_has_its_fulfilment_task_registered():
    from requests_app.fulfilment import FULFILMENT_TASKS
    from requests_app.models import Kind

    assert set(FULFILMENT_TASKS) == set(Kind.values)
    assert {task.name for task in FULFILMENT_TASKS.values()} <= set(our_tasks())

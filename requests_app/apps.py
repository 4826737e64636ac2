from django.apps import AppConfig


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = "Privacy requests"

    def ready(self) -> None:
        # Register the app's Celery tasks in every process (the web process too): fulfilment_enqueue
        # looks kinds' tasks up by name in the app's registry.
        from . import tasks  # noqa: F401

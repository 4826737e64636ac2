from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Records and data map"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the dataset check)

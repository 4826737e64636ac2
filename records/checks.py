"""Dataset files are checked before a request needs them: `manage.py check --database default` (run it in
the deploy, as the Dockerfile's start command does) loads every external system's file and reports each
problem naming the file, the line and the field. The admin refuses a System whose file does not load."""

from django.core import checks
from django.db import DatabaseError

from .connectors.datasets import DatasetError
from .connectors.registry import external_systems, system_dataset
from .models import System


def system_dataset_problems(system: System) -> list[str]:
    """What is wrong with the system's dataset file ([] when it loads, or the system needs none)."""
    if system.connector not in (System.Connector.SQL, System.Connector.HTTP):
        return []
    try:
        system_dataset(system)
    except DatasetError as exc:
        return exc.problems
    return []


@checks.register(checks.Tags.database)
def datasets_load(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    if not databases:
        return []
    try:
        systems = external_systems()
    except DatabaseError:  # not migrated yet: nothing is configured
        return []
    return [
        checks.Error(
            problem,
            hint="Fix the file, then run manage.py connector_check.",
            obj=system.code,
            id="records.E001",
        )
        for system in systems
        for problem in system_dataset_problems(system)
    ]

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drp.directory import DirectoryError, directory_load


class Command(BaseCommand):
    help = "Load the DRP service directory's agents.json: create or update agents, disable the missing."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--keep-missing", action="store_true", help="Do not disable absent agents.")

    def handle(self, *args, path: Path, keep_missing: bool, **options):
        try:
            result = directory_load(path=path, disable_missing=not keep_missing)
        except DirectoryError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{result.created} created, {result.updated} updated ({result.rekeyed} with a new key), "
            f"{result.disabled} disabled"
        )

"""Check the external systems' connectors: files valid, systems reachable, tables/fields/endpoints
present, identity columns indexed, and, for a test identity, a dry-run locate that changes nothing.

    manage.py connector_check                       every system whose connector is not built-in
    manage.py connector_check payments              one system
    manage.py connector_check --dataset FILE        a file not yet named by any system
    manage.py connector_check --identity-email test.person@example.com

Output names systems, tables, columns and counts, never a value found.
"""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from records.connectors.base import Identity
from records.connectors.datasets import DatasetError, SqlDataset, load_dataset
from records.connectors.http import HttpConnector
from records.connectors.registry import external_systems, system_connector
from records.connectors.sql import SqlConnector
from records.models import System


class Command(BaseCommand):
    help = "Check external connectors (reach, schema, indexes) and dry-run a lookup for a test identity."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", nargs="?", help="a System code (default: every external system)")
        parser.add_argument("--dataset", help="check this dataset file instead of a configured system")
        parser.add_argument("--identity-email", default="")
        parser.add_argument("--identity-phone", default="", help="E.164, as stored (+14155550101)")
        parser.add_argument("--identity-member-number", default="")

    def handle(self, *args, **options) -> None:
        identity = Identity(
            email=options["identity_email"].strip(),
            phone=options["identity_phone"].strip(),
            member_number=options["identity_member_number"].strip(),
        )
        targets = self._targets(options["system"], options["dataset"])
        if not targets:
            self.stdout.write("No external systems are configured: every System uses the built-in connector.")
            return
        failed = []
        for label, build, system in targets:
            self.lines = []
            ok = self._check_one(label, build, identity)
            if system is not None:
                _record(system, ok=ok, lines=self.lines)
            if not ok:
                failed.append(label)
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(targets)} system(s) failed the check: {', '.join(failed)}"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(targets)} system(s) checked, all fine."))

    def _say(self, style, text: str) -> None:
        self.lines.append(text.strip())
        self.stdout.write(style(text) if style else text)

    def _targets(self, code: str | None, dataset: str | None) -> list[tuple[str, object, System | None]]:
        if dataset:
            return [(dataset, lambda: _connector_for_file(dataset), None)]
        if code:
            system = System.objects.filter(code=code).first()
            if system is None:
                raise CommandError(f"no System with code {code!r}")
            if system.connector == System.Connector.BUILTIN:
                raise CommandError(f"system {code} uses the built-in connector (the portal's own tables)")
            systems = [system]
        else:
            systems = external_systems()
        return [
            (f"{s.code} ({s.connector}, {s.dataset_path or 'no file'})", lambda s=s: system_connector(s), s)
            for s in systems
        ]

    def _check_one(self, label: str, build, identity: Identity) -> bool:
        self.stdout.write(self.style.MIGRATE_HEADING(label))
        try:
            connector = build()
        except DatasetError as exc:
            for problem in exc.problems:
                self._say(self.style.ERROR, f"  {problem}")
            return False
        health = connector.check()
        self._say(None, f"  reachable: {'yes' if health.reachable else 'no'}")
        for problem in health.problems:
            self._say(self.style.ERROR, f"  problem: {problem}")
        for warning in health.warnings:
            self._say(self.style.WARNING, f"  warning: {warning}")
        ok = health.ok
        if identity.items() and health.reachable:
            ok = self._dry_run(connector, identity) and ok
        return ok

    def _dry_run(self, connector, identity: Identity) -> bool:
        """Locate only: reads, never writes. Counts per table (SQL) or records (HTTP), never values."""
        try:
            handles = connector.locate(identity)
        except Exception as exc:  # noqa: BLE001 (reported, with no personal data, and the check fails)
            self._say(self.style.ERROR, f"  dry run: {exc}")
            return False
        if isinstance(connector, SqlConnector):
            per_table = Counter(h.table for h in handles)
            found = ", ".join(f"{n} in {table}" for table, n in sorted(per_table.items())) or "nothing"
        else:
            found = f"{len(handles)} record(s)" if handles else "nothing"
        kinds = ", ".join(kind for kind, _ in identity.items())
        self._say(None, f"  dry run ({kinds}): found {found}; nothing was changed")
        return True


def _connector_for_file(path: str) -> SqlConnector | HttpConnector:
    dataset = load_dataset(path)
    return SqlConnector(dataset) if isinstance(dataset, SqlDataset) else HttpConnector(dataset)


def _record(system: System, *, ok: bool, lines: list[str]) -> None:
    """Keep the outcome for the admin: when, whether it passed, and the problems (no values, no secrets)."""
    System.objects.filter(pk=system.pk).update(
        last_checked_at=timezone.now(), last_check_ok=ok, last_check_summary="\n".join(lines)[:4000]
    )

"""Counts per open status for the queue header: a partial index on status alone lets PostgreSQL count
the open requests with an index-only scan instead of visiting ~30,000 scattered heap rows (107 ms → a few
ms over 1,000,000 requests; bench/README.md)."""

from django.db import migrations

OPEN = "NOT (\"status\" IN ('completed', 'denied', 'withdrawn', 'unverifiable'))"


class Migration(migrations.Migration):
    dependencies = [("staff", "0002_roles_reasons_and_queue_indexes")]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX staff_open_status ON requests_app_privacyrequest ("status") WHERE {OPEN}',
            "DROP INDEX staff_open_status",
        ),
    ]

"""Staff roles (groups), the denial reason templates, and the indexes the staff queue reads through.

The role → action table lives in staff/permissions.py; groups only name the roles. The admin group
also gets Django admin permissions for the data map, reason templates and staff accounts.

The two indexes are on requests_app's tables but serve only the staff queue, so they are created here
with plain SQL (Django's model state does not track them): open requests in the order the queue shows
them (effective due date, then id, for keyset pagination), and requester e-mail for analysts' search.
"""

from django.db import migrations

from staff.seed import REASON_TEMPLATES, ROLES, roles_and_reasons_create


def create_roles_and_reasons(apps, schema_editor):
    roles_and_reasons_create(apps)


def remove_roles_and_reasons(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
    apps.get_model("staff", "DenialReasonTemplate").objects.filter(
        code__in=[r["code"] for r in REASON_TEMPLATES]
    ).delete()


OPEN = "NOT (\"status\" IN ('completed', 'denied', 'withdrawn', 'unverifiable'))"


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        ("requests_app", "0001_initial"),
        ("records", "0002_load_data_map"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles_and_reasons, remove_roles_and_reasons),
        migrations.RunSQL(
            "CREATE INDEX staff_open_by_effective_due ON requests_app_privacyrequest "
            f'((COALESCE("extended_due_at", "due_at")), "id") WHERE {OPEN}',
            "DROP INDEX staff_open_by_effective_due",
        ),
        migrations.RunSQL(
            'CREATE INDEX staff_submission_email ON requests_app_submission ("email")',
            "DROP INDEX staff_submission_email",
        ),
    ]

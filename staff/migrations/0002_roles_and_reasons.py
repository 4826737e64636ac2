"""Staff roles (groups) and the denial reason templates.

The role → action table lives in staff/permissions.py; groups only name the roles. The admin group also
gets Django admin permissions for the data map, reason templates and staff accounts. The staff queue's
indexes are declared on requests_app's models (PrivacyRequest.Meta, Submission.Meta).
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


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        ("requests_app", "0001_initial"),
        ("records", "0002_load_data_map"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles_and_reasons, remove_roles_and_reasons)]

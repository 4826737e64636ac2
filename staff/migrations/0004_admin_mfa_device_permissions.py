"""The admin role may view and delete staff MFA devices (a lost phone), never add or change one
(staff/seed.py ADMIN_PERMISSION_CODENAMES), and read StaffEvent in the admin. Runs the idempotent seed
again once django-otp's tables and StaffEvent exist."""

from django.db import migrations

from staff.seed import roles_and_reasons_create


def grant(apps, schema_editor):
    roles_and_reasons_create(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0003_staff_event"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

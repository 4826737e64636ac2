from django.db import migrations, models

from records.datamap import RETENTION_DAYS


def forwards(apps, schema_editor):
    System = apps.get_model("records", "System")
    for code, days in RETENTION_DAYS.items():
        System.objects.filter(code=code).update(retention_days=days)
    # An entry camera frame is neither a §7024(d) type nor withheld by the policy (§2 lists "your
    # image" among identifiers): it is disclosed like any other identifier.
    apps.get_model("records", "DataPointType").objects.filter(code="entry_image").update(never_disclose=False)


def backwards(apps, schema_editor):
    apps.get_model("records", "DataPointType").objects.filter(code="entry_image").update(never_disclose=True)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0005_system_last_check"),
    ]

    operations = [
        migrations.AddField(
            model_name="system",
            name="retention_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Days after collection the data is kept (the retention statement's limit); empty: no age limit.",
                null=True,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]

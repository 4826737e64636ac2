from django.db import migrations


def load(apps, schema_editor):
    from records.datamap import load_data_map

    load_data_map(apps)


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

from django.db import migrations


def create_defaults(apps, schema_editor):
    from taizhang.study.defaults import DEFAULT_ACTIVITY_TYPES

    ActivityType = apps.get_model("study", "ActivityType")
    for order, (code, name) in enumerate(DEFAULT_ACTIVITY_TYPES):
        ActivityType.objects.update_or_create(campaign=None, code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("study", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

from django.db import migrations


def create(apps, schema_editor):
    # Set when a supervisor makes an agent not ready from the wallboard; agents cannot pick it.
    apps.get_model("agents", "ReasonCode").objects.update_or_create(
        code="supervisor", defaults={"name": "主管置忙", "category": "system", "built_in": True})


class Migration(migrations.Migration):
    dependencies = [("acd", "0001_initial"), ("agents", "0002_built_in_reason_codes")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

from django.db import migrations

BUILT_IN = [
    ("break", "小休", "break"),
    ("lunch", "就餐", "lunch"),
    ("training", "培训", "training"),
    ("meeting", "会议", "meeting"),
    # Set by the ACD when a reserved call rings out at an agent who did not answer.
    ("missed", "未接来电", "system"),
]


def create(apps, schema_editor):
    ReasonCode = apps.get_model("agents", "ReasonCode")
    for code, name, category in BUILT_IN:
        ReasonCode.objects.update_or_create(code=code, defaults={"name": name, "category": category, "built_in": True})


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

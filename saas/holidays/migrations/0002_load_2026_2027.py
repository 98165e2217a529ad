import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "cn_public_holidays.json"


def load(apps, schema_editor):
    PublicHoliday = apps.get_model("holidays", "PublicHoliday")
    for day in json.loads(DATA.read_text())["days"]:
        PublicHoliday.objects.update_or_create(
            date=day["date"], defaults={"kind": day["kind"], "name": day["name"], "official": day["official"]}
        )


class Migration(migrations.Migration):
    dependencies = [("holidays", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

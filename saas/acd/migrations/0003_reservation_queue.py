import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Reservation = apps.get_model("acd", "Reservation")
    Call = apps.get_model("acd", "Call")
    Reservation.objects.update(queue_id=Subquery(Call.objects.filter(pk=OuterRef("call_id")).values("queue_id")))
    # The deferred foreign-key checks must run now, or the NOT NULL below meets pending trigger events.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [("acd", "0002_supervisor_reason_code"), ("queues", "0002_queue_ring_seconds")]
    operations = [
        migrations.AddField(
            model_name="reservation", name="queue",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="queues.queue"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reservation", name="queue",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="queues.queue"),
        ),
    ]

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce, Now


def chunks_in_flight_count_as_started(apps, schema_editor):
    """Chunks SENDING before this field existed may have been sent: count them as started, so a
    takeover still reports their items as uncertain."""
    BulkChunk = apps.get_model("bulk", "BulkChunk")
    BulkChunk.objects.filter(state="sending").update(
        request_started_at=Coalesce(F("claimed_at"), Now())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bulk", "0004_suspicious_items"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulkchunk",
            name="request_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(chunks_in_flight_count_as_started, migrations.RunPython.noop),
    ]

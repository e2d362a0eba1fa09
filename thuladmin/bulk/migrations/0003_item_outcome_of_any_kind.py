from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bulk", "0002_chunk_record_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name="bulkitem",
            name="outcome",
            field=models.CharField(default="PENDING", max_length=20, verbose_name="outcome"),
        ),
    ]

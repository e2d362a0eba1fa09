from django.db import migrations, models


class Migration(migrations.Migration):
    """Items store their detail as a code with parameters, worded when read, and Thulium's own
    message apart. Rows written before keep their worded sentence in `detail` and no code: they
    are shown as they are (`BulkItem.detail_text`), so nothing needs rewriting here."""

    dependencies = [
        ("bulk", "0007_job_outcome_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulkitem",
            name="detail_code",
            field=models.CharField(blank=True, max_length=64, verbose_name="detail code"),
        ),
        migrations.AddField(
            model_name="bulkitem",
            name="detail_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="bulkitem",
            name="thulium_message",
            field=models.TextField(blank=True, verbose_name="Thulium's message"),
        ),
    ]

from collections import Counter

from django.db import migrations, models


def sum_the_chunks_of_jobs_over(apps, schema_editor):
    """Jobs over before the field existed: their counts from their chunks' tallies."""
    BulkJob = apps.get_model("bulk", "BulkJob")
    BulkChunk = apps.get_model("bulk", "BulkChunk")
    for job in BulkJob.objects.filter(state__in=["finished", "cancelled"]).only("pk", "invalid_count"):
        counts = Counter()
        for tally in BulkChunk.objects.filter(job=job).values_list("outcome_counts", flat=True):
            counts.update(tally or {})
        if job.invalid_count:
            counts["INVALID"] = job.invalid_count
        BulkJob.objects.filter(pk=job.pk).update(
            outcome_counts={outcome: count for outcome, count in counts.items() if count}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("bulk", "0006_job_state_writing"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulkjob",
            name="outcome_counts",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="bulkjob",
            name="run_after",
            field=models.DateTimeField(blank=True, null=True, verbose_name="runs after"),
        ),
        migrations.RunPython(sum_the_chunks_of_jobs_over, migrations.RunPython.noop),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bulk", "0003_item_outcome_of_any_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulkjob",
            name="suspicious_count",
            field=models.PositiveIntegerField(default=0, verbose_name="suspicious"),
        ),
    ]

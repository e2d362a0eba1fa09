from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_list_page_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("success", "Success"),
                    ("partial", "Partly done"),
                    ("failure", "Failure"),
                    ("refused", "Refused before sending"),
                    ("nothing", "Nothing changed"),
                ],
                max_length=16,
                verbose_name="outcome",
            ),
        ),
    ]

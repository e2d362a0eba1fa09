# Entries about a record keep the record's phone number, so that a search by the number finds
# them (see AuditEntry.phone). No data migration: nothing an older entry stored says what its
# record's number was; they keep being found by their target as before. The column's database
# default makes adding it one quick change of the table's definition, whatever its size, and
# the partial index holds only the entries that have a number.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_auditentry_subject"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="phone",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=40, verbose_name="phone number"
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("phone", ""), _negated=True),
                fields=["phone"],
                name="audit_phone",
            ),
        ),
    ]

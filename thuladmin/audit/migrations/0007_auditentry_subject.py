# An entry about a bulk job named it by a foreign key to the bulk engine's jobs: the audit log,
# below the features it records, pointed up at one of them (import-linter cannot see a model
# named in a string). It now names what it is about as a subject, a kind and an id, which the
# features register (`thuladmin.audit.registry.register_subject`); the bulk engine registers its
# jobs as "bulk.job". Each existing link is carried over, and back when migrating backwards.
#
# One UPDATE of the entries about a job (a few per job, found on the old column's index), then
# the old column is dropped, with its foreign key constraint and index. The new index is built
# last, once, on the data as it stays.

from django.db import migrations, models
from django.db.models import F

# The name the bulk engine registers its jobs under (thuladmin.bulk.models.AUDIT_SUBJECT), as it
# was when this migration was written: a migration keeps the values it wrote.
BULK_JOB = "bulk.job"


def links_to_subjects(apps, schema_editor):
    entries = apps.get_model("audit", "AuditEntry").objects.using(schema_editor.connection.alias)
    entries.filter(bulk_job__isnull=False).update(subject_kind=BULK_JOB, subject_id=F("bulk_job"))


def subjects_to_links(apps, schema_editor):
    entries = apps.get_model("audit", "AuditEntry").objects.using(schema_editor.connection.alias)
    entries.filter(subject_kind=BULK_JOB).update(bulk_job=F("subject_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_auditentry_before"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="subject_kind",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=32, verbose_name="subject kind"
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="subject_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="subject id"),
        ),
        migrations.RunPython(links_to_subjects, subjects_to_links, elidable=False),
        migrations.RemoveField(
            model_name="auditentry",
            name="bulk_job",
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["subject_kind", "subject_id"], name="audit_subject"),
        ),
    ]

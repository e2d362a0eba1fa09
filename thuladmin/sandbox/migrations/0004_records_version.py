"""A version token per campaign, changed by the database whenever the campaign's records change.

The records list (GET outbounds/:id/records) keeps, per process, the ordered ids of the records
matching a filter, so a page deep into 100,000 records is 100 lookups by id rather than an
OFFSET walk over the index, and `count` is the length of that list rather than a COUNT over it
(`thuladmin/sandbox/records_index.py`). The list is valid while the campaign's token is the one
it was read under. Triggers keep the token (not the application), so every write counts:
the views', the seed command's, a test's `bulk_create`, the admin's, PostgreSQL's TRUNCATE.

The token is a random number (SQLite) or the next value of a sequence (PostgreSQL), never a
counter: a rolled-back transaction puts the old token back, and a counter would then hand the
next, different change the token of the rolled-back one.
"""

from django.db import migrations

TABLE = "sandbox_records_version"

SQLITE_FORWARD = [
    f"CREATE TABLE {TABLE} (campaign_id varchar(5) NOT NULL PRIMARY KEY, version bigint NOT NULL)",
    f"INSERT INTO {TABLE} (campaign_id, version) "
    "SELECT DISTINCT campaign_id, random() FROM sandbox_record",
    *(
        f"CREATE TRIGGER sandbox_record_version_{name} AFTER {event} ON sandbox_record BEGIN "
        + " ".join(
            f"INSERT INTO {TABLE} (campaign_id, version) VALUES ({row}.campaign_id, random()) "
            "ON CONFLICT (campaign_id) DO UPDATE SET version = excluded.version;"
            for row in rows
        )
        + " END"
        for name, event, rows in (
            ("insert", "INSERT", ("NEW",)),
            ("delete", "DELETE", ("OLD",)),
            # Only the columns the list is ordered and filtered by: a note or an agent changed
            # leaves every list as it was (a page's values are always read fresh).
            ("update", "UPDATE OF campaign_id, status_id, create_date, call_date", ("NEW", "OLD")),
        )
    ),
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS sandbox_record_version_insert",
    "DROP TRIGGER IF EXISTS sandbox_record_version_delete",
    "DROP TRIGGER IF EXISTS sandbox_record_version_update",
    f"DROP TABLE IF EXISTS {TABLE}",
]

# Statement-level triggers: one upsert per campaign a statement touched, not one per row.
# Campaigns are upserted in id order, so two transactions lock their rows in the same order.
POSTGRESQL_FORWARD = [
    f"CREATE SEQUENCE {TABLE}_seq",
    f"CREATE TABLE {TABLE} (campaign_id varchar(5) NOT NULL PRIMARY KEY, version bigint NOT NULL)",
    f"INSERT INTO {TABLE} (campaign_id, version) SELECT campaign_id, nextval('{TABLE}_seq') "
    "FROM (SELECT DISTINCT campaign_id FROM sandbox_record) AS campaigns",
    f"""
    CREATE FUNCTION sandbox_record_version_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            UPDATE {TABLE} SET version = nextval('{TABLE}_seq');
        ELSIF TG_OP = 'INSERT' THEN
            INSERT INTO {TABLE} (campaign_id, version)
            SELECT campaign_id, nextval('{TABLE}_seq')
            FROM (SELECT DISTINCT campaign_id FROM new_rows ORDER BY campaign_id) AS changed
            ON CONFLICT (campaign_id) DO UPDATE SET version = EXCLUDED.version;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO {TABLE} (campaign_id, version)
            SELECT campaign_id, nextval('{TABLE}_seq')
            FROM (SELECT DISTINCT campaign_id FROM old_rows ORDER BY campaign_id) AS changed
            ON CONFLICT (campaign_id) DO UPDATE SET version = EXCLUDED.version;
        ELSE
            -- Only rows whose list columns changed (PostgreSQL allows no column list on a
            -- trigger with transition tables).
            INSERT INTO {TABLE} (campaign_id, version)
            SELECT campaign_id, nextval('{TABLE}_seq')
            FROM (
                SELECT DISTINCT touched.campaign_id FROM (
                    SELECT after_row.campaign_id AS new_campaign_id,
                        before_row.campaign_id AS old_campaign_id
                    FROM new_rows AS after_row JOIN old_rows AS before_row USING (record_id)
                    WHERE (
                        after_row.campaign_id, after_row.status_id,
                        after_row.create_date, after_row.call_date
                    ) IS DISTINCT FROM (
                        before_row.campaign_id, before_row.status_id,
                        before_row.create_date, before_row.call_date
                    )
                ) AS moved
                CROSS JOIN LATERAL (VALUES (moved.new_campaign_id), (moved.old_campaign_id))
                    AS touched (campaign_id)
                ORDER BY touched.campaign_id
            ) AS changed
            ON CONFLICT (campaign_id) DO UPDATE SET version = EXCLUDED.version;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER sandbox_record_version_insert AFTER INSERT ON sandbox_record "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION sandbox_record_version_touch()",
    "CREATE TRIGGER sandbox_record_version_delete AFTER DELETE ON sandbox_record "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION sandbox_record_version_touch()",
    "CREATE TRIGGER sandbox_record_version_update AFTER UPDATE ON sandbox_record "
    "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION sandbox_record_version_touch()",
    "CREATE TRIGGER sandbox_record_version_truncate AFTER TRUNCATE ON sandbox_record "
    "FOR EACH STATEMENT EXECUTE FUNCTION sandbox_record_version_touch()",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS sandbox_record_version_insert ON sandbox_record",
    "DROP TRIGGER IF EXISTS sandbox_record_version_delete ON sandbox_record",
    "DROP TRIGGER IF EXISTS sandbox_record_version_update ON sandbox_record",
    "DROP TRIGGER IF EXISTS sandbox_record_version_truncate ON sandbox_record",
    "DROP FUNCTION IF EXISTS sandbox_record_version_touch()",
    f"DROP TABLE IF EXISTS {TABLE}",
    f"DROP SEQUENCE IF EXISTS {TABLE}_seq",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("sandbox", "0003_record_list_indexes"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
    ]

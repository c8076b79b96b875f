"""Make audit events append-only in the database itself.

The model already refuses updates and deletes; these triggers also refuse them
for raw SQL and bulk queryset calls, which bypass the model's methods.
PostgreSQL refuses row updates and deletes (TRUNCATE, which test suites use to
reset tables, stays possible). SQLite refuses updates only, because its
DELETE is also how test suites reset tables there.
"""

from django.db import migrations

POSTGRESQL_FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]

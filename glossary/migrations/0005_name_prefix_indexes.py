from django.db import migrations

# Suggestions find names that start with what was typed by a range of lower-case keys
# (glossary/search/__init__.py, starting_with). SQLite's lower() indexes from 0004 serve it, as
# SQLite compares by code point; PostgreSQL compares by the database's collation, so it gets
# indexes on the keys compared by code point, the collation "C".
INDEXES = {
    "term_headword_prefix": ("glossary_term", "headword"),
    "term_expansion_prefix": ("glossary_term", "expansion"),
    "alias_name_prefix": ("glossary_alias", "name"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, column) in INDEXES.items():
            schema_editor.execute(f'CREATE INDEX {name} ON {table} ((lower({column}) COLLATE "C"))')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [("glossary", "0004_name_indexes")]

    operations = [migrations.RunPython(create, drop)]

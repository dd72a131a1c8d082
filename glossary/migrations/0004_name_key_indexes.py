from django.db import migrations

# Exact names and names that start with what was typed are found through an index of each name's
# key (glossary/search/, name_key): its lower case, compared by code point so that a range of keys
# is a prefix. SQLite compares text by code point already; PostgreSQL compares by the database's
# collation, so there the key carries the collation "C".
NAMES = {
    "term_headword_key": ("glossary_term", "headword"),
    "term_expansion_key": ("glossary_term", "expansion"),
    "alias_name_key": ("glossary_alias", "name"),
}
KEYS = {"sqlite": "lower({})", "postgresql": 'lower({}) COLLATE "C"'}


def create(apps, schema_editor):
    key = KEYS[schema_editor.connection.vendor]
    for name, (table, column) in NAMES.items():
        schema_editor.execute(f"CREATE INDEX {name} ON {table} (({key.format(column)}))")


def drop(apps, schema_editor):
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [("glossary", "0003_sqlite_planner_statistics")]

    operations = [migrations.RunPython(create, drop)]

"""SQLite: an FTS5 table of each term's names alone, kept current by triggers of its own.

The first search tier, prefixes as one types and the names a typo is compared with all look for
words in the names. In glossary_term_fts a column filter does that by reading the word's
positions in every term that holds it anywhere: for a word in 60,000 terms, 28 ms to rank the
names that hold it, against 7.5 in a table of names alone. PostgreSQL has its names vectors.

Careful, as with migration 0002: a later migration that remakes glossary_term or glossary_alias
drops these triggers; the search freshness tests fail if that happens.
"""

import django.db.models.deletion
from django.db import migrations, models

NAMES = """
    t.headword
    || CASE WHEN t.expansion <> '' THEN ' | ' || t.expansion ELSE '' END
    || coalesce((SELECT ' | ' || group_concat(a.name, ' | ') FROM glossary_alias AS a WHERE a.term_id = t.id), '')
"""


def refresh(term_id):
    return f"""
        DELETE FROM glossary_term_names WHERE rowid = {term_id};
        INSERT INTO glossary_term_names (rowid, names)
            SELECT t.id, {NAMES} FROM glossary_term AS t WHERE t.id = {term_id};
    """


INSTALL = [
    """CREATE VIRTUAL TABLE glossary_term_names USING fts5(
        names, tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')""",
    f"CREATE TRIGGER glossary_term_names_insert AFTER INSERT ON glossary_term BEGIN {refresh('NEW.id')} END",
    f"""CREATE TRIGGER glossary_term_names_update AFTER UPDATE OF headword, expansion ON glossary_term
        BEGIN {refresh('OLD.id')} {refresh('NEW.id')} END""",
    "CREATE TRIGGER glossary_term_names_delete AFTER DELETE ON glossary_term BEGIN "
    "DELETE FROM glossary_term_names WHERE rowid = OLD.id; END",
    f"CREATE TRIGGER glossary_alias_names_insert AFTER INSERT ON glossary_alias BEGIN {refresh('NEW.term_id')} END",
    f"""CREATE TRIGGER glossary_alias_names_update AFTER UPDATE ON glossary_alias
        BEGIN {refresh('OLD.term_id')} {refresh('NEW.term_id')} END""",
    f"CREATE TRIGGER glossary_alias_names_delete AFTER DELETE ON glossary_alias BEGIN {refresh('OLD.term_id')} END",
    f"INSERT INTO glossary_term_names (rowid, names) SELECT t.id, {NAMES} FROM glossary_term AS t",
]
UNINSTALL = [
    *[
        f"DROP TRIGGER {table}_names_{event}"
        for table in ("glossary_term", "glossary_alias")
        for event in ("insert", "update", "delete")
    ],
    "DROP TABLE glossary_term_names",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0017_search_summary_document"),
    ]

    operations = [
        migrations.CreateModel(
            name="SqliteNamesIndex",
            fields=[
                (
                    "term",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="sqlite_names",
                        serialize=False,
                        to="glossary.term",
                    ),
                ),
                ("match", models.TextField(db_column="glossary_term_names")),
                ("rank", models.FloatField()),
                ("names", models.TextField()),
            ],
            options={"db_table": "glossary_term_names", "managed": False},
        ),
        migrations.RunPython(run(INSTALL), run(UNINSTALL)),
    ]

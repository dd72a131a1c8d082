"""SQLite: an FTS5 table of each term's names and definition, kept current by triggers of its own.

The second search tier holds the terms whose names and definition hold the query's words. In
glossary_term_fts a column filter did that by reading the words' positions in every term that holds
them anywhere, and bm25 read them again for each word to count those terms: for two of the
benchmark's words at 100,000 terms, 12 ms, against 2.4 in a table of names and definitions alone
(where a common word is in a fifth as many terms). PostgreSQL has its summary_document (0017).

Careful, as with migrations 0002 and 0018: a later migration that remakes glossary_term or
glossary_alias drops these triggers; the search freshness tests fail if that happens.
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

NAMES_INDEX = import_module("glossary.migrations.0018_sqlite_names_index")
NAMES = NAMES_INDEX.NAMES  # a term's names, as that table holds them
ROWS = f"SELECT t.id, {NAMES}, t.definition FROM glossary_term AS t"  # each term's row of the table


def refresh(term_id):
    return f"""
        DELETE FROM glossary_term_summary WHERE rowid = {term_id};
        INSERT INTO glossary_term_summary (rowid, names, definition)
            {ROWS} WHERE t.id = {term_id};
    """


INSTALL = [
    # No prefix index: the tier asks for whole words only.
    """CREATE VIRTUAL TABLE glossary_term_summary USING fts5(
        names, definition, tokenize = 'porter unicode61 remove_diacritics 2')""",
    # Weighed as in glossary_term_fts (migration 0002).
    "INSERT INTO glossary_term_summary (glossary_term_summary, rank) VALUES ('rank', 'bm25(10.0, 4.0)')",
    f"CREATE TRIGGER glossary_term_summary_insert AFTER INSERT ON glossary_term BEGIN {refresh('NEW.id')} END",
    f"""CREATE TRIGGER glossary_term_summary_update AFTER UPDATE OF headword, expansion, definition
        ON glossary_term BEGIN {refresh('OLD.id')} {refresh('NEW.id')} END""",
    "CREATE TRIGGER glossary_term_summary_delete AFTER DELETE ON glossary_term BEGIN "
    "DELETE FROM glossary_term_summary WHERE rowid = OLD.id; END",
    f"CREATE TRIGGER glossary_alias_summary_insert AFTER INSERT ON glossary_alias BEGIN {refresh('NEW.term_id')} END",
    f"""CREATE TRIGGER glossary_alias_summary_update AFTER UPDATE ON glossary_alias
        BEGIN {refresh('OLD.term_id')} {refresh('NEW.term_id')} END""",
    f"CREATE TRIGGER glossary_alias_summary_delete AFTER DELETE ON glossary_alias BEGIN {refresh('OLD.term_id')} END",
    f"INSERT INTO glossary_term_summary (rowid, names, definition) {ROWS}",
]
UNINSTALL = [
    *[
        f"DROP TRIGGER {table}_summary_{event}"
        for table in ("glossary_term", "glossary_alias")
        for event in ("insert", "update", "delete")
    ],
    "DROP TABLE glossary_term_summary",
]


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0023_postgres_name_keys_cover_their_ids"),
    ]

    operations = [
        migrations.CreateModel(
            name="SqliteSummaryIndex",
            fields=[
                (
                    "term",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="sqlite_summary",
                        serialize=False,
                        to="glossary.term",
                    ),
                ),
                ("match", models.TextField(db_column="glossary_term_summary")),
                ("rank", models.FloatField()),
                ("names", models.TextField()),
            ],
            options={"db_table": "glossary_term_summary", "managed": False},
        ),
        migrations.RunPython(NAMES_INDEX.run(INSTALL), NAMES_INDEX.run(UNINSTALL)),
    ]

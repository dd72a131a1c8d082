"""PostgreSQL: the name key indexes (migration 0004) hold each row's id and name too, so that the
terms named like a search are read from them alone (index-only scans).

A search asks which terms have a headword or expansion that starts with what was typed, or a
name that is it (glossary.search.named_like). Each such term was looked up in the table, whose
rows hold whole articles: for “no” at 100,000 terms (821 headwords), 7.5 ms, against 0.5 read from
the indexes alone; for a stem that starts 4,807 headwords, 10 to 15 ms against 1.5. PostgreSQL
reads an expression's index alone only if it holds the column the expression is made of, hence the
name beside the id. The indexes are no larger than before (6.0 MB against 5.9 for the headwords').
Where a table's pages are not yet marked all-visible (rows written since the last vacuum), those
rows are still checked in the table. The indexes are dropped and built anew in one transaction:
reads and writes of the terms and aliases wait meanwhile (about a second at 100,000 terms).
"""

from importlib import import_module

from django.db import migrations

NAMES = {  # index: (table, name column, id column)
    "term_headword_key": ("glossary_term", "headword", "id"),
    "term_expansion_key": ("glossary_term", "expansion", "id"),
    "alias_name_key": ("glossary_alias", "name", "term_id"),
}
KEY = 'lower({}) COLLATE "C"'  # as migration 0004 made it


def indexes(*, covering):
    for index, (table, name, pk) in NAMES.items():
        yield f"DROP INDEX {index}"
        including = f" INCLUDE ({pk}, {name})" if covering else ""
        yield f"CREATE INDEX {index} ON {table} (({KEY.format(name)})){including}"


# Migration 0019's helper: the statements on PostgreSQL, nothing on SQLite (it reads an expression's
# index alone already, and finds each row by its id).
POSTINGS = import_module("glossary.migrations.0019_postgres_search_postings")


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0022_postgres_search_document_in_row"),
    ]

    operations = [
        migrations.RunPython(
            POSTINGS.run(list(indexes(covering=True))), POSTINGS.run(list(indexes(covering=False)))
        ),
    ]

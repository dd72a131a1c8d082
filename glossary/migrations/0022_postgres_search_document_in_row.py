"""PostgreSQL: each term's search document is kept in its row, as it is, not compressed in the
TOAST table.

A search ranks the matches of a tier by their weighted documents (glossary.search.postgresql).
A document is about 2.4 kB, which takes its row past the 2 kB at which PostgreSQL compresses the
row's largest values and then moves them out of it: each one ranked was fetched from the TOAST
table by its index, which made most of a common word's ranking. For “kupe” at 100,000 terms
(3,591 matches in the last tier): 19 ms, against 9 with the documents in their rows. A row may now
take up to a page (8,160 bytes) before its document is compressed and moved; the table takes no
more room in all (372 MB against 376).

Rows written before keep their documents where they were until they are rewritten, so they are
rewritten here with the same documents (the search log's trigger sees no change). The table is
locked meanwhile (searches wait: about 20 s at 100,000 terms), and each row leaves a dead one that
autovacuum, or `VACUUM (ANALYZE) glossary_term_search` after the deployment, takes back.
"""

from importlib import import_module

from django.db import migrations

POSTGRES = [
    "ALTER TABLE glossary_term_search SET (toast_tuple_target = 8160)",
    "ALTER TABLE glossary_term_search ALTER COLUMN document SET STORAGE MAIN",
    "UPDATE glossary_term_search SET document = document || ''::tsvector",
]
UNDO = [
    "ALTER TABLE glossary_term_search RESET (toast_tuple_target)",
    "ALTER TABLE glossary_term_search ALTER COLUMN document SET STORAGE EXTENDED",
]
# Migration 0019's helper: the statements on PostgreSQL, nothing on SQLite.
POSTINGS = import_module("glossary.migrations.0019_postgres_search_postings")


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0021_postgres_matches_skip_hopeless"),
    ]

    operations = [
        migrations.RunPython(POSTINGS.run(POSTGRES), POSTINGS.run(UNDO)),
    ]

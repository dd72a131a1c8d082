"""The names, and the names and definition, of each term as tsvectors of their own (PostgreSQL),
for ranking by where the words are found (glossary.search.Ranked): derived from the weighted
document, so the function that refreshes it needs no change."""

import django.contrib.postgres.search
from django.db import migrations

POSTGRES = [
    """ALTER TABLE glossary_term_search ADD COLUMN names_stemmed tsvector
        GENERATED ALWAYS AS (ts_filter(document, '{a}')) STORED""",
    "CREATE INDEX glossary_term_search_names_stemmed ON glossary_term_search USING gin (names_stemmed)",
    """ALTER TABLE glossary_term_search ADD COLUMN summary_document tsvector
        GENERATED ALWAYS AS (ts_filter(document, '{a,b}')) STORED""",
    "CREATE INDEX glossary_term_search_summary_document ON glossary_term_search USING gin (summary_document)",
]


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES:
            schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column in ("names_stemmed", "summary_document"):
            schema_editor.execute(f"ALTER TABLE glossary_term_search DROP COLUMN {column}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0016_links_stewards_and_reviews"),
    ]

    operations = [
        migrations.AddField(
            model_name="postgressearchindex",
            name="summary_document",
            field=django.contrib.postgres.search.SearchVectorField(),
        ),
        migrations.AddField(
            model_name="postgressearchindex",
            name="names_stemmed",
            field=django.contrib.postgres.search.SearchVectorField(),
        ),
        migrations.RunPython(add, remove),
    ]

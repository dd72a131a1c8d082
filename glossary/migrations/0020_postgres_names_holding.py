"""PostgreSQL: the terms whose names hold each of some words, from the postings of migration 0019.

A mistyped search is respelled from the names of the terms that hold its other words (glossary.
search.candidates). Asking the GIN index which words some published name holds, then which names
hold them all, took two statements and 2 to 3 ms at 100,000 terms; the names' postings answer
both from one row a word (0.4 ms), and the term sets say which of those terms are published.
As for matches, the postings may be old and the answer never is: the terms logged since they
were built are checked against their rows.
"""

from importlib import import_module

from django.db import migrations

POSTGRES = [
    # Rows of (kind, word, ids), ids as eight bytes each (int8send):
    #   - 'posted': the terms whose names held the word when the postings were built (None: none);
    #   - 'now': those logged since then whose names hold it now;
    #   - 'changed': every term logged since then (word None).
    # Past `changed_at_most` logged terms, 'now' rows from the GIN index for every term, and no
    # other rows. A function, as glossary_search_matches is, for the plan it keeps.
    """CREATE FUNCTION glossary_search_names_holding(words text[], changed_at_most int)
    RETURNS TABLE (kind text, word text, ids bytea)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
    #variable_conflict use_column
    DECLARE
        logged bigint;
    BEGIN
        SELECT count(*) INTO logged FROM (
            SELECT DISTINCT term_id FROM glossary_search_changed LIMIT changed_at_most + 1
        ) AS terms;
        IF logged > changed_at_most THEN
            RETURN QUERY SELECT 'now', asked.word, (
                SELECT string_agg(int8send(search.term_id), ''::bytea) FROM glossary_term_search AS search
                WHERE search.names_document @@ plainto_tsquery('simple', asked.word)
            ) FROM unnest(words) AS asked (word);
            RETURN;
        END IF;
        RETURN QUERY
        WITH changed AS (
            SELECT DISTINCT term_id FROM glossary_search_changed
        )
        SELECT 'posted', asked.word, postings.ids FROM unnest(words) AS asked (word)
            LEFT JOIN glossary_search_postings AS postings
            ON postings.names AND postings.lexeme = asked.word
        UNION ALL
        SELECT 'now', asked.word, (
            SELECT string_agg(int8send(search.term_id), ''::bytea) FROM glossary_term_search AS search
            WHERE search.term_id IN (SELECT changed.term_id FROM changed)
            AND search.names_document @@ plainto_tsquery('simple', asked.word)
        ) FROM unnest(words) AS asked (word)
        UNION ALL
        SELECT 'changed', NULL::text, string_agg(int8send(changed.term_id), ''::bytea) FROM changed;
    END $$""",
]
UNDO = ["DROP FUNCTION glossary_search_names_holding"]
# Migration 0019's helper: the statements on PostgreSQL, nothing on SQLite.
POSTINGS = import_module("glossary.migrations.0019_postgres_search_postings")


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0019_postgres_search_postings"),
    ]

    operations = [
        migrations.RunPython(POSTINGS.run(POSTGRES), POSTINGS.run(UNDO)),
    ]

"""PostgreSQL: a search's postings are not sent when a word of it is in no posting of their kind.

glossary_search_matches (migration 0019) sent every posting it was asked for, and the matches
were their intersection, worked out in Python. A mistyped search holds a word that no term holds
beside common ones: the 43,000 ids (350 kB) of a word its other words' postings held were sent
and parsed for nothing, 1.5 of the 2 ms of such a search's first read at 100,000 terms. Now a
kind of posting (the document's words, the names') in which a word of the query has none is
sent as empty rows: its intersection is empty, as before. The rows and their meaning are those
of migration 0019.
"""

from importlib import import_module

from django.db import migrations

POSTGRES = [
    """CREATE OR REPLACE FUNCTION glossary_search_matches(
        parts int[], spellings text[], in_names boolean[], prefixes boolean[],
        changed_at_most int, words_query text, names_query text
    ) RETURNS TABLE (kind text, part int, names boolean, forms bigint, ids bytea)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
    #variable_conflict use_column
    DECLARE
        logged bigint;
    BEGIN
        SELECT count(*) INTO logged FROM (
            SELECT DISTINCT term_id FROM glossary_search_changed LIMIT changed_at_most + 1
        ) AS terms;
        IF logged > changed_at_most THEN
            RETURN QUERY SELECT 'changed', NULL::int, NULL::boolean, logged, NULL::bytea;
            RETURN;
        END IF;
        RETURN QUERY
        WITH asked AS (
            SELECT * FROM unnest(parts, spellings, in_names, prefixes)
                WITH ORDINALITY AS asked (part, spelling, names, prefix, n)
        ), lexemes AS (
            SELECT asked.*, vector.lexeme,
                sum(cardinality(vector.positions)) OVER (PARTITION BY asked.n) AS forms
            FROM asked, unnest(to_tsvector(
                CASE WHEN asked.names THEN 'simple' ELSE 'english' END::regconfig, asked.spelling
            )) AS vector
        ), posted AS (
            SELECT lexemes.part, lexemes.names, lexemes.forms, postings.ids FROM lexemes
                LEFT JOIN glossary_search_postings AS postings
                ON postings.names = lexemes.names AND postings.lexeme = lexemes.lexeme
                WHERE NOT lexemes.prefix
        ), prefixed AS (
            SELECT max(lexemes.forms)::bigint AS forms, string_agg(postings.ids, ''::bytea) AS ids
                FROM lexemes JOIN glossary_search_postings AS postings ON postings.names AND lexemes.prefix
                AND postings.lexeme >= lexemes.lexeme AND postings.lexeme < lexemes.lexeme || chr(1114111)
                AND starts_with(postings.lexeme, lexemes.lexeme)
        ), held AS (
            -- (kind, word number) of the words some posting of that kind holds
            SELECT posted.names, posted.part FROM posted WHERE posted.ids IS NOT NULL
            UNION
            SELECT lexemes.names, lexemes.part FROM lexemes
                WHERE lexemes.prefix AND (SELECT prefixed.ids FROM prefixed) IS NOT NULL
        ), hopeless AS (
            -- the kinds in which a word of the query (a stop word has no lexeme) is held by none
            SELECT DISTINCT lexemes.names FROM lexemes
                WHERE (lexemes.names, lexemes.part) NOT IN (SELECT held.names, held.part FROM held)
        ), changed AS (
            SELECT DISTINCT term_id FROM glossary_search_changed
        )
        SELECT 'lexeme', posted.part, posted.names, posted.forms::bigint,
            CASE WHEN posted.names IN (SELECT hopeless.names FROM hopeless) THEN NULL ELSE posted.ids END
            FROM posted
        UNION ALL
        SELECT 'prefix', NULL::int, true, prefixed.forms,
            CASE WHEN true IN (SELECT hopeless.names FROM hopeless) THEN NULL ELSE prefixed.ids END
            FROM prefixed
        UNION ALL
        SELECT 'changed', NULL::int, NULL::boolean, logged, string_agg(int8send(changed.term_id), ''::bytea)
            FROM changed
        UNION ALL
        SELECT 'now', NULL::int, NULL::boolean, NULL::bigint, string_agg(int8send(search.term_id), ''::bytea)
            FROM glossary_term_search AS search
            WHERE search.term_id IN (SELECT changed.term_id FROM changed)
            AND (search.document @@ to_tsquery('english', words_query)
                OR search.names_document @@ to_tsquery('simple', names_query));
    END $$""",
]


# Put back on the way down: migration 0019's function, whose helper applies both ways.
POSTINGS = import_module("glossary.migrations.0019_postgres_search_postings")
UNDO = [
    statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    for statement in POSTINGS.POSTGRES
    if "FUNCTION glossary_search_matches" in statement
]


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0020_postgres_names_holding"),
    ]

    operations = [
        migrations.RunPython(POSTINGS.run(POSTGRES), POSTINGS.run(UNDO)),
    ]

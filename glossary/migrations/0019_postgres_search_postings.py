"""PostgreSQL: the ids of the terms that hold each word, kept as one row a word, for reading every
match of a search without visiting a row of glossary_term_search per match.

A common word's matches were read through its GIN index and then from the table's heap, whose
rows hold the tsvectors: for a word in 46,000 of 100,000 terms, 35 ms of the 40 a search page's
reads took. Here they are one row (glossary.search.postgresql.matched_ids).

The postings are rebuilt from the search index as a whole (`refresh_search`,
glossary.search.postgresql.refresh_postings). Between rebuilds, a trigger notes each term whose
search row is written in glossary_search_changed, and a search checks those terms against their
rows: the postings may be old, the matches never are. Writers only add a row to that log, so an
edit costs no more than before. SQLite needs none of this: FTS5 keeps its doclists by rowid.
"""

from django.db import migrations

POSTGRES = [
    # `names`: the lexemes of names_document ('simple'), else of document ('english'). `ids`: the
    # ids of the terms that held the lexeme when built, each as eight bytes (int8send), in no order.
    """CREATE TABLE glossary_search_postings (
        names boolean NOT NULL,
        lexeme text COLLATE "C" NOT NULL,
        ids bytea NOT NULL,
        PRIMARY KEY (names, lexeme)
    )""",
    # Read whole by every search that needs it: stored uncompressed (2 ms against 6 for 46,000 ids).
    "ALTER TABLE glossary_search_postings ALTER COLUMN ids SET STORAGE EXTERNAL",
    # A log, never updated: a rebuild deletes only the rows its snapshot sees, so a term written
    # meanwhile keeps its row (see refresh_postings).
    """CREATE TABLE glossary_search_changed (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        term_id bigint NOT NULL
    )""",
    "CREATE INDEX glossary_search_changed_term ON glossary_search_changed (term_id)",
    """CREATE FUNCTION glossary_search_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM glossary_search_postings;
            DELETE FROM glossary_search_changed;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO glossary_search_changed (term_id) VALUES (OLD.term_id);
        ELSE
            INSERT INTO glossary_search_changed (term_id) VALUES (NEW.term_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER glossary_search_note_change AFTER INSERT OR UPDATE OR DELETE
        ON glossary_term_search FOR EACH ROW EXECUTE FUNCTION glossary_search_note_change()""",
    """CREATE TRIGGER glossary_search_note_truncate AFTER TRUNCATE
        ON glossary_term_search FOR EACH STATEMENT EXECUTE FUNCTION glossary_search_note_change()""",
    # Every match of a search, for glossary.search.postgresql.matched_ids, which asks for each
    # spelling (of the word numbered `part`) as the document's lexemes ('english') or the names'
    # ('simple', and for the last word also as a prefix). It answers with rows of
    # (part, names, forms, ids):
    #   - each lexeme of a spelling, with the ids of the terms that hold it (None if none does);
    #     `forms` is how many lexemes the spelling makes, more than one for a phrase;
    #   - part -3: the ids of the terms whose names hold a lexeme that starts with the last word;
    #   - part -1: the terms whose search rows were written since the postings were built, `forms`
    #     being how many (counted up to `changed_at_most` + 1);
    #   - part -2: those of them that match the tsqueries `words_query` and `names_query` now.
    # A function, for its SET: PostgreSQL kept planning the statement afresh for each search (1.2 ms
    # a run, against 0.6 with the plan it keeps).
    """CREATE FUNCTION glossary_search_matches(
        parts int[], spellings text[], in_names boolean[], prefixes boolean[],
        changed_at_most int, words_query text, names_query text
    ) RETURNS TABLE (part int, names boolean, forms bigint, ids bytea)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
    #variable_conflict use_column
    BEGIN
        RETURN QUERY
        WITH asked AS (
            SELECT * FROM unnest(parts, spellings, in_names, prefixes)
                WITH ORDINALITY AS asked (part, spelling, names, prefix, n)
        ), lexemes AS (
            SELECT asked.*, lexeme, count(*) OVER (PARTITION BY asked.n) AS forms FROM asked,
                unnest(tsvector_to_array(to_tsvector(
                    CASE WHEN asked.names THEN 'simple' ELSE 'english' END::regconfig, asked.spelling
                ))) AS lexeme
        ), changed AS (
            SELECT term_id FROM glossary_search_changed LIMIT changed_at_most + 1
        )
        SELECT lexemes.part, lexemes.names, lexemes.forms, postings.ids FROM lexemes
            LEFT JOIN glossary_search_postings AS postings
            ON postings.names = lexemes.names AND postings.lexeme = lexemes.lexeme
            WHERE NOT lexemes.prefix
        UNION ALL
        SELECT -3, true, max(lexemes.forms), string_agg(postings.ids, ''::bytea) FROM lexemes
            JOIN glossary_search_postings AS postings ON postings.names AND lexemes.prefix
            AND postings.lexeme >= lexemes.lexeme AND postings.lexeme < lexemes.lexeme || chr(1114111)
        UNION ALL
        SELECT -1, NULL::boolean, count(*), string_agg(int8send(changed.term_id), ''::bytea) FROM changed
        UNION ALL
        SELECT -2, NULL::boolean, 1::bigint, string_agg(int8send(search.term_id), ''::bytea)
            FROM glossary_term_search AS search
            WHERE search.term_id IN (SELECT changed.term_id FROM changed)
            AND (search.document @@ to_tsquery('english', words_query)
                OR search.names_document @@ to_tsquery('simple', names_query));
    END $$""",
    # No postings yet: every term there is checked as changed until `refresh_search` builds them.
    "INSERT INTO glossary_search_changed (term_id) SELECT term_id FROM glossary_term_search",
]
UNDO = [
    "DROP TRIGGER glossary_search_note_truncate ON glossary_term_search",
    "DROP TRIGGER glossary_search_note_change ON glossary_term_search",
    "DROP FUNCTION glossary_search_note_change",
    "DROP FUNCTION glossary_search_matches",
    "DROP TABLE glossary_search_changed",
    "DROP TABLE glossary_search_postings",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0018_sqlite_names_index"),
    ]

    operations = [
        migrations.RunPython(run(POSTGRES), run(UNDO)),
    ]

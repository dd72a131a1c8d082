"""PostgreSQL: the ids of the terms that hold each word, kept as one row a word, for reading every
match of a search without visiting a row of glossary_term_search per match.

A common word's matches were read through its GIN index and then from the table's rows, which
hold the tsvectors: for a word in 46,000 of 100,000 terms, 35 ms of the 40 that a search page's
reads took. Here they are one row (glossary.search.postgresql.matched_ids).

The postings are built from the search index as a whole (`manage.py refresh_search`,
glossary.search.postgresql.refresh_postings). Between builds, a trigger logs each term whose
search text is written in glossary_search_changed, and a search checks those terms against their
rows: the postings may be old, the matches never are. A write adds one row to that log. SQLite
needs none of this: FTS5 keeps its doclists by rowid.
"""

from django.db import migrations

POSTGRES = [
    # `names`: the lexemes of names_document ('simple'), else of document ('english'). `ids`: the
    # ids of the terms that held the lexeme when built, each as eight bytes (int8send), in order.
    """CREATE TABLE glossary_search_postings (
        names boolean NOT NULL,
        lexeme text COLLATE "C" NOT NULL,
        ids bytea NOT NULL,
        PRIMARY KEY (names, lexeme)
    )""",
    # Read whole by every search that needs it, so stored uncompressed: compressed, a common word's
    # took 5 to 7 ms to read, most of it decompressing.
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
    """CREATE TRIGGER glossary_search_note_change AFTER INSERT OR DELETE
        ON glossary_term_search FOR EACH ROW EXECUTE FUNCTION glossary_search_note_change()""",
    # The search row is rewritten on every write to a term, alias or FAQ entry: logged only when
    # its words change (names_document and the other vectors are made from these two).
    """CREATE TRIGGER glossary_search_note_update AFTER UPDATE ON glossary_term_search FOR EACH ROW
        WHEN (OLD.document IS DISTINCT FROM NEW.document OR OLD.names IS DISTINCT FROM NEW.names)
        EXECUTE FUNCTION glossary_search_note_change()""",
    """CREATE TRIGGER glossary_search_note_truncate AFTER TRUNCATE
        ON glossary_term_search FOR EACH STATEMENT EXECUTE FUNCTION glossary_search_note_change()""",
    # Every match of a search, for glossary.search.postgresql.matched_ids, which asks for each
    # spelling (of the word numbered `part`) as the document's lexemes ('english') or the names'
    # ('simple'; for the last word, also as a prefix). It answers with rows of
    # (kind, part, names, forms, ids):
    #   - 'lexeme': a lexeme of a spelling, with the ids of the terms that hold it (None if none
    #     does); `forms` is how many words the spelling makes, more than one for a phrase;
    #   - 'prefix': the ids of the terms whose names hold a lexeme that starts with the last word;
    #   - 'changed': the terms logged since the postings were built, `forms` being how many;
    #   - 'now': those of them that match the tsqueries `words_query` and `names_query` now.
    # Past `changed_at_most` logged terms, only the 'changed' row. A function, for its SET:
    # PostgreSQL kept planning the statement afresh for each search (1.2 ms a run for a word no
    # term holds, against 0.6 with the plan it keeps).
    """CREATE FUNCTION glossary_search_matches(
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
        ), changed AS (
            SELECT DISTINCT term_id FROM glossary_search_changed
        )
        SELECT 'lexeme', lexemes.part, lexemes.names, lexemes.forms::bigint, postings.ids FROM lexemes
            LEFT JOIN glossary_search_postings AS postings
            ON postings.names = lexemes.names AND postings.lexeme = lexemes.lexeme
            WHERE NOT lexemes.prefix
        UNION ALL
        SELECT 'prefix', NULL::int, true, max(lexemes.forms)::bigint, string_agg(postings.ids, ''::bytea)
            FROM lexemes JOIN glossary_search_postings AS postings ON postings.names AND lexemes.prefix
            AND postings.lexeme >= lexemes.lexeme AND postings.lexeme < lexemes.lexeme || chr(1114111)
            AND starts_with(postings.lexeme, lexemes.lexeme)
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
    # No postings yet: every term there is checked as changed until `refresh_search` builds them.
    "INSERT INTO glossary_search_changed (term_id) SELECT term_id FROM glossary_term_search",
]
UNDO = [
    "DROP TRIGGER glossary_search_note_truncate ON glossary_term_search",
    "DROP TRIGGER glossary_search_note_update ON glossary_term_search",
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

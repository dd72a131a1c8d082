"""The terms named like a search (glossary.search.named_like): which, of which kind, and read from
the name key indexes alone, on PostgreSQL without visiting the terms' rows (migration 0023)."""

from django.db import connection

from glossary.search import after, named_like, named_like_rows
from glossary.search.text import Query

from . import factories


def test_each_term_once_by_the_nearest_of_its_names(db):
    exact = factories.term(headword="Nearshore", expansion="Nearshore outsourcing")
    aliased = factories.term(headword="Close-by sourcing", aliases=["Nearshore"])
    starting = factories.term(headword="Nearshoring hub", expansion="Nearshore delivery centre")
    factories.term(headword="Offshore", expansion="Work sent far nearshore")  # a later word: not named
    assert named_like(Query.parse("nearshore")) == {exact.pk: 0, aliased.pk: 0, starting.pk: 1}


def plan(text):
    query = Query.parse(text)
    sql, params = named_like_rows(query.text, query.stem, after(query.stem)).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(row[-1] for row in cursor.fetchall())
        # As at 100,000 terms: a handful of rows would be read whole otherwise.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_each_name_is_read_from_its_index_alone(db):
    factories.term(headword="Nearshore", expansion="Nearshore outsourcing", aliases=["Nearshoring"])
    lines = plan("nearshore")
    if connection.vendor == "sqlite":  # a name key index, or another that starts with that key
        searches = [line for line in lines.splitlines() if line.startswith("SEARCH ")]
        assert len(searches) == 5 and all(" USING INDEX " in line for line in searches), lines
        assert "SCAN" not in lines, lines
    else:
        scans = [
            line.split(" using ")[1].split()[0] for line in lines.splitlines() if "Index Only Scan" in line
        ]
        assert sorted(scans) == sorted(
            ["term_headword_key"] * 2 + ["term_expansion_key"] * 2 + ["alias_name_key"]
        )
        assert "Heap" not in lines and "Index Scan" not in lines, lines

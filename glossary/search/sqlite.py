"""SQLite: the FTS5 table glossary_term_fts (porter stemming, bm25), one of the names alone
(glossary_term_names, migration 0018), one of the names and definition (glossary_term_summary,
migration 0024) and a trigram table of the names."""

import json
from functools import cache

import numpy as np
from django.db import connection
from django.db.models import F, Func, TextField
from django.db.models.functions import Lower

from ..cache import kept
from ..models import SqliteNamesIndex, SqliteSearchIndex, SqliteSummaryIndex, Term
from ..prepared import PreparedRead
from .among import among
from .text import fragments, spellings

NAMES = "sqlite_index__names"  # a term's headword, expansion and aliases, joined by " | "
STEMMER = "porter"  # Snowball's, for snippets: the original Porter algorithm, as FTS5's tokenizer


def name_key(field):
    """A name as its index holds it (migration 0004): lower case; SQLite compares text by code
    point, so a range of keys is a prefix."""
    return Lower(field)


def conjunction(words, *, prefix=False):
    """Every word (in any of its spellings) must occur; with `prefix`, the last may be a prefix.

    Words are letters and digits only (see text.py), so quoting them leaves no syntax to inject.
    """
    groups = []
    for position, word in enumerate(words, start=1):
        forms = [quoted(form) for form in spellings(word)]
        if prefix and position == len(words):
            forms.append(f"{quoted(word)}*")
        groups.append(f"({' OR '.join(forms)})")
    return " AND ".join(groups)


def named(query):
    """Every word of `query`, the last as a prefix: what the names must hold."""
    return conjunction(query.words, prefix=True)


def expression(query):
    """An FTS5 expression of glossary_term_fts: every word anywhere, or in the names with the last
    word as a prefix."""
    return f"({conjunction(query.words)}) OR {{names}} : ({named(query)})"


def matching(query):
    """What `expression` matches, in fewer phrases: a term whose names hold every word holds them
    anywhere too, so the names' part asks only for the last word as a prefix (which holds the word
    itself). Each phrase is a doclist that FTS5 reads whole: for the benchmark's search pages at
    100,000 terms, 0.68 ms against 0.85 to read every match, the same ids for 806 queries. For the
    set of matches only: bm25 would weigh its fewer phrases otherwise."""
    *others, last = query.words
    held = [f"({conjunction(others)})"] if others else []
    return f"({conjunction(query.words)}) OR {{names}} : ({' AND '.join([*held, f'{quoted(last)}*'])})"


TIERS = ("names", "summary", "all")
# Each tier's table: the names alone (migration 0018), the names and definition (0024), everything.
# A column filter of glossary_term_fts read the word's positions in every term that holds it
# anywhere, and bm25 read them again to count the terms that hold it in those columns.
INDEXES = (SqliteNamesIndex, SqliteSummaryIndex, SqliteSearchIndex)
TIERS_HOLD_THE_EARLIER = True  # see tiers


def tiers(words, *, prefix=True):
    """(index, FTS5 expression) of the matches of `words` by where they are found: in the names
    (with `prefix`, the last word may be a prefix), in the names and definition, anywhere (see
    Ranked and INDEXES).

    Each tier holds those of the tiers before it, which Ranked has read whole by then and leaves
    out itself. Left out here, their words made as many more phrases, and bm25 counts the terms
    that hold each phrase of an expression: 6 ms against 1.6 for a benchmark's respelled queries."""
    every = conjunction(words)
    return list(zip(INDEXES, [conjunction(words, prefix=prefix), every, every], strict=True))


def ranked_ids(query, tier, limit, matched):
    """The ids of up to `limit` (None: all) matches of `tier` (see `tiers`), drafts too, best first:
    ranked in the index alone, without reading the terms' rows; by fewer of the words where that
    costs less (`ranking_words`), among the tier's matches. `matched` (how many published terms
    match in all) tells PostgreSQL how to plan its read; FTS5 plans alike for every word."""
    index, text = tiers(query.words)[tier]
    if not (words := ranking_words(query.words, tier)):
        return ranked_read(index, limit)(text)
    _, held = tiers(words, prefix=words[-1] == query.words[-1])[tier]
    table = index._meta.db_table
    among = f"SELECT rowid FROM {table} WHERE {table} MATCH %s"  # noqa: S608 (our table)
    return ranked_within(index, held, among, [text], limit)


# No reading of every tier at once (see postgresql.tiers_of): bm25 counts the rows that hold each
# word however few ids it ranks, which `ranked_ids` spares its tiers where it costs (ranking_words).
tiers_of = None


def ranked_among(query, tier, ids):
    """Those of `ids` in `tier` (see `tiers`), drafts too, best first, as `ranked_ids` orders them:
    only they are ranked. At 100,000 terms, the 1,438 terms named like “si” in 2.8 ms, against 6.2
    for the 5,363 of the whole tier."""
    index, text = tiers(query.words)[tier]
    return ranked_within(index, text, "SELECT value FROM json_each(%s)", [json.dumps(list(ids))])


def ranked_within(index, expression, among, params, limit=None):
    """The ids of the matches of `expression` in `index` that the subquery `among` (its `params`)
    gives, up to `limit`, best first: each match is checked against them and only those are
    ranked. "+rowid" keeps SQLite from looking each of them up in the match instead, which reads
    every match again for each (1.5 s for 1,700 ids, against 8 ms to rank the whole tier)."""
    table = index._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT rowid FROM {table} WHERE {table} MATCH %s AND +rowid IN ({among})
                ORDER BY rank, rowid LIMIT %s""",  # noqa: S608 (our tables and subqueries)
            [expression, *params, -1 if limit is None else limit],
        )
        return [pk for (pk,) in cursor.fetchall()]


ANYWHERE = len(INDEXES) - 1
PHRASES_KEPT = 50_000  # the (tier, spelling) counts a process keeps, per content version
# Ranking a row costs bm25 about 40 times what counting it does (1.1 µs against 27 ns).
RANKING_COST = 40


def ranking_words(words, tier):
    """The words to rank the matches of `tier` by, where leaving the others out costs less; else [].

    bm25 gives a phrase that half the rows hold or more no weight (FTS5 floors its IDF at 1e-6),
    yet counts those rows to find that out: 3 ms for a word in 98,000 of 100,000 terms, whose
    matches with another word may be a handful. Ranked by the other words alone, the rows that hold
    those are ranked, not only the matches: worth it while they are few beside the rows counted.
    A spelling that fewer than half the rows hold anywhere is counted no further."""
    if len(words) < 2:
        return []
    rows = kept("search-rows", compute=Term.objects.count)  # each index has a row a term
    spelled = {word: spellings(word) for word in words}
    anywhere = holding(ANYWHERE, [form for forms in spelled.values() for form in forms])
    # A spelling rare anywhere is rare in the tier's columns too: only the others are counted there.
    common = holding(tier, [form for form, n in anywhere.items() if 2 * n >= rows])
    telling = [
        word for word, forms in spelled.items() if any(2 * common.get(form, 0) < rows for form in forms)
    ]
    if len(telling) in {0, len(words)}:
        return []
    saved = sum(common[form] for word in words if word not in telling for form in spelled[word])
    ranked = min(sum(anywhere[form] for form in spelled[word]) for word in telling)
    return telling if RANKING_COST * ranked < saved else []


def holding(tier, forms):
    """{spelling: the rows that hold it where `tier` counts them} of `forms` (spellings), kept for
    the content version."""
    counts = kept("search-phrase-rows", compute=dict)  # {(tier, spelling): rows}
    if len(counts) > PHRASES_KEPT:
        counts.clear()
    if unknown := [form for form in dict.fromkeys(forms) if (tier, form) not in counts]:
        table = INDEXES[tier]._meta.db_table
        one = f"SELECT %s, (SELECT count(*) FROM {table} WHERE {table} MATCH %s)"  # noqa: S608 (ours)
        with connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join([one] * len(unknown)),
                [param for form in unknown for param in (form, quoted(form))],
            )
            counts |= {(tier, form): n for form, n in cursor.fetchall()}
    return {form: counts[tier, form] for form in forms}


@cache
def ranked_read(index, limit):
    """The read of `ranked_ids`, prepared (glossary.prepared) for each index and limit it is given."""
    return PreparedRead(
        lambda expression: (
            index.objects.filter(match=expression).order_by("rank", "pk").values_list("pk", flat=True)[:limit]
        )
    )


def match(terms, query, *, names_only=False):
    """`terms` that match, annotated with `search_rank` (lower is better).

    The join's condition is repeated index side first: only then does SQLite test other conditions
    on a term's id (such as `pk__in`, see Ranked) before reading the term's row (three times faster
    for a common prefix).
    """
    if names_only:
        holding = terms.filter(sqlite_names__match=named(query), sqlite_names__pk=F("pk"))
        return holding.annotate(search_rank=F("sqlite_names__rank"))
    return terms.filter(sqlite_index__match=expression(query), sqlite_index__pk=F("pk")).annotate(
        search_rank=F("sqlite_index__rank")
    )


class AllJoined(Func):
    """group_concat(…) over every row the query finds (a Func: see postgresql.ArrayOfAll)."""

    function = "group_concat"
    output_field = TextField()


# Prepared (glossary.prepared): compiling it cost every search about a third of a millisecond.
matched_read = PreparedRead(
    lambda expression: (
        SqliteSearchIndex.objects.filter(match=expression).order_by().values_list(AllJoined("pk"), flat=True)
    )
)


def matched_ids(query):
    """The ids of every term that matches, drafts too, read from the index alone as one text of
    ids and commas, parsed by numpy: for a word in 46,000 of 100,000 terms, 8 ms against 40 as
    rows (and 75 through the ORM), and 1 ms to parse against 4 for the same ids as JSON.
    (With the names' own table for the names' part, two reads and their union took longer.)"""
    return np.fromstring(matched_read(matching(query))[0] or "", dtype=np.int64, sep=",")


def similar_names(terms, text, limit, mistyped):
    """The names of `terms` that contain most of the pieces of `text` one typo leaves whole, best
    first, and a piece of one of the `mistyped` words (of `text`) if any are given.

    Each piece is a substring search in the trigram table; bm25 ranks names holding more of them.
    A name that holds no piece of a mistyped word cannot respell it: at 100,000 terms, 1,900 to
    4,500 names held a piece of the benchmark's mistyped queries, 50 to 350 one of the mistyped
    word's, and ranking only those took 2 to 4 ms against 8 to 16. Whether a match is among
    `terms` is asked of each match (by its id), in the same statement: reading every id of `terms`
    to filter the search would cost more than the search.
    """
    pieces = " OR ".join(map(quoted, fragments(text)))
    if not pieces:
        return []
    if required := " OR ".join(map(quoted, fragments(" ".join(mistyped)))):
        pieces = f"({required}) AND ({pieces})"
    kept, params = among(terms, "typo.rowid")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT typo.rowid FROM glossary_term_trigram AS typo WHERE typo.glossary_term_trigram MATCH %s
                AND EXISTS ({kept}) ORDER BY typo.rank LIMIT %s""",  # noqa: S608 (the ORM's own SQL)
            [pieces, *params, limit],
        )
        ranked = [pk for (pk,) in cursor.fetchall()]
    names = dict(Term.objects.filter(pk__in=ranked).values_list("pk", NAMES))
    return [names[pk] for pk in ranked]


def names_of(ids):
    """The names (NAMES) of the terms `ids`, in no order, looked up by rowid: one JSON parameter
    however many ids (see postgresql.names_of)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT names FROM glossary_term_fts WHERE rowid IN (SELECT value FROM json_each(%s))",
            [json.dumps(list(ids))],
        )
        return [names for (names,) in cursor.fetchall()]


def names_holding(words):
    """{word: ids} of those of `words` that the names of some terms (drafts too) hold, as FTS5
    stems them, the ids of those terms: one statement, each word's ids as one text that numpy parses."""
    holding = """SELECT %s, (SELECT group_concat(rowid) FROM glossary_term_names
                 WHERE glossary_term_names MATCH %s)"""
    params = [param for word in words for param in (word, quoted(word))]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([holding] * len(words)), params)
        return {word: np.fromstring(ids, dtype=np.int64, sep=",") for word, ids in cursor.fetchall() if ids}


def quoted(piece):
    """A piece of text as an FTS5 string; pieces are letters and digits only (text.py)."""
    return f'"{piece}"'

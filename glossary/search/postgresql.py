"""PostgreSQL: a weighted tsvector per term and a names-only one for prefixes (GIN), pg_trgm for typos."""

from array import array
from contextlib import contextmanager
from functools import cache

import numpy as np
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordDistance
from django.db import connection, transaction
from django.db.models import BigIntegerField, BooleanField, F, Func, Q, Value
from django.db.models.functions import Cast, Collate, Lower
from psycopg.pq import Format
from pyroaring import BitMap

from ..models import PostgresSearchIndex
from ..prepared import PreparedRead
from .text import fragments, spellings

# Weights for D, C, B, A: names (A) count most, then the definition (B), then body and FAQ (C).
WEIGHTS = [0.05, 0.2, 0.5, 1.0]
# ts_rank divides by 1 + log(document length), so a long article does not outrank a focused one.
LENGTH = 1
NAMES = "postgres_index__names"  # a term's headword, expansion and aliases, joined by " | "
STEMMER = "english"  # Snowball's, for snippets: as the "english" configuration


def name_key(field):
    """A name as its index holds it (migration 0004): lower case, compared by code point (collation
    "C"), so that a range of keys is a prefix whatever the database's collation."""
    return Collate(Lower(field), "C")


def tsquery_text(words, *, prefix=False):
    """A raw tsquery's text: every word (in any spelling) must occur; with `prefix`, the last may be
    a prefix.

    Words are letters and digits only (see text.py), so quoting them leaves no syntax to inject.
    """
    groups = []
    for position, word in enumerate(words, start=1):
        forms = [f"'{form}'" for form in spellings(word)]
        if prefix and position == len(words):
            forms.append(f"'{word}':*")
        groups.append(f"({' | '.join(forms)})")
    return " & ".join(groups)


class UnseenQuery(SearchQuery):
    """A tsquery the planner cannot look into, (SELECT to_tsquery(…)), as in a generic plan, but
    worked out once a statement (an InitPlan), where to_tsquery(%s) in a generic plan is worked out
    again for every row. A statement's plan is then the same whatever its words, and once prepared
    (kb.settings: PREPARE_THRESHOLD) it is not planned again."""

    template = "(SELECT %(function)s(%(expressions)s))"


def as_words(text, kind=SearchQuery):
    return kind(text, search_type="raw", config="english")


def as_names(text, kind=SearchQuery):
    return kind(text, search_type="raw", config="simple")  # unstemmed, as names are


def tsqueries(query):
    """(every word, the names' words with the last as a prefix): what `anywhere` matches."""
    return as_words(tsquery_text(query.words)), as_names(tsquery_text(query.words, prefix=True))


def anywhere(words, names, path=""):
    """`words` in the document, or `names` in the names, of the index row at `path`."""
    return Q(**{f"{path}document": words}) | Q(**{f"{path}names_document": names})


@contextmanager
def planned_each_time(planned):
    """If `planned`, statements run unprepared within it, each planned for its parameters; else as
    always. Prepared (kb.settings: PREPARE_THRESHOLD), a statement gets a generic plan after five
    runs, made without knowing how many terms a word is in."""
    if not planned:
        yield
        return
    connection.ensure_connection()
    psycopg = connection.connection
    threshold, psycopg.prepare_threshold = psycopg.prepare_threshold, None
    try:
        yield
    finally:
        psycopg.prepare_threshold = threshold


class ArrayOfAll(Func):
    """array_agg(…) over every row the query finds. A Func, not an Aggregate: the ORM would group
    the rows of a QuerySet that selects an aggregate by all their fields, one array a row."""

    function = "ARRAY_AGG"


class AnyOf(Func):
    """`value = ANY(array)`: one parameter however many values, so one statement to prepare."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def matches(words, names):
    """The ids of every term that matches the tsquery texts `words` and `names` (see `anywhere`),
    drafts too, read from the index alone as one array (quicker than joining the terms, or than a
    row each, when there are tens of thousands), in a QuerySet: prepared as `matched_read`.

    Planned for a common word's tens of thousands of matches, PostgreSQL read every row and its
    tsvector (430 ms) rather than the index (80): so the planner is not shown the words (as in the
    generic plan of a prepared statement, but also in the first runs, planned each time)."""
    condition = anywhere(as_words(words, UnseenQuery), as_names(names, UnseenQuery))
    ids = ArrayOfAll("pk", output_field=ArrayField(BigIntegerField()))
    return PostgresSearchIndex.objects.filter(condition).order_by().values_list(ids, flat=True)


# Prepared (glossary.prepared): compiling it cost every search about 0.8 ms of Python.
matched_read = PreparedRead(matches)


def matched_through_index(query):
    """`matched_ids` through the GIN indexes and the search rows, for when the postings are far
    behind (CHANGED_AT_MOST) or a spelling is more than one lexeme."""
    found = matched_read(tsquery_text(query.words), tsquery_text(query.words, prefix=True))
    return found[0] or []


# Past this many terms logged as written since the postings were built, a search stops checking
# them one by one and reads its matches through the index, until `refresh_search` runs again.
CHANGED_AT_MOST = 2000


def posted(ids):
    """The ids of a postings row (eight bytes each, as int8send writes them) as a BitMap. An id from
    2**32 on is left out: it could be no place's either (TermSets.place_at is indexed by id)."""
    ids = np.frombuffer(ids or b"", dtype=">i8")
    return BitMap(array("I", ids[ids < 2**32].astype(np.uint32).tobytes()))


# A word of a search whose postings held this many ids or more, the last time they were read in
# this process, is left out of the postings read when the search has other words (see matched_ids),
# where checking the matches of those against the rows costs less: checking an id took about 64
# times as long as sending and parsing one (2 µs against 33 ns).
LARGE_POSTINGS = 10_000
CHECKING_COST = 64
SIZES_KEPT = 50_000  # the words whose postings' sizes a process keeps
# {(in the names, word): how many ids its postings held}, as last read in this process: which words
# to leave out of a search's postings (matched_ids). Only how fast a search is depends on it.
posting_sizes = {}


def matched_ids(query, *, leave_out=True):
    """The ids of every term that matches `query`, drafts too, in no useful order (ids from 2**32
    on left out): `anywhere` worked out from the postings of its words (glossary_search_matches,
    migrations 0019 and 0021) as to_tsquery would, each word's spellings a union and the words an
    intersection, a spelling that is a stop word left out and a word whose spellings all are
    ignored; then the terms written since the postings were built, as their rows match now.

    With `leave_out`, the words whose postings were large when last read are not read where the
    search's other words match few terms (`leaving_out`): those matches are checked against the
    terms' rows instead, or, where they turn out to be too many, every posting is read after all.
    A word in 99,000 of 100,000 terms beside one in three: 790 kB sent and parsed to keep three
    ids, 3.7 ms against 0.3."""
    words = query.words
    left_out = leaving_out(words) if leave_out else {}
    asked = [
        (part, spelling, names, False)
        for names in (False, True)
        for part, word in enumerate(words)
        if (names, part) not in left_out
        for spelling in spellings(word)
    ]
    asked.append((len(words) - 1, words[-1], True, True))  # the last word, as a prefix of a name
    columns = [list(column) for column in zip(*asked, strict=True)]
    recheck = [tsquery_text(words), tsquery_text(words, prefix=True)]
    with connection.cursor() as cursor:
        # Rows in binary: as text, PostgreSQL spelled the bytes out in hex (1.5 ms against 4.8).
        cursor.cursor.format = Format.BINARY
        cursor.execute(
            "SELECT * FROM glossary_search_matches(%s, %s, %s, %s, %s, %s, %s)",
            [*columns, CHANGED_AT_MOST, *recheck],
        )
        rows = cursor.fetchall()
    groups, changed, now = {}, BitMap(), BitMap()  # groups: {(in the names, word number): ids}
    read = {}  # {(in the names, word): ids its postings held}, where they were sent
    for kind, part, names, forms, ids in rows:
        if kind == "changed":
            if forms > CHANGED_AT_MOST:
                return matched_through_index(query)
            changed = posted(ids)
        elif kind == "now":
            now = posted(ids)
        elif (forms or 0) > 1:
            return matched_through_index(query)  # to_tsquery makes such a spelling a phrase
        elif kind == "lexeme":  # empty for a lexeme no term holds, or for every lexeme of a
            # kind (the document's, the names') in which another word has none: nothing matches
            groups.setdefault((names, part), BitMap()).update(posted(ids))
            if ids is not None:
                read[names, words[part]] = read.get((names, words[part]), 0) + len(ids) // 8
        elif ids is not None:  # "prefix": names that start with the last word, of its group
            groups.setdefault((True, len(words) - 1), BitMap()).update(posted(ids))
    if len(posting_sizes) + len(read) > SIZES_KEPT:
        posting_sizes.clear()
    posting_sizes.update(read)
    found, checked = BitMap(), {}
    for names in (False, True):
        held = [ids for (in_names, _), ids in groups.items() if in_names == names]
        if any(kind == names for kind, _ in left_out):
            checked[names] = BitMap.intersection(*held) if held else None
        elif held:
            found |= BitMap.intersection(*held)
    if None in checked.values() or CHECKING_COST * sum(map(len, checked.values())) > sum(left_out.values()):
        return matched_ids(query, leave_out=False)  # nothing kept to check (stop words), or too much
    return (found - changed | matching_rows(checked, *recheck) | now).to_array()


def leaving_out(words):
    """{(in the names, word number): the ids its postings held when last read} of the words to leave
    out of the postings read for `words`: where their postings were large, and checking the matches
    of the other words of their kind (in the names, the last word among them) costs less than
    reading them, as far as the sizes last read tell."""
    left_out = {}
    for names in (False, True):
        sizes = {part: posting_sizes.get((names, word), 0) for part, word in enumerate(words)}
        last = len(words) - 1 if names else None  # the names' prefix: never left out
        large = {part: n for part, n in sizes.items() if n >= LARGE_POSTINGS and part != last}
        kept = [n for part, n in sizes.items() if part not in large]
        if large and kept and CHECKING_COST * min(kept) < sum(large.values()):
            left_out |= {(names, part): n for part, n in large.items()}
    return left_out


def matching_rows(checked, words, names):
    """Those of the ids `checked` ({in the names: ids}) whose search rows match now: the document
    the tsquery text `words`, or the names `names` (see `anywhere`)."""
    if not checked:
        return BitMap()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT term_id FROM glossary_term_search
                WHERE (term_id = ANY(%s) AND document @@ (SELECT to_tsquery('english', %s)))
                OR (term_id = ANY(%s) AND names_document @@ (SELECT to_tsquery('simple', %s)))""",
            [list(checked.get(False, [])), words, list(checked.get(True, [])), names],
        )
        return BitMap(term_id for (term_id,) in cursor.fetchall())


# Postings built anew from the search rows (see refresh_postings): each lexeme's ids as eight bytes
# apiece, in order, which numpy reads as they are (a word in 46,000 of 100,000 terms: 1.5 ms,
# against 35 through the GIN index and the rows).
POSTINGS = [
    "DELETE FROM glossary_search_postings",
    """INSERT INTO glossary_search_postings (names, lexeme, ids)
        SELECT false, lexeme, string_agg(int8send(term_id), ''::bytea ORDER BY term_id)
        FROM glossary_term_search, unnest(tsvector_to_array(document)) AS lexeme GROUP BY lexeme""",
    """INSERT INTO glossary_search_postings (names, lexeme, ids)
        SELECT true, lexeme, string_agg(int8send(term_id), ''::bytea ORDER BY term_id)
        FROM glossary_term_search, unnest(tsvector_to_array(names_document)) AS lexeme GROUP BY lexeme""",
]
REFRESHING = 0x676C6F7373617279  # the advisory lock that one refresh at a time holds


def refresh_postings():
    """Builds the postings (migration 0019) anew from the search rows: 35 s at 100,000 terms on
    the benchmark's machine, without blocking readers (they read the old postings until it
    commits) or writers (they only add to the log).

    The log's rows are deleted first, then the postings built, each statement seeing what had
    committed when it began (READ COMMITTED, Django's default): a term written after the deletion
    began keeps its row in the log and is checked as changed, even if the postings hold it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESHING])
        cursor.execute("DELETE FROM glossary_search_changed")
        for statement in POSTINGS:
            cursor.execute(statement)


def postings_state():
    """(terms logged as written since the postings were built, lexemes the postings hold)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT count(DISTINCT term_id) FROM glossary_search_changed),
                (SELECT count(*) FROM glossary_search_postings)"""
        )
        return cursor.fetchone()


def tier(number, words, names):
    """(condition, rank) of one tier of the matches of the tsqueries `words` and `names` (see
    `tsqueries`), by where the words are found, each tier leaving out the matches of those before
    it: in the names (the last word may be a prefix; or stemmed, as FTS5 has them: “supports” in
    “Technical support”), in the names and definition, anywhere else (see Ranked). The names and
    the definition have tsvectors of their own (migration 0017)."""
    in_names = Q(names_document=names) | Q(names_stemmed=words)
    if number == 0:
        return in_names, SearchRank(F("names_document"), names) + SearchRank(F("names_stemmed"), words)
    in_summary = Q(summary_document=words)
    if number == 1:
        rank = SearchRank(F("summary_document"), words, weights=WEIGHTS, normalization=Value(LENGTH))
        return in_summary & ~in_names, rank
    rank = SearchRank(F("document"), words | names, weights=WEIGHTS, normalization=Value(LENGTH))
    return anywhere(words, names) & ~in_summary & ~in_names, rank


TIERS = ("names", "summary", "elsewhere")
TIERS_HOLD_THE_EARLIER = False


# Ranked reads are prepared and planned once (UnseenQuery), except those that may score most of the
# terms: planned for their words, such a read is a sequential scan, where a generic plan goes
# through the GIN indexes (at 100,000 terms, a word in 96% of them: 90 ms against 200). So the last
# tier, whose matches are every term that holds the words, when a search matches more than
# TIER_PLANNED_PAST terms, and the named terms past AMONG_PLANNED, are planned each time; the others
# save their planning (each tier 0.15 to 0.3 ms), and a plan made without its words ranked 821 named
# terms in 3.5 ms, where one made for them took 5.5. The last tier's first 64, at 100,000 terms:
# 0.46 ms against 0.62 planned for a word in 50 terms, the same for one in 1,000, 5.5 against 5.1
# for one in 2,000 and 160 against 82 for one in 61,000.
TIER_PLANNED = TIERS.index("elsewhere")
TIER_PLANNED_PAST = 1000
AMONG_PLANNED = 2000


def seen_if(planned):
    """The kind of query of a ranked read: a tsquery the planner sees if it is `planned` each time."""
    return SearchQuery if planned else UnseenQuery


def ranked_among(query, number, ids):
    """Those of `ids` in the tier `number` (see `tier`), drafts too, best first, as `ranked_ids`
    orders them: each found by its primary key and ranked, where ranking the tier would score
    every match."""
    planned = len(ids) > AMONG_PLANNED
    among = "{" + ",".join(map(str, ids)) + "}"
    with planned_each_time(planned):
        read = among_read(number, planned)
        return read(tsquery_text(query.words), tsquery_text(query.words, prefix=True), among)


@cache
def among_read(number, planned):
    """The read of `ranked_among`, prepared (glossary.prepared) for each tier, of the tsquery texts
    of the words and of the names and the ids as an array's text: one parameter however many."""

    def build(words, names, ids):
        kind = seen_if(planned)
        condition, rank = tier(number, as_words(words, kind), as_names(names, kind))
        among = AnyOf(F("pk"), Cast(Value(ids), ArrayField(BigIntegerField())))
        matches = PostgresSearchIndex.objects.filter(among, condition).annotate(search_rank=-rank)
        return matches.order_by("search_rank", "pk").values_list("pk", flat=True)

    return PreparedRead(build)


def ranked_ids(query, tier, limit, matched):
    """The ids of up to `limit` (None: all) matches of `tier` (see `tier`), drafts too, best first:
    ranked in the index alone, without reading the terms' rows. `matched`: how many published
    terms match `query` in all (for how the read is planned)."""
    planned = tier == TIER_PLANNED and matched > TIER_PLANNED_PAST
    with planned_each_time(planned):
        read = ranked_read(tier, limit, planned)
        return read(tsquery_text(query.words), tsquery_text(query.words, prefix=True))


@cache
def ranked_read(number, limit, planned):
    """The read of `ranked_ids`, prepared (glossary.prepared) for each tier and limit it is given,
    of the tsquery texts of the words and of the names."""

    def build(words, names):
        kind = seen_if(planned)
        condition, rank = tier(number, as_words(words, kind), as_names(names, kind))
        matches = PostgresSearchIndex.objects.filter(condition).annotate(search_rank=-rank)
        return matches.order_by("search_rank", "pk").values_list("pk", flat=True)[:limit]

    return PreparedRead(build)


# `tiers_of`: each id's tier is the first whose condition it meets (see `tier`), ranked as that tier's
# reads rank it, and how it is named like the query as `named_like` tells (search/__init__.py). The
# tsqueries and the ids are InitPlans (see UnseenQuery): prepared, the statement is planned once,
# where a plan made for its ids took 0.5 ms, about as long as it ran.
TIERS_OF = """
    SELECT tier, term_id, named FROM (
        SELECT search.term_id, found.tier, CASE found.tier
            WHEN 0 THEN ts_rank(search.names_document, asked.names)
                + ts_rank(search.names_stemmed, asked.words)
            WHEN 1 THEN ts_rank(%(weights)s::real[], search.summary_document, asked.words, %(length)s::int)
            ELSE ts_rank(%(weights)s::real[], search.document, asked.words || asked.names, %(length)s::int)
            END AS rank,
            CASE WHEN lower(term.headword) = %(text)s OR lower(term.expansion) = %(text)s
                OR EXISTS (SELECT FROM glossary_alias AS alias
                    WHERE alias.term_id = term.id AND lower(alias.name) = %(text)s) THEN 0
            WHEN starts_with(lower(term.headword), %(stem)s) OR starts_with(lower(term.expansion), %(stem)s)
                THEN 1 END AS named
        FROM (SELECT (SELECT to_tsquery('english', %(words)s)) AS words,
            (SELECT to_tsquery('simple', %(names)s)) AS names) AS asked,
            glossary_term_search AS search JOIN glossary_term AS term ON term.id = search.term_id,
            LATERAL (SELECT CASE
                WHEN search.names_document @@ asked.names OR search.names_stemmed @@ asked.words THEN 0
                WHEN search.summary_document @@ asked.words THEN 1
                WHEN search.document @@ asked.words OR search.names_document @@ asked.names THEN 2
            END AS tier) AS found
        WHERE search.term_id = ANY((SELECT %(ids)s::bigint[])::bigint[])
    ) AS ranked WHERE tier IS NOT NULL ORDER BY tier, rank DESC, term_id"""


def tiers_of(query, ids):
    """[(tier, id, named)] of those of `ids` that match `query` (drafts too), by tier (see `tier`),
    each tier best first as `ranked_ids` orders it; `named` is 0 if a name of the term is the
    query, 1 if its headword or expansion starts with the query's stem, else None (as `named_like`
    finds them). One statement, where reading the tiers in turn and the names took four (for a
    misspelled search's few matches at 100,000 terms, 0.3 ms against 1.2)."""
    with connection.cursor() as cursor:
        cursor.execute(
            TIERS_OF,
            {
                "words": tsquery_text(query.words),
                "names": tsquery_text(query.words, prefix=True),
                "text": query.text,
                "stem": query.stem,
                "ids": list(ids),
                "weights": WEIGHTS,
                "length": LENGTH,
            },
        )
        return cursor.fetchall()


def match(terms, query, *, names_only=False):
    """`terms` that match, annotated with `search_rank` (lower is better).

    A term matches if it holds every word anywhere, or if its names hold them with the last as a
    prefix (“call cent”). Prefixes are looked up in the small names vector, which keeps them fast.
    """
    words, names = tsqueries(query)
    if names_only:
        return terms.filter(postgres_index__names_document=names).annotate(
            search_rank=-SearchRank(F("postgres_index__names_document"), names)
        )
    return terms.filter(anywhere(words, names, "postgres_index__")).annotate(
        search_rank=-SearchRank(
            F("postgres_index__document"), words | names, weights=WEIGHTS, normalization=Value(LENGTH)
        )
    )


# pg_trgm's word similarity at which names are like a whole mistyped query. Its default, 0.6, missed
# two letters swapped in a word of a short name (“kave lesiatsa” is 0.55 like “Kave leisatsa”), and
# the query's words, tried next, may each be in thousands of names (“kave”): 20 to 35 ms at 100,000
# terms, where 0.5 found the name in 2 to 5. Over the benchmark's misspelled searches, the names
# like a query took 0.31 ms a search, against 0.52; of its 1,200 misspellings, 1,137 were respelled
# (1,135 before) and, where none could be, the name misspelt was suggested for 7 more.
WHOLE_TEXT_SIMILARITY = 0.5


@contextmanager
def word_similarity_threshold(threshold):
    """pg_trgm's `%>` (and its GIN index) takes names at least `threshold` like the text, within a
    transaction of its own (or a savepoint): set for that transaction alone, so that a pooler that
    hands each transaction to another connection (PgBouncer, see PREPARE_THRESHOLD) runs the read
    with it and leaves no other session with it, and an error rolls it back. Reset at the end for
    an enclosing transaction's later statements."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(threshold)])
        yield
        cursor.execute("RESET pg_trgm.word_similarity_threshold")


def similar_names(terms, text, limit, mistyped):
    """The names of `terms` most like `text`, closest first (pg_trgm word similarity, a GIN lookup).

    If nothing is like the whole text (WHOLE_TEXT_SIMILARITY), names like any one of its words, as
    pg_trgm's default asks: one stray word (“nearshor outsorcing ltd”) should not hide the rest;
    or like one of the `mistyped` words (of `text`) if any are given: a name like none of them
    cannot respell them.
    """
    with word_similarity_threshold(WHOLE_TEXT_SIMILARITY):
        if names := names_like(terms, text, [text], limit):
            return names
    pieces = fragments(" ".join(mistyped), split=False) or fragments(text, split=False)
    return names_like(terms, text, pieces, limit)


def names_like(terms, text, pieces, limit):
    """Up to `limit` names of `terms` like any of `pieces` (`%>`), the closest to `text` first."""
    if not pieces:  # words under three letters: like every name
        return []
    alike = Q()
    for piece in pieces:
        alike |= Q(postgres_index__names__trigram_word_similar=piece)
    names = terms.filter(alike).annotate(distance=TrigramWordDistance(Value(text), NAMES))
    return list(names.order_by("distance").values_list(NAMES, flat=True)[:limit])


def names_of(ids):
    """The names (NAMES) of the terms `ids`, in no order: one array parameter however many ids,
    where Django's `pk__in` made a parameter of each (1 ms of a mistyped search's 12 for 300)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT names FROM glossary_term_search WHERE term_id = ANY(%s)", [list(ids)])
        return [names for (names,) in cursor.fetchall()]


def names_holding(words):
    """{word: ids} of those of `words` that the names of some terms (drafts too) hold, the ids of
    those terms, from the names' postings (migration 0020): as they were built, less the terms
    logged since, plus those of them whose names hold the word now."""
    with connection.cursor() as cursor:
        cursor.cursor.format = Format.BINARY
        cursor.execute("SELECT * FROM glossary_search_names_holding(%s, %s)", [list(words), CHANGED_AT_MOST])
        rows = cursor.fetchall()
    changed = next((posted(ids) for kind, _, ids in rows if kind == "changed"), BitMap())
    held = {}
    for kind, word, ids in rows:
        if kind != "changed":
            found = posted(ids) - changed if kind == "posted" else posted(ids)
            held[word] = held.get(word, BitMap()) | found
    return {word: ids.to_array() for word, ids in held.items() if ids}

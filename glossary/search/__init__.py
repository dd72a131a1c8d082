"""Search over terms, the same on every database.

Views and filters use `Search` and `suggest`; the engine behind them is picked from the
connection: FTS5 on SQLite (sqlite.py), full text and pg_trgm on PostgreSQL (postgresql.py).
Both get only words made of letters and digits (text.py), never the reader's syntax.
"""

from importlib import import_module

from django.db import connection
from django.db.models import Q, Value
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThan
from django.utils import timezone
from pyroaring import FrozenBitMap
from rapidfuzz import fuzz, process

from ..models import Alias, Term
from ..prepared import PreparedRead
from ..termsets import current
from .snippets import Snippets
from .text import Query, words_of

__all__ = ["Search", "suggest"]

SUGGESTIONS = 8
CANDIDATES = 20
# Up to this many names holding the words a mistyped query spells right, they are what its other
# words are compared with: for the benchmark's 600 misspellings, 580 respelled right against 577
# with 20, and fewer of them fall back to the slower search by pieces of words (see README, *Search*).
CONTEXT_NAMES = 300
# Ranked ids read beyond a page's need, for those the filters or the page's earlier tiers leave out.
SLACK = 20
# Up to this many terms, a page that shows the last of them ranks them all in one read where the
# engine can (Ranked._all). At 100,000 terms on PostgreSQL, for a word in 29 terms, 0.36 ms against
# 0.90 for reading the tiers in turn; in 94, 0.78 against 0.97; in 290, 1.8 against 1.5.
AT_ONCE = 100


def engine():
    return import_module(f"{__name__}.{connection.vendor}")


def after(text):
    """The first string after every one that starts with `text`."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def starts(field, text, end=None):
    """`field`, as its name key index holds it, starts with `text` (is from it up to `end`,
    `after(text)`, given apart for a prepared read): one range scan of that index."""
    key = engine().name_key
    return Q(GreaterThanOrEqual(key(field), text), LessThan(key(field), end or after(text)))


def named_like_rows(text, stem, end):
    """(id, 0) of the terms with a headword, expansion or alias that is `text`, and (id, 1) of those
    whose headword or expansion starts with `stem` (up to `end`, `after(stem)`), a term once for
    each name that does. Each part is read from one name index alone (migration 0023 on
    PostgreSQL): telling the kinds apart in SQL read each term's row, 7.4 ms against 1.2 on SQLite
    for a stem that starts 1,700 of 100,000 headwords; and on PostgreSQL, where two ranges of names
    in one part were read as one bitmap of rows, each row, 7.5 ms against 0.5 for 821 of them."""
    key = engine().name_key
    parts = [
        (Term, "pk", Exact(key("headword"), text), 0),
        (Term, "pk", Exact(key("expansion"), text), 0),
        (Term, "pk", starts("headword", stem, end), 1),
        (Term, "pk", starts("expansion", stem, end), 1),
        (Alias, "term_id", Exact(key("name"), text), 0),
    ]
    first, *rest = [
        model.objects.filter(condition).annotate(kind=Value(kind)).order_by().values_list(pk, "kind")
        for model, pk, condition, kind in parts
    ]
    return first.union(*rest, all=True).order_by()  # no model's ordering, inside or out


# Prepared (glossary.prepared): compiling the union was nearly all of its time (1.8 ms of 1.9).
named_like_read = PreparedRead(named_like_rows)


def named_like(query):
    """{id: 0 if a name is `query`, else 1} of the terms named like it: a headword or expansion
    that starts with it (or its stem), or an alias that is it."""
    named = {}
    for pk, kind in named_like_read(query.text, query.stem, after(query.stem)):
        named[pk] = min(kind, named.get(pk, kind))
    return named


class Ranked:
    """The terms of `allowed` (Places: the published terms that match and that the other filters
    leave), most relevant first, a page at a time: a Paginator's object list.

    The matches come in the engine's `TIERS`, by where the query's words are found: in the names,
    in the names and definition, anywhere else; each tier by the engine's rank. In the first, the
    terms named like the query (`named_like`) come first, those with a name that is the query
    before those with a name that starts with it. Ranking every match at once scored each of them
    before the first page was known: for a word in half of 100,000 terms, 45 ms on SQLite and 130
    on PostgreSQL. A tier is scored only when a page reaches it, and in the search index alone:
    which of its ids to show is asked of `allowed`, in memory, not of the database. A tier is read
    only once those before it are read whole, so an engine's tiers may hold the earlier ones' terms
    too (`TIERS_HOLD_THE_EARLIER`, sqlite.tiers): the ids shown already are left out here.
    """

    def __init__(self, search, allowed):
        self.query, self.allowed = search.query, allowed
        # How many published matches there are for each one shown, filtered-out terms included: a
        # tier, which holds drafts too, is read this much deeper than the page needs.
        self.matched = len(search.matched)
        self.spread = -(-self.matched // max(allowed.count(), 1))

    def count(self):
        return self.allowed.count()

    def __getitem__(self, page):
        start, stop = page.start or 0, page.stop
        ids = self._ids(stop)[start:stop] if self.allowed.count() else []
        sets = self.allowed.sets
        return sets.cards_at([place for pk in ids if (place := sets.place(pk)) is not None])

    def _ids(self, stop):
        """The ids of the first `stop` terms, in order, and perhaps some after them."""
        if self.count() <= min(stop, AT_ONCE) and engine().tiers_of:
            return self._all()
        stop = min(stop, self.count())
        shown, seen = [], set()
        tiers = len(engine().TIERS)
        for tier in range(tiers):
            need = stop - len(shown)
            if need <= 0:
                break
            if need == 1 and stop == self.count():
                # The page ends with the last match and only it is left: no rank can place it
                # elsewhere. For 108 of 600 misspelled searches at 100,000 terms on SQLite, two
                # tiers of about 0.7 ms each were read for it (bm25 counts the rows that hold each
                # word, however few match).
                return shown + [pk for pk in self._allowed_ids() if pk not in seen]
            fresh = self._named(stop) if tier == 0 else None
            # Deeper by those shown where the tier holds them too; a power of two, for few statements.
            held = len(seen) if engine().TIERS_HOLD_THE_EARLIER else 0
            limit = 1 << (need * self.spread + held + SLACK - 1).bit_length()
            while fresh is None:
                ids = engine().ranked_ids(self.query, tier, limit, self.matched)
                fresh = [pk for pk in ids if pk not in seen and self.allowed.holds(pk)]
                if len(fresh) < need and len(ids) == limit:
                    fresh, limit = None, limit * 4
            shown += fresh
            seen.update(fresh)
        return shown

    def _all(self):
        """The ids of every term of `allowed`, in order, for a page that shows the last of them:
        their tiers, ranks and names read at once (the engine's `tiers_of`), not a tier at a time
        and the names apart. For the benchmark's misspelled searches at 100,000 terms, whose few
        matches took every tier's read, one statement of 0.3 ms took the place of four of 1.2 ms."""
        found = engine().tiers_of(self.query, self._allowed_ids())
        first = [pk for tier, pk, _ in found if tier == 0]
        if named := {pk: kind for _, pk, kind in found if kind is not None}:
            first = self._by_kind(first, named)
        shown = set(first)
        return first + [pk for tier, pk, _ in found if tier and pk not in shown]

    def _allowed_ids(self):
        """The ids of every term of `allowed`, in no useful order."""
        sets = self.allowed.sets
        return [sets.ids[place] for place in self.allowed.places]

    def _named(self, stop):
        """The first tier, the terms named like the query first; None if there are none. When
        those are `stop` or more, they alone, all that the first `stop` can be, ranked alone
        (`ranked_among`): the whole tier costs the same however few of its ids are read, and for
        “no” 3,700 names hold a word that starts with it, where 800 headwords start with it (13 ms
        against 4 on PostgreSQL at 100,000 terms; for “si” on SQLite, 6.2 against 2.8).

        A term named like the query may not be in the first tier (a name that starts with the
        query's stem need not hold its words): those few come after the others of their kind, by
        the rank of the whole match."""
        named = {pk: kind for pk, kind in named_like(self.query).items() if self.allowed.holds(pk)}
        if not named:
            return None
        if len(named) >= stop:  # `allowed` are matches: all are ranked
            return self._by_kind(engine().ranked_among(self.query, 0, list(named)), named)
        return self._by_kind(
            [pk for pk in engine().ranked_ids(self.query, 0, None, self.matched) if self.allowed.holds(pk)],
            named,
        )

    def _by_kind(self, ids, named):
        """`ids` (of the first tier, best first) and the `named` terms not among them, the named
        ones first: those whose name is the query, then those whose name starts with it."""
        if elsewhere := named.keys() - set(ids):
            terms = engine().match(Term.objects.filter(pk__in=elsewhere), self.query)
            ids += terms.order_by("search_rank", "pk").values_list("pk", flat=True)
        return sorted(ids, key=lambda pk: named.get(pk, 2))  # stable: by rank within each kind


class Search:
    """A reader's query over the published terms, respelled when nothing matches it as typed
    (from the names of the published terms: see `candidates`).

    `text` is what was typed, `typed` its words and `query` the words searched; `suggestion` is the closest
    headword or alias when even the respelled query finds nothing. `matched` are the places
    (glossary.termsets) of the published terms that match `query` (`matched_places`): for the
    index's counts.
    """

    def __init__(self, text):
        self.text = text.strip()
        self.typed = self.query = Query.parse(self.text)
        self.suggestion = None
        self.matched = matched_places(self.query)
        if self.query and not self.matched:
            self._respell()

    def places_in(self, sets):
        """`matched`, as places of `sets`: term sets built after the search number them anew."""
        return matched_places(self.query, sets)

    def __bool__(self):
        """Whether anything was typed; a query of punctuation alone matches nothing."""
        return bool(self.text)

    @property
    def respelled(self):
        return self.query != self.typed

    def filter(self, terms):
        """`terms` that match, in no useful order: to narrow further and count."""
        if not self.query:
            return terms.none()
        return engine().match(terms, self.query)

    def ranked(self, allowed):
        """`allowed` (Places: the matches the other filters leave), most relevant first: `Ranked`."""
        return Ranked(self, allowed)

    def highlight(self, terms):
        """Give each of `terms` a `snippet` (glossary.search.snippets): words around those searched
        in its definition, else in its body (read for those terms alone), else its definition."""
        snippets = Snippets(self.query, engine().STEMMER)
        found = {term.pk: snippets.of(term.definition) for term in terms}
        if lacking := [pk for pk, snippet in found.items() if snippet is None]:
            found |= {pk: snippets.of(body) for pk, body in bodies_read(lacking)}
        for term in terms:
            term.snippet = found[term.pk] or term.definition
        return terms

    def _respell(self):
        names = [name for joined in candidates(self.typed) for name in joined.split(" | ")]
        # In the names' order, not a set's: of two words as like a typo, the first is taken.
        vocabulary = list(dict.fromkeys(word for name in names for word in words_of(name)))
        known = set(vocabulary)
        corrections = {}
        for word in self.typed.words:
            if word not in known and len(word) > 2:
                best = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=75)
                if best:
                    corrections[word] = best[0]
        respelled = self.typed.replace(corrections)
        if corrections and (matched := matched_places(respelled)):
            self.query, self.matched = respelled, matched
            return
        best = process.extractOne(
            self.typed.text, names, scorer=fuzz.WRatio, processor=str.lower, score_cutoff=70
        )
        self.suggestion = best[0] if best else None


bodies_read = PreparedRead(
    lambda ids: Term.objects.filter(pk__in=ids).order_by().values_list("pk", "body_text")
)


def matched_places(query, sets=None):
    """The places in `sets` (by default the current term sets) of the published terms that match
    `query`, read once for many pages (TermSets.matching)."""
    if not query:
        return FrozenBitMap()
    sets = current() if sets is None else sets
    return sets.matching(query.words, lambda: engine().matched_ids(query))


def candidates(query):
    """The names of published terms that a mistyped `query` may have meant.

    When the names hold some of its words (as they are on PostgreSQL, as FTS5 stems them on
    SQLite) and 1 to CONTEXT_NAMES names hold them all, those names (“knowlege process” → the
    names with “process”): which names hold each word is one read (the engine's `names_holding`),
    which of them are published the term sets say. Otherwise (no name holds them all, or too many
    do) the CANDIDATES names of the published terms most like the whole query and like one of the
    words no name holds, a slower search by pieces of words.
    """
    mistyped = ()
    if len(query.words) > 1:
        sets = current()
        held = {word: sets.places_of(ids) for word, ids in engine().names_holding(query.words).items()}
        # Only published terms: a word of a draft's name must not change what a reader is told.
        named = [word for word in query.words if held.get(word)]
        if named and len(named) < len(query.words):
            holding = FrozenBitMap.intersection(*(held[word] for word in named))
            if 0 < len(holding) <= CONTEXT_NAMES:
                # Sorted, so that a tie in the comparisons that follow goes the same way in every process.
                return sorted(engine().names_of([sets.ids[place] for place in holding]))
            mistyped = [word for word in query.words if word not in named]
    return engine().similar_names(Term.objects.published(), query.text, CANDIDATES, mistyped)


def names_starting(field, joined=None):
    """A prepared read (glossary.prepared) of up to SUGGESTIONS published terms whose `field`
    starts with a text (from it up to `end`), in the order of that name's key: one range scan of
    its index. Compiling such a read was most of a suggestion's time."""

    def build(now, text, end):
        terms = Term.objects.published(now).for_cards().filter(starts(field, text, end), joined or Q())
        return terms.annotate(matched=engine().name_key(field)).order_by("matched")[:SUGGESTIONS]

    return PreparedRead(build)


# Headwords before expansions before aliases. Requiring an alias makes its join inner, so SQLite
# can start from the alias index.
STARTING = [
    names_starting("headword"),
    names_starting("expansion"),
    names_starting("aliases__name", Q(aliases__isnull=False)),
]


def starting_with(now, text):
    """Up to SUGGESTIONS terms published at `now` with a headword, expansion or alias that starts
    with `text`: exact names first, then headwords before expansions before aliases, then
    alphabetically. Each kind of name is one range scan of its lower-case index."""
    found = {}
    for kind, read in enumerate(STARTING):
        for term in read(now, text, after(text)):
            found.setdefault(term.pk, ((term.matched != text, kind, term.matched), term))
    return [term for _, term in sorted(found.values(), key=lambda pair: pair[0])][:SUGGESTIONS]


def suggest(text):
    """Up to SUGGESTIONS published terms for a search box: names that start with what was typed
    (“call c” → Call center), then names with a later word that does (“center” → Call center),
    best first."""
    query = Query.parse(text)
    if not query:
        return []
    now = timezone.now()
    found = starting_with(now, query.text)
    if len(found) < SUGGESTIONS:
        terms = Term.objects.published(now).for_cards().exclude(pk__in=[term.pk for term in found])
        found += (
            engine().match(terms, query, names_only=True).order_by("search_rank")[: SUGGESTIONS - len(found)]
        )
    return found

"""Search over terms, the same on every database.

Views and filters use `Search` and `suggest`; the engine behind them is picked from the
connection: FTS5 on SQLite (sqlite.py), full text and pg_trgm on PostgreSQL (postgresql.py).
Both get only words made of letters and digits (text.py), never the reader's syntax.
"""

from functools import cached_property
from importlib import import_module

from django.db import connection
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThan
from rapidfuzz import fuzz, process

from ..models import Alias, Term
from .text import Query, words_of

__all__ = ["Search", "suggest"]

SUGGESTIONS = 8
CANDIDATES = 20
# Beyond this many matches, finding the terms named like the query first (`Ranked`) is cheaper
# than ranking every match in one statement.
MANY = 300


def engine():
    return import_module(f"{__name__}.{connection.vendor}")


def named(text):
    """Terms whose headword, expansion or an alias is `text` (lower case).

    The aliases are one uncorrelated subquery, run once, rather than a join that repeats terms.
    """
    key = engine().name_key
    return (
        Q(Exact(key("headword"), text))
        | Q(Exact(key("expansion"), text))
        | Q(pk__in=Alias.objects.filter(Exact(key("name"), text)).values("term_id"))
    )


def starts(field, text):
    """`field`, as its name key index holds it, starts with `text`: one range scan of that index."""
    key = engine().name_key
    end = text[:-1] + chr(ord(text[-1]) + 1)  # the first string after every one that starts with text
    return Q(GreaterThanOrEqual(key(field), text), LessThan(key(field), end))


def names_start(query):
    """Terms whose headword or expansion starts with the query (or its stem)."""
    return starts("headword", query.stem) | starts("expansion", query.stem)


def tier(query):
    """0 for exact names, 1 for headwords or expansions starting with the query (or its stem), else 2."""
    return Case(When(named(query.text), then=Value(0)), When(names_start(query), then=Value(1)), default=2)


def relevance(query):
    """Order: by tier, then by the engine's rank.

    The tier key also names the rank (adding nothing to it), so that it is a key of the match, not
    of the term alone: else PostgreSQL, when it expects many matches, may read every term in tier
    order and test each against the index, stopping at a page's worth (seen taking four times longer).
    """
    return [tier(query) + 0 * F("search_rank"), "search_rank", Lower("headword"), "pk"]


def named_like(query):
    """The ids of terms named like `query`: a headword or expansion that starts with it (or its stem),
    or an alias that is it. Few, and found through the name indexes, however many terms match."""
    key = engine().name_key
    aliased = Alias.objects.filter(Exact(key("name"), query.text)).order_by().values("term_id")
    named = Term.objects.filter(names_start(query)).order_by().values("pk")
    return named.union(aliased, all=True).order_by()  # no model's ordering, inside or out


class Ranked:
    """Matching terms, most relevant first, sliced a page at a time (with their number, known from
    the index's counts, a Paginator's object list: see views.Counted).

    First the terms named like the query (see `named_like`) in `relevance` order, then the rest by
    the engine's rank. Ordering all matches at once would rank every one of them (thousands, for a
    common word or prefix) before the first page is known; the named ones are few, so the rest are
    ranked only for a page that reaches past them.
    """

    def __init__(self, matches, query):
        self.matches = matches
        # The ids themselves, not a subquery: a subquery in the filter of every joined term made
        # PostgreSQL guess the join dear, and scan the whole index in parallel rather than read the
        # matches from it (190 ms against 43, for a word in 2,000 terms).
        self.first = Q(pk__in=[row["pk"] for row in named_like(query)])
        self.named = matches.filter(self.first).order_by(*relevance(query))

    @property
    def others(self):
        return self.matches.exclude(self.first).order_by("search_rank", Lower("headword"), "pk")

    def __getitem__(self, page):
        start, stop = page.start or 0, page.stop
        terms = list(self.named[start:stop])
        if len(terms) == stop - start:
            return terms
        # How many named terms come before the rest: known from this page unless it has none.
        named = start + len(terms) if terms or not start else self.named.count()
        return terms + list(self.others[max(start - named, 0) : stop - named])


class Search:
    """A reader's query over `terms`, respelled when nothing matches it as typed.

    `text` is what was typed, `typed` its words and `query` the words searched; `suggestion` is the closest
    headword or alias when even the respelled query finds nothing.
    """

    def __init__(self, text, terms):
        self.text = text.strip()
        self.typed = self.query = Query.parse(self.text)
        self.suggestion = None
        self.found = count_matches(terms, self.query) if self.query else 0
        if self.query and not self.found:
            self._respell(terms)

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

    @cached_property
    def matched_ids(self):
        """The ids of every term that matches, drafts too, in no useful order: for the index's
        counts (glossary.termsets.Places), which keep only the published."""
        return list(engine().matched_ids(self.query)) if self.query else []

    def ranked(self, matches):
        """`matches` (from `filter`, perhaps narrowed further), most relevant first, to slice a page;
        without a query, `matches` as they are."""
        if not self.query:
            return matches
        if self.found < MANY:
            return matches.order_by(*relevance(self.query))
        return Ranked(matches, self.query)

    def highlight(self, terms):
        """Give each of `terms` a `snippet`: text around the matched words, marked by \\x02 … \\x03."""
        ids = [term.pk for term in terms]
        rows = engine().snippets(ids, self.query) if ids else []
        fragments = {pk: definition if "\x02" in definition else body for pk, definition, body in rows}
        for term in terms:
            term.snippet = fragments.get(term.pk) or term.definition
        return terms

    def _respell(self, terms):
        names = [name for joined in candidates(terms, self.typed) for name in joined.split(" | ")]
        vocabulary = {word for name in names for word in words_of(name)}
        corrections = {}
        for word in self.typed.words:
            if word not in vocabulary and len(word) > 2:
                best = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=75)
                if best:
                    corrections[word] = best[0]
        respelled = self.typed.replace(corrections)
        if corrections and (count := count_matches(terms, respelled)):
            self.query, self.found = respelled, count
            return
        best = process.extractOne(
            self.typed.text, names, scorer=fuzz.WRatio, processor=str.lower, score_cutoff=70
        )
        self.suggestion = best[0] if best else None


def count_matches(terms, query):
    """How many of `terms` match `query`, counted up to MANY."""
    return engine().match(terms, query).order_by().values("pk")[:MANY].count()


def candidates(terms, query):
    """The names of up to CANDIDATES `terms` that a mistyped `query` may have meant.

    When the names hold some of its words and few names hold them all, those names, found through
    the word index (“knowlege process” → the names with “process”). Otherwise the names most like
    the whole query, a slower search by pieces of words.
    """
    # Only `terms`: a word of a draft's name must not change what a reader is told.
    known = engine().named_words(terms, query.words) if len(query.words) > 1 else set()
    named = [word for word in query.words if word in known]
    if named and len(named) < len(query.words):
        holding = engine().match(terms, Query(" ".join(named), tuple(named)), names_only=True)
        names = list(holding.order_by("search_rank").values_list(engine().NAMES, flat=True)[: CANDIDATES + 1])
        if len(names) <= CANDIDATES:
            return names
    return engine().similar_names(terms, query.text, CANDIDATES)


def starting_with(terms, text, limit):
    """Up to `limit` of `terms` with a headword, expansion or alias that starts with `text`.

    Exact names first, then headwords before expansions before aliases, then alphabetically. Each
    kind of name is one range scan of its lower-case index, however many terms there are.
    """
    key = engine().name_key
    found = {}
    # Requiring an alias makes its join inner, so SQLite can start from the alias index.
    names = [("headword", Q()), ("expansion", Q()), ("aliases__name", Q(aliases__isnull=False))]
    for kind, (field, joined) in enumerate(names):
        rows = (
            terms.filter(starts(field, text), joined).annotate(matched=key(field)).order_by("matched")[:limit]
        )
        for term in rows:
            found.setdefault(term.pk, ((term.matched != text, kind, term.matched), term))
    return [term for _, term in sorted(found.values(), key=lambda pair: pair[0])][:limit]


def suggest(terms, text, limit=SUGGESTIONS):
    """Up to `limit` of `terms` for a search box: names that start with what was typed (“call c” →
    Call center), then names with a later word that does (“center” → Call center), best first."""
    query = Query.parse(text)
    if not query:
        return []
    found = starting_with(terms, query.text, limit)
    if len(found) < limit:
        others = engine().match(terms, query, names_only=True).exclude(pk__in=[term.pk for term in found])
        found += others.order_by("search_rank")[: limit - len(found)]
    return found

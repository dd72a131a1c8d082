"""Published terms as sets of their places in index order, to count and page any filters at once.

Counting each option's terms among those some filters leave was a query over every term they
leave, 30 to 120 ms at 100,000 terms, and one more for each facet with a selection. Instead each
process keeps, for the current content version, every published term's place in index order and,
for each letter, category, tag, benefit and risk, the places of its terms as a compressed bitmap
(pyroaring, Python's binding of CRoaring). Intersecting two of them, or counting what they share,
takes microseconds; a page of any list is a slice of its places, whose cards are kept with them.
"""

from array import array
from bisect import insort
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from threading import Lock

import numpy as np
from django.db.models import StringAgg, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from pyroaring import BitMap, FrozenBitMap

from .cache import current_version, kept
from .models import CARD_FIELDS, TaggedTerm, Term, article_address, article_url
from .prepared import PreparedRead

INITIAL = CARD_FIELDS.index("initial")  # in a card's values
NO_PLACE = 2**32 - 1  # in TermSets.place_at, for an id that is no published term's
# Up to this many terms, counting all their tags at once beats trying a thousand tags against
# them all (at 100,000 terms, 0.07 ms against 0.4 for 1,000 terms, 0.14 against 1.0 for 5,000).
FEW_TERMS = 10_000
MATCHES_KEPT = 256  # the searches whose matches each term sets keep (TermSets.matching)


def places_among(place_at, term_ids):
    """The places by `place_at` (see TermSets) of the published ones among `term_ids`, looked up by
    numpy all at once: 0.7 ms for 46,000, where a Python look-up of each took 4."""
    term_ids = np.asarray(term_ids, dtype=np.int64)
    ids = term_ids[term_ids < len(place_at)]  # a term added since these sets were built has none
    places = np.frombuffer(place_at, dtype=np.uint32)[ids]
    return FrozenBitMap(array("I", np.sort(places[places != NO_PLACE]).tobytes()))


def term_ids_by(links, *group, term="term_id"):
    """[(*group values, term ids)] of `links` (a QuerySet of links to terms), one row a group, the
    ids as one text that numpy parses: at 100,000 terms, 60 to 140 ms for 285,000 links to
    categories, where reading a row a link and placing each in Python took about 400."""
    joined = StringAgg(Cast(term, TextField()), Value(","))
    rows = links.order_by().values(*group).annotate(term_ids=joined).values_list(*group, "term_ids")
    return [(*key, np.fromstring(ids, dtype=np.int64, sep=",")) for *key, ids in rows]


def place_in(place_at, term_id):
    """The place of `term_id` by `place_at` (see TermSets), or None."""
    if term_id < len(place_at) and (place := place_at[term_id]) != NO_PLACE:
        return place
    return None


@dataclass(frozen=True)
class TagSet:
    slug: str
    name: str
    places: FrozenBitMap


@dataclass(frozen=True)
class Parts:
    categories: set
    tags: list
    benefits: set
    risks: set


class Card:
    """What a list shows of a published term (CARD_FIELDS), and its address: made in a seventh of
    the time of a Term instance (50 a page). A search gives it a `snippet`. It has nothing else: a
    card template that shows another field needs that field in CARD_FIELDS (a missing attribute
    renders as nothing). `start` is the articles' address up to a slug (article_address), found
    once for a page of cards."""

    __slots__ = ("pk", *CARD_FIELDS, "url", "snippet")

    def __init__(self, pk, values, start):
        self.pk, self.snippet = pk, None
        # CARD_FIELDS, in order: unpacked, not set by name in a loop (a third of a card's making).
        self.slug, self.headword, self.expansion, self.definition, self.initial = values
        self.url = article_url(self.slug, start)


def cards_of(rows):
    """The Cards of (id, *CARD_FIELDS) rows, in their order."""
    start = article_address()
    return [Card(pk, values, start) for pk, *values in rows]


class Cards:
    """What the card of each published term shows (CARD_FIELDS), by place, in one UTF-8 buffer:
    about 190 bytes a term at 100,000 terms, where Python's strings and tuples take some 500, and a
    page of any list reads nothing from the database (on PostgreSQL, 1.3 ms of an index page).
    A term's fields are one text, split where SEPARATOR (a control character, left out of the
    fields) joins them: one slice and one decoding a card, not one of each a field."""

    SEPARATOR = "\x1f"  # ASCII's unit separator

    def __init__(self):
        self.texts = bytearray()
        self.starts = array("I")  # where each place's fields start in `texts`

    def append(self, values):
        self.starts.append(len(self.texts))
        self.texts += self.SEPARATOR.join(value.replace(self.SEPARATOR, "") for value in values).encode()

    def close(self):
        self.starts.append(len(self.texts))

    def __getitem__(self, place):
        """The values of CARD_FIELDS of the term at `place`, in that order."""
        return self.texts[self.starts[place] : self.starts[place + 1]].decode().split(self.SEPARATOR)


def tags_by_place(tags, size):
    """The tags of each of `size` places, as indexes into `tags`: those of place p are
    `indexes[runs[p]:runs[p + 1]]`, in the order of `tags`. Two arrays, 4 bytes a place and 4 a tag link."""
    each = [np.frombuffer(tag.places.to_array(), dtype=np.uint32) for tag in tags]
    places = np.concatenate(each or [np.empty(0, dtype=np.uint32)])
    index = np.repeat(np.arange(len(tags), dtype=np.uint32), [len(tag.places) for tag in tags])
    runs = np.zeros(size + 1, dtype=np.uint32)
    np.cumsum(np.bincount(places.astype(np.int64), minlength=size), out=runs[1:])
    indexes = index[np.argsort(places, kind="stable")]  # by place, and by tag within one
    return array("I", runs.tobytes()), array("I", indexes.tobytes())


class TermSets:
    """Which published terms (by place in index order) each letter, category, tag, benefit and
    risk holds, for one content version (see `current`)."""

    def __init__(self, ids, place_at, letters, categories, tags, benefits, risks, cards=None):
        self.ids = ids  # the id of the term at each place
        self.cards = cards  # Cards, or None: read from the database
        self.place_at = place_at  # the place of each id, by id (NO_PLACE if none)
        self.letters = letters  # {letter: range of places}: the index order is by letter first
        self.categories, self.benefits, self.risks = categories, benefits, risks  # {pk: places}
        self.tags = tags  # [TagSet], the most used first
        self.tag_at = {tag.slug: tag for tag in tags}.get  # the TagSet of a slug, or None
        self.tag_runs, self.tag_indexes = tags_by_place(tags, len(ids))
        self.tag_slug_order = np.empty(len(tags), dtype=np.int64)  # each tag's place among them by slug
        self.tag_slug_order[np.argsort([tag.slug for tag in tags], kind="stable")] = np.arange(len(tags))
        self.everything = FrozenBitMap(range(len(ids)))
        self.matches = OrderedDict()  # {a search's words: its matches' places}, the latest last
        self.matches_lock = Lock()  # the development server answers in threads

    @classmethod
    def build(cls):
        """Five reads: every published term's card, in index order, and the links of each kind a
        group at a time (term_ids_by). At 100,000 terms about a second, mostly the databases' own
        work, where reading a row a link and placing each in Python took 1.5 to 2. The terms'
        cards are kept only for a known content version: while the cache is unreachable, other
        processes' writes go unseen for a while, and a term unpublished meanwhile must not show."""
        ids, starts, stops, cards = array("q"), {}, {}, Cards()
        rows = Term.objects.published().in_index_order().values_list("pk", *CARD_FIELDS)
        for place, (pk, *card) in enumerate(rows.iterator(chunk_size=10_000)):
            ids.append(pk)
            initial = card[INITIAL]
            starts.setdefault(initial, place)
            stops[initial] = place + 1
            cards.append(card)
        cards.close()
        letters = {initial: range(start, stops[initial]) for initial, start in starts.items()}
        place_at = np.full(max(ids, default=0) + 1, NO_PLACE, dtype=np.uint32)  # 4 bytes an id
        place_at[np.frombuffer(ids, dtype=np.int64)] = np.arange(len(ids), dtype=np.uint32)
        place_at = array("I", place_at.tobytes())

        def grouped(links, *group, term="term_id"):
            """{group: places} of the published terms among each group's links (groups with none
            left out), the links read a group at a time (term_ids_by)."""
            found = {}
            for *key, term_ids in term_ids_by(links, *group, term=term):
                if places := places_among(place_at, term_ids):
                    found[key[0] if len(key) == 1 else tuple(key)] = places
            return found

        tags = grouped(TaggedTerm.objects, "tag__slug", "tag__name", term="content_object_id")
        return cls(
            ids,
            place_at,
            letters,
            categories=grouped(Term.categories.through.objects, "category_id"),
            tags=sorted(
                (TagSet(slug, name, places) for (slug, name), places in tags.items()),
                key=lambda tag: (-len(tag.places), tag.slug),
            ),
            benefits=grouped(Term.benefits.through.objects, "benefit_id"),
            risks=grouped(Term.risks.through.objects, "risk_id"),
            cards=cards if current_version() else None,
        )

    def place(self, term_id):
        """The place of a published term, or None."""
        return place_in(self.place_at, term_id)

    def parts_of(self, term_id):
        """The ids of the categories, benefits and risks of a published term, and its tags (as
        TagSets); None for a term these sets do not hold. A check of each set (microseconds), but
        tags, of which there may be thousands: their indexes by place (tags_by_place)."""
        place = self.place(term_id)
        if place is None:
            return None

        def holding(groups):
            return {pk for pk, places in groups.items() if place in places}

        return Parts(
            categories=holding(self.categories),
            tags=[
                self.tags[index]
                for index in self.tag_indexes[self.tag_runs[place] : self.tag_runs[place + 1]]
            ],
            benefits=holding(self.benefits),
            risks=holding(self.risks),
        )

    def tag_counts(self, places):
        """How many of the terms at `places` (a BitMap) each tag has, by index into `tags`: the
        tags of every place gathered at once from tags_by_place's two arrays (numpy)."""
        at = np.frombuffer(places.to_array(), dtype=np.uint32)
        runs = np.frombuffer(self.tag_runs, dtype=np.uint32)
        starts = runs[at].astype(np.int64)
        lengths = runs[at + 1] - starts
        ends = np.cumsum(lengths)
        links = np.repeat(starts - ends + lengths, lengths) + np.arange(ends[-1] if len(ends) else 0)
        indexes = np.frombuffer(self.tag_indexes, dtype=np.uint32)[links]
        return np.bincount(indexes, minlength=len(self.tags))

    def cards_at(self, places):
        """The Cards of the terms at `places`, in their order."""
        if self.cards is None:
            ids = [self.ids[place] for place in places]
            terms = {pk: card for pk, *card in card_rows_by_id(timezone.now(), ids)}
            return cards_of((pk, *terms[pk]) for pk in ids if pk in terms)  # published() again: see build
        return cards_of((self.ids[place], *self.cards[place]) for place in places)

    def places_of(self, term_ids):
        """The places of the published ones among `term_ids` (a search's matches): places_among."""
        return places_among(self.place_at, term_ids)

    def matching(self, words, read):
        """The places of the published ones among the ids `read()` gives: the matches of a search
        for `words`, kept for the MATCHES_KEPT searches asked last. The other pages of a search,
        and the same search narrowed by its sidebar's options, read them once: a common word's are
        tens of thousands of ids (on the benchmark's machine 1.5 ms from PostgreSQL's postings and
        8 from FTS5, then 0.7 to place them) and their places a few kilobytes. Places are numbered by the
        sets they were found in, so they are kept here, with them."""
        with self.matches_lock:
            if (places := self.matches.get(words)) is not None:
                self.matches.move_to_end(words)
                return places
        places = self.places_of(read())
        with self.matches_lock:
            self.matches[words] = places
            if len(self.matches) > MATCHES_KEPT:
                self.matches.popitem(last=False)
        return places


# The card values (the id first) of a page of any list, by id, while the sets keep none (the cache
# is unreachable); published() again, so that a term unpublished since the sets were built is left
# out. Prepared (glossary.prepared).
card_rows_by_id = PreparedRead(
    lambda now, ids: Term.objects.published(now).filter(pk__in=ids).order_by().values_list("pk", *CARD_FIELDS)
)


class Places:
    """Some published terms, by their places in index order. It filters as a TermQuerySet does,
    by the same names (so the index's declared filters apply to either), counts its terms by
    letter, category and tag, and is a Paginator's object list: a page is its places' cards."""

    def __init__(self, sets, places):
        self.sets, self.places = sets, places

    @classmethod
    def published(cls):
        sets = current()
        return cls(sets, sets.everything)

    def all(self):
        return self

    def _only(self, places):
        return Places(self.sets, self.places & places)

    def matching(self, search):
        return self._only(search.places_in(self.sets))

    def starting_with(self, letter):
        stretch = self.sets.letters.get(letter)
        return self._only(FrozenBitMap(stretch) if stretch else BitMap())

    def in_categories(self, categories):
        """OR within a facet, AND across facets."""
        by_facet = defaultdict(BitMap)
        for category in categories:
            by_facet[category.facet_id] |= self.sets.categories.get(category.pk, BitMap())
        places = self
        for chosen in by_facet.values():
            places = places._only(chosen)
        return places

    def tagged(self, *slugs):
        """Every given tag must be present."""
        places = self
        for slug in slugs:
            tag = self.sets.tag_at(slug)
            places = places._only(tag.places if tag else BitMap())
        return places

    def with_benefit(self, benefit):
        return self._only(self.sets.benefits.get(benefit.pk, BitMap()))

    def with_risk(self, risk):
        return self._only(self.sets.risks.get(risk.pk, BitMap()))

    def holds(self, term_id):
        place = self.sets.place(term_id)
        return place is not None and place in self.places

    def count_by_initial(self):
        """{letter: how many of these terms it holds}, leaving out the empty."""
        return {
            letter: n
            for letter, stretch in self.sets.letters.items()
            if (n := self.places.range_cardinality(stretch.start, stretch.stop))
        }

    def count_by_category(self, categories):
        """{category pk: how many of these terms it holds} for `categories`, leaving out the empty."""
        counts = {
            category.pk: self.places.intersection_cardinality(self.sets.categories.get(category.pk, BitMap()))
            for category in categories
        }
        return {pk: n for pk, n in counts.items() if n}

    def most_used_tags(self, limit):
        """[(TagSet, count)] of the `limit` tags most used among these terms, the most used first
        (ties by slug). Up to FEW_TERMS terms, all their tags are counted at once (TermSets.tag_counts);
        for more, tags are tried from the most used overall, stopping at one used less often in
        all than the last of those found is here."""
        sets = self.sets
        if len(self.places) <= FEW_TERMS:
            counts = sets.tag_counts(self.places)
            best = np.lexsort((sets.tag_slug_order, -counts))[:limit]
            return [(sets.tags[index], int(counts[index])) for index in best if counts[index]]
        found = []  # the best so far, in order
        for tag in sets.tags:
            if len(found) == limit and len(tag.places) <= found[-1][1]:
                break
            if (n := self.places.intersection_cardinality(tag.places)) and (
                len(found) < limit or by_use((tag, n)) < by_use(found[-1])
            ):
                insort(found, (tag, n), key=by_use)
                del found[limit:]
        return found

    def count(self):
        return len(self.places)

    def __len__(self):
        return self.count()

    def __getitem__(self, window):
        return self.sets.cards_at(self.places[window])


def by_use(found):
    """The order of (TagSet, count): the most used first, then by slug."""
    tag, n = found
    return (-n, tag.slug)


def current():
    """The term sets of the current content version, built once per version in each process."""
    return kept("term-sets", compute=TermSets.build)

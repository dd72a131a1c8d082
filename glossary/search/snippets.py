"""Snippets of search results: some words of a term's text around those searched, marked \\x02 … \\x03.

Made here from the texts, not by the engines: from a card's definition, which the page already
holds, else from the body, read for the terms whose definition lacks the words. FTS5's snippet()
and PostgreSQL's ts_headline() read and parse each result's texts again: 2.9 and 4.7 ms a page of
50 at 100,000 terms, against 0.7 and 1.1 here, the bodies' read included.

A word is marked when its stem is a searched word's, by the stemmer of the engine's own index
(Snowball's Porter for FTS5's porter tokenizer, its English for PostgreSQL's "english"
configuration), or when it starts with the last word searched, as a name may (“call cent”).
"""

import re
import unicodedata
from functools import cache, lru_cache

import snowballstemmer

from .text import WORD, spellings

# Characters shown of a longer text, as search engines' highlighters count them (Elasticsearch's
# fragment_size, 100 by default): about 30 words, as ts_headline's max_words here before.
WIDTH = 200
LEAD = 30  # characters shown before the first marked word
GAP = re.compile(r"[\W_]+")
GAP_BEFORE = re.compile(r"[\W_]+(?=[^\W_]*$)")  # the last gap between words
STEMS = 50_000  # words whose stems each process remembers, per stemmer
MIN_PREFIX = 3  # a shorter last word marks only itself: "x" would mark every word starting so
HEAD = 3  # letters of a word compared with the stems' before it is stemmed


@cache
def stemmer(language):
    """The stem of a word, as `language`'s Snowball stemmer gives it, for lower-case words without
    accents (FTS5 removes them, and snippets compare words folded so)."""
    return lru_cache(maxsize=STEMS)(snowballstemmer.stemmer(language).stemWord)


@lru_cache(maxsize=STEMS)
def folded(word):
    """`word` in lower case, without accents: “Café” → “cafe”."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class Snippets:
    """Fragments of texts around the words of `query` (glossary.search.text.Query)."""

    def __init__(self, query, language):
        self.stem = stemmer(language)
        self.stems = {self.stem(folded(form)) for word in query.words for form in spellings(word)}
        last = folded(query.words[-1]) if query.words else ""
        self.prefix = last if len(last) >= MIN_PREFIX else None
        # Only the words that start as a stem or the prefix does are stemmed (a stem may end
        # otherwise than its word: “happy” → “happi”, so its last letters are not compared): in an
        # ASCII text, found by str.find(), which passes over the other words in C.
        self.heads = {start[:HEAD] for start in (*self.stems, self.prefix) if start}

    def marks(self, word):
        word = folded(word)
        return self.stem(word) in self.stems or bool(self.prefix and word.startswith(self.prefix))

    def candidates(self, text):
        """The spans of the words of `text` that may be marked: those that start as a head does."""
        if not text.isascii():  # lower() may change its length; rare enough to stem every word
            return [match.span() for match in WORD.finditer(text)]
        lowered, starts = text.lower(), set()
        for head in self.heads:
            at = lowered.find(head)
            while at >= 0:
                if not at or not lowered[at - 1].isalnum():
                    starts.add(at)
                at = lowered.find(head, at + 1)
        return [WORD.match(text, start).span() for start in sorted(starts)]

    def of(self, text):
        """Up to WIDTH characters of `text` around the words searched, marked, cut between words and
        with “…” where cut; None if it holds none of them."""
        spans = [(start, stop) for start, stop in self.candidates(text) if self.marks(text[start:stop])]
        if not spans:
            return None
        begin, end = self._window(text, spans)
        pieces, at = ["…" if begin else ""], begin
        for start, stop in spans:
            if begin <= start and stop <= end:
                pieces += [text[at:start], "\x02", text[start:stop], "\x03"]
                at = stop
        pieces += [text[at:end], "…" if end < len(text) else ""]
        return "".join(pieces).strip()

    @staticmethod
    def _window(text, spans):
        """(begin, end) of the part of `text` shown: all of it if short, else the WIDTH characters
        that hold the most marked words (`spans`), starting a little before the first of them."""
        if len(text) <= WIDTH:
            return 0, len(text)
        begins = [min(max(start - LEAD, 0), len(text) - WIDTH) for start, _ in spans]
        begin = max(begins, key=lambda begin: sum(begin <= start < begin + WIDTH for start, _ in spans))
        if begin and (gap := GAP.search(text, begin)):  # not in the middle of a word
            begin = min(gap.end(), spans[begins.index(begin)][0])
        end = begin + WIDTH
        if end < len(text) and (gap := GAP_BEFORE.search(text[begin:end])):
            end = begin + gap.start()
        return begin, end

"""What a reader typed, reduced to words both search engines can be given safely."""

import re
import unicodedata
from dataclasses import dataclass

MAX_LENGTH = 200
MAX_WORDS = 8
WORD = re.compile(r"[^\W_]+")
# Common words that would make every term match; dropped unless the query has nothing else.
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "the",
        "to",
        "vs",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
    }
)
# British spellings readers type, as (suffix, American suffix); each word is searched in both forms.
SPELLINGS = [
    ("isation", "ization"),
    ("isations", "izations"),
    ("ise", "ize"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("ising", "izing"),
    ("yse", "yze"),
    ("our", "or"),
    ("ours", "ors"),
    ("oural", "oral"),
    ("oured", "ored"),
    ("tre", "ter"),
    ("tres", "ters"),
    ("ence", "ense"),
    ("ogue", "og"),
    ("lled", "led"),
    ("lling", "ling"),
]

# Endings cut from the last word before comparing it with the start of headwords, longest first.
ENDINGS = ("ations", "ation", "ings", "ing", "ers", "ed", "es", "er", "e", "s")


def words_of(text):
    """The lower-case words of `text`: letters and digits only, so no query syntax survives."""
    return WORD.findall(unicodedata.normalize("NFKC", text).lower())


BRITISH = tuple(british for british, _ in SPELLINGS)


def spellings(word):
    """The word and its American spelling, if it looks British (“centre” → “center”)."""
    forms = [word]
    if len(word) >= 6 and word.endswith(BRITISH):  # most words end otherwise: one test, not 17
        for british, american in SPELLINGS:
            if word.endswith(british):
                forms.append(word[: -len(british)] + american)
    return forms


def fragments(text, *, split=True):
    """Pieces of `text` that one typo leaves whole.

    Both halves of each long word (or the whole word, if not `split`) and short words as they are;
    words under three letters would match nearly everything, so they are left out.
    """
    pieces = []
    for word in words_of(text)[:MAX_WORDS]:
        if split and len(word) >= 6:
            pieces += [word[: len(word) // 2], word[len(word) // 2 :]]
        elif len(word) >= 3:
            pieces.append(word)
    return pieces


@dataclass(frozen=True)
class Query:
    """A reader's query: `text` to compare with whole names, `words` for the full-text engine."""

    text: str
    words: tuple[str, ...]

    @classmethod
    def parse(cls, raw):
        words = words_of(raw[:MAX_LENGTH])
        content = [word for word in words if word not in STOPWORDS] or words
        # A repeated word adds nothing to find, but costs the engines work; its last use is kept,
        # since the last word is the one matched as a prefix.
        distinct = list(reversed(dict.fromkeys(reversed(content))))
        return cls(text=" ".join(words), words=tuple(distinct[:MAX_WORDS]))

    def __bool__(self):
        return bool(self.words)

    @property
    def stem(self):
        """The text with its last word's ending cut (“outsourced” → “outsourc”), to compare with prefixes."""
        for ending in ENDINGS:
            if self.text.endswith(ending) and len(self.text) - len(ending) >= 3:
                return self.text[: -len(ending)]
        return self.text

    def replace(self, corrections):
        """The query with some words replaced, e.g. {"outsorcing": "outsourcing"}."""
        return Query(
            text=" ".join(corrections.get(word, word) for word in self.text.split()),
            words=tuple(corrections.get(word, word) for word in self.words),
        )

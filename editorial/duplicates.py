"""Names close enough to another term's to be the same term entered twice: “Call-centre” beside
“Call center”, “Back-office” beside “Back office”, “Offshoring” beside “Offshore outsourcing”, or
a one-letter typo of a name. Editors are warned and may confirm; an exact clash stays an error."""

from rapidfuzz.distance import Levenshtein

from glossary.linking import american, singulars
from glossary.models import Alias, Term
from glossary.search import starts

TYPO_FROM = 5  # letters in the shorter name before one letter's difference counts as a typo
CANDIDATES = 500  # names a check compares, of each kind: those sharing the first letters


def normal(name):
    """`name` for comparison: lower case, hyphens and slashes as spaces, American spelling, and
    each word without its plural or -ing ending."""
    words = name.lower().replace("-", " ").replace("/", " ").replace("_", " ").split()
    return " ".join(_stem(american(word)) for word in words)


def _stem(word):
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    word = min(singulars(word), key=len)
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def close(one, other):
    """Whether two different names are probably the same term's."""
    a, b = normal(one), normal(other)
    if a == b:
        return True
    # A letter apart, in names of letters alone (“Tier 1” and “Tier 2” are two terms).
    if (
        min(len(a), len(b)) >= TYPO_FROM
        and not any(c.isdigit() for c in a + b)
        and Levenshtein.distance(a, b) <= 1
    ):
        return True
    (short, short_name), (long, _) = sorted(
        [(a.split(), one), (b.split(), other)], key=lambda pair: len(pair[0])
    )
    # “Offshoring”, the practice, beside “Offshore outsourcing”.
    return len(short) == 1 < len(long) and short[0] == long[0] and short_name.lower().endswith("ing")


def near_duplicates(names, *, exclude=None):
    """The terms but `exclude` (an id) with a name close to one of `names`, each once, with the
    name: compared with the names that share their first three letters (by the name indexes)."""
    found = {}
    for name in filter(None, names):
        prefix = name.lower()[:3]
        terms = Term.objects.exclude(pk=exclude) if exclude else Term.objects.all()
        rows = [
            *terms.filter(starts("headword", prefix)).values_list("pk", "headword")[:CANDIDATES],
            *terms.filter(starts("expansion", prefix)).values_list("pk", "expansion")[:CANDIDATES],
            *Alias.objects.exclude(term_id=exclude)
            .filter(starts("name", prefix))
            .values_list("term_id", "name")[:CANDIDATES],
        ]
        for pk, other in rows:
            if other.casefold() != name.casefold() and close(name, other):
                found.setdefault(pk, other)
    terms = Term.objects.in_bulk(found)
    return [(terms[pk], other) for pk, other in found.items()]

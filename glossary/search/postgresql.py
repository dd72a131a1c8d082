"""PostgreSQL: a weighted tsvector per term (GIN) and its names for pg_trgm (GiST)."""

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, TrigramWordDistance
from django.db.models import F, Value

from ..models import PostgresSearchIndex
from .text import spellings

# Weights for D, C, B, A: names (A) count most, then the definition (B), then body and FAQ (C).
WEIGHTS = [0.05, 0.2, 0.5, 1.0]
HEADLINE = {"start_sel": "\x02", "stop_sel": "\x03", "max_words": 30, "min_words": 12}


def tsquery(query, weights=""):
    """A raw tsquery: every word (in any of its spellings) must occur; the last may be a prefix.

    Words are letters and digits only (see text.py), so quoting them leaves no syntax to inject.
    """
    groups = []
    for position, word in enumerate(query.words, start=1):
        forms = [f"'{form}'{':' + weights if weights else ''}" for form in spellings(word)]
        if position == len(query.words):
            forms.append(f"'{word}':*{weights}")
        groups.append(f"({' | '.join(forms)})")
    return SearchQuery(" & ".join(groups), search_type="raw", config="english")


def match(terms, query, *, names_only=False):
    """`terms` that match, annotated with `search_rank` (lower is better)."""
    search = tsquery(query, "A" if names_only else "")
    return terms.filter(postgres_index__document=search).annotate(
        search_rank=-SearchRank(F("postgres_index__document"), search, weights=WEIGHTS)
    )


def snippets(terms, query):
    """(id, definition fragment, body fragment) of `terms`, matched words between \\x02 and \\x03."""
    search = tsquery(query)
    return terms.annotate(
        definition_snippet=SearchHeadline("definition", search, config="english", **HEADLINE),
        body_snippet=SearchHeadline("body", search, config="english", **HEADLINE),
    ).values_list("pk", "definition_snippet", "body_snippet")


def similar_names(terms, text, limit):
    """The names of `terms` among those closest to `text` by trigram word distance.

    The nearest names come from a GiST index scan over all terms; `terms` then narrows them.
    """
    nearest = (
        PostgresSearchIndex.objects.alias(distance=TrigramWordDistance(Value(text), "names"))
        .order_by("distance")
        .values("term")[: limit * 4]
    )
    return list(terms.filter(pk__in=nearest).values_list("postgres_index__names", flat=True)[:limit])

"""The glossary's models, by concern: taxonomy, terms with their parts, mentions, the search index."""

from .mentions import Mention
from .search_index import PostgresSearchIndex, SqliteNamesIndex, SqliteSearchIndex, SqliteSummaryIndex
from .taxonomy import Benefit, Category, Facet, Risk, terms_using
from .terms import (
    CARD_FIELDS,
    FAQ,
    LETTERS,
    Alias,
    Deprecation,
    OldAddress,
    Source,
    TaggedTerm,
    Term,
    TermRelation,
    alias_slug,
    article_address,
    article_url,
    initial_of,
    public,
)

__all__ = [
    "CARD_FIELDS",
    "FAQ",
    "LETTERS",
    "Alias",
    "Benefit",
    "Category",
    "Deprecation",
    "Facet",
    "Mention",
    "OldAddress",
    "PostgresSearchIndex",
    "Risk",
    "Source",
    "SqliteNamesIndex",
    "SqliteSearchIndex",
    "SqliteSummaryIndex",
    "TaggedTerm",
    "Term",
    "TermRelation",
    "alias_slug",
    "article_address",
    "article_url",
    "initial_of",
    "public",
    "terms_using",
]

"""The search index: tables the search migration creates and database triggers keep current.
Django only reads them (managed = False); each database has its own (see glossary/search/)."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from .terms import Term


class Fts5Table(models.Model):
    """An FTS5 table on SQLite: one row per term, its rowid the term's id. FTS5 names a hidden
    column after the table (`table = 'query'` is a full-text match) and has a hidden rank column
    (bm25; lower is better)."""

    rank = models.FloatField()
    names = models.TextField()

    class Meta:
        abstract = True
        managed = False

    def __str__(self):
        return self.names


class SqliteSearchIndex(Fts5Table):
    """Each term's names, definition and body (with its FAQ); rank weighted by the migration."""

    term = models.OneToOneField(
        Term, models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="sqlite_index"
    )
    match = models.TextField(db_column="glossary_term_fts")

    class Meta(Fts5Table.Meta):
        db_table = "glossary_term_fts"


class SqliteNamesIndex(Fts5Table):
    """Each term's names alone (migration 0018), for the searches of names: a column filter of
    SqliteSearchIndex reads every position of the word."""

    term = models.OneToOneField(
        Term, models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="sqlite_names"
    )
    match = models.TextField(db_column="glossary_term_names")

    class Meta(Fts5Table.Meta):
        db_table = "glossary_term_names"


class SqliteSummaryIndex(Fts5Table):
    """Each term's names and definition (migration 0024), for the second search tier: a column
    filter of SqliteSearchIndex reads every position of the word."""

    term = models.OneToOneField(
        Term, models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="sqlite_summary"
    )
    match = models.TextField(db_column="glossary_term_summary")

    class Meta(Fts5Table.Meta):
        db_table = "glossary_term_summary"


class PostgresSearchIndex(models.Model):
    """The weighted tsvector of each term on PostgreSQL, and its names for trigram matching."""

    term = models.OneToOneField(Term, models.DO_NOTHING, primary_key=True, related_name="postgres_index")
    names = models.TextField()
    document = SearchVectorField()
    names_document = SearchVectorField()  # the names alone, for prefix matches as one types
    names_stemmed = SearchVectorField()  # the names again, stemmed (migration 0017)
    summary_document = SearchVectorField()  # the names and definition (migration 0017)

    class Meta:
        managed = False
        db_table = "glossary_term_search"

    def __str__(self):
        return self.names

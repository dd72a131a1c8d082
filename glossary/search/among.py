"""Raw search SQL that keeps to a QuerySet of terms without reading all of their ids."""

from django.db.models.expressions import RawSQL


def among(terms, id_column):
    """SQL and parameters of a subquery, for EXISTS (…), true when `id_column` (a column of the
    raw statement around it) is the id of one of `terms`: checked match by match, by primary key.

    Name the outer table by an alias of its own (“typo.rowid”), one the ORM's SQL for `terms`
    cannot also use."""
    return terms.filter(pk=RawSQL(id_column, ())).values("pk").query.sql_with_params()  # noqa: S611 (our column names)

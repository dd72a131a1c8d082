"""Data migrations on a database that already holds content."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# serialized_rollback: the rows migrations make (the roles, say) are back for the tests after these.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_UNIQUE_NAMES = [("glossary", "0008_faq_and_source_order_within_their_term")]
UNIQUE_NAMES = [("glossary", "0009_names_are_unique")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_unique_names():
    yield migrate(BEFORE_UNIQUE_NAMES)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the latest schema again, for the next tests


def test_unique_names_migration_names_the_rows_it_would_refuse(before_unique_names):
    benefit = before_unique_names.get_model("glossary", "Benefit")
    first = benefit.objects.create(name="Cost savings", slug="cost-savings", description="A.")
    twin = benefit.objects.create(name="cost Savings", slug="cost-savings-2", description="B.")
    with pytest.raises(RuntimeError, match=f"Benefit {first.pk} and {twin.pk}: cost savings"):
        migrate(UNIQUE_NAMES)
    twin.delete()
    migrate(UNIQUE_NAMES)
    assert benefit.objects.count() == 1


BEFORE_DOCUMENTS_IN_ROWS = [("glossary", "0021_postgres_matches_skip_hopeless")]
DOCUMENTS_IN_ROWS = [("glossary", "0022_postgres_search_document_in_row")]


@pytest.fixture
def before_documents_in_rows():
    yield migrate(BEFORE_DOCUMENTS_IN_ROWS)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def search_rows():
    """({term id: its document as text}, how many values of the search rows the TOAST table holds)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 'glossary_term_search'")
        toast = cursor.fetchone()[0]
        cursor.execute(f"SELECT chunk_id FROM {toast}")  # noqa: S608 - PostgreSQL's own name
        chunks = {chunk for (chunk,) in cursor.fetchall()}
        cursor.execute("SELECT term_id, document::text FROM glossary_term_search")
        return dict(cursor.fetchall()), len(chunks)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's storage of the search rows")
def test_documents_move_into_their_rows_unchanged_and_unlogged(before_documents_in_rows):
    """Migration 0022 rewrites the search rows written before it: the same documents, now in their
    rows, and no term logged as changed (the postings stay valid)."""
    term = before_documents_in_rows.get_model("glossary", "Term")
    for n in range(3):
        term.objects.create(
            headword=f"Offshoring {n}",
            slug=f"offshoring-{n}",
            definition="Moving work abroad.",
            body_text=" ".join(f"word{n}x{k} nearshoring" for k in range(400)),
            status="published",
            published_at=timezone.now(),
        )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM glossary_search_changed")
    documents, chunks = search_rows()
    assert len(documents) == 3 and chunks > 0
    migrate(DOCUMENTS_IN_ROWS)
    assert search_rows() == (documents, 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM glossary_search_changed")
        assert cursor.fetchone()[0] == 0

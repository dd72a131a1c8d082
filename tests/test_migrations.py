"""Data migrations on a database that already holds content."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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

from django.db import migrations

# SQLite plans a search join by guessing how many rows each side holds. With no statistics it
# guesses that `status = 'published'` (or a letter) leaves a handful of terms, starts from
# glossary_term and runs the FTS5 MATCH once per term: over a second at 10,000 terms. Real
# glossaries are mostly published, so we record that in sqlite_stat1 (the documented way to
# steer SQLite's planner, and what ANALYZE would find); FTS5 then drives every search join.
# Running ANALYZE later replaces these figures with measured ones, which steer the same way.

TERMS = 100_000
ROWS_PER_VALUE = {"status": TERMS // 2, "published_at": 1, "initial": TERMS // 25}


def record_statistics(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "glossary_term")
        cursor.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1 if it is missing
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'glossary_term'")
        for name, index in indexes.items():
            if index["index"] and not index["unique"] and set(index["columns"]) <= ROWS_PER_VALUE.keys():
                stat = " ".join(str(n) for n in [TERMS, *(ROWS_PER_VALUE[c] for c in index["columns"])])
                cursor.execute("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('glossary_term', %s, %s)", [name, stat])
        cursor.execute("ANALYZE sqlite_schema")  # makes open connections load the figures


class Migration(migrations.Migration):
    dependencies = [("glossary", "0002_search")]

    operations = [migrations.RunPython(record_statistics, migrations.RunPython.noop, elidable=False)]

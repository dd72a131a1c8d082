import time

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = (
        "Build anew the postings that PostgreSQL searches read every match from (migration 0019): "
        "after a large import, and regularly (from cron, say hourly) while terms are edited. Searches "
        "are right without it, and slower once more than 2,000 terms were written since. SQLite needs none."
    )

    def handle(self, *args, verbosity, **options):
        if connection.vendor != "postgresql":
            if verbosity:
                self.stdout.write("Nothing to refresh: SQLite's search index keeps itself current.")
            return
        from glossary.search.postgresql import refresh_postings  # noqa: PLC0415 (PostgreSQL's alone)

        started = time.monotonic()
        lexemes = refresh_postings()
        if not connection.in_atomic_block:  # the log's deleted rows, which every search reads past
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) glossary_search_changed, glossary_search_postings")
        if verbosity:
            elapsed = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"Postings of {lexemes} words built in {elapsed:.1f} s."))

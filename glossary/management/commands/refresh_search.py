import time

from django.core.management.base import BaseCommand
from django.db import connection

from glossary.search.postgresql import CHANGED_AT_MOST, postings_state, refresh_postings


class Command(BaseCommand):
    help = (
        "Build anew the postings that PostgreSQL searches read every match from (migration 0019): "
        "after a large import, and regularly (from cron, say hourly) while terms are edited. Searches "
        f"are right without it, and slower once more than {CHANGED_AT_MOST:,} terms were written since. "
        "SQLite needs none."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="say how far behind the postings are; build nothing"
        )

    def handle(self, *args, dry_run, verbosity, **options):
        if connection.vendor != "postgresql":
            if verbosity:
                self.stdout.write("Nothing to refresh: SQLite's search index keeps itself current.")
            return
        logged, lexemes = postings_state()
        if dry_run:
            self.stdout.write(f"Postings: {lexemes} words; terms written since they were built: {logged}.")
            return
        started = time.monotonic()
        refresh_postings()
        if not connection.in_atomic_block:  # the log's deleted rows, which every search reads past
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) glossary_search_changed, glossary_search_postings")
        if verbosity:
            elapsed, lexemes = time.monotonic() - started, postings_state()[1]
            built = f"Postings of {lexemes} words built in {elapsed:.1f} s"
            self.stdout.write(self.style.SUCCESS(f"{built}; terms written since the last build: {logged}."))

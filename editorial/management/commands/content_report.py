from django.core.management.base import BaseCommand

from editorial.quality import content_report


class Command(BaseCommand):
    help = (
        "List what needs attention in the content: orphan terms, terms without sources or "
        "categories or with a definition too short or too long, broken [[slug]] links, "
        "near-duplicate names and terms due for review. Changes nothing."
    )

    def handle(self, *args, verbosity, **options):
        for check in content_report():
            self.stdout.write(self.style.MIGRATE_HEADING(f"{check.title}: {len(check.rows)}"))
            if verbosity:
                for row in check.rows:
                    self.stdout.write(f"  {_line(row)}")


def _line(row):
    first, second = row
    if isinstance(second, str):
        return f"{first.slug} ({first})" + (f": {second}" if second else "")
    return f"{first.slug} ({first}) ~ {second.slug} ({second})"

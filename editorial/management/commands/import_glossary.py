from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from editorial.services import glossary_load
from glossary.transfer import FORMATS, TransferError, format_of, glossary_parse


class Command(BaseCommand):
    help = (
        "Load a file written by export_glossary. Rows are matched by slug and made what the file says. "
        "All or nothing: every bad record is listed, and if there is one nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file's extension.")
        parser.add_argument("--dry-run", action="store_true", help="Check every record, write nothing.")

    def handle(self, *args, file, format, dry_run, verbosity, **options):
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        try:
            document = glossary_parse(raw=raw, format=format_of(file, format))
            report = glossary_load(document=document, by=None, dry_run=dry_run)
        except TransferError as error:
            for where, what in error.problems:
                self.stderr.write(f"{file}: {where}: {what}")
            raise CommandError(f"{file}: {len(error.problems)} problem(s); nothing was written.") from error
        if verbosity:
            said = f"{report.summary()}."
            self.stdout.write(self.style.SUCCESS(f"Dry run, nothing written. {said}" if dry_run else said))

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from glossary.transfer import TransferError, glossary_import, glossary_parse

DEFAULT_FILE = Path(settings.BASE_DIR) / "fixtures" / "glossary.yaml"


class Command(BaseCommand):
    help = (
        "Load the seed content (fixtures/glossary.yaml) with the importer import_glossary uses. "
        "Creates what is missing and leaves existing entries alone, so it is safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=DEFAULT_FILE,
            help="Glossary YAML file to load (default: %(default)s).",
        )
        parser.add_argument(
            "--update", action="store_true", help="Overwrite existing entries with the file's content."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change, then roll everything back."
        )

    def handle(self, *args, file, update, dry_run, verbosity, **options):
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        try:
            document = glossary_parse(raw=raw, format="yaml")
            report = glossary_import(document=document, dry_run=dry_run, keep_existing=not update)
        except TransferError as error:
            raise CommandError(f"{file}: {error}") from error
        if verbosity:
            said = f"{report.summary()}."
            self.stdout.write(self.style.SUCCESS(f"Dry run, nothing written. {said}" if dry_run else said))

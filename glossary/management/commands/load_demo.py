from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from glossary.services import ContentError, content_import

DEFAULT_FILE = Path(settings.BASE_DIR) / "fixtures" / "glossary.yaml"


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class Command(BaseCommand):
    help = (
        "Load the seed content (fixtures/glossary.yaml). Creates what is missing and leaves "
        "existing entries alone, so it is safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=DEFAULT_FILE,
            help="YAML content file to load (default: %(default)s).",
        )
        parser.add_argument(
            "--update", action="store_true", help="Overwrite existing entries with the file's content."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change, then roll everything back."
        )

    def handle(self, *args, file, update, dry_run, verbosity, **options):
        data = self._read(file)
        try:
            with transaction.atomic():
                report = content_import(data=data, update=update)
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        except ContentError as error:
            raise CommandError(f"{file}: {error}") from error
        prefix = "Would create" if dry_run else "Created"
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{prefix}: {_summary(report.created) or 'nothing'}; "
                    f"{'updated' if update else 'kept'}: {_summary(report.skipped) or 'nothing'}."
                )
            )

    def _read(self, file):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise CommandError(f"{file} is not valid YAML: {error}") from error
        if not isinstance(data, dict):
            raise CommandError(f"{file} must hold a mapping with facets, benefits, risks, terms.")
        return data


def _summary(counts):
    return ", ".join(
        f"{n} {model._meta.verbose_name if n == 1 else model._meta.verbose_name_plural}"
        for model, n in counts.items()
    )

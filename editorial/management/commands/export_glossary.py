from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from glossary.transfer import FORMATS, glossary_export


class Command(BaseCommand):
    help = (
        "Write the whole glossary (facets, categories, benefits, risks, terms and all their parts) "
        "as JSON, YAML or CSV, to stdout or a file. import_glossary reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=FORMATS, help="Default: from --output's extension, else json."
        )
        parser.add_argument("--output", type=Path, help="File to write (default: stdout).")

    def handle(self, *args, format, output, verbosity, **options):
        if format is None:
            suffix = output.suffix.lower().lstrip(".") if output else ""
            format = {"yml": "yaml"}.get(suffix, suffix) if suffix in {*FORMATS, "yml"} else "json"
        text = glossary_export(format=format)
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8", newline="")
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}") from error
        if verbosity:
            self.stderr.write(f"Wrote {output} ({format}).")

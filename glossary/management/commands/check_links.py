from django.core.management.base import BaseCommand, CommandError

from glossary.link_checks import broken_links


class Command(BaseCommand):
    help = (
        "List the links written as [[slug]] that readers see as plain text, because they name no "
        "term or one that is not published. Exits with status 1 if there are any."
    )

    def handle(self, *args, verbosity, **options):
        broken = broken_links()
        for link in broken:
            self.stdout.write(f"{link.term.slug}: {link}")
        if broken:
            raise CommandError(f"{len(broken)} broken link{'s' if len(broken) != 1 else ''}.", returncode=1)
        if verbosity:
            self.stdout.write(self.style.SUCCESS("No broken links."))

from django.core.management.base import BaseCommand
from django.db import transaction

from editorial.roles import sync_roles


class Command(BaseCommand):
    help = "Creates the Editors and Publishers groups and gives each exactly its role's permissions."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, (added, removed) in sync_roles().items():
            if not added and not removed:
                self.stdout.write(f"{name}: up to date.")
                continue
            for app, codename in added:
                self.stdout.write(f"{name}: + {app}.{codename}")
            for app, codename in removed:
                self.stdout.write(f"{name}: - {app}.{codename}")

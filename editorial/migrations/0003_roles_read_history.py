"""Both roles read the terms' history (editorial.Revision), made in 0002."""

from django.db import migrations

from editorial.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [("editorial", "0002_revisions")]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]

"""Headwords that start with an accented letter (“Échange”) move from "#" to their letter."""

from django.db import migrations


def refile(apps, schema_editor):
    from glossary.models import initial_of

    Term = apps.get_model("glossary", "Term")
    for term in Term.objects.filter(initial="#").only("pk", "headword"):
        initial = initial_of(term.headword)
        if initial != "#":
            Term.objects.filter(pk=term.pk).update(initial=initial)


class Migration(migrations.Migration):
    dependencies = [("glossary", "0004_name_key_indexes")]

    operations = [migrations.RunPython(refile, migrations.RunPython.noop)]

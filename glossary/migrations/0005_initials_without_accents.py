"""Headwords that start with an accented letter (“Échange”) move from "#" to their letter."""

import unicodedata

from django.db import migrations


def initial_of(headword):
    """As glossary.models.initial_of was when this migration was written."""
    first = unicodedata.normalize("NFKD", headword.strip()[:1])[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def refile(apps, schema_editor):
    Term = apps.get_model("glossary", "Term")
    for term in Term.objects.filter(initial="#").only("pk", "headword"):
        initial = initial_of(term.headword)
        if initial != "#":
            Term.objects.filter(pk=term.pk).update(initial=initial)


class Migration(migrations.Migration):
    dependencies = [("glossary", "0004_name_key_indexes")]

    operations = [migrations.RunPython(refile, migrations.RunPython.noop)]

"""An alias with no Latin letters (“日本語”) gets an address in its own script.

Only the field's validation changes, not its column, so the database is left alone: on SQLite an
altered field means a rebuilt table, which the search triggers on glossary_alias would not survive.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("glossary", "0009_names_are_unique")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="alias",
                    name="slug",
                    field=models.SlugField(allow_unicode=True, editable=False, max_length=200, unique=True),
                )
            ]
        )
    ]

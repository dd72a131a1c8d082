from django.db import migrations
from django.db.models.functions import Lower


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0013_term_recently_updated_index"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="term",
            options={
                "ordering": ["initial", Lower("headword"), "expansion"],
                "permissions": [("publish_term", "Can publish and unpublish terms, and change published ones")],
            },
        ),
    ]

"""The Editors and Publishers groups (editorial.roles), on every database from the start."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from editorial.roles import sync_roles


def create_roles(apps, schema_editor):
    # Permissions are otherwise made after the last migration: make those the roles name now.
    for label in ("glossary", "taggit"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    sync_roles(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("glossary", "0014_term_publish_permission"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]

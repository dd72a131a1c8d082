"""The Editors and Publishers groups (editorial.roles), on every database from the start."""

from django.db import migrations

from editorial.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("glossary", "0014_term_publish_permission"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]

"""The editors' roles, as groups: Editors write; Publishers also decide what readers see.

Editors add and change terms and everything attached to them (categories, tags, benefits, risks,
and a term's own aliases, FAQ, sources and relations, whose rows they may also remove: that is an
edit of the term), and submit terms for review; a change they make to a term readers can see
waits for a publisher's approval. They cannot publish, unpublish, approve, deprecate or delete a
term or any shared part of the taxonomy. Publishers can do all of it. Both read the history. Superusers stay
superusers. `sync_roles` gives each group exactly these permissions; the data migration and
`manage.py setup_roles` call it.
"""

from django.apps import apps as installed_apps
from django.contrib.auth.management import create_permissions

# (app label, model): the permissions of each role on it.
SHARED = [
    ("glossary", "facet"),
    ("glossary", "category"),
    ("glossary", "benefit"),
    ("glossary", "risk"),
    ("taggit", "tag"),
]
PARTS = [("glossary", "alias"), ("glossary", "faq"), ("glossary", "source"), ("glossary", "termrelation")]
TERM = ("glossary", "term")
PUBLISH = ("glossary", "publish_term")
HISTORY = ("editorial", "revision")  # read by both roles; written by the services alone


def codenames(actions, models):
    return {(app, f"{action}_{model}") for app, model in models for action in actions}


EDITORS = (
    codenames(["add", "change", "view"], [TERM, *SHARED])
    | codenames(["add", "change", "delete", "view"], PARTS)
    | codenames(["view"], [HISTORY])
)
PUBLISHERS = EDITORS | codenames(["delete"], [TERM, *SHARED]) | {PUBLISH}
ROLES = {"Editors": EDITORS, "Publishers": PUBLISHERS}


def sync_roles(*, apps=installed_apps):
    """Creates the groups if missing and gives each exactly its role's permissions (taking away any
    added by hand). Returns {group name: (permissions added, permissions removed)}."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    changes = {}
    for name, role in ROLES.items():
        wanted = {(app, codename) for app, codename in role if _exists(apps, app, codename)}
        group, _ = Group.objects.get_or_create(name=name)
        permissions = {
            (permission.content_type.app_label, permission.codename): permission
            for permission in Permission.objects.select_related("content_type").filter(
                content_type__app_label__in={app for app, _ in wanted}
            )
        }
        missing = sorted(wanted - permissions.keys())
        if missing:
            raise LookupError(f"Permissions not found (run migrate first): {missing}")
        held = {
            (p.content_type.app_label, p.codename) for p in group.permissions.select_related("content_type")
        }
        group.permissions.set([permissions[key] for key in wanted])
        changes[name] = (sorted(wanted - held), sorted(held - wanted))
    return changes


def _exists(apps, app, codename):
    """Whether the model a permission is about exists yet (a migration sees the models of its time)."""
    try:
        apps.get_model(app, codename.split("_", 1)[1])
    except LookupError:
        return False
    return True


def migrate_roles(apps, schema_editor):
    """The data migrations' step: the roles' permissions, then the groups."""
    # Permissions are otherwise made after the last migration: make those the roles name now.
    for label in ("glossary", "taggit", "editorial"):
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue  # no models yet at this point of its migrations
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    sync_roles(apps=apps)

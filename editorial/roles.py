"""The editors' roles, as groups: Editors write; Publishers also decide what readers see.

Editors add and change terms and everything attached to them (categories, tags, benefits, risks,
and a term's own aliases, FAQ, sources and relations, whose rows they may also remove: that is an
edit of the term). They cannot publish, unpublish or delete a term or any shared part of the
taxonomy, and cannot change a term readers can see. Publishers can do all of it. Superusers stay
superusers. `sync_roles` gives each group exactly these permissions; the data migration and
`manage.py setup_roles` call it.
"""

from django.apps import apps as installed_apps

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


def codenames(actions, models):
    return {(app, f"{action}_{model}") for app, model in models for action in actions}


EDITORS = codenames(["add", "change", "view"], [TERM, *SHARED]) | codenames(
    ["add", "change", "delete", "view"], PARTS
)
PUBLISHERS = EDITORS | codenames(["delete"], [TERM, *SHARED]) | {PUBLISH}
ROLES = {"Editors": EDITORS, "Publishers": PUBLISHERS}


def sync_roles(*, apps=installed_apps):
    """Creates the groups if missing and gives each exactly its role's permissions (taking away any
    added by hand). Returns {group name: (permissions added, permissions removed)}."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    changes = {}
    for name, wanted in ROLES.items():
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

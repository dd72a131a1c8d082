from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class EditorialConfig(AppConfig):
    """The editors' side: the admin built on the glossary's models (glossary never imports it)."""

    default = True
    name = "editorial"
    verbose_name = "Editorial"


class EditorsAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the editors' site (its index is the editors' desk)."""

    default = False
    default_site = "editorial.sites.EditorsSite"

from django.apps import AppConfig


class EditorialConfig(AppConfig):
    """The editors' side: the admin built on the glossary's models (glossary never imports it)."""

    name = "editorial"
    verbose_name = "Editorial"

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class GlossaryConfig(AppConfig):
    name = "glossary"
    verbose_name = "Glossary"

    def ready(self):
        from .cache import watch_connection  # noqa: PLC0415 - it imports the models

        connection_created.connect(watch_connection, dispatch_uid="glossary.watch_writes")

"""What every benchmark that rebuilds a database shares: the guard that it is a bench database,
Django set up on it, and the rebuild itself. Import this first: it calls django.setup()."""

import os
import sys
from pathlib import Path

import dj_database_url
import django

ROOT = Path(__file__).resolve().parent.parent

# The database is dropped and rebuilt: never the one that holds an editor's content.
if (
    "bench"
    not in Path(dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite://")).get("NAME", "")).name
):
    sys.exit("Set DATABASE_URL to a database whose name contains 'bench' (it is dropped and rebuilt).")

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.test")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def rebuild_database():
    """Drops the bench database, creates it empty and migrates it."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database['NAME']}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg  # noqa: PLC0415

        name = database["NAME"]
        connection.close()
        with psycopg.connect(
            host=database["HOST"],
            port=database["PORT"],
            user=database["USER"],
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)

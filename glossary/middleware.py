import logging
import time

from django.db import InterfaceError, OperationalError
from django.shortcuts import render

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
LOG_EVERY_SECONDS = 60


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached gets readers a 503 page in the site's design, not a 500:
    the outage is logged once a minute per process rather than once a request, and the next
    request after it ends connects afresh (Django drops a connection that failed)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.logged_at = 0.0

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not unreachable(exception):
            return None
        if time.monotonic() - self.logged_at > LOG_EVERY_SECONDS:
            self.logged_at = time.monotonic()
            logger.error("The database is unreachable; answering 503: %s", exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def unreachable(exception):
    """A failure to connect or a dropped connection, not a bad query (which stays a 500)."""
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    # psycopg raises OperationalError for refused and dropped connections; SQLite for a file it
    # cannot open, but also for locks and bad SQL, which are not outages.
    return "sqlite3" not in type(cause).__module__ or "unable to open" in str(exception)

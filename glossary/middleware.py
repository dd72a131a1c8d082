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
        # Logged above, once a minute: Django would otherwise log every 503 as an error. The
        # attribute is the one Django's own handlers set when they have logged a response.
        response._has_been_logged = True
        return response


# PostgreSQL's codes for "no connection": class 08 (connection exceptions), the server shutting
# down or starting up (57P01-57P03), too many connections (53300).
UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300"}


def unreachable(exception):
    """A failure to connect or a dropped connection, not a bad query, a timeout or a deadlock
    (which stay 500s, with their tracebacks logged)."""
    if isinstance(exception, InterfaceError):  # the connection was already closed
        return True
    cause = exception.__cause__
    if not isinstance(exception, OperationalError) or cause is None:
        return False
    if type(cause).__module__ == "sqlite3":
        return "unable to open" in str(cause)
    state = getattr(cause, "sqlstate", None)
    # psycopg gives no state when it could not connect at all.
    return state is None or state.startswith("08") or state in UNAVAILABLE_STATES

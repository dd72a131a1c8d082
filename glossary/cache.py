"""The content version and the keys of everything cached for readers.

Everything cached belongs to the content version (a fragment's key names it, a stored page
carries it), so one bump after a write retires every cached page and fragment at once. The
version lives in the cache itself (Redis when several app servers share it); a write anywhere in
`glossary` or taggit's tables bumps it when its transaction commits (`watch_writes`), and so does
the moment a scheduled term's publication comes, and, in case a bump was ever lost, the passing
of GLOSSARY_CACHE_SECONDS.
"""

import logging
import re
import secrets
import time
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from hashlib import blake2b

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, transaction
from redis.exceptions import RedisError

from .models import Term
from .tracking import tracking

logger = logging.getLogger(__name__)

# Part of every key: raise it when a cached class (Version, Stored, CachedPage) changes
# shape, so that servers of the new release never unpickle what the old one stored in a shared Redis.
SCHEMA = 4
VERSION_KEY = f"glossary:{SCHEMA}:version"
RETRY_SECONDS = 5  # how long an unreachable cache is left alone before it is tried again
WRITE = re.compile(
    r"\s*(?:WITH\b.*?\b)?(?:INSERT|UPDATE|DELETE|REPLACE|TRUNCATE)\b", re.IGNORECASE | re.DOTALL
)
CONTENT_TABLE = re.compile(r"\b(?:glossary|taggit)_\w+")


@dataclass(frozen=True)
class Version:
    token: str
    changed_at: float  # when the content last changed (seconds since the epoch): Last-Modified
    # The next scheduled publication, or GLOSSARY_CACHE_SECONDS from the change: should a bump
    # ever be lost (a command whose Redis write failed), no reader sees old content for longer.
    renew_at: float

    def last_modified(self):
        """Whole seconds, as HTTP dates are; None during the second the content changed, since a
        second change within it would carry the same date and a revalidation would miss it."""
        second = int(self.changed_at)
        return second if time.time() >= second + 1 else None


class Guarded:
    """One cache alias whose failures (Redis stopped, a full disk) read as misses rather than
    errors. After a failure the cache is left alone for RETRY_SECONDS, so that a stopped Redis
    costs one log line and one refused connection per process every few seconds, not per request.
    """

    def __init__(self, alias):
        self.alias = alias
        self.down_until = 0.0

    def __call__(self, method, *args, **kwargs):
        """The result of `caches[alias].method(*args)`, or None while the cache is unreachable."""
        if self.down_until and time.monotonic() < self.down_until:
            return None
        try:
            result = getattr(caches[self.alias], method)(*args, **kwargs)
        except (RedisError, OSError) as error:
            if not self.down_until:
                logger.error("The %s cache is unreachable; serving pages uncached: %s", self.alias, error)
            self.mark(down_until=time.monotonic() + RETRY_SECONDS)
            return None
        if self.down_until:
            self.mark(down_until=0.0)
            logger.warning("The %s cache is back; caching resumes.", self.alias)
            # A write made while it was away could not bump the version: bump it now, and read
            # again what may have been the version before.
            if holds_versions(self.alias):
                bump_version()
                return self(method, *args, **kwargs)
        return result

    def mark(self, *, down_until):
        """Marks this alias, and any other alias of the same cache (Redis), down or up."""
        for guard in (pages, versions):
            if settings.CACHES[guard.alias] == settings.CACHES[self.alias]:
                guard.down_until = down_until

    @property
    def up(self):
        return not self.down_until


VERSION_CACHE = "versions"
pages = Guarded("default")


def holds_versions(alias):
    """Whether the cache `alias` is where the version is kept (with Redis, pages and version share it)."""
    return settings.CACHES[alias] == settings.CACHES[VERSION_CACHE]


versions = Guarded(VERSION_CACHE)


UNPINNED = object()
pinned = ContextVar("pinned_version", default=UNPINNED)


@contextmanager
def one_version(page=None):
    """Within it the content version is read once: a page is made of one version's parts, at the
    cost of one look-up however many parts it has. With the key of a `page`, also the page stored
    under it for that version, or None."""
    version, stored = read_version(page)
    token = pinned.set(version)
    try:
        yield version, stored.page if stored else None
    finally:
        pinned.reset(token)


def current_version():
    """The content version readers are served, or None if the cache cannot be reached."""
    if (version := pinned.get()) is not UNPINNED:
        return version
    return read_version()[0]


def read_version(page=None):
    """The content version and, with the key of a `page`, the page stored under it for that
    version (a Stored) or None. While Redis tracks the version for this process, both may be known
    here (glossary.tracking); otherwise they come in one look-up (one round trip to Redis) when
    the versions and pages share one cache."""
    location = settings.CACHES[VERSION_CACHE]
    if (version := tracking.known_version(location)) is not None:
        version = checked(version)
        stored = (tracking.page(page, version.token) or pages("get", page)) if page and version else None
    else:
        if versions.up:
            tracking.listen(location, caches[VERSION_CACHE], VERSION_KEY)
        if page and holds_versions(pages.alias):
            found = pages("get_many", [VERSION_KEY, page])
            version = None if found is None else checked(found.get(VERSION_KEY))
            stored = found.get(page) if found else None
        else:
            version = checked(versions("get", VERSION_KEY))
            stored = pages("get", page) if page and version else None
        tracking.remember(version)
    if not (stored and version and stored.token == version.token):
        return version, None
    tracking.keep(page, stored)
    return version, stored


def checked(version):
    """The version read from the cache, or a new one if there was none or it is due for renewal."""
    if version is None:
        return bump_version() if versions.up else None
    if time.time() >= version.renew_at:
        return bump_version()
    return version


def bump_version():
    """A new version, as readers must see every change from now on. Each token is new (not an
    increment), so two app servers bumping at once cannot both land on the same one; its date
    only moves forward, whatever the clocks of the servers that bump it."""
    in_process.clear()  # this process sees its own writes even while the cache is unreachable
    near.clear()
    now = time.time()
    renew_at = now + settings.GLOSSARY_CACHE_SECONDS
    try:
        upcoming = Term.objects.scheduled().first()
    except DatabaseError:
        upcoming, renew_at = None, now + RETRY_SECONDS  # the write committed: bump all the same
    if upcoming:
        renew_at = min(renew_at, upcoming.published_at.timestamp())
    previous = versions("get", VERSION_KEY)
    changed_at = max(now, previous.changed_at + 1) if previous else now
    version = Version(token=secrets.token_hex(8), changed_at=changed_at, renew_at=renew_at)
    versions("set", VERSION_KEY, version, timeout=None)
    return version if versions.up else None


@dataclass(frozen=True)
class Stored:
    """A page as stored: under its address alone, with the version it was made for, so that the
    version and the page can be read in one look-up."""

    token: str
    page: object


def page_key(request):
    """The page for this address as this host and scheme name it (pages carry canonical links)."""
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = blake2b(address.encode(), digest_size=16).hexdigest()
    return f"glossary:{SCHEMA}:page:{digest}"


def store_page(key, version, page):
    stored = Stored(version.token, page)
    pages("set", key, stored, timeout=settings.GLOSSARY_CACHE_SECONDS)
    tracking.keep(key, stored)


# Fragments this process made lately, by (version token, name, parts). An index's set of filters
# keeps three (its counts, A–Z bar and sidebar: about 16 kB at 100,000 terms), so this holds the
# last 680 or so: filled by the benchmark's filters and searches, 9 MB of text and at most 17 MB
# more resident. With 512, its 340 pairs of categories were made afresh on nearly every request
# (an index page's rendering, 2.5 ms against 1.5 in process).
NEAR_ENTRIES = 2048
near = OrderedDict()


# Set while a page shows content that is not the version's (a preview of a proposed change).
apart = ContextVar("apart", default=False)


@contextmanager
def kept_apart():
    """Nothing computed inside is kept or read from what is kept for the content version."""
    token = apart.set(True)
    try:
        yield
    finally:
        apart.reset(token)


def remembered(name, *parts, compute):
    """`compute()`, kept in this process for the current content version under `name` and `parts`
    (the NEAR_ENTRIES used last). Not in the shared cache: there, each new set of filters cost
    six round trips to Redis that found nothing, about as long as making its fragments here."""
    version = current_version()
    if version is None or apart.get():
        return compute()
    key = (version.token, name, parts)
    if key in near:
        near.move_to_end(key)
        return near[key]
    value = near[key] = compute()
    if len(near) > NEAR_ENTRIES:
        near.popitem(last=False)
    return value


# What `kept` holds in this process: {name: (version token, value)}.
in_process = {}
UNVERSIONED_SECONDS = 30


def kept(name, *, compute):
    """`compute()`, kept in this process's memory for the current content version: for what many
    requests need whole and would cost more to unpickle from the cache than to keep."""
    if apart.get():
        return compute()
    version = current_version()
    # While the cache is unreachable no other process can say what changed: rebuild now and then.
    token = version.token if version else f"unversioned:{time.monotonic() // UNVERSIONED_SECONDS}"
    held, value = in_process.get(name, (None, None))
    if held != token:
        value = compute()
        in_process[name] = (token, value)
    return value


def watch_writes(execute, sql, params, many, context):
    """A database execute wrapper: once a statement writes a content table, the version is bumped
    when its transaction commits (at once outside a transaction). ORM saves, QuerySet.update(),
    bulk actions, imports, commands and raw SQL all pass through here."""
    result = execute(sql, params, many, context)
    sql = str(sql)
    if WRITE.match(sql) and CONTENT_TABLE.search(sql):
        connection = context["connection"]
        # One bump per transaction, however many rows it writes.
        if not any(callback is bump_version for _, callback, _ in connection.run_on_commit):
            # Robust: the write has committed whatever the bump meets, and later hooks still run.
            transaction.on_commit(bump_version, using=connection.alias, robust=True)
    return result


def watch_connection(sender, connection, **kwargs):
    """Installs `watch_writes` on each new database connection (the `connection_created` signal)."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)

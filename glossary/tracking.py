"""What a process may know of the shared cache without asking it: the content version, and the
pages stored for it, for as long as Redis promises to say when the version changes.

A connection of the process's own asks Redis to track the version's key (client-side caching in
broadcast mode, Redis 6 or later): each change to that key then sends it a message. While the
connection is up and has received nothing, the version last read is still the version and a page
stored for it is still that page, so a popular page is served with no round trip to Redis. A
message, a broken connection or a change of cache settings forgets everything known.
"""

import logging
import threading
import time
from collections import OrderedDict
from contextlib import suppress

from redis.exceptions import RedisError, ResponseError

logger = logging.getLogger(__name__)

PAGE_BYTES = 32 * 2**20  # the most that the pages kept by one process may hold
RETRY_SECONDS = 5  # how long a failed start of tracking is left alone


class Tracking:
    """The version and pages known in this process, while Redis tracks the version for it."""

    def __init__(self):
        self.lock = threading.Lock()  # the development server answers on several threads
        self.connection = None
        self.cache = None  # the settings of the cache the connection tracks
        self.version = None
        self.pages = OrderedDict()  # {key: stored page}, least recently used first
        self.size = 0
        self.retry_at = 0.0
        self.warned = False

    def known_version(self, cache):
        """The version last read from the cache whose settings are `cache`, if Redis has told of no
        change since; else None."""
        with self.lock:
            if self.connection is None or self.cache != cache:
                return None
            try:
                while self.connection.can_read(0):
                    self.connection.read_response(push_request=True)
                    self.forget_content()
            except (RedisError, OSError):
                self.stop()
            return self.version

    def listen(self, cache, backend, key):
        """Asks Redis to tell of changes to `key` in `backend` (whose settings are `cache`), before
        the version is read from it: a change after that read cannot then go unheard. Only Django's
        Redis cache as kb.redis_cache extends it can; a failure is tried again after RETRY_SECONDS,
        and a refusal (an ACL that forbids CLIENT TRACKING) is logged once."""
        with self.lock:
            if self.connection is not None and self.cache == cache:
                return
            self.stop()
            if not hasattr(backend, "tracking") or time.monotonic() < self.retry_at:
                return
            try:
                self.connection = backend.tracking(key)
            except (RedisError, OSError) as error:
                self.retry_at = time.monotonic() + RETRY_SECONDS
                # A Redis that cannot be reached is the cache's own failure, logged where it is read.
                if isinstance(error, ResponseError) and not self.warned:
                    self.warned = True
                    logger.warning("Redis does not track the content version; every page asks it: %s", error)
                return
            self.cache = cache

    def remember(self, version):
        """Keeps `version`, read after `listen`, until Redis tells of a change."""
        with self.lock:
            if self.connection is not None and self.version != version:
                self.forget_content()
                self.version = version

    def page(self, key, token):
        """The stored page kept under `key`, if it was made for the version `token`."""
        with self.lock:
            stored = self.pages.get(key)
            return stored if stored is not None and stored.token == token else None

    def keep(self, key, stored):
        """Keeps a page stored for the version known here, or marks it used again if it is kept;
        the least recently used pages give way."""
        with self.lock:
            if self.connection is None or self.version is None or stored.token != self.version.token:
                return
            if (previous := self.pages.pop(key, None)) is not None:
                self.size -= len(previous.page.content)
            self.pages[key] = stored
            self.size += len(stored.page.content)
            while self.size > PAGE_BYTES:
                _, oldest = self.pages.popitem(last=False)
                self.size -= len(oldest.page.content)

    def forget_content(self):
        """Forgets the version and its pages (Redis told of a change)."""
        self.version = None
        self.pages.clear()
        self.size = 0

    def stop(self):
        """Forgets everything and closes the connection (it may be broken already)."""
        self.forget_content()
        if self.connection is not None:
            with suppress(RedisError, OSError):
                self.connection.disconnect()
        self.connection = self.cache = None


tracking = Tracking()

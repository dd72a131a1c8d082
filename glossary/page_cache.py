"""Reader pages cached whole for anonymous readers, per content version (see glossary.cache).

`reader_page` marks a view as a reader page and gives its response an ETag and Last-Modified;
`ReaderPageCache`, high in the middleware, serves a stored page before sessions, CSRF, messages
and the rest of the stack are run, and stores what the view made with the headers the middleware
below it added. A request that carries a session cookie may be signed in: it is never served
from the cache nor stored in it.
"""

from dataclasses import dataclass, replace
from functools import lru_cache, wraps
from hashlib import blake2b

from django.conf import settings
from django.http import HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import add_never_cache_headers, get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag

from . import cache

# What a reader page's address may hold and still be stored, under the whole address: the pages'
# own parameters, and a campaign's tags, so that the readers a newsletter or an advertisement
# brings share one stored page. As with a search's words, a made-up value is stored for at most
# GLOSSARY_CACHE_SECONDS; an address with any other parameter (a typo) is served but not stored.
READER_PARAMETERS = {"q", "letter", "category", "tag", "page"}
CAMPAIGN_PARAMETERS = {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}
STORED_PARAMETERS = READER_PARAMETERS | CAMPAIGN_PARAMETERS
# Made afresh for each answer: the validators (from the page and the version) and, on a 304,
# what describes a body it does not have.
UNSTORED_HEADERS = {"etag", "last-modified"}
BODY_HEADERS = {"content-type", "content-length"}
NOT_COPIED = UNSTORED_HEADERS | BODY_HEADERS  # from a response into the page stored from it


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]  # as the view and the middleware below the cache made them


def reader_page(view):
    """Marks `view` as a reader page: anonymous readers get it with an ETag and Last-Modified
    that answer a revalidation with 304, and ReaderPageCache may store it. Signed-in users
    (editors previewing drafts) get responses marked never to be kept."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with cache.one_version() as (version, _):
            response = view(request, *args, **kwargs)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
            return response
        if not storable(request, response):
            # A draft's address is a 404 for readers and a page for its editors.
            patch_vary_headers(response, ["Cookie"])
            return response
        content = response.content
        headers = (
            ("Content-Type", response["Content-Type"]),
            # Any copy must ask again before reuse: the ETag makes that a cheap 304.
            ("Cache-Control", "public, no-cache"),
            ("Vary", "Cookie"),
        )
        page = CachedPage(content, etag_of(content), headers)
        response = respond(request, version, page)
        response.reader_page = page
        return response

    wrapper.reader_page = True
    return wrapper


def respond(request, version, page):
    """`page` for this request: whole, or a 304 if the reader's copy is current."""
    last_modified = version.last_modified() if version else None
    not_modified = get_conditional_response(request, etag=page.etag, last_modified=last_modified)
    response = not_modified or HttpResponse(page.content)
    for header, value in page.headers:
        if not (not_modified and header.lower() in BODY_HEADERS):
            response[header] = value
    response["ETag"] = page.etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified)
    return response


def storable(request, response):
    """A whole, successful page that sets no cookie (a CSRF cookie would not be replayed)."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "no-cache" not in response.get("Cache-Control", "")
    )


def etag_of(content):
    return quote_etag(blake2b(content, digest_size=16).hexdigest())


class ReaderPageCache:
    """Anonymous readers' reader pages from the cache of the current content version.

    It sits below the security headers and the database's 503 page and above everything a
    cached page does not need: a request without a session cookie is anonymous, so neither the
    session, the user, CSRF nor messages are looked at. Approved changes that are due go live in
    the middleware above it (editorial.middleware.ScheduledChanges)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = cacheable_key(request)
        if key is None:
            return self.get_response(request)
        with cache.one_version(key) as (version, page):
            if page is not None:
                return respond(request, version, page)
            response = self.get_response(request)
        page = getattr(response, "reader_page", None)
        # The view's response set no cookie (`storable`), but the middleware below may have.
        if page and version and not response.cookies:
            cache.store_page(key, version, replace(page, headers=stored_headers(page, response)))
        return response


def stored_headers(page, response):
    """What the page's later answers say: its own headers, and those the middleware below the
    cache added to `response` (a 200 or, when the first request was a revalidation, a 304)."""
    headers = dict(page.headers)
    headers.update((header, value) for header, value in response.items() if header.lower() not in NOT_COPIED)
    headers["Content-Length"] = str(len(page.content))
    return tuple(headers.items())


def cacheable_key(request):
    """The cache key of this request's page, or None if it is not one the cache may answer."""
    if (
        request.method not in ("GET", "HEAD")
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or not set(request.GET) <= STORED_PARAMETERS
    ):
        return None
    urlconf = get_urlconf(settings.ROOT_URLCONF)
    return cache.page_key(request) if is_reader_page(urlconf, request.path_info) else None


@lru_cache(maxsize=4096)
def is_reader_page(urlconf, path):
    """Whether `path` is served by a `reader_page` view (as resolving it costs a cached page a
    tenth of its time, the answers for the latest addresses are kept)."""
    try:
        return getattr(resolve(path, urlconf).func, "reader_page", False)
    except Resolver404:
        return False

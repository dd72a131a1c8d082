from dataclasses import dataclass
from functools import wraps
from hashlib import blake2b

from django.http import HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date, quote_etag

from . import cache

# Addresses with any other parameter (a campaign tag, a typo) are served but not stored, so that
# nobody can fill the cache with pages under made-up addresses.
READER_PARAMETERS = {"q", "letter", "category", "tag", "page"}


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    content_type: str
    etag: str


def reader_page(view):
    """Serves anonymous readers from the cache of the current content version, with an ETag and
    Last-Modified that answer a revalidation with 304. Signed-in users (editors previewing drafts)
    are neither served from it nor stored in it, and their responses are marked never to be kept.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            with cache.one_version():
                response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
            return response
        key = cache.page_key(request) if set(request.GET) <= READER_PARAMETERS else None
        with cache.one_version(key) as (version, page):
            return respond(request, version if key else None, key, page, *args, **kwargs)

    def respond(request, version, key, page, *args, **kwargs):
        if page is None:
            response = view(request, *args, **kwargs)
            if not storable(request, response):
                # A draft's address is a 404 for readers and a page for its editors.
                patch_vary_headers(response, ["Cookie"])
                return response
            page = CachedPage(response.content, response["Content-Type"], etag_of(response.content))
            if version:
                cache.store_page(key, version, page)
        last_modified = version.last_modified() if version else None
        response = get_conditional_response(
            request, etag=page.etag, last_modified=last_modified
        ) or HttpResponse(page.content, content_type=page.content_type)
        response["ETag"] = page.etag
        if last_modified:
            response["Last-Modified"] = http_date(last_modified)
        # Any copy must ask again before reuse: the ETag makes that a cheap 304.
        patch_cache_control(response, public=True, no_cache=True)
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper


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

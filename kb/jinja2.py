"""The Jinja2 environment of the reader pages (Django's built-in Jinja2 backend; the admin keeps
Django's template language). Measured on whole pages at 100,000 terms, Django's templates were
most of an uncached index page's time; see the README's "Rendering" section."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.template import defaultfilters, defaulttags
from django.template.defaultfilters import urlencode
from django.templatetags.static import static as static_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext
from jinja2 import ChainableUndefined, Environment

from glossary import rendering

# A page asks for a few addresses and static files, the same on every page: reversing one took
# some 35 µs, and a static file's hashed name 27, each time.


@lru_cache(maxsize=1024)
def reversed_url(urlconf, script_prefix, name, args, kwargs):
    return reverse(name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


def url(name, *args, **kwargs):
    """{{ url("glossary:term", slug) }}: Django's reverse(), kept per URLconf and script prefix;
    its arguments are strings and numbers (kept, they must be hashable)."""
    return reversed_url(get_urlconf(), get_script_prefix(), name, args, tuple(sorted(kwargs.items())))


@lru_cache(maxsize=256)
def static(path):
    """{{ static("css/site.css") }}: the file's address (its hashed name, in production). Django
    keeps STATIC_URL, script prefix included, as the first request found it; so does this."""
    return static_url(path)


def forget_addresses(**kwargs):
    """Settings changed (in tests): the static files' and pages' addresses may have too."""
    reversed_url.cache_clear()
    static.cache_clear()


setting_changed.connect(forget_addresses)


def querystring(query, **changes):
    """`query` (a QueryDict, e.g. request.GET) with `changes`, as Django's {% querystring %}."""
    return defaulttags.querystring(None, query, **changes)


def date(value, arg=None):
    """Django's `date` filter, in the current time zone as Django's templates show datetimes."""
    return defaultfilters.date(template_localtime(value), arg)


def environment(**options):
    # Like Django's templates, a missing value (a 500 page has no request) renders as nothing.
    options.update(undefined=ChainableUndefined, autoescape=True)  # reader pages always escape
    env = Environment(extensions=["jinja2.ext.i18n"], **options)  # noqa: S701 - autoescape is set above
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(
        static=static,
        url=url,
        get_language=get_language,
        querystring=querystring,  # {{ querystring(request.GET, page=2) }}
        remembered=rendering.remembered,
    )
    env.filters.update(
        date=date, urlencode=urlencode, highlight=rendering.highlight, regroup=rendering.regroup
    )
    return env

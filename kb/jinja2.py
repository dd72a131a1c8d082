"""The Jinja2 environment of the reader pages (Django's built-in Jinja2 backend; the admin keeps
Django's template language). Measured on whole pages at 100,000 terms, Django's templates were
most of an uncached index page's time; see the README's "Rendering" section."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.template import defaultfilters, defaulttags
from django.template.defaultfilters import urlencode
from django.templatetags.static import static as static_url
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext
from jinja2 import ChainableUndefined, Environment

from glossary import rendering
from glossary.addresses import address

# A page asks for the same few static files on every page: a static file's hashed name took some
# 27 µs each time. {{ url("glossary:term", slug) }} is glossary.addresses.address, kept likewise.


@lru_cache(maxsize=256)
def static(path):
    """{{ static("css/site.css") }}: the file's address (its hashed name, in production). Django
    keeps STATIC_URL, script prefix included, as the first request found it; so does this."""
    return static_url(path)


@lru_cache(maxsize=4096)
def translation(language, message):
    return gettext(message)


def translated(message):
    """Django's gettext(), kept per language: a page asks for a few dozen messages, the same on
    every page, and each look-up went through the active translation's catalogues."""
    return translation(get_language(), message)


def forget_kept(**kwargs):
    """Settings changed (in tests): the static files' addresses and the translations may have too."""
    static.cache_clear()
    translation.cache_clear()


setting_changed.connect(forget_kept)


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
    env.install_gettext_callables(translated, ngettext, newstyle=True)
    env.globals.update(
        static=static,
        url=address,
        get_language=get_language,
        querystring=querystring,  # {{ querystring(request.GET, page=2) }}
        remembered=rendering.remembered,
        unchanging=rendering.unchanging,
    )
    env.filters.update(
        date=date,
        urlencode=urlencode,
        highlight=rendering.highlight,
        regroup=rendering.regroup,
        terms_count=rendering.terms_count,
    )
    return env

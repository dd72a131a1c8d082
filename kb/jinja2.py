"""The Jinja2 environment of the reader pages (Django's built-in Jinja2 backend; the admin keeps
Django's template language). Measured on whole pages at 100,000 terms, Django's templates were
most of an uncached index page's time; see the README's "Rendering" section."""

from django.template import defaultfilters, defaulttags
from django.template.defaultfilters import urlencode
from django.templatetags.static import static
from django.urls import reverse
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext
from jinja2 import ChainableUndefined, Environment

from glossary import rendering


def url(name, *args, **kwargs):
    return reverse(name, args=args or None, kwargs=kwargs or None)


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

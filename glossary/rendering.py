"""What the reader templates (Jinja2, see kb/jinja2.py) call beyond Jinja2's own."""

from functools import lru_cache
from itertools import groupby
from operator import attrgetter

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language, ngettext
from markupsafe import Markup, escape

from .cache import remembered as remembered_for_version


def highlight(fragment):
    """Escape a search snippet, then turn its \\x02 … \\x03 markers into <mark> elements."""
    if fragment.count("\x02") != fragment.count("\x03"):
        return escape(fragment.replace("\x02", "").replace("\x03", ""))
    marked = str(escape(fragment)).replace("\x02", "<mark>").replace("\x03", "</mark>")
    return Markup(marked)  # noqa: S704 - escaped above, and only the markers became tags


def terms_count(n):
    """{{ n|terms_count }}: “1 term”, “3712 terms”, translated, as a {% trans counter=n %} block with a
    plural says it. A filter, not such a block: the A–Z bar has one for each of up to 27 letters,
    and Jinja2's call of a plural message took 15 µs each, against 8 for this; each text is kept
    for its language and number (`counted`): 1 µs (0.2 ms of a search page at 100,000 terms,
    where most letters have terms)."""
    return counted(get_language(), n)


@lru_cache(maxsize=4096)
def counted(language, n):
    """The text of terms_count for `n` in `language`, the active language it is made in."""
    return ngettext("%(counter)s term", "%(counter)s terms", n) % {"counter": n}


def remembered(name, *parts, caller):
    """{% call remembered("name", part, …) %}…{% endcall %}: the enclosed part of a page, rendered
    once per process, content version, language, script prefix (its links start with it) and set
    of parts (glossary.cache.remembered), for the parts that are the same on many pages, such as
    the index's filters for one set of them. An unreachable cache renders it afresh rather than
    failing the page."""
    key = (get_language(), get_script_prefix(), *parts)
    html = remembered_for_version(name, *key, compute=lambda: str(caller()))
    return Markup(html)  # noqa: S704 - the template's own output, escaped as it was rendered


# The frames `unchanging` keeps: a few for each language and script prefix, and the site's header for
# each of the last searches (its box shows the query).
FRAMES_KEPT = 256
frames = {}


def unchanging(name, *parts, caller):
    """{% call unchanging("name", part, …) %}…{% endcall %}: a part of every page that depends on
    nothing but the language, script prefix, URLconf and `parts` (no content, nothing of the
    request's such as a CSP nonce), rendered once per process for each: the site's header and
    footer, whose translated labels and reversed links were 184 µs of every page. Not the content
    version's (`remembered`): the 503 page, made while the database is down, has them too."""
    key = (name, get_language(), get_script_prefix(), get_urlconf(), *parts)
    if (html := frames.get(key)) is None:
        if len(frames) >= FRAMES_KEPT:
            frames.clear()
        html = frames[key] = str(caller())
    return Markup(html)  # noqa: S704 - the template's own output, escaped as it was rendered


def forget_frames(**kwargs):
    """Settings changed (in tests): the static files' names, the addresses and the translations
    may have too."""
    frames.clear()
    counted.cache_clear()


setting_changed.connect(forget_frames)


def regroup(items, attribute):
    """[(value, [items])] of consecutive `items` that share `attribute`, in their order (Jinja2's
    groupby sorts them first, and the index is already in its order)."""
    return [(value, list(group)) for value, group in groupby(items, key=attrgetter(attribute))]

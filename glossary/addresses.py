"""Addresses of pages, as reverse() makes them, kept per URLconf, script prefix and arguments: a
page links to a few dozen categories, benefits, risks and other pages, the same on every page,
and reversing one took some 35 µs each time."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=4096)
def _reversed(urlconf, script_prefix, name, args, kwargs):
    return reverse(name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


def address(name, *args, **kwargs):
    """reverse(name, args=args, kwargs=kwargs), kept; the arguments are strings and numbers (they
    must be hashable)."""
    return _reversed(get_urlconf(), get_script_prefix(), name, args, tuple(sorted(kwargs.items())))


def forget(**kwargs):
    """Settings changed (in tests): the URLconf may have too."""
    _reversed.cache_clear()


setting_changed.connect(forget)

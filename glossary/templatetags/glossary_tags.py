from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def highlight(fragment):
    """Escape a search snippet, then turn its \\x02 … \\x03 markers into <mark> elements."""
    if fragment.count("\x02") != fragment.count("\x03"):
        return escape(fragment.replace("\x02", "").replace("\x03", ""))
    escaped = escape(fragment)
    return mark_safe(escaped.replace("\x02", "<mark>").replace("\x03", "</mark>"))  # noqa: S308

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def highlight(fragment):
    """Escape a search snippet, then turn its \\x02 … \\x03 markers into <mark> elements."""
    escaped = escape(fragment)
    if escaped.count("\x02") != escaped.count("\x03"):
        return escaped.replace("\x02", "").replace("\x03", "")
    return mark_safe(escaped.replace("\x02", "<mark>").replace("\x03", "</mark>"))  # noqa: S308

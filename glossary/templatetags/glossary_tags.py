from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ..cache import remembered

register = template.Library()


@register.filter
def highlight(fragment):
    """Escape a search snippet, then turn its \\x02 … \\x03 markers into <mark> elements."""
    if fragment.count("\x02") != fragment.count("\x03"):
        return escape(fragment.replace("\x02", "").replace("\x03", ""))
    escaped = escape(fragment)
    return mark_safe(escaped.replace("\x02", "<mark>").replace("\x03", "</mark>"))  # noqa: S308


class RememberedNode(template.Node):
    def __init__(self, nodelist, name, parts):
        self.nodelist, self.name, self.parts = nodelist, name, parts

    def render(self, context):
        parts = [part.resolve(context) for part in self.parts]
        return remembered(
            self.name.resolve(context), get_language(), *parts, compute=lambda: self.nodelist.render(context)
        )


@register.tag("remembered")
def do_remembered(parser, token):
    """{% remembered "name" part … %}…{% endremembered %}: the enclosed part of a page, rendered
    once per content version, language and set of parts (glossary.cache.remembered), for the parts
    that are the same on many pages, such as the index's filters for one set of them. Unlike
    Django's {% cache %}, an unreachable cache renders it afresh rather than failing the page."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% remembered %} needs a name.")
    nodelist = parser.parse(("endremembered",))
    parser.delete_first_token()
    return RememberedNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]]
    )

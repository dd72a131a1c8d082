"""Editor Markdown is untrusted: render it without raw HTML, then sanitise against an allowlist."""

import html
import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def _image_as_link(renderer, tokens, index, options, env):
    """Pictures from anywhere would be hotlinked, and the Content Security Policy blocks them: an
    image is shown as a link to it, its alt text as the link's text."""
    token = tokens[index]
    text = escapeHtml(renderer.renderInlineAsText(token.children or [], options, env))
    opened = sum({"link_open": 1, "link_close": -1}.get(before.type, 0) for before in tokens[:index])
    if opened:  # a linked image: links cannot nest, so the outer link keeps the alt text
        return text
    return f'<a href="{escapeHtml(str(token.attrGet("src")))}">{text or "image"}</a>'


_md.add_render_rule("image", _image_as_link)

TERM_LINK = re.compile(r"\[\[([-\w]+)(?:\|([^\]\n]*))?\]\]")


def _term_link(state, silent):
    """[[slug]] or [[slug|text]]: a link to a term, kept as `<a data-term="slug">` for the reader's
    page to resolve (glossary.linking): a missing or unpublished term shows as plain text."""
    match = TERM_LINK.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("term_link", "a", 0)
        token.meta = {"slug": match[1], "text": (match[2] or "").strip()}
    state.pos = match.end()
    return True


def _render_term_link(renderer, tokens, index, options, env):
    meta = tokens[index].meta
    return f'<a data-term="{escapeHtml(meta["slug"])}">{escapeHtml(meta["text"])}</a>'


_md.inline.ruler.before("link", "term_link", _term_link)
_md.add_render_rule("term_link", _render_term_link)

ALIGNMENTS = {"align-left", "align-center", "align-right"}
ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "data-term"}, "abbr": {"title"}}
ALLOWED_CLASSES = {"th": ALIGNMENTS, "td": ALIGNMENTS}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Return sanitised HTML for `text`; the only HTML we ever mark safe in templates."""
    tokens = _md.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"  # the article's title is the page's only h1
        elif token.type in ("th_open", "td_open") and "style" in token.attrs:
            # A column's alignment as a class: the Content Security Policy refuses inline styles.
            alignment = str(token.attrs.pop("style")).removeprefix("text-align:")
            token.attrSet("class", f"align-{alignment}")
    return nh3.clean(
        _md.renderer.render(tokens, _md.options, {}),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def plain_text(html_text: str) -> str:
    """The words of sanitised HTML without its markup, for the search index and its snippets."""
    return " ".join(html.unescape(nh3.clean(html_text or "", tags=set())).split())

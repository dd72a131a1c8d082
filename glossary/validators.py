"""Rules for names that readers see, shared by models, admin forms and content import."""

from django.core.exceptions import ValidationError
from taggit.models import Tag

# Invisible characters that reorder the text around them (U+202E shows “abc” as “cba”), and
# control characters, which have no business in a name.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A tag's slug column holds 100 characters, and taggit adds “_1”, “_2”… to a slug another tag has.
TAG_LENGTH = Tag._meta.get_field("slug").max_length - 10
TAGS_PER_TERM = 20
PARTS = 50  # the most aliases, related terms, FAQ entries or sources of a term, or categories of a facet


def hidden_controls(text):
    """The characters of `text` that display as nothing or reorder their neighbours."""
    return [char for char in text if char in BIDI_CONTROLS or ord(char) < 32 or 127 <= ord(char) < 160]


def visible_name(value):
    """A name must read as it is stored: no bidirectional or other control characters."""
    if found := hidden_controls(str(value)):
        raise ValidationError(
            "Remove the invisible control characters (%(codes)s): they change how the name displays.",
            code="invisible_controls",
            params={"codes": ", ".join(sorted({f"U+{ord(char):04X}" for char in found}))},
        )


def validate_tags(names):
    """Each tag needs a letter or digit for its address, fits its column, reads as stored; a term
    has at most TAGS_PER_TERM of them."""
    if len(names) > TAGS_PER_TERM:
        raise ValidationError(
            "A term takes at most %(limit)d tags (this has %(count)d).",
            code="too_many_tags",
            params={"limit": TAGS_PER_TERM, "count": len(names)},
        )
    errors = []
    for name in names:
        if len(name) > TAG_LENGTH or len(Tag().slugify(name)) > TAG_LENGTH:
            errors.append(
                ValidationError(
                    "A tag holds at most %(limit)d characters (not: %(tag)s…).",
                    code="tag_too_long",
                    params={"limit": TAG_LENGTH, "tag": name[:40]},
                )
            )
        elif not Tag().slugify(name):
            errors.append(
                ValidationError(
                    "Each tag needs a letter or digit (not: %(tag)s).",
                    code="tag_without_letters",
                    params={"tag": name},
                )
            )
        else:
            try:
                visible_name(name)
            except ValidationError as error:
                errors.append(error)
    if errors:
        raise ValidationError(errors)

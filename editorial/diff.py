"""What differs between two entries of a term (glossary.content.term_entry), field by field and
line by line, for the history's comparison, the review page and the edit-conflict message."""

from dataclasses import dataclass
from difflib import ndiff

LABELS = {
    "headword": "Headword",
    "expansion": "Expansion",
    "slug": "Address (slug)",
    "definition": "Definition",
    "body": "Article",
    "status": "Status",
    "published_at": "Publication date",
    "categories": "Categories",
    "tags": "Tags",
    "benefits": "Benefits",
    "risks": "Risks",
    "aliases": "Aliases",
    "related": "Related terms",
    "faqs": "FAQ",
    "sources": "Sources",
}
CONTEXT = 2  # unchanged lines shown around a change


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    lines: list  # (mark, text): "-" only before, "+" only after, " " both, "…" lines left out


def lines_of(name, value):
    """A field's value as the lines a reader compares."""
    if value in (None, ""):
        return []
    if name == "faqs":
        return [line for faq in value for line in [f"Q: {faq['question']}", *faq["answer"].splitlines(), ""]]
    if name == "sources":
        return [" — ".join(part for part in source.values() if part) for source in value]
    if name == "related":
        return [f"{relation['kind'].replace('_', ' ')}: {relation['term']}" for relation in value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value).splitlines()


def _trimmed(marked):
    """Unchanged runs cut down to CONTEXT lines either side of a change."""
    changed = [i for i, (mark, _) in enumerate(marked) if mark != " "]
    keep = {j for i in changed for j in range(i - CONTEXT, i + CONTEXT + 1)}
    lines, skipped = [], False
    for i, line in enumerate(marked):
        if i in keep:
            lines.append(line)
            skipped = False
        elif not skipped:
            lines.append(("…", ""))
            skipped = True
    return lines


def changes(before, after):
    """The fields that differ between entries `before` and `after` ({} for a term that did not
    exist), each with its lines marked."""
    found = []
    for name, label in LABELS.items():
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        marked = [
            (line[0], line[2:])
            for line in ndiff(lines_of(name, old), lines_of(name, new))
            if not line.startswith("?")
        ]
        found.append(Change(name, label, _trimmed(marked)))
    return found

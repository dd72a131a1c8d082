"""What differs between two entries of a term (glossary.content.term_entry, or the import file's
glossary.transfer.term_record), field by field and line by line, for the history's comparison, the
review page, the edit-conflict message and the import's preview."""

from dataclasses import dataclass
from difflib import SequenceMatcher

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
    "link_mentions": "Links to the terms it mentions",
    "steward": "Steward",
    "reviewed_at": "Last reviewed",
    "reviewed_by": "Reviewed by",
}
CONTEXT = 2  # unchanged lines shown around a change
MOST_LINES = 2_000  # of a field, compared: an article of 20,000 characters in short lines stays quick


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    lines: list  # (mark, text): "-" only before, "+" only after, " " both, "…" lines left out


def lines_of(name, value):
    """A field's value as the lines a reader compares."""
    if value in (None, ""):
        return []
    if isinstance(value, bool):
        return ["on" if value else "off"]
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
        found.append(Change(name, label, _trimmed(_marked(lines_of(name, old), lines_of(name, new)))))
    return found


def _marked(old, new):
    """Line by line, without ndiff's search for the closest pair of changed lines (quadratic in
    the changed lines, seconds for a few hundred): a changed line shows removed, then added."""
    marked = []
    matcher = SequenceMatcher(None, old[:MOST_LINES], new[:MOST_LINES], autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            marked += [(" ", line) for line in old[old_start:old_end]]
            continue
        marked += [("-", line) for line in old[old_start:old_end]]
        marked += [("+", line) for line in new[new_start:new_end]]
    if max(len(old), len(new)) > MOST_LINES:
        marked.append(("…", ""))
    return marked

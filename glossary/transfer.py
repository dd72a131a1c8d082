"""The whole glossary as one file (JSON, YAML or CSV) and back: taxonomy, terms and everything on
them. Our own serialiser, because a term is a nested record (FAQ, sources, relations) that a flat
table per model would scatter; every row still passes the admin's full_clean on the way in."""

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import batched

import yaml
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from .content import (
    FIELDS,
    entry_of,
    list_of,
    parts_set,
    relations_set,
    saved_valid,
    term_entry,
    text_of,
    with_parts,
)
from .models import Benefit, Category, Facet, Risk, Term, TermRelation
from .services import mentions_refresh

FORMATS = ["json", "yaml", "csv"]
VERSION = 1
CSV_COLUMNS = [
    "record",
    "slug",
    "facet",
    "name",
    "description",
    "mitigation",
    "headword",
    "expansion",
    "definition",
    "body",
    "status",
    "published_at",
    "link_mentions",
    "steward",
    "reviewed_at",
    "reviewed_by",
    "categories",
    "tags",
    "benefits",
    "risks",
    "aliases",
    "faqs",
    "sources",
    "related",
]
CSV_JSON = ["categories", "tags", "benefits", "risks", "aliases", "faqs", "sources", "related"]
CSV_NULLABLE = ["published_at", "steward", "reviewed_at", "reviewed_by"]


class TransferError(ValueError):
    """A file that cannot be imported: `problems` lists (where, what) for every bad record."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(" ".join(f"{where}: {what}" for where, what in problems))


KINDS = {"facets": "facet", "categories": "category", "benefits": "benefit", "risks": "risk", "terms": "term"}
OUTCOMES = ["added", "changed", "unchanged"]


@dataclass
class TermOutcome:
    slug: str
    headword: str
    outcome: str
    before: dict | None  # the term's record before the import; None for a term it adds
    after: dict


@dataclass
class TransferReport:
    """What an import did (or, in a dry run, would do): how many rows of each kind it added,
    changed and left as they were, and each term it added or changed, before and after."""

    counts: dict[str, Counter] = field(default_factory=lambda: {o: Counter() for o in OUTCOMES})
    terms: list[TermOutcome] = field(default_factory=list)

    def count(self, kind, outcome):
        self.counts[outcome][kind] += 1

    def summary(self):
        """“Added: 3 terms, 1 facet; changed: nothing; unchanged: 40 terms”."""
        said = []
        for outcome in OUTCOMES:
            counts = self.counts[outcome]
            listed = ", ".join(
                f"{counts[kind]} {kind if counts[kind] != 1 else one}"
                for kind, one in KINDS.items()
                if counts[kind]
            )
            said.append(f"{outcome}: {listed or 'nothing'}")
        return "; ".join(said).capitalize()


# Export


def glossary_document():
    """The whole glossary as plain data, every list in a stable order (slugs, or position)."""
    facets = [
        {
            "slug": facet.slug,
            "name": facet.name,
            "description": facet.description,
            "categories": [
                {"slug": c.slug, "name": c.name, "description": c.description}
                for c in Category.objects.filter(facet=facet).order_by("position", "name", "slug")
            ],
        }
        for facet in Facet.objects.order_by("position", "name", "slug")
    ]
    benefits = [
        {"slug": b.slug, "name": b.name, "description": b.description}
        for b in Benefit.objects.order_by("slug")
    ]
    risks = [
        {"slug": r.slug, "name": r.name, "description": r.description, "mitigation": r.mitigation}
        for r in Risk.objects.order_by("slug")
    ]
    terms = Term.objects.select_related("steward", "reviewed_by").order_by("slug")
    terms = [term_record(term, entry_of(term)) for term in with_parts(terms).iterator(chunk_size=1000)]
    return {
        "format": "kb-glossary",
        "version": VERSION,
        "facets": facets,
        "benefits": benefits,
        "risks": risks,
        "terms": terms,
        "term_count": len(terms),  # a file cut short between two records is caught by this
    }


RECORD_ONLY = ["link_mentions", "steward", "reviewed_at", "reviewed_by"]  # not in a term_entry


def term_record(term, entry=None):
    """A term as the file holds it: its entry (read afresh unless given), its link switch, steward
    and last review."""
    return (entry or term_entry(term)) | {
        "link_mentions": term.link_mentions,
        "steward": term.steward.get_username() if term.steward else None,
        "reviewed_at": term.reviewed_at.isoformat() if term.reviewed_at else None,
        "reviewed_by": term.reviewed_by.get_username() if term.reviewed_by else None,
    }


def glossary_export(*, format="json"):
    """The glossary as text in `format`; the same content always gives the same bytes."""
    document = glossary_document()
    if format == "json":
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if format == "yaml":
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=True, width=10_000)
    if format == "csv":
        return _csv_text(document)
    raise ValueError(f"Unknown format {format!r}; use one of {', '.join(FORMATS)}.")


def _csv_text(document):
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    dump = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)  # noqa: E731
    for facet in document["facets"]:
        writer.writerow({"record": "facet", **{k: facet[k] for k in ("slug", "name", "description")}})
        for category in facet["categories"]:
            writer.writerow({"record": "category", "facet": facet["slug"], **category})
    for benefit in document["benefits"]:
        writer.writerow({"record": "benefit", **benefit})
    for risk in document["risks"]:
        writer.writerow({"record": "risk", **risk})
    for term in document["terms"]:
        row = {"record": "term"}
        for name, value in term.items():
            if name in CSV_JSON:
                row[name] = dump(value)
            elif name == "link_mentions":
                row[name] = "true" if value else "false"
            else:
                row[name] = "" if value is None else value
        writer.writerow(row)
    writer.writerow({"record": "end", "name": str(document["term_count"])})
    return out.getvalue()


# Reading a file


def format_of(filename, given=None):
    if given:
        return given
    suffix = str(filename).rsplit(".", 1)[-1].lower()
    return {"yml": "yaml"}.get(suffix, suffix) if suffix in {*FORMATS, "yml"} else "json"


def glossary_parse(*, raw, format):
    """`raw` (bytes) as a document of records, each with where it is in the file; or TransferError
    for a file that is not UTF-8, not `format`, or cut short. Junk is refused on its first bytes."""
    if b"\x00" in raw[:4096]:
        raise TransferError([("file", "holds NUL bytes: a binary file, or not UTF-8 (UTF-16?).")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TransferError(
            [
                (
                    "file",
                    f"is not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start}): "
                    "save it as UTF-8.",
                )
            ]
        ) from error
    if format == "csv":
        return _parse_csv(text)
    start = text.lstrip()[:200]
    if format == "json":
        if not start.startswith("{"):
            raise TransferError([("file", "is not a glossary JSON file: it does not start with “{”.")])
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise TransferError(
                [(f"line {error.lineno}", f"malformed or truncated JSON: {error.msg}.")]
            ) from error
        except RecursionError as error:
            raise TransferError([("file", "is nested too deeply to be a glossary file.")]) from error
    elif format == "yaml":
        first = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
        if not re.match(r"[a-z_]+:", first):
            raise TransferError(
                [("file", "is not a glossary YAML file: it does not start with a “key:” line.")]
            )
        try:
            # The C loader, when PyYAML has it: a large file parses in a fraction of the time.
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "file"
            raise TransferError(
                [(where, f"malformed or truncated YAML: {getattr(error, 'problem', error)}.")]
            ) from error
    else:
        raise TransferError([("file", f"unknown format {format!r}; use one of {', '.join(FORMATS)}.")])
    if not isinstance(data, dict) or data.get("format") != "kb-glossary":
        raise TransferError([("file", "is not a glossary export (no “format: kb-glossary”).")])
    problems = []
    document = {}
    for key in ("facets", "benefits", "risks", "terms"):
        entries = data.get(key, [])
        if not isinstance(entries, list):
            problems.append((key, "must be a list."))
            entries = []
        document[key] = [(f"{key} record {n}", entry) for n, entry in enumerate(entries, 1)]
    count = data.get("term_count")
    if not isinstance(count, int):
        problems.append(("file", "term_count must be the number of terms, as a number."))
    elif count != len(document["terms"]):
        problems.append(("file", f"truncated: it says {count} terms, holds {len(document['terms'])}."))
    if problems:
        raise TransferError(problems)
    return document


def _parse_csv(text):
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise TransferError([("line 1", f"malformed CSV: {error}.")]) from error
    if header != CSV_COLUMNS:
        raise TransferError(
            [("line 1", f"is not a glossary CSV file: the header must be {','.join(CSV_COLUMNS)}.")]
        )
    document = {"facets": [], "benefits": [], "risks": [], "terms": []}
    problems, end, facets = [], None, {}
    try:
        for n, cells in enumerate(reader, 1):
            where = f"record {n} (line {reader.line_num})"
            if len(cells) != len(CSV_COLUMNS):
                problems.append((where, f"has {len(cells)} cells, not {len(CSV_COLUMNS)}."))
                continue
            row = dict(zip(CSV_COLUMNS, cells, strict=True))
            kind = row.pop("record")
            if end is not None:
                problems.append((where, "comes after the end record."))
            elif kind == "facet":
                facet = {k: row[k] for k in ("slug", "name", "description")} | {"categories": []}
                facets[row["slug"]] = facet
                document["facets"].append((where, facet))
            elif kind == "category":
                if row["facet"] not in facets:
                    problems.append(
                        (where, f"unknown facet “{row['facet']}” (facets come before their categories).")
                    )
                else:
                    facets[row["facet"]]["categories"].append(
                        {k: row[k] for k in ("slug", "name", "description")}
                    )
            elif kind == "benefit":
                document["benefits"].append((where, {k: row[k] for k in ("slug", "name", "description")}))
            elif kind == "risk":
                document["risks"].append(
                    (where, {k: row[k] for k in ("slug", "name", "description", "mitigation")})
                )
            elif kind == "term":
                entry = _csv_term(row, where, problems)
                if entry is not None:
                    document["terms"].append((where, entry))
            elif kind == "end":
                end = row["name"]
            else:
                problems.append((where, f"unknown record kind “{kind}”."))
    except csv.Error as error:
        problems.append((f"line {reader.line_num}", f"malformed CSV: {error}."))
    if end != str(len(document["terms"])) and not problems:
        problems.append(("file", "truncated: the end record is missing or counts other terms."))
    if problems:
        raise TransferError(problems)
    return document


def _csv_term(row, where, problems):
    entry = {}
    for name in ["slug", "headword", "expansion", "definition", "body", "status", *CSV_NULLABLE]:
        entry[name] = row[name] or (None if name in CSV_NULLABLE else "")
    if row["link_mentions"] not in ("true", "false"):
        problems.append((where, "link_mentions must be true or false."))
        return None
    entry["link_mentions"] = row["link_mentions"] == "true"
    for name in CSV_JSON:
        try:
            entry[name] = json.loads(row[name] or "[]")
        except (json.JSONDecodeError, RecursionError):
            problems.append((where, f"{name} is not a JSON list."))
            return None
    return entry


# Import


class _Rollback(Exception):
    pass


def glossary_import(*, document, dry_run=False, keep_existing=False):
    """Write `document` (from glossary_parse): rows are matched by slug, created or made what the
    file says (with `keep_existing`, rows already there are left as they are: the seed's way). All
    or nothing: any bad record (every one is reported) and nothing is written."""
    problems, report = [], TransferReport()
    try:
        with transaction.atomic():
            _write(document, problems, report, keep=keep_existing, dry_run=dry_run)
            if problems or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if problems:
        raise TransferError(problems)
    return report


def _record(problems, where, write):
    """Run `write` in a savepoint; a failure is noted against `where` and undone, and the import
    goes on, to report the next bad record too."""
    try:
        with transaction.atomic():
            return write()
    except ValidationError as error:
        problems.append((where, _messages(error)))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        problems.append((where, f"malformed record ({type(error).__name__}: {error})."))
    return None


def _messages(error):
    if hasattr(error, "error_dict"):
        return " ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
    return " ".join(error.messages)


def _in_order(rows, records):
    """Whether the file lists `rows` (facets, or a facet's categories) in the order they have: then
    their positions, which editors may number as they like, are left as they are."""
    slugs = [entry.get("slug") if isinstance(entry, dict) else None for _, entry in records]
    return list(rows.order_by("position", "name", "slug").values_list("slug", flat=True)) == slugs


def _once(problems, records):
    """The records, but any whose slug an earlier one has (each of those is a problem)."""
    seen = {}
    for where, entry in records:
        slug = entry.get("slug") if isinstance(entry, dict) else None
        if isinstance(slug, str):  # another slug is reported as the record is written
            if slug in seen:
                problems.append((where, f"duplicate slug “{slug}” (also {seen[slug]})."))
                continue
            seen[slug] = where
        yield where, entry


def _upsert(model, lookup, values, *, keep):
    """The row `lookup` finds, made what `values` say (unless `keep`), or a new one; and whether
    it was added, changed or left unchanged."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        row, outcome = model(**lookup), "added"
    elif keep or all(getattr(row, name) == value for name, value in values.items()):
        return row, "unchanged"
    else:
        outcome = "changed"
    for name, value in values.items():
        setattr(row, name, value)
    return saved_valid(row), outcome


def _write(document, problems, report, *, keep, dry_run):
    known = {"categories": {}, "benefits": {}, "risks": {}}
    facets = list(_once(problems, document["facets"]))
    ordered = _in_order(Facet.objects.all(), facets)
    for position, (where, entry) in enumerate(facets):
        position = None if ordered else position
        _record(problems, where, lambda e=entry, p=position: _write_facet(e, p, known, report, keep))
    for kind, model, fields in (
        ("benefits", Benefit, ["name", "description"]),
        ("risks", Risk, ["name", "description", "mitigation"]),
    ):
        for where, entry in _once(problems, document[kind]):

            def write(entry=entry, kind=kind, model=model, fields=fields):
                values = {name: text_of(entry, name, name == "name") for name in fields}
                row, outcome = _upsert(model, {"slug": text_of(entry, "slug")}, values, keep=keep)
                report.count(kind, outcome)
                known[kind][row.slug] = row

            _record(problems, where, write)
    users = {user.get_username(): user for user in get_user_model().objects.all()}
    terms, written = {}, {}
    for where, entry in _once(problems, document["terms"]):
        found = _record(problems, where, lambda e=entry: _write_term(e, known, users, keep))
        if found:
            term, before = found
            terms[term.slug] = term
            if before is not False:
                written[term.slug] = (term, entry, before, where)
    report.counts["unchanged"]["terms"] += len(terms) - len(written)  # kept as they were
    # Relations may name terms already in the glossary that the file leaves out.
    named = {slug for _, entry, _, _ in written.values() for slug in _related_slugs(entry)}
    terms |= Term.objects.in_bulk(named - terms.keys(), field_name="slug")
    # All of the written terms' relations go first: one may move to the other side of its pair.
    for chunk in batched([term.pk for term, _, _, _ in written.values()], 500):
        TermRelation.objects.filter(from_term__in=chunk).delete()
    for term, entry, _, where in written.values():
        _record(problems, where, lambda t=term, e=entry: relations_set(t, e.get("related", []), terms=terms))
    for term, _, before, _ in written.values():
        after = term_record(term)
        outcome = "added" if before is None else "unchanged" if after == before else "changed"
        if outcome != "unchanged":
            report.terms.append(TermOutcome(term.slug, str(term), outcome, before, after))
        report.count("terms", outcome)
    if not (problems or dry_run):  # a dry run's report needs no links
        for outcome in report.terms:
            mentions_refresh(term=terms[outcome.slug])


def _related_slugs(entry):
    related = entry.get("related")
    listed = related if isinstance(related, list) else []
    return {r["term"] for r in listed if isinstance(r, dict) and isinstance(r.get("term"), str)}


def _write_facet(entry, position, known, report, keep):
    """`position` None: the facet keeps its own (as do its categories, listed in their order)."""
    values = {"name": text_of(entry, "name"), "description": text_of(entry, "description", False)}
    if position is not None:
        values["position"] = position
    facet, outcome = _upsert(Facet, {"slug": text_of(entry, "slug")}, values, keep=keep)
    report.count("facets", outcome)
    duplicates = []
    listed = [(f"category {n}", cat) for n, cat in enumerate(list_of(entry, "categories"), 1)]
    categories = list(_once(duplicates, listed))
    if duplicates:
        raise ValidationError(" ".join(f"{where}: {what}" for where, what in duplicates))
    ordered = _in_order(Category.objects.filter(facet=facet), categories)
    for cat_position, (where, cat) in enumerate(categories):
        try:
            values = {"name": text_of(cat, "name"), "description": text_of(cat, "description", False)}
            if not ordered:
                values["position"] = cat_position
            lookup = {"facet": facet, "slug": text_of(cat, "slug")}
            category, outcome = _upsert(Category, lookup, values, keep=keep)
        except ValidationError as error:
            raise ValidationError(f"{where}: {_messages(error)}") from error
        report.count("categories", outcome)
        known["categories"][category.key] = category


def _when(entry, name):
    value = entry.get(name)
    if value in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ValidationError({name: f"“{value}” is not an ISO 8601 date and time."}) from error
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # a time without its zone is UTC


def _user(users, entry, name):
    username = entry.get(name)
    if username in (None, ""):
        return None
    if username not in users:
        raise ValidationError({name: f"no user “{username}”."})
    return users[username]


def _comparable(record):
    """A term's record, or a file's entry for it, in a form where two that make the same term are
    equal: defaults filled in, lists in one order, dates in one spelling. Malformed parts compare
    unequal to everything (the entry is then written, and its problems reported)."""
    try:
        fold = str.casefold
        when = {name: _when(record, name) for name in ("published_at", "reviewed_at")}
        return {
            **{name: record.get(name) or "" for name in FIELDS},
            "status": record.get("status") or Term.Status.DRAFT,
            **when,
            "categories": sorted(record.get("categories", [])),
            "tags": sorted(record.get("tags", []), key=fold),
            "benefits": sorted(record.get("benefits", [])),
            "risks": sorted(record.get("risks", [])),
            "aliases": sorted(record.get("aliases", []), key=fold),
            "faqs": [(faq["question"], faq["answer"]) for faq in record.get("faqs", [])],
            "sources": [
                (source["title"], source.get("publisher") or "", source.get("url") or "")
                for source in record.get("sources", [])
            ],
            "related": sorted((relation["kind"], relation["term"]) for relation in record.get("related", [])),
            "link_mentions": record.get("link_mentions", True),
            "steward": record.get("steward") or None,
            "reviewed_by": record.get("reviewed_by") or None,
        }
    except (TypeError, KeyError, AttributeError, ValidationError):
        return object()


def _write_term(entry, known, users, keep):
    """The term `entry` describes, written (its relations come later), and its record before:
    None for a new term, False for one kept as it was (with `keep`, or as the file holds it)."""
    slug = text_of(entry, "slug")
    term = Term.objects.select_related("steward", "reviewed_by").filter(slug=slug).first()
    if term and keep:
        return term, False
    before = term_record(term) if term else None
    if before and _comparable(entry) == _comparable(before):
        return term, False  # nothing to write: its update time, parts and links stay as they are
    status = entry.get("status") or Term.Status.DRAFT
    published_at = _when(entry, "published_at")
    if published_at is None and term and status == term.status == Term.Status.PUBLISHED:
        published_at = term.published_at  # a file that does not say keeps the date readers saw
    link_mentions = entry.get("link_mentions", True)
    if not isinstance(link_mentions, bool):
        raise ValidationError({"link_mentions": "must be true or false."})
    values = {
        "headword": text_of(entry, "headword"),
        "expansion": text_of(entry, "expansion", False),
        "definition": text_of(entry, "definition"),
        "body": text_of(entry, "body", False),
        "status": status,
        "published_at": published_at,
        "link_mentions": link_mentions,
        "steward": _user(users, entry, "steward"),
        "reviewed_at": _when(entry, "reviewed_at"),
        "reviewed_by": _user(users, entry, "reviewed_by"),
    }
    term = term or Term(slug=slug)
    for name, value in values.items():
        setattr(term, name, value)
    saved_valid(term)
    parts_set(term, entry, **known)
    return term, before

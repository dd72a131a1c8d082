"""The whole glossary as one file (JSON, YAML or CSV) and back: taxonomy, terms and everything on
them. Our own serialiser, because a term is a nested record (FAQ, sources, relations) that a flat
table per model would scatter; every row still passes the admin's full_clean on the way in."""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import yaml
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from glossary.content import term_entry
from glossary.models import FAQ, Alias, Benefit, Category, Facet, Risk, Source, Term, TermRelation
from glossary.services import mentions_refresh
from glossary.validators import PARTS, validate_tags

FORMATS = ["json", "yaml", "csv"]
VERSION = 1
TERM_EXTRA = ["link_mentions", "steward", "reviewed_at", "reviewed_by"]
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
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))


@dataclass
class TransferReport:
    counts: dict[str, int] = field(default_factory=dict)


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
    terms = []
    for term in Term.objects.select_related("steward", "reviewed_by").order_by("slug"):
        entry = term_entry(term)
        entry["link_mentions"] = term.link_mentions
        entry["steward"] = term.steward.get_username() if term.steward else None
        entry["reviewed_at"] = term.reviewed_at.isoformat() if term.reviewed_at else None
        entry["reviewed_by"] = term.reviewed_by.get_username() if term.reviewed_by else None
        terms.append(entry)
    return {
        "format": "kb-glossary",
        "version": VERSION,
        "facets": facets,
        "benefits": benefits,
        "risks": risks,
        "terms": terms,
        "term_count": len(terms),  # a file cut short between two records is caught by this
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
                    f"is not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start}): save it as UTF-8",
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
    if data.get("term_count") != len(document["terms"]):
        problems.append(
            ("file", f"truncated: it says {data.get('term_count')} terms, holds {len(document['terms'])}.")
        )
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
        except json.JSONDecodeError:
            problems.append((where, f"{name} is not a JSON list."))
            return None
    return entry


# Import


class _Rollback(Exception):
    pass


def glossary_import(*, document, dry_run=False):
    """Write `document` (from glossary_parse): rows are matched by slug, created or made what the
    file says. All or nothing: any bad record (every one is reported) and nothing is written."""
    problems, report = [], TransferReport()
    try:
        with transaction.atomic():
            _write(document, problems, report)
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


def _valid(row):
    row.full_clean()
    row.save()
    return row


def _upsert(model, lookup, values):
    row = model.objects.filter(**lookup).first() or model(**lookup)
    for name, value in values.items():
        setattr(row, name, value)
    return _valid(row)


def _text(entry, name, required=True):
    if required and not entry.get(name):
        raise ValidationError({name: "is missing."})
    value = entry.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({name: "must be text."})
    return value


def _write(document, problems, report):
    categories, benefits, risks, terms = {}, {}, {}, {}
    for position, (where, entry) in enumerate(document["facets"]):

        def facet_write(entry=entry, position=position):
            facet = _upsert(
                Facet,
                {"slug": _text(entry, "slug")},
                {
                    "name": _text(entry, "name"),
                    "description": _text(entry, "description", False),
                    "position": position,
                },
            )
            if len(entry.get("categories", [])) > PARTS:
                raise ValidationError(f"at most {PARTS} categories in a facet.")
            for cat_position, cat in enumerate(entry.get("categories", [])):
                try:
                    category = _upsert(
                        Category,
                        {"facet": facet, "slug": _text(cat, "slug")},
                        {
                            "name": _text(cat, "name"),
                            "description": _text(cat, "description", False),
                            "position": cat_position,
                        },
                    )
                except ValidationError as error:
                    raise ValidationError(f"category {cat_position + 1}: {_messages(error)}") from error
                categories[category.key] = category

        _record(problems, where, facet_write)
    for kind, model, fields, found in (
        ("benefits", Benefit, ["name", "description"], benefits),
        ("risks", Risk, ["name", "description", "mitigation"], risks),
    ):
        for where, entry in document[kind]:
            row = _record(
                problems,
                where,
                lambda e=entry, m=model, f=fields: _upsert(
                    m, {"slug": _text(e, "slug")}, {name: _text(e, name, name == "name") for name in f}
                ),
            )
            if row:
                found[row.slug] = row
    users = {user.get_username(): user for user in get_user_model().objects.all()}
    seen = {}
    for where, entry in document["terms"]:
        slug = entry.get("slug") if isinstance(entry, dict) else None
        if slug in seen:
            problems.append((where, f"duplicate slug “{slug}” (also {seen[slug]})."))
            continue
        seen[slug] = where
        term = _record(problems, where, lambda e=entry: _write_term(e, categories, benefits, risks, users))
        if term:
            terms[term.slug] = (term, entry)
    for slug, (term, entry) in terms.items():
        _record(problems, seen[slug], lambda t=term, e=entry: _write_relations(t, e, terms))
    report.counts = {
        "facets": len(document["facets"]),
        "categories": len(categories),
        "benefits": len(benefits),
    }
    report.counts |= {"risks": len(risks), "terms": len(terms)}
    if not problems:
        for term, _ in terms.values():
            mentions_refresh(term=term)


def _when(entry, name):
    value = entry.get(name)
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ValidationError({name: f"“{value}” is not an ISO 8601 date and time."}) from error


def _user(users, entry, name):
    username = entry.get(name)
    if username in (None, ""):
        return None
    if username not in users:
        raise ValidationError({name: f"no user “{username}”."})
    return users[username]


def _list(entry, name, limit=PARTS):
    value = entry.get(name, [])
    if not isinstance(value, list):
        raise ValidationError({name: "must be a list."})
    if len(value) > limit:
        raise ValidationError({name: f"at most {limit} entries (this has {len(value)})."})
    return value


def _write_term(entry, categories, benefits, risks, users):
    status = entry.get("status") or Term.Status.DRAFT
    link_mentions = entry.get("link_mentions", True)
    if not isinstance(link_mentions, bool):
        raise ValidationError({"link_mentions": "must be true or false."})
    term = _upsert(
        Term,
        {"slug": _text(entry, "slug")},
        {
            "headword": _text(entry, "headword"),
            "expansion": _text(entry, "expansion", False),
            "definition": _text(entry, "definition"),
            "body": _text(entry, "body", False),
            "status": status,
            "published_at": _when(entry, "published_at"),
            "link_mentions": link_mentions,
            "steward": _user(users, entry, "steward"),
            "reviewed_at": _when(entry, "reviewed_at"),
            "reviewed_by": _user(users, entry, "reviewed_by"),
        },
    )
    for name, known in (("categories", categories), ("benefits", benefits), ("risks", risks)):
        missing = [key for key in _list(entry, name, 10_000) if key not in known]
        if missing:
            raise ValidationError({name: f"unknown {', '.join(map(str, missing))}."})
    term.categories.set([categories[key] for key in entry.get("categories", [])])
    term.benefits.set([benefits[slug] for slug in entry.get("benefits", [])])
    term.risks.set([risks[slug] for slug in entry.get("risks", [])])
    tags = _list(entry, "tags")
    if not all(isinstance(tag, str) for tag in tags):
        raise ValidationError({"tags": "must be a list of names."})
    validate_tags(tags)
    term.tags.set(tags, clear=True)
    term.aliases.all().delete()
    for name in _list(entry, "aliases"):
        try:
            _valid(Alias(term=term, name=name))
        except ValidationError as error:
            raise ValidationError({"aliases": _messages(error)}) from error
    term.faqs.all().delete()
    for position, faq in enumerate(_list(entry, "faqs")):
        _valid(
            FAQ(term=term, question=_text(faq, "question"), answer=_text(faq, "answer"), position=position)
        )
    term.sources.all().delete()
    for position, source in enumerate(_list(entry, "sources")):
        _valid(
            Source(
                term=term,
                title=_text(source, "title"),
                publisher=_text(source, "publisher", False),
                url=_text(source, "url", False),
                position=position,
            )
        )
    return term


def _write_relations(term, entry, terms):
    term.relations_out.all().delete()
    for relation in _list(entry, "related"):
        other = relation.get("term")
        if other not in terms:
            raise ValidationError({"related": f"relation to a missing term “{other}”."})
        kind = relation.get("kind")
        if kind not in TermRelation.Kind.values:
            raise ValidationError({"related": f"unknown kind “{kind}”."})
        try:
            _valid(TermRelation(from_term=term, to_term=terms[other][0], kind=kind))
        except ValidationError as error:
            raise ValidationError({"related": f"to {other}: {_messages(error)}"}) from error

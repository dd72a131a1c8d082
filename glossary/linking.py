"""Links between terms, as pure functions over sanitised HTML (glossary.markdown's).

Two kinds: the first mention of another term's name (its headword, expansion or an alias) in an
article or an FAQ answer, and a link written as [[slug]] or [[slug|text]], which the renderer
leaves as `<a data-term="slug">`. Which names a text mentions is found when the text or a name
changes (glossary.services.mentions_refresh) and kept as Mention rows; a reader's page only asks
which of them are published and puts the links in (`linked`).

Rules: whole words only; never inside a heading, code or an existing link; an acronym (“IT”, all
capitals) only in capitals, so that the pronoun “it” is not the acronym; any other name in any
letter case, in the plural and in British spelling (“call centres” for Call center). A longer name
wins over a shorter one it contains.
"""

import html
import re
from dataclasses import dataclass

LONGEST = 6  # words in the longest name looked for
SKIPPED = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
PIECES = re.compile(r"(<[^>]*>)")
TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)")
# A word, hyphens and apostrophes within it included; an entity (&amp;) is no word.
WORD = re.compile(r"&#?\w+;|(\w+(?:['’-]\w+)*)")
EXPLICIT = re.compile(r'<a data-term="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)


def is_acronym(name):
    return len(name) > 1 and name.isupper()


def singulars(word):
    """What `word` may be the plural of, itself included: a name is looked for in each."""
    forms = {word}
    for ending, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if word.lower().endswith(ending) and len(word) > len(ending) + 1:
            forms.add(word[: -len(ending)] + replacement)
    return forms


def american(word):
    """`word` in American spelling where British ends it in -tre or -bre (centre, fibre)."""
    if len(word) > 4 and word.lower().endswith(("tre", "bre")):
        return word[:-2] + word[-1] + word[-2]
    return word


def linkable_texts(fragment):
    """The pieces of text in `fragment` where a mention may be linked, as (index, text) of
    `PIECES.split(fragment)`: outside headings, code and links."""
    pieces = PIECES.split(fragment)
    depth = 0
    for index, piece in enumerate(pieces):
        if index % 2:
            tag = TAG.match(piece)
            if tag and tag[2].lower() in SKIPPED:
                depth += -1 if tag[1] else 1
        elif depth <= 0 and piece.strip():
            yield index, piece


def candidate_names(fragments):
    """Every run of up to LONGEST words (and its singular) in the linkable text of `fragments`, as
    {lower case: spellings as written}: what a name must equal to be mentioned."""
    found = {}
    for fragment in fragments:
        for _, text in linkable_texts(fragment):
            for run in _runs(html.unescape(text)):
                words = [match[1] for match in run]
                for start in range(len(words)):
                    for end in range(start + 1, min(start + LONGEST, len(words)) + 1):
                        for written in _spellings(words[start:end]):
                            found.setdefault(written.lower(), set()).add(written)
    return found


def _spellings(words):
    """`words` as written, with the last one in the singular, and each of those in American
    spelling."""
    written = [" ".join([*words[:-1], last]) for last in singulars(words[-1])]
    if not any(american(word) != word for word in words):
        return written
    spelled = [" ".join(map(american, one.split(" "))) for one in written]
    return list(dict.fromkeys(written + spelled))


def _runs(text):
    """The words of `text` (as matches) in runs separated by nothing but spaces: a name does not
    span punctuation or an entity."""
    run = []
    for match in WORD.finditer(text):
        if run and (match[1] is None or text[run[-1].end() : match.start()].strip()):
            yield run
            run = []
        if match[1] is not None:
            run.append(match)
    if run:
        yield run


def mentioned(name, spellings):
    """Whether `name` (a term's, as the editor wrote it) is mentioned by text written `spellings`."""
    return not is_acronym(name) or name in spellings


@dataclass(frozen=True)
class Target:
    url: str
    title: str
    text: str = ""  # for a [[slug]] written without its own text

    def anchor(self, inner):
        return (
            f'<a href="{html.escape(self.url)}" title="{html.escape(self.title)}" class="term-link">'
            f"{inner or html.escape(self.text)}</a>"
        )


def linked(fragment, mentions, explicit, linked_already):
    """`fragment` with its [[slug]] links resolved (`explicit`: {slug: Target}; any other shows as
    plain text) and the first mention of each name in `mentions` ({name: Target}) linked, unless
    a link to its address is in `linked_already` (which this adds to). One pass over the words,
    whatever the number of names."""
    fragment = EXPLICIT.sub(lambda match: _explicit(match, explicit, linked_already), fragment)
    if not mentions:
        return fragment
    names = _keys(mentions)
    firsts = Firsts(names)
    pieces = PIECES.split(fragment)
    for index, text in list(linkable_texts(fragment)):
        out, done = [], 0
        for start, end, name in _mentions_in(text, names, firsts):
            target = mentions[name]
            if target.url not in linked_already:
                linked_already.add(target.url)
                out += [text[done:start], target.anchor(text[start:end])]
                done = end
        pieces[index] = "".join(out) + text[done:]
    return "".join(pieces)


def names_mentioned(fragments, names):
    """Which of `names` the linkable text of `fragments` mentions, by the rules links follow."""
    keys = _keys(names)
    firsts = Firsts(keys)
    return {
        name
        for fragment in fragments
        for _, text in linkable_texts(fragment)
        for _, _, name in _mentions_in(text, keys, firsts)
    }


def _keys(names):
    """{lower case, in either spelling: name} of `names`."""
    keys = {name.lower(): name for name in names}
    return keys | {" ".join(map(american, key.split(" "))): name for key, name in keys.items()}


class Firsts(dict):
    """{word as written: whether a name in `keys` (`_keys`) may begin with it}, in any of its
    singulars and spellings: worked out once per word, however often a text repeats it."""

    def __init__(self, keys):
        super().__init__()
        self.words = {key.split(" ", 1)[0] for key in keys}

    def __missing__(self, word):
        self[word] = found = any(american(form.lower()) in self.words for form in singulars(word))
        return found


def _mentions_in(text, names, firsts):
    """(start, end, name) of each mention of `names` ({lower case: name}) in `text`, the longest
    name at each place, left to right. Only places where a name's first word may stand
    (`firsts`, a Firsts) are tried."""
    for run in _runs(text):
        words = [match[1] for match in run]
        start = 0
        while start < len(words):
            found = None
            if firsts[words[start]]:
                found = next(
                    (
                        (end, name)
                        for end in range(min(start + LONGEST, len(words)), start, -1)
                        for written in _spellings(words[start:end])
                        if (name := names.get(written.lower())) and mentioned(name, {written})
                    ),
                    None,
                )
            if found:
                end, name = found
                yield run[start].start(), run[end - 1].end(), name
                start = end
            else:
                start += 1


def _explicit(match, explicit, linked_already):
    slug, inner = html.unescape(match[1]), match[2]
    target = explicit.get(slug)
    if target is None:
        return inner or html.escape(slug)
    linked_already.add(target.url)
    return target.anchor(inner)


def explicit_slugs(fragments):
    return {html.unescape(slug) for fragment in fragments for slug, _ in EXPLICIT.findall(fragment)}

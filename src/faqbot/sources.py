"""Source documents: their text, paragraphs, section headings and sentences.

A source is a plain-text (or Markdown) article. Its structure is read once, at
load: headings, paragraphs (1-based) and sentences. `Source.locate(quote)` turns
a verbatim quote into a `Citation` with offsets into the text, the paragraph and
the section heading it sits under.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Any, NamedTuple

from .replies import Citation
from .text import lazy_pattern

# DATE, BYLINE and URL are public too, compiled on first use (see `__getattr__`)
__all__ = ["Block", "Source", "Span", "dateline", "metadata_kind"]

# (each compiled on first use: a cold `faqbot ask` reads sources from the cache, never parses them)
LIST_MARK = lazy_pattern(r"[ \t]*(?:[-*+•]|\d+[.)])[ \t]+")  # use with .match(text, pos)
_LIST_ITEM = lazy_pattern(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+")
_MD_HEADING = lazy_pattern(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
# A sentence may end at . ! ? or … (and closing quotes/brackets) followed by space;
# `_ends_sentence` decides from the word before and the word after.
_SENTENCE_END = lazy_pattern(r"(?:[.!?]+|…)[\"'”’)\]]*(?=\s)")
_NEXT_WORD = lazy_pattern(r"\s*(\S+)")
#: Abbreviations after which a sentence never ends when more follows: titles before a name.
_TITLES = frozenset("""
    mr mrs ms mx messrs dr prof rep reps sen sens gov govs gen lt sgt capt col maj cmdr adm rev hon pres
    supt det insp atty fr msgr cpl pvt brig amb sec treas comm vs v cf e.g i.e approx
""".split())
#: Abbreviations before a number ("No. 5", "p. 12").
_BEFORE_NUMBER = frozenset("no nos p pp vol vols art sec ch fig figs op ed rev pt".split())
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
#: Abbreviations that end a sentence only when a word that starts sentences follows
#: ("on Main St. The ..." but "St. Louis"; "at 8 p.m. The ..." but "8 p.m. Friday").
_AMBIGUOUS = frozenset("""
    st ave blvd rd hwy jr sr inc corp co ltd llc bros etc al mt ft dept univ assn est ca
""".split())
#: Words that start sentences: after an ambiguous abbreviation they mean a new sentence.
_STARTERS = frozenset("""
    the a an this that these those there here it its he she they we i you his her their our my your
    in on at but and or so if when while after before since as although though however meanwhile also
    yet for with by from to of some many most all no not what who how why where which each every one
    both another other such then now today still later earlier last next according during under over
    despite because until unless among more less only even just once instead nor neither either
""".split())


def _ends_sentence(before: str, after: str) -> bool:
    """Whether the punctuation at the end of the word `before` ends a sentence, the
    next word being `after`: "Rep. Wallace H. Smith", "Jan. 5", "U.S. Immigration",
    "8 p.m. and" and "Why?” she asked" go on; "in the U.S. The" and "8 p.m. The" end."""
    first = after.lstrip("\"'“‘([")
    opened = len(first) < len(after)  # an opening quote or bracket: a new sentence begins
    if not first or first[0] in "—–-,;:)":
        return not first
    if first[0].islower():
        return False
    word = before.lstrip("\"'“‘([{")
    if not word.endswith(".") or word.endswith(".."):
        return True  # ! ? … or a closing quote after the period
    core = re.split(r"[-–/]", word[:-1])[-1].lower()  # "Trinity-St." is "St."
    if core in _TITLES:
        return False
    if first[0].isdigit():
        return not (core in _BEFORE_NUMBER or core in _MONTHS)
    initial = re.match(r"[A-Z]\.", first) is not None  # "J. A. Hobson": the next initial
    starts = opened or (not initial and first.rstrip(".,;:!?’'”").lower() in _STARTERS)
    if core in _MONTHS or core in _AMBIGUOUS:
        return starts
    if re.fullmatch(r"[A-Z]|(?:[a-zA-Z]\.)+[a-zA-Z]", word[:-1].rsplit("-", 1)[-1]):  # an initial "H.", "U.S.", "p.m."
        return starts
    return True


# ------------------------------------------------------------------ metadata lines

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_WEEKDAY = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"
_TIME = r"\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?|[AP]M)(?:\s+[A-Z]{2,4}\b)?"
_URL = r"(?:https?://|www\.)\S+"
_PERSON = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|del|da|la|and))*"
#: A paragraph's first lines this far down can still be a byline.
_TOP = 8


class _Patterns(NamedTuple):
    date: re.Pattern[str]
    byline: re.Pattern[str]
    url: re.Pattern[str]
    meta: list[tuple[str, re.Pattern[str], bool]]
    dateline: re.Pattern[str]


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    """The metadata patterns, compiled on first use: a bot loaded from the cache never
    parses an article, so `faqbot ask` does not pay for them."""
    #: A calendar date: "March 3, 2026", "3 March 2026", "Mar. 3, 2026", "2026-03-03", "3/3/2026".
    date = re.compile(rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
                      r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})\b")
    #: A byline: "By Priya Raman | Riverton Ledger", "Written by Jane Doe, Staff Writer" (group "name").
    byline = re.compile(rf"^\W*(?:By|Written by|Story by|Reporting by|Words by|Posted by|Author|Authors|By line)"
                        rf"\s*:?\s+(?P<name>{_PERSON})", re.I)
    #: A web address.
    url = re.compile(r"(?:https?://|www\.)[^\s)>\]\"”]+")
    meta = [  # (kind, pattern, whether it must be near the top of the article)
        ("url", re.compile(rf"^\W*(?:(?:Source|Sources|URL|Link|Originally published(?: \w+)?|Read (?:more|the original)"
                           rf"(?: \w+)?|Via|Permalink|Canonical)\b[^\n]{{0,60}}?)?<?{_URL}>?\W*$", re.I), False),
        ("url", re.compile(r"^\W*(?:Source|Sources)\s*:\s*[^\n]{1,120}$"), False),
        ("byline", byline, True),
        ("updated", re.compile(rf"^\W*(?:Last\s+)?Updated\b\s*:?\s*(?:on\s+|at\s+)?(?:{_WEEKDAY},?\s*)?(?:{date.pattern}"
                               rf"|{_TIME}|\d+\s+\w+\s+ago|{_MONTH}\s+\d)", re.I), False),
        ("date", re.compile(rf"^\W*(?:(?:Published|Posted|Date|Dated|Filed)\b\s*:?\s*(?:on\s+)?)?(?:{_WEEKDAY},?\s+)?"
                            rf"(?:{date.pattern})(?:,?\s*(?:at\s+)?{_TIME})?[\W]*$", re.I), False),
        ("date", re.compile(rf"^\W*(?:Published|Posted|Date|Dated|Filed)\b.*?{date.pattern}", re.I), False),
        ("credit", re.compile(r"^\W*(?:Photos?|Photograph(?:s|y)?|Images?|Pictures?|Illustrations?|Videos?|Graphics?|"
                              r"File photo|Photo illustration|Credits?|Courtesy)\b\s*(?::|/|by\b|courtesy\b|credit\b|of\b)",
                              re.I), False),
        ("credit", re.compile(r"[(\[](?:[\w .'’-]+/)?(?:AP|Reuters|AFP|UPI|Getty Images|Shutterstock|AP Photo|"
                              r"Photo|Staff photo|File photo)\b[^()\[\]]{0,80}[)\]]\W*$"), False),
        ("boilerplate", re.compile(r"^\W*(?:Advertisement|Sponsored(?: content)?|"
                                   r"Share(?: this(?: article| story| page)?)?(?: on \w+)?|"
                                   r"Subscribe\b.*|Sign up\b.*|Follow (?:us|\w+ \w+ on)\b.*"
                                   r"|Related(?: stories| articles| coverage"
                                   r"| content)?\s*:.*|Tags?\s*:.*|Copyright\b.*|©.*|All rights reserved\.?|Click here\b.*|"
                                   r"Comments?|Print|Email|Listen to this article.*|\d+ min(?:ute)? read)\W*$", re.I), False),
        ("boilerplate", re.compile(r"^\W*(?:Contact|Reach|Email|E-mail|Send)\b.{0,100}\b[\w.+-]+@[\w-]+\.[\w.]+\b.{0,60}$", re.I),
         False),
    ]
    #: A dateline that opens one of the first paragraphs: "FLORENCE, S.C. —", "WASHINGTON (AP) --",
    #: "Florence, S.C. (WPDE) —", "March 3, 2026 —".
    dateline = re.compile(
        r"(?:[A-Z][A-Z.'’-]+(?:[ ][A-Z][A-Z.'’-]+){0,3}(?:,[ ]+[A-Z][A-Za-z.]*(?:[ ][A-Z][A-Za-z.]*){0,2})?"
        r"(?:[ ]+\([A-Za-z0-9 .&-]{1,30}\))?"
        r"|[A-Z][a-z]+(?:[ ][A-Z][a-z]+){0,2}(?:,[ ]+(?:[A-Z][a-z]*\.){1,2}[A-Z]?\.?|(?=[ ]+\())"
        r"(?:[ ]+\([A-Za-z0-9 .&-]{1,30}\))?"
        rf"|(?:{_WEEKDAY},?[ ]+)?{date.pattern})"
        r"[ ]*(?:—|–|--|-|:)[ ]*(?=\S)"
    )
    return _Patterns(date, byline, url, meta, dateline)


def __getattr__(name: str) -> re.Pattern[str]:
    """`DATE`, `BYLINE` and `URL`, compiled on first use (see `_patterns`)."""
    found = {"DATE": "date", "BYLINE": "byline", "URL": "url"}.get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    pattern: re.Pattern[str] = getattr(_patterns(), found)
    return pattern


def metadata_kind(line: str, *, top: bool = True) -> str:
    """What a line of an article is when it is not its text but says something about it:
    "url" (Source: https://...), "byline" (By NAME | Paper), "date" (Published March 3,
    2026), "updated" (Updated 5:31 p.m.), "credit" (Photo: NAME/Agency), "boilerplate"
    (Advertisement, Share this article, Copyright ...); "" for the article's text.
    `top` says the line is near the top of the article, where bylines are."""
    s = line.strip()
    if not s or len(s) > 300 or "\n" in s:
        return ""
    for kind, pattern, near_top in _patterns().meta:
        if near_top and not top:
            continue
        m = pattern.search(s)
        if m is None:
            continue
        if kind == "byline" and not _is_byline(s, m.group("name")):
            continue
        if kind == "credit" and pattern.pattern.startswith("[") and len(s) > 200:
            continue
        return kind
    return ""


_CALENDAR = frozenset("""
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
""".split())


def _is_byline(line: str, name: str) -> bool:
    """"By Priya Raman | Riverton Ledger" is a byline; "By Monday, the council will vote." is not:
    a byline names 2-6 capitalized words, none a day or month, and is no sentence (no closing period)."""
    words = [w for w in name.split() if w[:1].isupper()]
    return (2 <= len(words) <= 6 and not any(w.lower().strip(".,") in _CALENDAR for w in words)
            and not re.search(r"[.!?][\"”’)]*\s*$", line.strip()) and len(line) <= 150)


def dateline(text: str, start: int, end: int) -> int:
    """The length of a dateline opening ``text[start:end]`` ("FLORENCE, S.C. — "), or 0."""
    m = _patterns().dateline.match(text, start, min(end, start + 80))
    if m is None or m.end() >= end:
        return 0
    head = m.group()
    if head.rstrip().endswith(":") and not _patterns().date.match(head):
        return 0  # "WARNING:" is no dateline; "March 3, 2026:" is
    if re.match(r"[A-Z][a-z]", head) and not _patterns().date.match(head) and "," not in head and "(" not in head:
        return 0  # "Meanwhile — " is a word, not a place
    return m.end() - start


class Span(NamedTuple):
    """A stretch of a source's text: ``text[start:end]``."""

    start: int
    end: int


class Block(NamedTuple):
    """A heading or a paragraph (a list item counts as a paragraph)."""

    start: int
    end: int
    heading: bool
    #: 1-based paragraph number (0 for headings)
    paragraph: int
    #: the heading this block sits under (None before the first heading)
    section: str | None
    #: what the block is when it is no text of the article but says something about it
    #: (see `metadata_kind`): "byline", "url", "date", "updated", "credit", "boilerplate";
    #: "" for text
    meta: str = ""
    #: the length of a dateline that opens the paragraph ("FLORENCE, S.C. — "): not text
    lead: int = 0


def _heading_text(line: str, next_line: str | None) -> str | None:
    """The heading in `line`, or None when it is body text.

    A Markdown ``# heading`` always is one. A plain line is a heading when it is
    short, has no closing punctuation, is not a list item, and text follows it.
    """
    m = _MD_HEADING().match(line)
    if m:
        return m.group(1) or None
    s = line.strip()
    if not s or next_line is None or _LIST_ITEM().match(line):
        return None
    if len(s) > 90 or len(s.split()) > 12 or s[-1] in ".!?:;,\"”'’)":
        return None
    return s


class Source:
    """One article: its id, title, provenance, text and structure (immutable; equal when
    id, title, file and text are)."""

    __slots__ = ("id", "title", "file", "text", "provenance", "blocks", "_starts")

    id: str
    title: str
    file: str
    text: str
    provenance: dict[str, Any]
    blocks: tuple[Block, ...]
    _starts: list[int] | None

    def __init__(self, id: str, title: str, file: str, text: str, provenance: dict[str, Any] | None = None,
                 blocks: tuple[Block, ...] = ()) -> None:
        for name, value in zip(self.__slots__, (id, title, file, text, provenance or {}, blocks, None), strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Source is immutable: cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Source):
            return NotImplemented
        return (self.id, self.title, self.file, self.text) == (other.id, other.title, other.file, other.text)

    def __hash__(self) -> int:
        return hash((self.id, self.title, self.file, self.text))

    def __repr__(self) -> str:
        return f"Source(id={self.id!r}, title={self.title!r}, file={self.file!r}, {len(self.text)} characters)"

    @classmethod
    def from_text(
        cls, id: str, text: str, *, title: str = "", file: str = "", provenance: dict[str, Any] | None = None
    ) -> Source:
        return cls(id, title or id, file, text, dict(provenance or {}), _blocks(text))

    def to_state(self) -> tuple[Any, ...]:
        """Plain data for `faqbot.cache`; a date in the provenance (YAML reads
        ``2026-03-03`` as one) is kept as ``("date", iso)``."""
        import datetime

        provenance = [(k, ("date", type(v).__name__, v.isoformat()) if isinstance(v, datetime.date) else ("", "", v))
                      for k, v in self.provenance.items()]
        blocks = tuple((b.start, b.end, b.heading, b.paragraph, b.section, b.meta, b.lead) for b in self.blocks)
        return (self.id, self.title, self.file, self.text, provenance, blocks)

    @classmethod
    def from_state(cls, state: tuple[Any, ...]) -> Source:
        sid, title, file, text, provenance, blocks = state
        values: dict[str, Any] = {}
        for k, (tag, kind, v) in provenance:
            if tag == "date":
                import datetime

                v = getattr(datetime, kind).fromisoformat(v)
            values[k] = v
        return cls(sid, title, file, text, values, tuple(Block(*b) for b in blocks))

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(b.section or "" for b in self.blocks if b.heading)

    @property
    def paragraphs(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if not b.heading)

    def block_at(self, offset: int) -> Block | None:
        starts = self._starts
        if starts is None:  # blocks are in text order: a bisection (articles can be long)
            starts = [b.start for b in self.blocks]
            object.__setattr__(self, "_starts", starts)
        at = bisect_right(starts, offset) - 1
        if at >= 0 and offset < self.blocks[at].end:
            return self.blocks[at]
        return None

    def citation(self, start: int, end: int) -> Citation:
        """The citation of ``text[start:end]`` (the paragraph of its first character)."""
        block = self.block_at(start)
        section = block.section if block else None
        paragraph = block.paragraph if block else 0
        return Citation(self.id, section, paragraph, start, end, self.text[start:end])

    def locate(self, quote: str) -> Citation | None:
        """The citation of the first exact occurrence of `quote`, or None."""
        if not quote:
            return None
        start = self.text.find(quote)
        if start < 0:
            return None
        return self.citation(start, start + len(quote))

    def locate_loosely(self, quote: str) -> Citation | None:
        """The citation of the first occurrence of `quote` when whitespace, quote marks,
        dashes and letter case are ignored, or None. It is what the author meant when
        `locate` fails on a near miss: its ``quote`` is the exact text to paste instead."""
        needle, _ = _loose(quote.strip())
        if not needle:
            return None
        haystack, where = _loose(self.text)
        i = haystack.find(needle)
        if i < 0:
            return None
        return self.citation(where[i], where[i + len(needle) - 1] + 1)

    def sentences(self) -> tuple[Span, ...]:
        """Sentence spans of every paragraph of text (never split at "U.S.", "Rep." or
        "Wallace H. Smith"); metadata lines and the dateline that opens a paragraph
        ("FLORENCE, S.C. —") are not in any sentence."""
        spans: list[Span] = []
        for block in self.paragraphs:
            if block.meta:
                continue  # a byline, a URL, a photo credit: about the article, not in it
            start = block.start + block.lead
            m = LIST_MARK().match(self.text, start, block.end)
            if m:
                start = m.end()
            for end in _sentence_ends(self.text, start, block.end):
                piece = self.text[start:end]
                lead = len(piece) - len(piece.lstrip())
                if piece.strip():
                    spans.append(Span(start + lead, start + len(piece.rstrip())))
                start = end
        return tuple(spans)


_LOOSE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})


def _loose(text: str) -> tuple[str, list[int]]:
    """`text` with runs of whitespace as one space, quote marks and dashes plain and
    case folded; and for each of its characters, the offset in `text` it comes from."""
    out: list[str] = []
    where: list[int] = []
    space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        for c in ch.translate(_LOOSE).casefold():
            out.append(c)
            where.append(i)
    return "".join(out), where


def _sentence_ends(text: str, start: int, end: int) -> list[int]:
    """Where the sentences of ``text[start:end]`` end (the last at `end`); never inside
    "Rep. Wallace H. Smith", "U.S. Immigration", "Jan. 5" or "8 p.m. and" (see
    `_ends_sentence`). Linear: each candidate looks at one word before and one after."""
    ends = []
    for m in _SENTENCE_END().finditer(text, start, end):
        nxt = _NEXT_WORD().match(text, m.end(), end)
        if nxt is None:
            break
        window = text[max(start, m.start() - 40) : m.end()]
        before = window.rsplit(None, 1)[-1] if window.strip() else ""
        if _ends_sentence(before, nxt.group(1)):
            ends.append(m.end())
    ends.append(end)
    return ends


def _blocks(text: str) -> tuple[Block, ...]:
    """Headings and paragraphs. Paragraphs are separated by blank lines when the
    text uses them, else each line is one; list items are paragraphs of their own."""
    lines: list[tuple[int, int]] = []  # (start, end) of each line without its newline
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append((pos, pos + len(body)))
        pos += len(raw)
    blank_separated = bool(re.search(r"\n[ \t]*\r?\n", text))
    # in a Markdown article (one with `#` headings) only `#` lines are headings: a byline
    # or a short line of its own is body text there
    markdown = any(_MD_HEADING().match(text[s:e]) for s, e in lines)
    blocks: list[Block] = []
    section: str | None = None
    paragraph = 0
    current: list[int] | None = None  # [start, end] of the paragraph being built
    kinds: list[str] = []  # the metadata kind of each of its lines ("" for text)
    prose = 0  # paragraphs of text so far (a dateline opens one of the first)

    def close() -> None:
        nonlocal current, paragraph, prose
        if current is not None:
            paragraph += 1
            meta = kinds[0] if all(kinds) else ""
            lead = 0
            if not meta:
                prose += 1
                if prose <= 3:
                    lead = dateline(text, current[0], current[1])
            blocks.append(Block(current[0], current[1], False, paragraph, section, meta, lead))
            current = None
        kinds.clear()

    nonempty = [i for i, (s, e) in enumerate(lines) if text[s:e].strip()]
    following = {a: b for a, b in zip(nonempty, nonempty[1:], strict=False)}
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if not line.strip():
            close()
            continue
        nxt = following.get(i)
        kind = metadata_kind(line, top=paragraph < _TOP) if e - s <= 300 else ""
        heading = _heading_text(line, text[lines[nxt][0] : lines[nxt][1]] if nxt is not None else None)
        if heading is not None and (markdown or kind) and not _MD_HEADING().match(line):
            heading = None
        if heading is not None and blank_separated and not line.lstrip().startswith("#"):
            # where blank lines separate paragraphs, a plain heading is a block of its own
            alone = (current is None) and (i + 1 >= len(lines) or not text[lines[i + 1][0] : lines[i + 1][1]].strip())
            heading = heading if alone else None
        if heading is not None:
            close()
            section = heading
            lead = len(line) - len(line.lstrip())
            blocks.append(Block(s + lead, s + len(line.rstrip()), True, 0, section))
            continue
        if _LIST_ITEM().match(line) or not blank_separated:
            close()
            current = [s, e]
            kinds.append(kind)
            close()
            continue
        if current is None:
            current = [s, e]
        else:
            current[1] = e
        kinds.append(kind)
    close()
    return tuple(blocks)

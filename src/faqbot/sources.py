"""Source documents: their text, paragraphs, section headings and sentences.

A source is a plain-text (or Markdown) article. Its structure is read once, at
load: headings, paragraphs (1-based) and sentences. `Source.locate(quote)` turns
a verbatim quote into a `Citation` with offsets into the text, the paragraph and
the section heading it sits under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .replies import Citation

__all__ = ["Block", "Source", "Span"]

_LIST_MARK = re.compile(r"[ \t]*(?:[-*+•]|\d+[.)])[ \t]+")  # use with .match(text, pos)
_LIST_ITEM = re.compile(r"^" + _LIST_MARK.pattern)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
# A sentence ends at . ! or ? (and closing quotes/brackets) followed by space.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+")
# "U.S." "e.g." "Mr." "Jan." ... do not end a sentence when more follows on the line.
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Gov|Sen|Rep|Lt|Sgt|Capt|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs|etc|Inc|Corp|Co)\.)$"
)


@dataclass(frozen=True)
class Span:
    """A stretch of a source's text: ``text[start:end]``."""

    start: int
    end: int


@dataclass(frozen=True)
class Block:
    """A heading or a paragraph (a list item counts as a paragraph)."""

    start: int
    end: int
    heading: bool
    #: 1-based paragraph number (0 for headings)
    paragraph: int
    #: the heading this block sits under (None before the first heading)
    section: str | None


def _heading_text(line: str, next_line: str | None) -> str | None:
    """The heading in `line`, or None when it is body text.

    A Markdown ``# heading`` always is one. A plain line is a heading when it is
    short, has no closing punctuation, is not a list item, and text follows it.
    """
    m = _MD_HEADING.match(line)
    if m:
        return m.group(1) or None
    s = line.strip()
    if not s or next_line is None or _LIST_ITEM.match(line):
        return None
    if len(s) > 90 or len(s.split()) > 12 or s[-1] in ".!?:;,\"”'’)":
        return None
    return s


@dataclass(frozen=True)
class Source:
    """One article: its id, title, provenance, text and structure."""

    id: str
    title: str
    file: str
    text: str
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)
    blocks: tuple[Block, ...] = field(default=(), compare=False)

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
        blocks = tuple((b.start, b.end, b.heading, b.paragraph, b.section) for b in self.blocks)
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
        for block in self.blocks:
            if block.start <= offset < block.end:
                return block
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
        """Sentence spans of every paragraph (never split at "U.S." or "Mr.")."""
        spans: list[Span] = []
        for block in self.paragraphs:
            start = block.start
            m = _LIST_MARK.match(self.text, start, block.end)
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
    ends = []
    for m in _SENTENCE_END.finditer(text, start, end):
        word = text[start : m.start() + 1].rsplit(None, 1)[-1]
        if _ABBREVIATION.search(word):
            continue
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
    markdown = any(_MD_HEADING.match(text[s:e]) for s, e in lines)
    blocks: list[Block] = []
    section: str | None = None
    paragraph = 0
    current: list[int] | None = None  # [start, end] of the paragraph being built

    def close() -> None:
        nonlocal current, paragraph
        if current is not None:
            paragraph += 1
            blocks.append(Block(current[0], current[1], False, paragraph, section))
            current = None

    nonempty = [i for i, (s, e) in enumerate(lines) if text[s:e].strip()]
    following = {a: b for a, b in zip(nonempty, nonempty[1:])}
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if not line.strip():
            close()
            continue
        nxt = following.get(i)
        heading = _heading_text(line, text[lines[nxt][0] : lines[nxt][1]] if nxt is not None else None)
        if heading is not None and markdown and not _MD_HEADING.match(line):
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
        if _LIST_ITEM.match(line) or not blank_separated:
            close()
            current = [s, e]
            close()
            continue
        if current is None:
            current = [s, e]
        else:
            current[1] = e
    close()
    return tuple(blocks)

"""Turning a `Reply` into terminal text or JSON. Decides nothing.

Everything printed goes through `clean()`: whatever a user typed, no escape
sequence, control character or bidi override reaches the terminal raw.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .text import _ESCAPE as _ANSI  # terminal escape sequences (CSI, OSC, two-byte): one pattern for both

if TYPE_CHECKING:
    from .replies import Citation, Reply
    from .sources import Source

__all__ = ["Style", "clean", "fill", "location", "titles", "to_json", "to_line", "to_text"]

# C0/C1 controls (but \t and \n), DEL, bidi embeddings/overrides/isolates, lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` safe to print: escape sequences removed, other unsafe characters shown as U+FFFD."""
    return _UNSAFE.sub("\ufffd", _ANSI.sub("", text))


def to_json(reply: Reply, *, explain: bool = False) -> str:
    """One JSON object on one line. The text stays faithful to the input: characters a
    terminal would act on are written as \\u escapes, like the JSON encoder does for
    the C0 controls."""
    import json  # here, not at the top: the text output does not need it (2 ms of a start)

    raw = json.dumps(reply.to_dict(explain=explain), ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


class Style:
    """ANSI styles, or none at all."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def accent(self, text: str) -> str:
        return self._wrap("36", text)


def location(citation: Citation, source_title: str | None = None) -> str:
    """Where a quote comes from: "section, paragraph N" (and the source, when several)."""
    parts = [source_title] if source_title else []
    if citation.section:
        parts.append(citation.section)
    parts.append(f"paragraph {citation.paragraph}")
    return ", ".join(parts)


def titles(sources: Mapping[str, Source]) -> dict[str, str] | None:
    """The `source_titles` argument of `to_text` and `to_line` for a knowledge base's
    sources: id -> title when there are several (a location names its article then), else None."""
    return {s.id: s.title for s in sources.values()} if len(sources) > 1 else None


def fill(text: str, width: int, indent: str = "", *, first: str | None = None) -> str:
    """`text` wrapped to `width` (at least 30) columns, each line after the first
    indented by `indent`, the first by `first` (default `indent`)."""
    return textwrap.fill(
        text, width=max(width, 30), initial_indent=indent if first is None else first,
        subsequent_indent=indent, break_long_words=True, break_on_hyphens=False,
    )


def to_text(
    reply: Reply, *, width: int = 88, style: Style | None = None,
    source_titles: dict[str, str] | None = None, numbered: bool = False,
) -> str:
    """The reply for a person: the answer, each quote with its location, then suggestions.

    `source_titles` (id -> title) is given when the knowledge base has several
    sources, so each location names its article. `numbered` numbers the suggestions
    and follow-ups (the chat lets the user type the number).
    """
    style = style or Style(False)
    out = [style.bold(fill(clean(reply.answer), width))]
    for c in reply.citations:
        title = (source_titles or {}).get(c.source)
        quote = fill(f"“{clean(c.quote)}”", width, indent="  > ")
        out.append("")
        out.append(quote)
        out.append(style.dim(f"  — {clean(location(c, title))}"))
    lines = _suggestion_lines(reply, width, style, numbered)
    if lines:
        out.append("")
        out.extend(lines)
    for note in reply.notes:
        out.append(style.dim(fill(f"({clean(note)})", width)))
    return "\n".join(out)


def _suggestion_lines(reply: Reply, width: int, style: Style, numbered: bool) -> list[str]:
    if reply.suggestions:
        heading = "Did you mean:" if reply.status == "clarify" else "You could ask:"
        items: Sequence[str] = [s.question for s in reply.suggestions]
    elif reply.follow_ups:
        heading = "Related questions:"
        items = [s.question for s in reply.follow_ups]
    else:
        return []
    # a clarify reply asks its own question ("... Did you mean one of these?",
    # "Please pick a number from 1 to 3:"): the list follows it without asking again
    lines = [] if reply.status == "clarify" and reply.answer.rstrip().endswith(("?", ":")) else [style.dim(heading)]
    for n, question in enumerate(items, 1):
        bullet = f"  {n}. " if numbered else "  • "
        lines.append(style.accent(fill(clean(question), width, indent=" " * len(bullet), first=bullet)))
    return lines


def to_line(reply: Reply, *, source_titles: dict[str, str] | None = None) -> str:
    """The reply on one line (batch mode): status, intent, answer, first location
    (naming its article when `source_titles` is given, as in `to_text`)."""
    where = ""
    if reply.citations:
        first = reply.citations[0]
        where = f" [{location(first, (source_titles or {}).get(first.source))}]"
    elif reply.suggestions:
        where = " Try: " + " | ".join(s.question for s in reply.suggestions)
    fields = (reply.status, reply.intent or "-", reply.answer + where)
    return "\t".join(" ".join(clean(f).split()) for f in fields)


def explain(reply: Reply, *, style: Style | None = None) -> str:
    """Why faqbot replied as it did: the top candidates, the example that matched
    each, the margin between the first two, and the decision."""
    style = style or Style(False)
    lines = [style.bold(f"Decision: {reply.status}" + (f" ({reply.intent})" if reply.intent else ""))]
    if reply.reason:
        lines.append(f"  {clean(reply.reason)}")
    q = reply.analysis
    if q is not None:
        focus = ", ".join(clean(t) for t in q.focus) or "none"
        names = f"; names: {', '.join(clean(t) for t in q.names)}" if q.names else ""
        lines.append(f"  question asks for: {q.asks or 'no particular type'}; about: {focus}{names}")
    if reply.missing is not None:
        check = {"asks": "the answer type check", "mention": "the mention check (a word the article never uses)",
                 "about": "the focus check (the candidate is about something else)",
                 "gap": "the author's 'not stated' intent"}.get(reply.missing.check, reply.missing.check)
        lines.append(f"  declined by {check}: asks {clean(reply.missing.asks)} about “{clean(reply.missing.about)}”")
    if reply.candidates:
        lines.append(style.dim("Candidates (confidence, intent, the example question that matched):"))
        for m in reply.candidates:
            lines.append(f"  {m.confidence:5.2f}  {m.intent:<28} “{clean(m.example)}”")
        if len(reply.candidates) > 1:
            margin = reply.candidates[0].confidence - reply.candidates[1].confidence
            lines.append(f"  margin over the runner-up: {margin:.2f}")
    else:
        lines.append("  no candidates: no example question is related to the question")
    return "\n".join(lines)

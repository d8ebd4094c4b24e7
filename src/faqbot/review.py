"""`faqbot review`: what readers asked that the bot did not answer, grouped, with a proposal each.

``review(log, kb=...)`` reads the unanswered-questions log (`faqbot.unanswered`: one
JSON object a line, with at least ``question``), groups questions that are alike,
biggest group first, and proposes for each group one of:

- ``add_to``: the intent its questions most likely belong to: add them to its examples;
- ``new_intent`` of kind ``answer``: a sentence of the article answers them: a new
  intent citing it;
- ``new_intent`` of kind ``gap``: nothing answers them: a new "the article does not
  say" intent, so the bot says so plainly instead of guessing.

Nothing in the knowledge base is changed: the proposals are a YAML patch for the author
to edit and apply by hand. Deterministic: the same log and knowledge base give the same
groups and proposals (ties broken by count, then text).

Grouping: each distinct question (normalized) is compared with the leaders of the groups
so far, most asked first, by rapidfuzz ``token_set_ratio`` over its content words (no
stopwords); at `SIMILAR` or more it joins the best group, else it leads a new one.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError
from .text import STOPWORDS, normalize

__all__ = ["Group", "Review", "format_text", "review", "write_patch"]

#: Two questions are in one group when their content words score this much (0-100).
SIMILAR = 70.0
#: An intent is proposed when the group's questions match it with this mean confidence.
INTENT_CONFIDENCE = 0.3
#: A sentence is proposed when it matches the group's first question this well ...
PASSAGE_CONFIDENCE = 0.4
#: ... and holds this share of its words.
PASSAGE_COVERAGE = 0.6
#: The log is read up to this size; longer lines than `MAX_LINE` are skipped.
MAX_LOG_BYTES = 50_000_000
MAX_LINE = 20_000
#: At most this many distinct questions of a group are matched and listed.
MAX_LISTED = 25


@dataclass(frozen=True)
class Group:
    """Alike questions, each with how often it was asked, and the proposal for them."""

    questions: tuple[tuple[str, int], ...]
    action: str  # "add_to", "new_answer", "new_gap"
    intent: str = ""  # the intent to add to, or the new intent's id
    confidence: float = 0.0
    quote: str = ""  # a new answer intent's citation ...
    source: str = ""  # ... and its source
    where: str = ""  # the file and line of the intent to add to

    @property
    def count(self) -> int:
        return sum(n for _, n in self.questions)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"count": self.count}
        if self.action == "add_to":
            out["questions"] = [q for q, _ in self.questions]
            out["add_to"] = self.intent
            out["confidence"] = round(self.confidence, 2)
        else:
            first = self.questions[0][0]
            intent: dict[str, Any] = {"id": self.intent, "title": _title(first),
                                      "kind": "answer" if self.action == "new_answer" else "gap", "review": True,
                                      "questions": [q for q, _ in self.questions]}
            if self.action == "new_answer":
                intent["answer"] = " ".join(self.quote.split())
                intent["citations"] = [{"source": self.source, "quote": self.quote}]
            else:
                intent["answer"] = f"The article does not say. (Asked: “{first}”.)"
            out["new_intent"] = intent
        return out


@dataclass(frozen=True)
class Review:
    """The groups, biggest first, and what was read."""

    log: str
    groups: tuple[Group, ...]
    read: int  # questions read
    skipped: int = 0  # lines that were no logged question
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"log": self.log, "questions": self.read, "skipped_lines": self.skipped,
                "groups": [g.to_dict() for g in self.groups]}

    def to_yaml(self) -> str:
        """The patch: a YAML list of groups, each with its questions and one proposal."""
        import yaml

        head = [
            f"# Proposed by `faqbot review` from {self.log}: {self.read} unanswered question"
            f"{'s' * (self.read != 1)} in {len(self.groups)} group{'s' * (len(self.groups) != 1)}, biggest first.",
            "# Nothing in the knowledge base was changed. Edit each proposal, then apply it by hand:",
            "#   add_to: ID      -> copy the questions into that intent's `questions:`",
            "#   new_intent: ... -> paste the intent under `intents:` in an intents file (then delete `review: true`)",
        ]
        body = yaml.safe_dump([g.to_dict() for g in self.groups], sort_keys=False, allow_unicode=True, width=100)
        return "\n".join(head) + "\n" + (body if self.groups else "[]\n")


def _title(question: str) -> str:
    text = " ".join(question.split()).rstrip(" ?.!")
    return (text[:1].upper() + text[1:])[:80] or "Unanswered question"


# ------------------------------------------------------------------ reading the log


def _read(path: Path) -> tuple[Counter[str], dict[str, Counter[str]], int]:
    """The questions asked (by text, with counts), the intents the log names for each
    (a gap intent, or the top candidates), and how many lines were skipped."""
    import stat

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{path} is not a regular file")
        with path.open("rb") as f:
            data = f.read(MAX_LOG_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"log not found: {path}") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    if len(data) > MAX_LOG_BYTES:
        raise UsageError(f"{path} is over {MAX_LOG_BYTES:,} bytes; review a part of it (e.g. with tail)")
    asked: Counter[str] = Counter()
    named: dict[str, Counter[str]] = {}
    skipped = 0
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw[:MAX_LINE].decode("utf-8", "replace")) if len(raw) <= MAX_LINE else None
        except ValueError:
            record = None
        if not isinstance(record, dict):
            skipped += 1
            continue
        question = record.get("question")
        if not isinstance(question, str) or not question.strip():
            skipped += 1
            continue
        text = " ".join(question.split())
        asked[text] += 1
        votes = named.setdefault(text, Counter())
        if isinstance(record.get("intent"), str):
            votes[record["intent"]] += 100  # a gap intent the log names: a full vote (in hundredths)
        for c in record.get("candidates") or []:
            if isinstance(c, dict) and isinstance(c.get("intent"), str) and isinstance(c.get("confidence"), (int, float)):
                votes[c["intent"]] += round(100 * float(c["confidence"]))  # in hundredths
    return asked, named, skipped


# ------------------------------------------------------------------ grouping


def _content(text: str) -> str:
    words = [w for w in normalize(text).split() if w not in STOPWORDS]
    return " ".join(words) or normalize(text)


def _groups(asked: Counter[str]) -> list[list[str]]:
    """Alike questions together: most asked first, each joins the most alike group
    leader at `SIMILAR` or more, else leads a group of its own."""
    from rapidfuzz import fuzz, process

    by_key: dict[str, list[str]] = {}
    for text in sorted(asked, key=lambda t: (-asked[t], t)):
        by_key.setdefault(normalize(text), []).append(text)  # the same once normalized
    leaders: list[str] = []
    groups: list[list[str]] = []
    for key, texts in by_key.items():
        content = _content(key)
        best = process.extractOne(content, leaders, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR)
        if best is None:
            leaders.append(content)
            groups.append(list(texts))
        else:
            groups[best[2]].extend(texts)
    return groups


# ------------------------------------------------------------------ proposals


def review(log: str | os.PathLike[str], *, kb: str | os.PathLike[str] | None = None) -> Review:
    """Group the questions of the unanswered log `log` and propose what to do with each
    group, matching them against the knowledge base in `kb` (else using the intents the
    log names). Raises `UsageError` for a missing or unreadable log."""
    path = Path(log)
    asked, named, skipped = _read(path)
    bot = None
    if kb is not None:
        from .bot import FAQBot

        bot = FAQBot.load(os.fspath(kb))
    sentences = _Sentences(bot) if bot is not None else None
    taken = {i.id for i in bot.kb.intents} if bot is not None else set()
    out: list[Group] = []
    for texts in _groups(asked):
        listed = tuple((t, asked[t]) for t in texts[:MAX_LISTED])
        out.append(_propose(listed, named, bot, sentences, taken))
    out.sort(key=lambda g: (-g.count, g.questions[0][0]))
    return Review(str(log), tuple(out), sum(asked.values()), skipped)


def _propose(questions: tuple[tuple[str, int], ...], named: dict[str, Counter[str]], bot: Any,
             sentences: _Sentences | None, taken: set[str]) -> Group:
    votes: dict[str, float] = {}
    total = sum(n for _, n in questions)
    for text, n in questions:
        if bot is not None:
            for m in bot.matcher.match(text, limit=3):
                votes[m.intent] = votes.get(m.intent, 0.0) + m.confidence * n
        else:
            for intent, weight in named.get(text, Counter()).items():
                votes[intent] = votes.get(intent, 0.0) + weight / 100  # the log's votes are in hundredths
    if votes:
        intent, score = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        known = bot is None or bot.kb.intent(intent).kind != "smalltalk"
        if score / total >= INTENT_CONFIDENCE and known:
            where = ""
            if bot is not None:
                found = bot.kb.intent(intent)
                where = f"{found.file}:{found.line}"
            return Group(questions, "add_to", intent, score / total, where=where)
    if sentences is not None:
        hit = sentences.best(questions[0][0])
        if hit is not None:
            source, quote = hit
            return Group(questions, "new_answer", _new_id(questions[0][0], taken), quote=quote, source=source)
    return Group(questions, "new_gap", _new_id(questions[0][0], taken, prefix="not-stated"))


def _new_id(question: str, taken: set[str], prefix: str = "") -> str:
    from .drafting import slug

    words = [w for w in normalize(question).split() if w not in STOPWORDS][:5]
    base = "-".join(p for p in [prefix, slug(" ".join(words), words=5)] if p) or "unanswered"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


class _Sentences:
    """The knowledge base's article sentences, matched with the public `Matcher`."""

    def __init__(self, bot: Any) -> None:
        from .matcher import Matcher

        self.spans: dict[str, tuple[str, str]] = {}
        examples: dict[str, list[str]] = {}
        for source in bot.kb.sources.values():
            for span in source.sentences():
                key = f"{source.id}:{span.start}"
                self.spans[key] = (source.id, source.text[span.start : span.end])
                examples[key] = [self.spans[key][1]]
        self.matcher = Matcher(examples, synonyms=bot.kb.synonyms)

    def best(self, question: str) -> tuple[str, str] | None:
        for m in self.matcher.match(question, limit=1):
            if m.confidence >= PASSAGE_CONFIDENCE and m.coverage >= PASSAGE_COVERAGE:
                return self.spans[m.intent]
        return None


# ------------------------------------------------------------------ the command


def write_patch(result: Review, out: str | os.PathLike[str]) -> None:
    """Write the proposals to the new file `out` (never over an existing one)."""
    path = Path(out)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write(result.to_yaml())
    except FileExistsError:
        raise UsageError(f"{path} already exists; not overwriting it") from None
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None


def format_text(result: Review, *, out: str | os.PathLike[str] | None = None) -> str:
    """The groups as `faqbot review` prints them (cleaned for the terminal)."""
    from .render import clean

    lines = [f"{result.read} unanswered question{'s' * (result.read != 1)} in {len(result.groups)} "
             f"group{'s' * (len(result.groups) != 1)} (biggest first), from {result.log}"
             + (f"; {result.skipped} line{'s' * (result.skipped != 1)} skipped" if result.skipped else "") + ":"]
    for n, g in enumerate(result.groups, 1):
        if g.action == "add_to":
            what = f"add to intent '{g.intent}'" + (f" ({g.where})" if g.where else "") + f", confidence {g.confidence:.2f}"
        elif g.action == "new_answer":
            what = f"new intent '{g.intent}' citing: “{' '.join(g.quote.split())[:70]}”"
        else:
            what = f"new “not stated” intent '{g.intent}'"
        lines.append(f"{n:3d}. {g.count:3d}×  {what}")
        lines += [f"          {q}" + (f"  ({c}×)" if c > 1 else "") for q, c in g.questions[:5]]
        if len(g.questions) > 5:
            lines.append(f"          … and {len(g.questions) - 5} more")
    if out:
        lines.append(f"Proposals written to {out}: edit them, then apply them by hand. Nothing was changed.")
    else:
        lines.append("Nothing was changed. Write the proposals to a file with --out PATCH.yaml.")
    return "\n".join(" ".join(clean(line).split()) if not line.startswith(" ") else clean(line)
                     for line in lines) + "\n"

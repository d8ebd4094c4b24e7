"""`faqbot check`: what is wrong with a knowledge base, before a user finds out.

Errors are everything the loader refuses (`knowledge.load`, run in its collecting
mode so that several broken intents are reported at once). Warnings are problems
a loaded knowledge base can still have:

- ``misassigned-example``  the matcher ranks another intent first for an example question;
- ``near-duplicate``       two intents hold (nearly) the same example question;
- ``few-examples``         an intent has fewer than `MIN_EXAMPLES` example questions;
- ``unsupported-answer``   an answer shares almost no words with its quotes;
- ``uncited-sentence``     a sentence of a source that no intent cites (the coverage report);
- ``draft``                an intent still marked ``review: true`` (drafted by `faqbot init`).

Warnings are only computed for a knowledge base without errors: on a partly loaded
one they would mislead (an example "belongs" to a neighbour of a missing intent).
The findings of a knowledge base without errors are a pure function of its files
and of faqbot's code, so they are cached like the bot (`faqbot.cache`): checking
it again unchanged only reads them back. The matcher comes from the bot's cache
when it is there, else it alone is built (no passage index).

`run` gives the text `faqbot check` prints: errors each on a line, warnings
counted by kind (biggest first; ``verbose`` lists each one), the coverage, a
summary; or the JSON report, which always lists everything.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from . import cache
from .errors import KnowledgeBaseError, UsageError
from .files import LineDict, LineList, excerpt
from .knowledge import Intent, KnowledgeBase, _load, bundled_path
from .text import STOPWORDS, normalize, stem, tokenize

__all__ = ["CheckReport", "Coverage", "Problem", "Sentence", "check", "run"]

#: An intent with fewer example questions than this gets a warning.
MIN_EXAMPLES = 6
#: Two examples of different intents are near-duplicates when their normalized texts
#: have a rapidfuzz ``ratio`` of at least this and their content words differ at most
#: (articles aside) by typos (so "What does DHS stand for?" is no duplicate of "What does DEA ...").
DUPLICATE_RATIO = 85.0
#: `faqbot check` matches the examples in two processes from this many on (below it,
#: starting the second costs more than it saves).
SPLIT_AT = 400
#: An answer whose content words are found in its quotes less often than this
#: share "shares almost no words" with them: it may say what the quotes do not.
MIN_ANSWER_SUPPORT = 0.3
#: What each kind of warning means, as the grouped summary says it.
WARNING_KINDS = {
    "draft": "intents still marked 'review: true' (drafts): review each, then delete the marker",
    "few-examples": f"intents with fewer than {MIN_EXAMPLES} example questions",
    "misassigned-example": "example questions the matcher gives to another intent",
    "near-duplicate": "example questions (nearly) the same as another intent's",
    "unsupported-answer": "answers that share almost no words with their quotes",
    "uncited-sentence": "sentences of the sources that no intent cites",
}


@dataclass(frozen=True)
class Problem:
    """One finding: ``severity`` is ``error`` or ``warning``; `code` names the check."""

    severity: str
    file: str | None
    line: int | None
    intent: str | None
    message: str
    code: str = "load"

    def __str__(self) -> str:
        where = (self.file or "") + (f":{self.line}" if self.file and self.line else "")
        who = f"intent '{self.intent}': " if self.intent else ""
        return f"{where + ': ' if where else ''}{self.severity}: {who}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "code": self.code, "file": self.file, "line": self.line,
                "intent": self.intent, "message": self.message}


@dataclass(frozen=True)
class Sentence:
    """A sentence of a source: where it is (file line, paragraph) and its text."""

    source: str
    file: str
    line: int
    paragraph: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "file": self.file, "line": self.line,
                "paragraph": self.paragraph, "text": self.text}


@dataclass(frozen=True)
class Coverage:
    """How many of the sources' sentences some intent cites (a citation overlapping
    a sentence counts), and the ones none does."""

    cited: int
    total: int
    uncited: tuple[Sentence, ...]

    @property
    def ratio(self) -> float:
        return self.cited / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.cited}/{self.total} source sentences cited ({self.ratio:.0%})"

    def to_dict(self) -> dict[str, Any]:
        return {"cited": self.cited, "total": self.total, "ratio": round(self.ratio, 4),
                "uncited": [s.to_dict() for s in self.uncited]}


@dataclass(frozen=True)
class CheckReport:
    """Everything `check` found; `coverage` is None when errors stopped the checks."""

    path: Path
    problems: tuple[Problem, ...]
    coverage: Coverage | None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_state(self) -> tuple[Any, ...]:
        """Plain data for `faqbot.cache`."""
        coverage = None
        if self.coverage is not None:
            c = self.coverage
            coverage = (c.cited, c.total, tuple((s.source, s.file, s.line, s.paragraph, s.text) for s in c.uncited))
        return (str(self.path), tuple((p.severity, p.file, p.line, p.intent, p.message, p.code) for p in self.problems),
                coverage)

    @classmethod
    def from_state(cls, state: tuple[Any, ...]) -> CheckReport:
        path, problems, coverage = state
        cov = None if coverage is None else Coverage(coverage[0], coverage[1], tuple(Sentence(*s) for s in coverage[2]))
        return cls(Path(path), tuple(Problem(*p) for p in problems), cov)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "ok": self.ok, "errors": len(self.errors), "warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
            "coverage": self.coverage.to_dict() if self.coverage else None,
        }


def check(path: str | Path | None = None) -> CheckReport:
    """Check the knowledge base in `path` (the bundled one when None)."""
    root = Path(path if path is not None else bundled_path())
    if not root.is_dir():
        raise UsageError(f"knowledge base folder not found: {root}")
    # only the findings of a knowledge base without errors are kept: errors are cheap to find
    return cache.load(root, lambda: _check(root), CheckReport, keep=lambda report: report.ok)


def _check(root: Path) -> CheckReport:
    errors: list[KnowledgeBaseError] = []
    documents: dict[str, Any] = {}
    try:
        kb = _load(root, errors=errors, documents=documents)
    except KnowledgeBaseError as e:  # the folder or its sources: nothing more can be checked
        errors.append(e)
    if errors:
        return CheckReport(root, tuple(_from_error(e) for e in errors), None)
    lines = _YamlLines(documents)
    problems = [
        *_drafts(kb, lines),
        *_few_examples(kb, lines),
        *_misassigned_examples(kb, lines),
        *_near_duplicates(kb, lines),
        *_unsupported_answers(kb, lines),
    ]
    coverage = _coverage(kb)
    problems += [
        Problem("warning", s.file, s.line, None, f"no intent cites this sentence (paragraph {s.paragraph}): "
                f"{_quote(s.text, 100)}", "uncited-sentence")
        for s in coverage.uncited
    ]
    return CheckReport(root, tuple(problems), coverage)


def _from_error(e: KnowledgeBaseError) -> Problem:
    return Problem("error", e.file, e.line, e.intent, " ".join(e.message.split()))


# ------------------------------------------------------------------ the checks


def _drafts(kb: KnowledgeBase, lines: _YamlLines) -> list[Problem]:
    return [
        Problem("warning", i.file, lines.key(i, "review"), i.id,
                "a draft not yet reviewed: check its questions and answer against the quotes, "
                "then delete 'review: true'", "draft")
        for i in kb.intents if lines.value(i, "review") is True
    ]


def _few_examples(kb: KnowledgeBase, lines: _YamlLines) -> list[Problem]:
    return [
        Problem("warning", i.file, lines.key(i, "questions"), i.id,
                f"only {len(i.questions)} example question{'s' if len(i.questions) != 1 else ''}; "
                f"write at least {MIN_EXAMPLES}, worded the ways people ask", "few-examples")
        # a draft is reported once, as a draft: its few generated questions are for its
        # reviewer to extend, and the bot answers drafts from the article's sentences too
        for i in kb.intents if len(i.questions) < MIN_EXAMPLES and not i.draft
    ]


def _misassigned_examples(kb: KnowledgeBase, lines: _YamlLines) -> list[Problem]:
    from .bot import FAQBot
    from .matcher import Matcher

    bot = cache.peek(kb.path, FAQBot)  # the very matcher `faqbot ask` uses, if it is cached
    matcher = bot.matcher if bot is not None else Matcher(
        {i.id: list(i.questions) for i in kb.intents}, synonyms=kb.synonyms)
    examples = [(intent, n, question) for intent in kb.intents for n, question in enumerate(intent.questions)]

    def first(k: int) -> tuple[str, float] | None:
        ranked = matcher.match(examples[k][2], limit=1, exact=False)  # as if worded anew
        return (ranked[0].intent, ranked[0].confidence) if ranked else None

    out = []
    for (intent, n, question), top in zip(examples, _in_two(first, len(examples)), strict=True):
        if top is None or top[0] == intent.id:
            continue
        other = kb.intent(top[0])
        out.append(Problem(
            "warning", intent.file, lines.question(intent, n), intent.id,
            f"example {_quote(question)} is matched to intent '{other.id}' ({other.file}:{other.line}) "
            f"with confidence {top[1]:.2f}; reword it, or move it there",
            "misassigned-example",
        ))
    return out


def _in_two(fn: Callable[[int], Any], count: int) -> list[Any]:
    """``[fn(k) for k in range(count)]``, the second half in a forked child process when
    the work is worth it (`SPLIT_AT` items or more), the system can fork and has two
    cores, and no other thread runs (forking then is unsafe). `fn`'s results must be
    JSON data; tuples come back as lists, so they are made tuples again. Whatever goes
    wrong in the child, the parent does its half itself."""
    if count < SPLIT_AT or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2 or _threaded():
        return [fn(k) for k in range(count)]
    half = count // 2
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return [fn(k) for k in range(count)]
    if pid == 0:  # the child: its half to the pipe, then leave without running the parent's exit code
        status = 1
        try:
            os.close(read)
            with os.fdopen(write, "wb") as f:
                f.write(json.dumps([fn(k) for k in range(half, count)]).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    mine = [fn(k) for k in range(half)]
    with os.fdopen(read, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    try:
        theirs = json.loads(data) if status == 0 else None
    except ValueError:
        theirs = None
    if not isinstance(theirs, list) or len(theirs) != count - half:
        return mine + [fn(k) for k in range(half, count)]
    return mine + [tuple(r) if isinstance(r, list) else r for r in theirs]


def _threaded() -> bool:
    threading = sys.modules.get("threading")
    return threading is not None and threading.active_count() > 1


def _near_duplicates(kb: KnowledgeBase, lines: _YamlLines) -> list[Problem]:
    examples = [(intent, n, normalize(q)) for intent in kb.intents for n, q in enumerate(intent.questions)]
    choices = [text for _, _, text in examples]
    words = [{stem(w) for w in text.split()} - _FILLER for _, _, text in examples]
    out = []
    for a, (intent, n, text) in enumerate(examples):
        if not text:
            continue
        # each pair once, reported at the later example: only the examples after this one
        found = process.extract(text, choices[a + 1 :], scorer=fuzz.ratio, score_cutoff=DUPLICATE_RATIO, limit=None)
        for _, score, after in sorted(found, key=lambda f: f[2]):
            b = a + 1 + after
            other, m, _ = examples[b]
            if other.id == intent.id or not _same_words(words[a], words[b]):
                continue
            same = "the same example as" if score >= 100 else f"a near-duplicate ({score:.0f}%) of"
            out.append(Problem(
                "warning", other.file, lines.question(other, m), other.id,
                f"example {_quote(other.questions[m])} is {same} {_quote(intent.questions[n])} of intent "
                f"'{intent.id}' ({intent.file}:{lines.question(intent, n)}); keep it in one intent",
                "near-duplicate",
            ))
    return out


_FILLER = frozenset({"a", "an", "the", "please"})


def _same_words(a: set[str], b: set[str]) -> bool:
    """True when two examples' words (but articles) differ at most by typos (one edit
    in a word of 4+ letters): "What does DHS stand for?" and "... DEA ...", or "how
    will X be ended" and "is X being ended", are different questions, however alike
    their letters."""
    only_a, only_b = a - b, b - a
    if len(only_a) != len(only_b):
        return False
    return all(
        len(w) >= 4 and any(Levenshtein.distance(w, v, score_cutoff=1) <= 1 for v in only_b) for w in only_a
    )


def _content_words(text: str) -> set[str]:
    return {stem(t) for t in tokenize(text) if t not in STOPWORDS}


def _unsupported_answers(kb: KnowledgeBase, lines: _YamlLines) -> list[Problem]:
    out = []
    for intent in kb.intents:
        if intent.kind != "answer" or not intent.citations:
            continue
        words = _content_words(intent.answer)
        if not words:
            continue
        quoted = set().union(*(_content_words(c.quote) for c in intent.citations))
        support = len(words & quoted) / len(words)
        if support < MIN_ANSWER_SUPPORT:
            out.append(Problem(
                "warning", intent.file, lines.key(intent, "answer"), intent.id,
                f"the answer shares {support:.0%} of its words with its quotes; "
                f"it should say only what the quotes say", "unsupported-answer",
            ))
    return out


def _coverage(kb: KnowledgeBase) -> Coverage:
    cited = 0
    total = 0
    uncited = []
    for source in kb.sources.values():
        spans = [(c.start, c.end) for i in kb.intents for c in i.citations if c.source == source.id]
        for sentence in source.sentences():
            total += 1
            if any(start < sentence.end and sentence.start < end for start, end in spans):
                cited += 1
                continue
            block = source.block_at(sentence.start)
            uncited.append(Sentence(
                source.id, f"seeds/{source.file}", source.text.count("\n", 0, sentence.start) + 1,
                block.paragraph if block else 0, source.text[sentence.start : sentence.end],
            ))
    return Coverage(cited, total, tuple(uncited))


def _quote(text: str, limit: int = 80) -> str:
    return excerpt(text, limit)


class _YamlLines:
    """Lines of an intent's fields and of each of its example questions, read from the
    documents the loader parsed (`LineDict` and `LineList` remember them). Unknown
    lines fall back to the intent's line."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self._by_file: dict[str, dict[str, LineDict]] = {}
        for file, data in documents.items():
            entries = data.get("intents") if isinstance(data, dict) else None
            self._by_file[file] = {
                e["id"]: e for e in (entries if isinstance(entries, list) else [])
                if isinstance(e, LineDict) and isinstance(e.get("id"), str)
            }

    def _entry(self, intent: Intent) -> LineDict | None:
        return self._by_file.get(intent.file, {}).get(intent.id)

    def key(self, intent: Intent, key: str) -> int:
        entry = self._entry(intent)
        return int(entry.lines.get(key, intent.line)) if entry is not None else intent.line

    def value(self, intent: Intent, key: str) -> Any:
        """The value of a field as written, or None."""
        entry = self._entry(intent)
        return entry.get(key) if entry is not None else None

    def question(self, intent: Intent, n: int) -> int:
        entry = self._entry(intent)
        items = entry.get("questions") if entry is not None else None
        if isinstance(items, LineList) and n < len(items.lines):
            return items.lines[n]
        return self.key(intent, "questions")


# ------------------------------------------------------------------ the command


def run(path: str | Path | None = None, *, as_json: bool = False, verbose: bool = False) -> tuple[int, str]:
    """`faqbot check [--kb DIR] [--json] [--verbose]`: (exit status, text to print). The
    status is 1 when there are errors, else 0."""
    report = check(path)
    code = 1 if report.errors else 0
    if as_json:
        # ASCII-only JSON: faithful, and nothing in it a terminal would act on
        return code, json.dumps(report.to_dict(), ensure_ascii=True) + "\n"
    return code, format_report(report, verbose=verbose)


def format_report(report: CheckReport, *, verbose: bool = False) -> str:
    """The report as `faqbot check` prints it (terminal-safe)."""
    from .render import clean

    def line(text: str) -> str:
        return " ".join(clean(text).split())

    out = [line(str(p)) for p in report.errors]
    warnings = report.warnings
    if verbose:
        out += [line(str(p)) for p in warnings]
    elif warnings:
        counts: dict[str, list[Problem]] = {}
        for p in warnings:
            counts.setdefault(p.code, []).append(p)
        out.append(f"{len(warnings)} warning{'s' * (len(warnings) != 1)} of {len(counts)} "
                   f"kind{'s' * (len(counts) != 1)} (faqbot check --verbose lists each one):")
        width = len(str(max(len(v) for v in counts.values())))
        for code, found in sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            first = found[0]
            where = (first.file or "") + (f":{first.line}" if first.file and first.line else "")
            out.append(f"  {len(found):>{width}} " + line(f"{code}: {WARNING_KINDS.get(code, code)}"
                                                           + (f" (first: {where})" if where else "")))
    if report.coverage is not None:
        out.append(f"coverage: {report.coverage}")
    else:
        out.append("warnings and coverage are checked once the errors are fixed")
    n_err, n_warn = len(report.errors), len(warnings)
    out.append(f"{line(str(report.path))}: {n_err} error{'s' * (n_err != 1)}, "
               f"{n_warn} warning{'s' * (n_warn != 1)}")
    return "\n".join(out) + "\n"

"""`faqbot eval`: how well faqbot answers a file of labelled questions.

The library part is `load_items(path)` (a YAML list or JSON Lines of items) and
`evaluate(bot, items) -> EvalReport`; both return frozen dataclasses and never
print. `format_report()` turns a report into the text of `faqbot eval` (the
command itself, with its progress line and exit codes, is in cli.py).

An item is ``q`` plus exactly one label, and an optional ``kind``:

- ``intent: ID``: right when the reply's intent is ID and faqbot did not ask to
  clarify (a `gap` intent legitimately replies with status ``unknown``);
- ``expect_any: [substrings]`` (or ``answers: [...]``, the same label): right when
  one of them occurs, ignoring case, spacing and the curly/straight quote difference,
  in the reply's answer or a cited quote, and the reply answers: status ``answered``
  or ``passage``, or a `gap` intent (the author's "the article only says …", for a
  question whose answer in the article is that it is unclear). A plain decline, with or
  without a related passage, and a question back answer nothing;
- ``oos: true``: out of scope; right when faqbot declines (status ``unknown``).

Calibration is measured on the replies that commit to an answer (every status but
``clarify``, with an intent or a passage): a reply of confidence 0.9 should be
right about 9 times in 10.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import yaml

from .errors import UsageError

if TYPE_CHECKING:
    from .bot import FAQBot
    from .replies import Reply

__all__ = [
    "BUCKETS",
    "KINDS",
    "Bucket",
    "Confusion",
    "EvalItem",
    "EvalReport",
    "Outcome",
    "Progress",
    "Rate",
    "evaluate",
    "format_report",
    "is_right",
    "load_items",
    "report",
]

#: The kinds of question an item may be labelled with (in-scope kinds first).
KINDS = ("canonical", "paraphrase", "typo", "casual", "keyword", "long", "near", "far")
#: Confidence buckets of the calibration table, [low, high) (the last one includes 1.0).
BUCKETS = ((0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0))
#: An eval file larger than this is refused (a few thousand questions is a few hundred KB).
MAX_FILE_BYTES = 20_000_000
#: The progress counter appears only when a run has taken this long (seconds).
PROGRESS_AFTER = 0.5

_LABELS = ("intent", "expect_any", "oos")
_KEYS = {"q", "kind", "answers", *_LABELS}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


# ------------------------------------------------------------------ records


@dataclass(frozen=True)
class EvalItem:
    """One labelled question. Exactly one of `intent`, `expect_any`, `oos` is set."""

    q: str
    intent: str | None = None
    expect_any: tuple[str, ...] = ()
    oos: bool = False
    kind: str | None = None
    #: where the item was read: file name and line (0 when not read from a file)
    file: str = ""
    line: int = 0

    @property
    def in_scope(self) -> bool:
        return not self.oos

    @property
    def expected(self) -> str:
        """The label in one word: the intent id, ``oos``, or ``any of [...]``."""
        if self.oos:
            return "oos"
        if self.intent is not None:
            return self.intent
        return "any of " + json.dumps(list(self.expect_any), ensure_ascii=False)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file and self.line else self.file


@dataclass(frozen=True)
class Outcome:
    """What faqbot replied to one item, and whether that was right."""

    item: EvalItem
    right: bool
    status: str
    intent: str | None
    confidence: float
    seconds: float
    #: the matcher's top-ranked intent and its confidence, whatever was decided
    #: (None when no intent shares a word with the question)
    top: str | None = None
    top_confidence: float = 0.0

    @property
    def got(self) -> str:
        """The reply in one word: its intent id, or its status in parentheses."""
        return self.intent if self.intent is not None else f"({self.status})"

    @property
    def committed(self) -> bool:
        """The reply commits to an answer (counted in the calibration table)."""
        return self.status != "clarify" and (self.intent is not None or self.status == "passage")

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.item.q,
            "kind": self.item.kind,
            "expected": self.item.expected,
            "got": self.got,
            "status": self.status,
            "confidence": round(self.confidence, 4),
            "right": self.right,
            "top": self.top,
            "top_confidence": round(self.top_confidence, 4),
            "line": self.item.line or None,
        }


@dataclass(frozen=True)
class Rate:
    """`right` out of `total`; `share` is None when there is nothing to count."""

    right: int
    total: int

    @property
    def share(self) -> float | None:
        return self.right / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        share = self.share
        return {"right": self.right, "total": self.total, "share": None if share is None else round(share, 4)}


@dataclass(frozen=True)
class Confusion:
    """`count` items labelled `expected` got `got` (an intent id, or a status in parentheses)."""

    expected: str
    got: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"expected": self.expected, "got": self.got, "count": self.count}


@dataclass(frozen=True)
class Bucket:
    """The committed replies whose confidence is in [low, high): how many, how many right."""

    low: float
    high: float
    count: int
    right: int
    mean_confidence: float | None

    @property
    def share(self) -> float | None:
        return self.right / self.count if self.count else None

    @property
    def label(self) -> str:
        return f"{self.low:.1f}-{self.high:.1f}"

    def to_dict(self) -> dict[str, Any]:
        share, mean = self.share, self.mean_confidence
        return {
            "low": self.low, "high": self.high, "count": self.count, "right": self.right,
            "share": None if share is None else round(share, 4),
            "mean_confidence": None if mean is None else round(mean, 4),
        }


@dataclass(frozen=True)
class EvalReport:
    """The figures of one run over a list of items."""

    outcomes: tuple[Outcome, ...]
    in_scope: Rate
    out_of_scope: Rate
    clarify: Rate  # replies that asked to clarify, out of all items
    #: intent-labelled items whose intent the matcher ranked first, whatever the
    #: dialogue then decided: the ranking's accuracy, apart from the thresholds
    top1: Rate
    by_kind: tuple[tuple[str, Rate], ...]
    by_intent: tuple[tuple[str, Rate], ...]
    confusions: tuple[Confusion, ...]
    calibration: tuple[Bucket, ...]
    #: expected calibration error over the committed replies (None when there are none)
    ece: float | None
    median_ms: float
    p95_ms: float
    #: out-of-scope items of kind ``near`` (same people and places, a detail the article never gives)
    near: Rate = None  # type: ignore[assignment]
    #: items left out because they are, word for word after the matcher's normalization,
    #: an example question of an intent (`evaluate(..., held_out=True)`)
    dropped: tuple[EvalItem, ...] = ()

    @property
    def misses(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.right)

    def failures(self, *, min_accuracy: float | None = None, min_decline: float | None = None,
                 min_near: float | None = None) -> list[str]:
        """The thresholds this report misses, one sentence each (empty: all met).

        A threshold on a rate with nothing to count is missed (it cannot be shown to hold).
        """
        out = []
        for name, rate, floor, flag in (
            ("in-scope accuracy", self.in_scope, min_accuracy, "--min-accuracy"),
            ("out-of-scope decline rate", self.out_of_scope, min_decline, "--min-decline"),
            ("near-topic decline rate", self.near, min_near, "--min-near"),
        ):
            if floor is None:
                continue
            share = rate.share
            if share is None:
                out.append(f"{name} cannot be measured: the file has no such questions ({flag} {floor:g})")
            elif share < floor:
                out.append(f"{name} {share:.3f} is below {flag} {floor:g}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "questions": len(self.outcomes),
            "in_scope": self.in_scope.to_dict(),
            "near": self.near.to_dict() if self.near is not None else None,
            "dropped_as_examples": len(self.dropped),
            "out_of_scope": self.out_of_scope.to_dict(),
            "clarify": self.clarify.to_dict(),
            "top1": self.top1.to_dict(),
            "by_kind": {k: r.to_dict() for k, r in self.by_kind},
            "by_intent": {k: r.to_dict() for k, r in self.by_intent},
            "confusions": [c.to_dict() for c in self.confusions],
            "calibration": [b.to_dict() for b in self.calibration],
            "ece": None if self.ece is None else round(self.ece, 4),
            "latency_ms": {"median": round(self.median_ms, 3), "p95": round(self.p95_ms, 3)},
            "misses": [o.to_dict() for o in self.misses],
        }


# ------------------------------------------------------------------ loading


class _Loader(yaml.SafeLoader):
    """A safe loader whose mappings remember their line and reject duplicate keys."""


class _LineDict(dict):
    line: int = 0


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    data = _LineDict()
    data.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is not a name", key_node.start_mark)
        if key in data:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        data[key] = loader.construct_object(value_node, deep=True)
    return data


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def load_items(path: str | Path) -> tuple[EvalItem, ...]:
    """The items of an eval file: a YAML list, or JSON Lines (``.jsonl``/``.ndjson``, or
    a file whose first line is a JSON object). Raises `UsageError` with one line
    naming the file and the line of the first problem."""
    path = Path(path)
    name = str(path)
    text = _read(path, name)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if path.suffix.lower() in (".jsonl", ".ndjson") or (path.suffix.lower() not in (".yaml", ".yml") and first.startswith("{")):
        raw = _jsonl(text, name)
    else:
        raw = _yaml(text, name)
    if not raw:
        raise UsageError(f"{name}: no questions in the file")
    return tuple(_item(data, name, line, n) for n, (line, data) in enumerate(raw, 1))


def _read(path: Path, name: str) -> str:
    """The eval file's text: a regular file only (no device, no FIFO), at most
    `MAX_FILE_BYTES`, UTF-8 (see `faqbot.files.read_text`)."""
    from .files import read_text

    return read_text(path, limit=MAX_FILE_BYTES, display=name, what="eval file")


def _yaml(text: str, name: str) -> list[tuple[int, Any]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        raise UsageError(f"{where}: YAML error: {e.problem or e.context or 'invalid YAML'}") from None
    except yaml.YAMLError as e:
        raise UsageError(f"{name}: YAML error: {' '.join(str(e).split())}") from None
    finally:
        loader.dispose()
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise UsageError(f"{name}: expected a YAML list of questions (- q: ...), not {_what(data)}")
    return [(item_node.start_mark.line + 1, item) for item_node, item in zip(node.value, data, strict=True)]


def _jsonl(text: str, name: str) -> list[tuple[int, Any]]:
    out = []
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((line_no, json.loads(line)))
        except json.JSONDecodeError as e:
            raise UsageError(f"{name}:{line_no}: not valid JSON: {e.msg} (column {e.colno})") from None
    return out


def _what(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def _item(data: Any, name: str, line: int, n: int) -> EvalItem:
    def fail(message: str) -> UsageError:
        return UsageError(f"{name}:{line}: item {n}: {message}")

    if not isinstance(data, dict):
        raise fail(f"expected a mapping with q and a label, not {_what(data)}")
    unknown = sorted(set(data) - _KEYS, key=str)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} (allowed: q, intent, expect_any or answers, oos, kind)")
    q = data.get("q")
    if not isinstance(q, str) or not q.strip():
        raise fail("q must be a non-empty question")
    if "answers" in data:  # another name for expect_any
        if "expect_any" in data:
            raise fail("give expect_any or answers, not both")
        data = {("expect_any" if k == "answers" else k): v for k, v in data.items()}
    labels = [k for k in _LABELS if k in data]
    if len(labels) != 1:
        got = ", ".join(labels) if labels else "none"
        raise fail(f"needs exactly one of intent, expect_any, oos (got {got})")
    kind = data.get("kind")
    if kind is not None and kind not in KINDS:
        raise fail(f"unknown kind {kind!r} (one of: {', '.join(KINDS)})")
    label = labels[0]
    value = data[label]
    if label == "intent":
        if not isinstance(value, str) or not value.strip():
            raise fail("intent must be an intent id")
        return EvalItem(q, intent=value.strip(), kind=kind, file=name, line=line)
    if label == "expect_any":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(s, str) and s.strip() for s in value):
            raise fail("expect_any must be a non-empty list of non-empty strings")
        return EvalItem(q, expect_any=tuple(value), kind=kind, file=name, line=line)
    if value is not True:
        raise fail("oos must be true (leave it out for an in-scope question)")
    return EvalItem(q, oos=True, kind=kind, file=name, line=line)


# ------------------------------------------------------------------ scoring


def _fold(text: str) -> str:
    return " ".join(text.translate(_APOSTROPHES).casefold().split())


def is_right(item: EvalItem, reply: Reply) -> bool:
    """Whether `reply` is right for `item` (see the module docstring)."""
    if item.oos:
        return reply.status == "unknown"
    if item.intent is not None:
        return reply.intent == item.intent and reply.status != "clarify"
    if reply.status not in ("answered", "passage") and not (reply.status == "unknown" and reply.intent):
        return False  # a decline or a question back answers nothing, whatever it quotes
    texts = [_fold(reply.answer), *(_fold(c.quote) for c in reply.citations)]
    return any(_fold(s) in t for s in item.expect_any for t in texts)


def evaluate(
    bot: FAQBot, items: Iterable[EvalItem], *, progress: Callable[[int, int], None] | None = None,
    held_out: bool = False,
) -> EvalReport:
    """Ask `bot` every item and measure. `progress(done, total)` is called after each item.

    With `held_out`, items that are an intent's example question word for word (after the
    matcher's own normalization: what the exact-example lookup would answer) are left
    out and listed in `EvalReport.dropped`: a gate measures the matcher, not a lookup.
    Raises `UsageError` when an item names an intent the knowledge base does not have.
    """
    items = tuple(items)
    dropped: tuple[EvalItem, ...] = ()
    if held_out:
        dropped = tuple(i for i in items if bot.matcher.example_of(i.q) is not None)
        items = tuple(i for i in items if bot.matcher.example_of(i.q) is None)
    known = {i.id for i in bot.kb.intents}
    for item in items:
        if item.intent is not None and item.intent not in known:
            where = f"{item.where}: " if item.where else ""
            raise UsageError(f"{where}intent {item.intent!r} is not in the knowledge base")
    outcomes = []
    clock = time.perf_counter
    for n, item in enumerate(items, 1):
        start = clock()
        reply = bot.ask(item.q)
        seconds = clock() - start
        top = reply.candidates[0] if reply.candidates else None
        outcomes.append(Outcome(
            item, is_right(item, reply), reply.status, reply.intent, reply.confidence, seconds,
            top.intent if top else None, top.confidence if top else 0.0,
        ))
        if progress is not None:
            progress(n, len(items))
    return replace(report(outcomes), dropped=dropped)


def report(outcomes: Sequence[Outcome]) -> EvalReport:
    """The figures of a list of outcomes."""
    outcomes = tuple(outcomes)
    inside = [o for o in outcomes if o.item.in_scope]
    outside = [o for o in outcomes if not o.item.in_scope]

    kinds: dict[str, list[Outcome]] = {}
    for o in outcomes:
        kinds.setdefault(o.item.kind or "(none)", []).append(o)
    order = {k: n for n, k in enumerate(KINDS)}
    by_kind = tuple((k, _rate(kinds[k])) for k in sorted(kinds, key=lambda k: (order.get(k, len(KINDS)), k)))

    intents: dict[str, list[Outcome]] = {}
    for o in inside:
        if o.item.intent is not None:
            intents.setdefault(o.item.intent, []).append(o)
    by_intent = tuple(sorted(((k, _rate(v)) for k, v in intents.items()), key=lambda kv: (kv[1].share or 0.0, kv[0])))

    pairs = Counter((o.item.expected, o.got) for o in outcomes if not o.right and o.item.expect_any == ())
    confusions = tuple(
        Confusion(e, g, c) for (e, g), c in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    )

    committed = [o for o in outcomes if o.committed]
    calibration = _calibration(committed)
    ece = None
    if committed:
        ece = sum(
            b.count / len(committed) * abs((b.share or 0.0) - (b.mean_confidence or 0.0)) for b in calibration
        )

    ms = sorted(o.seconds * 1000 for o in outcomes)
    return EvalReport(
        outcomes=outcomes,
        in_scope=_rate(inside),
        out_of_scope=_rate(outside),
        clarify=Rate(sum(o.status == "clarify" for o in outcomes), len(outcomes)),
        top1=Rate(
            sum(o.top == o.item.intent for o in inside if o.item.intent is not None),
            sum(o.item.intent is not None for o in inside),
        ),
        by_kind=by_kind,
        by_intent=by_intent,
        confusions=confusions,
        calibration=calibration,
        ece=ece,
        median_ms=statistics.median(ms) if ms else 0.0,
        p95_ms=ms[max(0, math.ceil(0.95 * len(ms)) - 1)] if ms else 0.0,
        near=_rate([o for o in outside if o.item.kind == "near"]),
    )


def _rate(outcomes: Sequence[Outcome]) -> Rate:
    return Rate(sum(o.right for o in outcomes), len(outcomes))


def _calibration(committed: Sequence[Outcome]) -> tuple[Bucket, ...]:
    """The standard buckets, plus one for 0.0-0.5 when a committed reply falls below 0.5."""
    bounds = list(BUCKETS)
    if any(o.confidence < BUCKETS[0][0] for o in committed):
        bounds.insert(0, (0.0, BUCKETS[0][0]))
    out = []
    for n, (low, high) in enumerate(bounds):
        last = n == len(bounds) - 1
        inside = [o for o in committed if low <= o.confidence < high or (last and o.confidence >= high)]
        mean = statistics.fmean(o.confidence for o in inside) if inside else None
        out.append(Bucket(low, high, len(inside), sum(o.right for o in inside), mean))
    return tuple(out)


# ------------------------------------------------------------------ text report


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}%"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool], indent: str = "  ") -> list[str]:
    """Aligned columns: `right[i]` right-aligns column i. The last column is not padded."""
    cells = [list(header), *(list(r) for r in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = []
        for i, cell in enumerate(row):
            if i == len(row) - 1 and not right[i]:
                parts.append(cell)
            else:
                parts.append(cell.rjust(widths[i]) if right[i] else cell.ljust(widths[i]))
        lines.append((indent + "  ".join(parts)).rstrip())
    return lines


def format_report(rep: EvalReport, *, title: str = "", max_misses: int | None = None, max_confusions: int = 10) -> str:
    """The report of `faqbot eval` as plain text (questions cleaned for the terminal)."""
    from .render import clean

    def rate_line(name: str, rate: Rate) -> str:
        return f"  {name:<26}{_pct(rate.share):>7}  ({rate.right}/{rate.total})"

    n_in, n_out = rep.in_scope.total, rep.out_of_scope.total
    lines = [f"{clean(title)}: " if title else ""]
    lines[0] += f"{len(rep.outcomes)} questions ({n_in} in scope, {n_out} out of scope)"
    lines += [
        "",
        rate_line("in-scope accuracy", rep.in_scope),
        rate_line("out-of-scope declined", rep.out_of_scope),
        *([rate_line("  of which near-topic", rep.near)] if rep.near is not None and rep.near.total else []),
        rate_line("clarify rate", rep.clarify),
        rate_line("matcher top-1 (intent)", rep.top1),
        f"  {'latency per question':<26}median {rep.median_ms:.2f} ms, p95 {rep.p95_ms:.2f} ms",
        "",
        "By kind",
        *_table(
            ("kind", "right", "total", "accuracy"),
            [(k, str(r.right), str(r.total), _pct(r.share)) for k, r in rep.by_kind],
            (False, True, True, True),
        ),
    ]
    if rep.by_intent:
        lines += ["", "By intent (lowest first)", *_table(
            ("intent", "right", "total", "accuracy"),
            [(k, str(r.right), str(r.total), _pct(r.share)) for k, r in rep.by_intent],
            (False, True, True, True),
        )]
    lines += ["", "Calibration (replies that commit to an answer)", *_table(
        ("confidence", "count", "right", "accuracy", "mean conf"),
        [
            (b.label, str(b.count), str(b.right), _pct(b.share),
             "-" if b.mean_confidence is None else f"{b.mean_confidence:.2f}")
            for b in rep.calibration
        ],
        (False, True, True, True, True),
    )]
    lines.append("  expected calibration error: " + ("-" if rep.ece is None else f"{rep.ece:.3f}"))
    if rep.confusions:
        shown = rep.confusions[:max_confusions]
        lines += ["", f"Most confused (expected -> got){'' if len(shown) == len(rep.confusions) else f', top {len(shown)}'}",
                  *_table(("count", "expected", "got"), [(str(c.count), c.expected, c.got) for c in shown],
                          (True, False, False))]
    misses = rep.misses
    if misses:
        shown_misses = misses if max_misses is None else misses[:max_misses]
        lines += ["", f"Misses ({len(misses)})", *_table(
            ("line", "kind", "expected", "got", "status", "conf", "top candidate", "question"),
            [
                (str(o.item.line or ""), o.item.kind or "", clean(o.item.expected), o.got, o.status,
                 f"{o.confidence:.2f}", f"{o.top} {o.top_confidence:.2f}" if o.top else "-",
                 clean(" ".join(o.item.q.split())))
                for o in shown_misses
            ],
            (True, False, False, False, False, True, False, False),
        )]
        if len(shown_misses) < len(misses):
            lines.append(f"  ... and {len(misses) - len(shown_misses)} more (see --json)")
    else:
        lines += ["", "No misses."]
    return "\n".join(lines)


# ------------------------------------------------------------------ the command


class Progress:
    """A one-line ``\\r`` counter on a terminal stream, shown once a run has taken
    `after` seconds and redrawn at most every `every` seconds; `close()` erases it."""

    def __init__(self, stream: TextIO, *, after: float = PROGRESS_AFTER, every: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.after = after
        self.every = every
        self.clock = clock
        self.start = clock()
        self.drawn_at: float | None = None
        self.width = 0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.start < self.after and self.drawn_at is None:
            return
        if self.drawn_at is not None and now - self.drawn_at < self.every and done < total:
            return
        text = f"evaluating {done}/{total} ({100 * done // max(total, 1)}%)"
        self.width = max(self.width, len(text))
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.drawn_at = now

    def close(self) -> None:
        if self.drawn_at is not None:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()

"""`faqbot eval`: loading labelled files, scoring, the report, the command — and the
article's quality gate (the CI thresholds of issue 4)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from faqbot import FAQBot, UsageError
from faqbot.cli import main
from faqbot.evaluate import (
    BUCKETS,
    EvalItem,
    Outcome,
    Progress,
    evaluate,
    format_report,
    is_right,
    load_items,
    report,
)
from faqbot.replies import Citation, Reply

from .conftest import ROOT

ARTICLE_EVAL = ROOT / "tests" / "eval" / "article.yaml"
#: The gate set: questions the thresholds were NOT chosen on (they were chosen on
#: article.yaml and blind3.yaml, the tuning sets). See tests/eval/README.md.
GATE_EVAL = ROOT / "tests" / "eval" / "holdout2.yaml"

#: The gate's floors, each at least 2 points under what main measured on the gate set
#: with the example-coinciding questions left out (2026-12-02, end of the third session:
#: in scope 94.8%, out of scope 96.9%, near-topic 95.0%). Do not loosen them to make a
#: change pass.
MIN_ACCURACY = 0.92
MIN_DECLINE = 0.95
MIN_NEAR = 0.93


# ============================================================ THE QUALITY GATE
# faqbot on a held-out labelled set of the article that the thresholds were not tuned
# on, without the questions that are an intent's example word for word (those measure
# a lookup, not the matcher). Do not loosen the floors to make it pass: improve the
# matcher or the knowledge base (without copying eval questions into intents/).


#: The blind gate sets: each written by someone who saw only the article, sealed until
#: measured, then a gate (who wrote each and its first-look figures: tests/eval/README.md).
#: Floors (in scope right, out of scope declined, near-topic declined), each 2 points under
#: what main measured with the example-coinciding questions left out at the end of the fourth
#: 2026-12-02 session (benchmarks/README.md). Raise them as main improves; never lower them.
#: (blind3, blind5, blind6, and since the fourth session blind9 and blind12, were read and
#: tuned on: they are no gates.)
BLIND_GATES = {
    "blind4": (0.85, 0.88, 0.86),
    "blind7": (0.85, 0.91, 0.88),
    "blind8": (0.87, 0.87, 0.84),
    "blind10": (0.83, 0.91, 0.90),
    "blind11": (0.86, 0.89, 0.85),
    "blind13": (0.88, 0.93, 0.91),
    "blind14": (0.86, 0.89, 0.87),
    "blind15": (0.88, 0.91, 0.88),
    "blind16": (0.86, 0.91, 0.88),
    "blind17": (0.88, 0.93, 0.91),
    "blind18": (0.85, 0.90, 0.87),
    "blind19": (0.84, 0.87, 0.82),
    "blind20": (0.85, 0.89, 0.88),
}


@pytest.mark.parametrize(("name", "floors"), BLIND_GATES.items(), ids=list(BLIND_GATES))
def test_quality_gate_blind_sets(bot: FAQBot, name, floors) -> None:
    rep = evaluate(bot, load_items(ARTICLE_EVAL.parent / f"{name}.yaml"), held_out=True)
    accuracy, decline, near = floors
    failures = rep.failures(min_accuracy=accuracy, min_decline=decline, min_near=near)
    worst = "; ".join(f"{o.item.expected} <- {o.item.q!r} got {o.got}" for o in rep.misses[:8])
    assert not failures, f"{'; '.join(failures)}. First misses: {worst}"


def test_quality_gate_held_out_set_meets_the_ci_thresholds(bot: FAQBot) -> None:
    rep = evaluate(bot, load_items(GATE_EVAL), held_out=True)
    assert rep.dropped, "the gate set shares some plain wordings with the examples; they must be left out"
    failures = rep.failures(min_accuracy=MIN_ACCURACY, min_decline=MIN_DECLINE, min_near=MIN_NEAR)
    worst = "; ".join(f"{o.item.expected} <- {o.item.q!r} got {o.got}" for o in rep.misses[:8])
    assert not failures, f"{'; '.join(failures)}. First misses: {worst}"


def test_quality_gate_through_the_command_line(capsys) -> None:
    """The same gate as users run it: `faqbot eval FILE --min-accuracy --min-decline`
    (the whole file, example-coinciding questions included, so at the same floors)."""
    code = main(["eval", str(GATE_EVAL), "--min-accuracy", str(MIN_ACCURACY), "--min-decline", str(MIN_DECLINE)])
    assert code == 0, capsys.readouterr().err


def test_the_held_out_option_leaves_out_exactly_the_example_questions(bot: FAQBot) -> None:
    items = load_items(GATE_EVAL)
    rep = evaluate(bot, items, held_out=True)
    assert len(rep.outcomes) + len(rep.dropped) == len(items)
    assert all(bot.matcher.example_of(i.q) is not None for i in rep.dropped)
    assert all(bot.matcher.example_of(o.item.q) is None for o in rep.outcomes)


# ============================================================ held-out property


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", "", text)
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("eval_file", "frozen_file", "most"),
    [("article.yaml", "overlap.txt", 42), ("holdout2.yaml", "holdout2-overlap.txt", 35)],
)
def test_no_eval_question_is_an_example_question_of_an_intent(bot: FAQBot, eval_file, frozen_file, most) -> None:
    """Guards the held-out property. The few plain wordings that the authors wrote
    independently are frozen beside each set; those lists may only shrink."""
    here = ARTICLE_EVAL.parent
    frozen = {
        line for line in (here / frozen_file).read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    examples = {_norm(q): i.id for i in bot.kb.intents for q in i.questions}
    copied = [
        (it.line, it.q, examples[_norm(it.q)]) for it in load_items(here / eval_file)
        if _norm(it.q) in examples and _norm(it.q) not in frozen
    ]
    assert not copied, (
        f"{len(copied)} held-out eval questions appear (normalized) among the intents' examples; "
        "reword or remove them in intents/ (not in the eval file): "
        + "; ".join(f"line {line}: {q!r} in {intent}" for line, q, intent in copied)
    )
    assert len(frozen) <= most, f"tests/eval/{frozen_file} may only shrink"


def test_the_article_eval_covers_every_answerable_intent_and_enough_declines(bot: FAQBot) -> None:
    items = load_items(ARTICLE_EVAL)
    labelled = {it.intent for it in items if it.intent}
    answerable = {i.id for i in bot.kb.intents if i.kind in ("answer", "smalltalk")}
    assert answerable <= labelled, sorted(answerable - labelled)
    assert sum(it.in_scope for it in items) >= 150
    assert sum(it.oos for it in items) >= 60
    in_kinds = {it.kind for it in items if it.in_scope}
    assert {"canonical", "paraphrase", "typo", "casual", "keyword", "long"} <= in_kinds
    assert {"near", "far"} <= {it.kind for it in items if it.oos}


# ============================================================ loading


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_load_yaml_items_with_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "e.yaml", (
        "# a comment\n"
        "- {q: how much do cats sleep, intent: cat-sleep, kind: canonical}\n"
        "- q: cats nap?\n"
        "  expect_any: [most of the day, purr]\n"
        "- {q: what is the weather, oos: true, kind: far}\n"
    ))
    a, b, c = load_items(path)
    assert (a.q, a.intent, a.kind, a.line, a.expected) == ("how much do cats sleep", "cat-sleep", "canonical", 2, "cat-sleep")
    assert (b.expect_any, b.kind, b.line, b.in_scope) == (("most of the day", "purr"), None, 3, True)
    assert (c.oos, c.in_scope, c.expected, c.line) == (True, False, "oos", 5)


def test_load_json_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "e.jsonl", '{"q": "hi", "intent": "greeting"}\n\n{"q": "weather?", "oos": true, "kind": "far"}\n')
    a, b = load_items(path)
    assert (a.intent, a.line) == ("greeting", 1)
    assert (b.oos, b.kind, b.line) == (True, "far", 3)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("e.yaml", "- {q: hi, intent: a}\n- {q: x, oos: true, intent: a}\n", "e.yaml:2: item 2: needs exactly one of intent, expect_any, oos (got intent, oos)"),
        ("e.yaml", "- {q: hi}\n", "e.yaml:1: item 1: needs exactly one of intent, expect_any, oos (got none)"),
        ("e.yaml", "- {q: '  ', oos: true}\n", "e.yaml:1: item 1: q must be a non-empty question"),
        ("e.yaml", "- {q: hi, oos: false}\n", "e.yaml:1: item 1: oos must be true"),
        ("e.yaml", "- {q: hi, expect_any: []}\n", "e.yaml:1: item 1: expect_any must be a non-empty list"),
        ("e.yaml", "- {q: hi, intent: [a]}\n", "e.yaml:1: item 1: intent must be an intent id"),
        ("e.yaml", "- {q: hi, oos: true, kind: weird}\n", "e.yaml:1: item 1: unknown kind 'weird'"),
        ("e.yaml", "- {q: hi, oos: true, note: x}\n", "e.yaml:1: item 1: unknown key 'note'"),
        ("e.yaml", "- {q: hi, oos: true}\n- just text\n", "e.yaml:2: item 2: expected a mapping with q and a label, not a string"),
        ("e.yaml", "- {q: hi, q: ho, oos: true}\n", "e.yaml:1: YAML error: duplicate key 'q'"),
        ("e.yaml", "- {q: hi, intent: [\n", "e.yaml:2: YAML error:"),
        ("e.yaml", "q: hi\noos: true\n", "e.yaml: expected a YAML list of questions"),
        ("e.yaml", "# nothing\n", "e.yaml: no questions in the file"),
        ("e.yaml", b"- {q: caf\xe9, oos: true}\n", "e.yaml:1: not valid UTF-8"),
        ("e.jsonl", '{"q": "hi", "oos": true}\n{"q": "x", "oos": tru}\n', "e.jsonl:2: not valid JSON"),
        ("e.jsonl", '{"q": "hi", "oos": true}\n["q"]\n', "e.jsonl:2: item 2: expected a mapping"),
    ],
)
def test_malformed_files_give_one_line_naming_file_and_line(tmp_path: Path, name: str, text: str | bytes, message: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(UsageError) as info:
        load_items(path)
    error = str(info.value)
    assert "\n" not in error
    assert error.startswith(str(tmp_path / name) + message.removeprefix(name)), error


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="file not found"):
        load_items(tmp_path / "nope.yaml")


# ============================================================ scoring


QUOTE = Citation("pets", None, 1, 0, 27, "Cats sleep most of the day.")


def reply(status: str, intent: str | None, confidence: float = 0.9, answer: str = "", citations=()) -> Reply:
    return Reply("q", status, intent, confidence, answer, citations=tuple(citations))


@pytest.mark.parametrize(
    ("item", "rep", "right"),
    [
        (EvalItem("q", intent="cat-sleep"), reply("answered", "cat-sleep"), True),
        (EvalItem("q", intent="cat-sleep"), reply("answered", "dog-bark"), False),
        (EvalItem("q", intent="cat-sleep"), reply("clarify", "cat-sleep"), False),
        (EvalItem("q", intent="gap-date"), reply("unknown", "gap-date"), True),  # a gap intent declines
        (EvalItem("q", intent="greeting"), reply("smalltalk", "greeting"), True),
        (EvalItem("q", intent="cat-sleep"), reply("unknown", None, 0.0), False),
        (EvalItem("q", oos=True), reply("unknown", None, 0.0), True),
        (EvalItem("q", oos=True), reply("unknown", "gap-date"), True),
        (EvalItem("q", oos=True), reply("answered", "cat-sleep"), False),
        (EvalItem("q", oos=True), reply("passage", None, citations=[QUOTE]), False),
        (EvalItem("q", oos=True), reply("clarify", None), False),
        (EvalItem("q", expect_any=("MOST of the DAY",)), reply("passage", None, citations=[QUOTE]), True),
        (EvalItem("q", expect_any=("nap", "sleep a lot")), reply("answered", "x", answer="Cats sleep a lot."), True),
        (EvalItem("q", expect_any=("cat's",)), reply("answered", "x", answer="The cat\u2019s bed."), True),
        (EvalItem("q", expect_any=("bark",)), reply("answered", "x", answer="Cats sleep.", citations=[QUOTE]), False),
        # a decline that repeats the question's words is not an answer
        (EvalItem("q", expect_any=("article",)), reply("unknown", None, answer="The article does not answer that."), False),
    ],
)
def test_scoring(item: EvalItem, rep: Reply, right: bool) -> None:
    assert is_right(item, rep) is right


def outcome(item: EvalItem, right: bool, status: str, intent: str | None, confidence: float, ms: float = 1.0,
            top: str | None = "same") -> Outcome:
    top = intent if top == "same" else top
    return Outcome(item, right, status, intent, confidence, ms / 1000, top, confidence if top else 0.0)


@pytest.fixture
def hand_report():
    cat = EvalItem("how much do cats sleep", intent="cat-sleep", kind="canonical", line=1)
    cat_typo = EvalItem("how much do cats slep", intent="cat-sleep", kind="typo", line=2)
    dog = EvalItem("dogs bark at what", intent="dog-bark", kind="casual", line=3)
    dog2 = EvalItem("barking", intent="dog-bark", kind="keyword", line=4)
    far = EvalItem("weather in paris", oos=True, kind="far", line=5)
    near = EvalItem("do cats dream", oos=True, kind="near", line=6)
    outcomes = [
        outcome(cat, True, "answered", "cat-sleep", 0.95, 1.0),
        outcome(cat_typo, True, "answered", "cat-sleep", 0.92, 2.0),
        outcome(dog, False, "answered", "cat-sleep", 0.55, 3.0),
        outcome(dog2, False, "clarify", None, 0.6, 4.0),
        outcome(far, True, "unknown", None, 0.0, 5.0, top="dog-bark"),
        outcome(near, False, "answered", "cat-sleep", 0.58, 100.0),
    ]
    return report(outcomes)


def test_report_figures(hand_report) -> None:
    rep = hand_report
    assert (rep.in_scope.right, rep.in_scope.total) == (2, 4)
    assert (rep.out_of_scope.right, rep.out_of_scope.total) == (1, 2)
    assert (rep.clarify.right, rep.clarify.total) == (1, 6)
    assert (rep.top1.right, rep.top1.total) == (2, 4)  # the matcher's ranking: only the cat items
    assert [(k, r.right, r.total) for k, r in rep.by_kind] == [
        ("canonical", 1, 1), ("typo", 1, 1), ("casual", 0, 1), ("keyword", 0, 1), ("near", 0, 1), ("far", 1, 1),
    ]
    assert [(k, r.share) for k, r in rep.by_intent] == [("dog-bark", 0.0), ("cat-sleep", 1.0)]
    assert [(c.expected, c.got, c.count) for c in rep.confusions] == [
        ("dog-bark", "(clarify)", 1), ("dog-bark", "cat-sleep", 1), ("oos", "cat-sleep", 1),
    ]
    assert [o.item.line for o in rep.misses] == [3, 4, 6]
    assert rep.median_ms == pytest.approx(3.5)
    assert rep.p95_ms == pytest.approx(100.0)


def test_calibration_table_and_ece(hand_report) -> None:
    rep = hand_report
    # committed replies: 0.95 right, 0.92 right, 0.55 wrong, 0.58 wrong (clarify and the decline are not counted)
    assert [(b.low, b.high) for b in rep.calibration] == list(BUCKETS)
    assert [(b.count, b.right) for b in rep.calibration] == [(2, 0), (0, 0), (0, 0), (0, 0), (2, 2)]
    assert rep.calibration[0].mean_confidence == pytest.approx(0.565)
    assert rep.calibration[1].share is None
    # ECE = 2/4 * |0 - 0.565| + 2/4 * |1 - 0.935|
    assert rep.ece == pytest.approx(0.5 * 0.565 + 0.5 * 0.065)


def test_calibration_adds_a_low_bucket_only_when_needed_and_counts_1_0_in_the_top_bucket() -> None:
    item = EvalItem("q", intent="a")
    rep = report([outcome(item, True, "answered", "a", 1.0), outcome(item, False, "passage", None, 0.3)])
    assert [(b.label, b.count, b.right) for b in rep.calibration][0] == ("0.0-0.5", 1, 0)
    assert (rep.calibration[-1].count, rep.calibration[-1].right) == (1, 1)


def test_failures_name_the_missed_threshold(hand_report) -> None:
    assert hand_report.failures() == []
    assert hand_report.failures(min_accuracy=0.5, min_decline=0.5) == []
    assert hand_report.failures(min_accuracy=0.51) == ["in-scope accuracy 0.500 is below --min-accuracy 0.51"]
    only_in = report([outcome(EvalItem("q", intent="a"), True, "answered", "a", 0.9)])
    assert "cannot be measured" in only_in.failures(min_decline=0.9)[0]


def test_text_report_is_aligned_and_lists_misses(hand_report) -> None:
    text = format_report(hand_report, title="pets.yaml")
    assert text.splitlines()[0] == "pets.yaml: 6 questions (4 in scope, 2 out of scope)"
    assert "  in-scope accuracy           50.0%  (2/4)" in text
    assert "  out-of-scope declined       50.0%  (1/2)" in text
    assert "median 3.50 ms, p95 100.00 ms" in text
    assert "  expected calibration error: 0.315" in text
    kind_block = text.split("By kind\n")[1].split("\n\n")[0].splitlines()
    assert kind_block[0] == "  kind       right  total  accuracy"
    assert kind_block[1] == "  canonical      1      1    100.0%"
    assert {len(line) for line in kind_block} == {len(kind_block[0])}
    misses = text.split("Misses (3)\n")[1].splitlines()
    assert misses[0].split() == ["line", "kind", "expected", "got", "status", "conf", "top", "candidate", "question"]
    assert misses[1].split() == [
        "3", "casual", "dog-bark", "cat-sleep", "answered", "0.55", "cat-sleep", "0.55", "dogs", "bark", "at", "what",
    ]
    assert misses[2].split()[:7] == ["4", "keyword", "dog-bark", "(clarify)", "clarify", "0.60", "-"]
    # the question column starts at the same place on every row
    start = misses[0].index("question")
    assert misses[2][start:] == "barking" and misses[3][start:] == "do cats dream"


def test_text_report_cleans_what_users_typed() -> None:
    item = EvalItem("evil \x1b[31mred\x1b[0m\nq", oos=True)
    text = format_report(report([outcome(item, False, "answered", "a", 0.9)]))
    assert "\x1b" not in text and "evil red q" in text


def test_report_to_dict_is_json(hand_report) -> None:
    data = json.loads(json.dumps(hand_report.to_dict()))
    assert data["in_scope"] == {"right": 2, "total": 4, "share": 0.5}
    assert data["by_kind"]["far"] == {"right": 1, "total": 1, "share": 1.0}
    assert data["confusions"][0] == {"expected": "dog-bark", "got": "(clarify)", "count": 1}
    assert data["misses"][0] == {
        "q": "dogs bark at what", "kind": "casual", "expected": "dog-bark", "got": "cat-sleep",
        "status": "answered", "confidence": 0.55, "right": False, "top": "cat-sleep", "top_confidence": 0.55,
        "line": 3,
    }
    assert data["latency_ms"] == {"median": 3.5, "p95": 100.0}
    assert len(data["calibration"]) == 5


# ============================================================ evaluate() on a tiny KB


TINY_EVAL = """\
- {q: how much do cats sleep, intent: cat-sleep, kind: canonical}
- {q: what do dogs bark at, intent: dog-bark, kind: canonical}
- {q: what do dogs bark at, expect_any: [mail carrier], kind: paraphrase}
- {q: how much do cats sleep, intent: dog-bark, kind: canonical}
- {q: explain quantum entanglement simply, oos: true, kind: far}
"""


def test_evaluate_on_a_tiny_kb(make_kb, tmp_path: Path) -> None:
    bot = FAQBot.load(make_kb())
    calls = []
    rep = evaluate(bot, load_items(write(tmp_path, "e.yaml", TINY_EVAL)), progress=lambda d, t: calls.append((d, t)))
    assert [o.right for o in rep.outcomes] == [True, True, True, False, True]
    assert [o.top for o in rep.outcomes[:4]] == ["cat-sleep", "dog-bark", "dog-bark", "cat-sleep"]
    assert (rep.top1.right, rep.top1.total) == (2, 3)
    assert (rep.in_scope.right, rep.in_scope.total, rep.out_of_scope.right) == (3, 4, 1)
    assert [(c.expected, c.got) for c in rep.confusions] == [("dog-bark", "cat-sleep")]
    assert calls == [(n, 5) for n in range(1, 6)]
    assert all(o.seconds >= 0 for o in rep.outcomes)


def test_evaluate_rejects_an_intent_the_kb_does_not_have(make_kb, tmp_path: Path) -> None:
    bot = FAQBot.load(make_kb())
    path = write(tmp_path, "e.yaml", "- {q: hi, oos: true}\n- {q: hi, intent: cat-nap}\n")
    with pytest.raises(UsageError, match=r"e\.yaml:2: intent 'cat-nap' is not in the knowledge base"):
        evaluate(bot, load_items(path))


# ============================================================ the command


def test_cli_text_report_and_exit_codes(make_kb, tmp_path: Path, capsys) -> None:
    kb = str(make_kb())
    path = str(write(tmp_path, "e.yaml", TINY_EVAL))
    assert main(["eval", path, "--kb", kb]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: 5 questions (4 in scope, 1 out of scope)\n")
    assert "Misses (1)" in out and err == ""
    assert main(["eval", path, "--kb", kb, "--min-accuracy", "0.75", "--min-decline", "1"]) == 0
    capsys.readouterr()
    assert main(["eval", path, "--kb", kb, "--min-accuracy", "0.8"]) == 1
    out, err = capsys.readouterr()
    assert err == "faqbot: eval: in-scope accuracy 0.750 is below --min-accuracy 0.8\n"


def test_cli_json_is_one_object(make_kb, tmp_path: Path, capsys) -> None:
    path = str(write(tmp_path, "e.yaml", TINY_EVAL))
    assert main(["eval", path, "--kb", str(make_kb()), "--json", "--min-accuracy", "0.9"]) == 1
    out, _ = capsys.readouterr()
    assert out.count("\n") == 1
    data = json.loads(out)
    assert data["file"] == path and data["questions"] == 5 and data["passed"] is False
    assert data["in_scope"]["share"] == 0.75 and data["out_of_scope"]["share"] == 1.0
    assert data["thresholds"] == {"min_accuracy": 0.9, "min_decline": None}
    assert [m["line"] for m in data["misses"]] == [4]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-accuracy", "95"], "--min-accuracy must be a fraction between 0 and 1, not 95"),
        (["--min-decline", "-0.1"], "--min-decline must be a fraction between 0 and 1"),
    ],
)
def test_cli_bad_threshold_is_exit_2(make_kb, tmp_path: Path, capsys, args, message) -> None:
    path = str(write(tmp_path, "e.yaml", TINY_EVAL))
    assert main(["eval", path, "--kb", str(make_kb()), *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_malformed_file_is_one_line_and_exit_2(make_kb, tmp_path: Path, capsys) -> None:
    path = str(write(tmp_path, "e.yaml", "- {q: hi, oos: true}\n- {q: hi}\n"))
    assert main(["eval", path, "--kb", str(make_kb())]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"faqbot: error: {path}:2: item 2: needs exactly one of intent, expect_any, oos (got none)\n"


# ============================================================ progress


class FakeTTY:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


def test_progress_appears_only_on_long_runs_and_is_erased() -> None:
    now = [0.0]
    stream = FakeTTY()
    progress = Progress(stream, after=0.5, every=0.1, clock=lambda: now[0])  # type: ignore[arg-type]
    progress(1, 100)
    assert stream.text == ""  # a short run shows nothing
    now[0] = 0.6
    progress(2, 100)
    assert stream.text == "\revaluating 2/100 (2%)"
    now[0] = 0.65
    progress(3, 100)  # redrawn at most every 0.1 s
    assert stream.text.count("\r") == 1
    progress(100, 100)  # the last one is always drawn
    assert stream.text.endswith("\revaluating 100/100 (100%)")
    progress.close()
    assert stream.text.endswith("\r" + " " * len("evaluating 100/100 (100%)") + "\r")


def test_progress_on_a_short_run_writes_nothing_at_all() -> None:
    stream = FakeTTY()
    progress = Progress(stream, clock=lambda: 0.0)  # type: ignore[arg-type]
    for n in range(1, 11):
        progress(n, 10)
    progress.close()
    assert stream.text == ""

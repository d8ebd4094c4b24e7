"""`faqbot check`: every error and warning has a fixture knowledge base, and says where."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest

from faqbot import KnowledgeBaseError, UsageError
from faqbot.check import CheckReport, Problem, check
from faqbot.cli import main
from faqbot.knowledge import MAX_FILE_BYTES, load
from faqbot.sources import Source

from .conftest import TINY_SOURCE
from .fixtures import build

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FAQBOT = [sys.executable, "-m", "faqbot"]


def _run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*FAQBOT, *args], input=stdin, capture_output=True, timeout=60)


# ------------------------------------------------------------------ the bundled knowledge base


def test_bundled_kb_has_no_errors_and_reports_its_coverage():
    report = check()
    assert report.ok, [str(p) for p in report.errors]
    assert report.coverage is not None
    assert report.coverage.total >= 15
    assert report.coverage.cited + len(report.coverage.uncited) == report.coverage.total
    assert report.coverage.ratio >= 0.9  # the README states the figure


def test_bundled_kb_check_command_exits_0_with_a_coverage_line():
    result = _run("check")
    assert result.returncode == 0, result.stdout
    out = result.stdout.decode()
    assert re.search(r"^coverage: \d+/\d+ source sentences cited \(\d+%\)$", out, re.M)
    assert re.search(r": 0 errors, \d+ warnings?$", out.splitlines()[-1])


# ------------------------------------------------------------------ one fixture per problem

ERRORS = {
    "error-yaml-syntax": "intents/pets.yaml:12: error: YAML error: did not find expected ',' or ']'",
    "error-unknown-key": "intents/pets.yaml:19: error: intent 'cat-purr': unknown key 'titel' in an intent",
    "error-missing-field": "intents/pets.yaml:61: error: intent 'parrot-words': missing required field 'answer'",
    "error-wrong-type": "intents/pets.yaml:27: error: intent 'cat-purr': field 'answer' must be a non-empty string, "
    "not a list",
    "error-duplicate-id": "intents/pets.yaml:47: error: intent 'dog-bark': duplicate id "
    "(first defined in intents/pets.yaml:32)",
    "error-missing-follow-up": "intents/pets.yaml:45: error: intent 'dog-bark': follow-up to missing intent 'dog-alarms'",
    "error-quote-not-found": "intents/pets.yaml:73: error: intent 'parrot-words': quote is not an exact slice of "
    "source 'pets': 'Parrots can learn hundreds of words.'",
    "error-quote-near-miss": "intents/pets.yaml:59: error: intent 'dog-alarm': quote is not an exact slice of source",
    "error-unknown-source": "intents/pets.yaml:72: error: intent 'parrot-words': citation names unknown source 'birds'",
    "error-missing-source-file": "seeds/pet.txt: error: file not found",
    "error-source-not-utf8": "seeds/pets.txt:2: error: not valid UTF-8",
    "error-no-intents": "intents/: error: the knowledge base has no intents",
    "error-python-tag": "intents/pets.yaml:1: error: YAML error: could not determine a constructor for the tag "
    "'tag:yaml.org,2002:python/object/apply:os.system'",
}

WARNINGS = {
    "warn-draft": ("draft", "intents/pets.yaml:49: warning: intent 'dog-alarm': a draft not yet reviewed"),
    "warn-few-examples": ("few-examples", "intents/pets.yaml:5: warning: intent 'cat-sleep': only 4 example questions"),
    "warn-misassigned-example": (
        "misassigned-example",
        "intents/pets.yaml:69: warning: intent 'parrot-words': example 'why is the dog barking at the mailman' "
        "is matched to intent 'dog-bark'",
    ),
    "warn-near-duplicate": (
        "near-duplicate",
        "intents/pets.yaml:55: warning: intent 'dog-alarm': example 'What do dogs bark at' is the same example as "
        "'What do dogs bark at?' of intent 'dog-bark' (intents/pets.yaml:35)",
    ),
    "warn-unsupported-answer": (
        "unsupported-answer",
        "intents/pets.yaml:70: warning: intent 'parrot-words': the answer shares 0% of its words with its quotes",
    ),
    "warn-uncited-sentence": (
        "uncited-sentence",
        "seeds/pets.txt:5: warning: no intent cites this sentence (paragraph 3): 'Goldfish remember things for months.'",
    ),
}


def test_every_fixture_is_tested_and_up_to_date(tmp_path):
    """The folders on disk are what tests/fixtures/build.py writes, and each is tested here."""
    names = build.write(tmp_path)
    assert sorted(names) == sorted(["valid", *ERRORS, "error-several", *WARNINGS])
    for name in names:
        written = sorted(p.relative_to(tmp_path / name) for p in (tmp_path / name).rglob("*") if p.is_file())
        on_disk = sorted(p.relative_to(FIXTURES / name) for p in (FIXTURES / name).rglob("*") if p.is_file())
        assert on_disk == written, f"run: python tests/fixtures/build.py ({name})"
        for rel in written:
            assert (FIXTURES / name / rel).read_bytes() == (tmp_path / name / rel).read_bytes(), name


def test_the_valid_fixture_has_no_problem_and_full_coverage():
    report = check(FIXTURES / "valid")
    assert report.problems == ()
    assert report.coverage is not None
    assert (report.coverage.cited, report.coverage.total) == (5, 5)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_error_fixture_is_one_error_with_file_line_and_intent(name):
    report = check(FIXTURES / name)
    assert not report.ok
    assert report.coverage is None  # warnings wait for the errors to be fixed
    first = str(report.errors[0])
    assert first.startswith(ERRORS[name]), first
    assert "\n" not in first


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_each_warning_fixture_warns_once_and_exits_0(name):
    code, text = WARNINGS[name]
    report = check(FIXTURES / name)
    assert report.ok
    mine = [p for p in report.warnings if p.code == code]
    assert len(mine) == 1, [str(p) for p in report.warnings]
    assert str(mine[0]).startswith(text), str(mine[0])
    # no other kind of warning, except the matcher's view of an exact duplicate
    others = {p.code for p in report.warnings} - {code}
    assert others <= ({"misassigned-example"} if code == "near-duplicate" else set())


@pytest.mark.parametrize(
    ("example", "duplicate"),
    [
        ("How much do cats sleep", True),  # punctuation and case aside, the same
        ("How much do the cats sleeep?", True),  # an article and a typo
        ("How much do dogs sleep?", False),  # another animal: another question
        ("How often do cats sleep?", False),
        ("How much do cats weigh?", False),
    ],
)
def test_near_duplicates_differ_only_by_typos_case_and_articles(tmp_path, example, duplicate):
    root = tmp_path / "kb"
    shutil.copytree(FIXTURES / "valid", root)
    intents = root / "intents" / "pets.yaml"
    intents.write_text(intents.read_text(encoding="utf-8").replace(
        "      - purpose of a bark\n", f"      - {example}\n"), encoding="utf-8")
    found = [p for p in check(root).warnings if p.code == "near-duplicate"]
    assert bool(found) == duplicate, [str(p) for p in found]
    if duplicate:
        assert found[0].intent == "dog-alarm" and "'How much do cats sleep?' of intent 'cat-sleep'" in found[0].message


def test_several_errors_are_reported_in_one_run():
    report = check(FIXTURES / "error-several")
    messages = [str(p) for p in report.errors]
    assert len(messages) == 3, messages
    assert any("unknown key 'titel'" in m for m in messages)
    assert any("'Parrots can learn hundreds of words.'" in m for m in messages)
    assert any("follow-up to missing intent 'dog-alarms'" in m for m in messages)


def test_a_follow_up_to_an_intent_that_failed_to_load_is_not_a_second_error(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(FIXTURES / "valid", root)
    intents = root / "intents" / "pets.yaml"
    # dog-alarm is broken; dog-bark's follow-up to it must not be reported as "missing"
    intents.write_text(intents.read_text().replace("quote: A dog’s “bark” is its alarm.", "quote: nope"))
    errors: list[KnowledgeBaseError] = []
    kb = load(root, errors=errors)
    assert [e.intent for e in errors] == ["dog-alarm"]
    assert "dog-alarm" not in [i.id for i in kb.intents]


def test_the_loader_still_stops_at_the_first_error_without_a_list():
    with pytest.raises(KnowledgeBaseError, match="unknown key 'titel'"):
        load(FIXTURES / "error-several")


# ------------------------------------------------------------------ near-miss quotes


def test_a_near_miss_quote_error_shows_text_that_can_be_pasted_as_is(tmp_path):
    """Paste the suggested `quote: "..."` over the broken one: the knowledge base loads."""
    report = check(FIXTURES / "error-quote-near-miss")
    message = report.errors[0].message
    assert "differs only in whitespace, quote marks or case" in message
    suggested = message.split("paste the exact source text instead: ", 1)[1]
    assert suggested == 'quote: "A dog’s “bark” is its alarm."'
    root = tmp_path / "kb"
    shutil.copytree(FIXTURES / "error-quote-near-miss", root)
    intents = root / "intents" / "pets.yaml"
    text = intents.read_text(encoding="utf-8")
    broken = next(line for line in text.splitlines() if "quote: 'a dog''s" in line)
    intents.write_text(text.replace(broken.strip(), suggested), encoding="utf-8")
    assert check(root).ok


@pytest.mark.parametrize(
    ("quote", "exact"),
    [
        ("Dogs  bark at the\nmail carrier", "Dogs bark at the mail carrier"),  # whitespace
        ("dogs BARK at the mail carrier", "Dogs bark at the mail carrier"),  # case
        ("A dog's \"bark\" is its alarm.", "A dog’s “bark” is its alarm."),  # quote marks
        ("  They purr when they are happy.  ", "They purr when they are happy."),  # stray spaces
        ("happy.\n\nDogs bark", "happy.\n\nDogs bark"),  # across a paragraph break: kept exact
    ],
)
def test_locate_loosely_finds_the_exact_source_text(quote, exact):
    source = Source.from_text("pets", build.SOURCE)
    found = source.locate_loosely(quote)
    assert found is not None and found.quote == exact
    assert source.text[found.start : found.end] == found.quote


def test_locate_loosely_finds_nothing_for_other_words():
    source = Source.from_text("pets", build.SOURCE)
    assert source.locate_loosely("Dogs bark at the postman") is None
    assert source.locate_loosely("   ") is None


def test_a_near_miss_across_lines_is_suggested_with_escapes_so_the_error_stays_one_line(make_kb):
    kb = make_kb(source="Cats sleep most of the day.\nThey  purr when happy.\n",
                 intents="topic: Pets\nintents:\n  - id: cat-purr\n    questions: [why do cats purr]\n"
                 "    answer: Cats purr when happy.\n    citations:\n      - source: pets\n"
                 "        quote: day. They purr when happy.\n")
    report = check(kb)
    message = str(report.errors[0])
    assert "\n" not in message
    assert message.endswith('quote: "day.\\nThey \\u0020purr when happy."')


# ------------------------------------------------------------------ limits and safety


def test_a_knowledge_base_file_over_the_size_limit_is_refused(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(FIXTURES / "valid", root)
    (root / "intents" / "huge.yaml").write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    report = check(root)
    assert [str(p) for p in report.errors] == [
        f"intents/huge.yaml: error: file is {MAX_FILE_BYTES + 10:,} bytes, over the {MAX_FILE_BYTES:,}-byte "
        "limit for knowledge-base files"
    ]
    result = _run("ask", "why do cats purr", "--kb", str(root))
    assert result.returncode == 2
    assert result.stderr.decode().startswith("faqbot: error: intents/huge.yaml: file is")


@pytest.mark.parametrize("kind", ["fifo", "endless device"])
def test_a_pipe_or_device_in_the_knowledge_base_is_refused_not_waited_on(tmp_path, kind):
    if not hasattr(os, "mkfifo") or not Path("/dev/zero").exists():
        pytest.skip("needs a POSIX system")
    root = tmp_path / "kb"
    shutil.copytree(FIXTURES / "valid", root)
    odd = root / "intents" / "odd.yaml"
    if kind == "fifo":
        os.mkfifo(odd)  # opening it would block until a writer comes
    else:
        odd.symlink_to("/dev/zero")  # size 0, and reading it never ends
    expected = ("intents/odd.yaml: is not a regular file (a device, pipe or socket)" if kind == "fifo" else
                "intents/odd.yaml: is a symbolic link to a place outside the knowledge base; "
                "faqbot reads only files inside it")
    assert str(check(root).errors[0]) == expected.replace(": ", ": error: ", 1)
    for args in (["ask", "hello"], ["chat"]):  # the cache must not read it either
        result = _run(*args, "--kb", str(root))
        assert (result.returncode, result.stderr.decode()) == (2, f"faqbot: error: {expected}\n")


def test_a_python_tag_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    root = tmp_path / "kb"
    shutil.copytree(FIXTURES / "valid", root)
    intents = root / "intents" / "pets.yaml"
    intents.write_text(intents.read_text().replace(
        "topic: Pets\n", f"topic: !!python/object/apply:os.system ['touch {marker}']\n"))
    for args in (["check", "--kb", str(root)], ["ask", "hello", "--kb", str(root)]):
        result = _run(*args)
        assert b"could not determine a constructor for the tag" in result.stdout + result.stderr
        assert not marker.exists()


def test_a_missing_folder_is_a_usage_error_exit_2(tmp_path):
    with pytest.raises(UsageError):
        check(tmp_path / "nowhere")
    result = _run("check", "--kb", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr.decode().startswith("faqbot: error: knowledge base folder not found:")


def test_control_characters_from_a_knowledge_base_never_reach_the_terminal(make_kb):
    kb = make_kb(source=TINY_SOURCE + "Evil \x1b]0;owned\x07 \x1b[2J \u202etext\u202c here.\n")
    text = _run("check", "--kb", str(kb), "--verbose")
    as_json = _run("check", "--kb", str(kb), "--json")
    assert text.returncode == 0, text.stdout
    assert b"Evil" in text.stdout and b"Evil" in as_json.stdout
    for bad in (b"\x1b", b"\x07", "\u202e".encode()):
        assert bad not in text.stdout
        assert bad not in as_json.stdout
    uncited = json.loads(as_json.stdout)["coverage"]["uncited"]
    assert uncited[-1]["text"] == "Evil \x1b]0;owned\x07 \x1b[2J \u202etext\u202c here."  # faithful


# ------------------------------------------------------------------ the command in every mode


def _main(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """The command in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    stdin_stream = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with mock.patch("sys.stdout", out), mock.patch("sys.stderr", err), mock.patch("sys.stdin", stdin_stream):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", sorted([*ERRORS, "error-several"]))
def test_broken_fixtures_exit_1_on_check_and_2_on_ask_and_chat_with_one_line(name):
    kb = str(FIXTURES / name)
    status, out, err = _main("check", "--kb", kb)
    assert (status, err) == (1, "")
    assert out.startswith(str(check(kb).errors[0]))
    status, out, err = _main("check", "--kb", kb, "--json")
    as_json = json.loads(out)
    assert as_json["ok"] is False and as_json["errors"] >= 1 and as_json["coverage"] is None
    # ask's message is check's first error, without the severity
    message = "faqbot: error: " + str(check(kb).errors[0]).replace(": error: ", ": ", 1) + "\n"
    assert _main("ask", "-", "--kb", kb, stdin=b"hello\n") == (2, "", message)
    # the real program, as a user runs it: one line, exit 2, never a traceback
    runs = (["ask", "why do cats purr"], ["chat"])
    with ThreadPoolExecutor(len(runs)) as pool:
        results = list(pool.map(lambda args: _run(*args, "--kb", kb, stdin=b"hello\n"), runs))
    for args, result in zip(runs, results):
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == b""
        assert result.stderr.decode() == message, args


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_warning_fixtures_exit_0_and_still_answer(name):
    kb = str(FIXTURES / name)
    status, out, err = _main("check", "--kb", kb, "--json")
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert report["ok"] is True and report["errors"] == 0 and report["warnings"] >= 1
    assert {p["code"] for p in report["problems"]} >= {WARNINGS[name][0]}
    assert _main("ask", "why do cats purr", "--kb", kb)[0] in (0, 1)


def test_report_records_are_frozen_and_serialise():
    report = check(FIXTURES / "warn-uncited-sentence")
    assert isinstance(report, CheckReport)
    problem = report.problems[0]
    assert isinstance(problem, Problem)
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.message = "x"  # type: ignore[misc]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["coverage"]["uncited"][0] == {
        "source": "pets", "file": "seeds/pets.txt", "line": 5, "paragraph": 3,
        "text": "Goldfish remember things for months.",
    }
    assert data["problems"][0]["severity"] == "warning"


def test_the_examples_are_matched_in_two_processes_exactly_as_in_one():
    # in a fresh process: this one may hold threads (other tests'), and then no fork is made
    script = """
import os
from faqbot.check import _in_two
parent = os.getpid()
found = _in_two(lambda k: (f"i{k}", k / 7, os.getpid()), 1000)
assert [r[:2] for r in found] == [(f"i{k}", k / 7) for k in range(1000)]
assert {r[2] for r in found[:500]} == {parent} and parent not in {r[2] for r in found[500:]}

def fails_in_the_child(k):
    if os.getpid() != parent:
        raise RuntimeError("the child fails")
    return [k]

# whatever goes wrong in the child, the parent does its half itself
assert _in_two(fails_in_the_child, 1000) == [[k] for k in range(1000)]
assert _in_two(lambda k: (k, os.getpid()), 5) == [(k, parent) for k in range(5)]  # too little work
import threading
stop = threading.Event()
threading.Thread(target=stop.wait).start()
assert {r[1] for r in _in_two(lambda k: (k, os.getpid()), 1000)} == {parent}  # another thread: no fork
stop.set()
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == "ok\n", proc.stderr

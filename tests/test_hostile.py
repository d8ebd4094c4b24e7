"""Hostile input: whatever is typed or piped in, faqbot answers or declines, fast,
and nothing from the input reaches the terminal raw, in any output mode."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import io
from unittest import mock

import pytest

from faqbot import FAQBot, cli, render, terminal
from faqbot.bot import MAX_QUESTION_CHARS
from faqbot.replies import STATUSES

FAQBOT = [sys.executable, "-m", "faqbot"]

#: What a terminal acts on: C0 controls but \t \n, DEL, C1 controls, bidi controls, lone surrogates.
TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

MB_LINE = ("what is special order 40 and can the police ask about my papers " * 16_000)[:1_000_000]

HOSTILE = {
    "empty": "",
    "whitespace": " \t \u3000 \u00a0 ",
    "1 MB line": MB_LINE,
    "100,000-character word": "x" * 100_000,
    "NUL and controls": "what\x00 is\x01 special\x7f order\x0b 40\x0c\r",
    "ANSI colour and screen clear": "\x1b[31mwhat is special order 40\x1b[0m\x1b[2J\x1b[H",
    "OSC title and hyperlink": "\x1b]0;pwned\x07who leads the DEA \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "unterminated OSC": "what is the DEA \x1b]52;c;aGVsbG8=",
    "bell and backspace": "is la a sanctuary city\x07\x07\x08\x08\x08\x08\x08 city",
    "C1 CSI": "what is dhs \x9b31m red \x9b0m",
    "bidi overrides": "\u202ewhat is special order 40\u202c \u2066isolate\u2069 \u200f",
    "lone surrogates": "what \ud800 is the \udfff dea",
    "emoji": "🚔🚨 what is special order 40? 👮‍♀️🏳️‍🌈",
    "Arabic (RTL)": "ما هو الأمر الخاص 40؟",
    "Hebrew (RTL) mixed": "מה זה DEA?",
    "combining marks": "wha\u0301t i\u0308s spe\u0301cial orde\u0300r 40",
    "zalgo": "s̷̡̛a̸̢͠n̵̨̛c̶̛̕t̸͘͜u̷͢͝a̸̡̛r̶̢̛y̵̢͘ c̸̢͝ity",
    "fullwidth": "ｗｈａｔ ｉｓ ｓｐｅｃｉａｌ ｏｒｄｅｒ ４０",
    "Chinese": "洛杉矶是庇护城市吗？",
    "Spanish": "¿Qué es la Orden Especial 40?",
    "Russian": "Что такое DEA?",
    "shell": "$(rm -rf ~); `id`; echo $HOME | cat /etc/passwd > /dev/null &",
    "SQL": "'; DROP TABLE intents; -- 1' OR '1'='1",
    "templates": "{{7*7}} ${7*7} {0.__class__} %s %(x)s %n <script>alert(1)</script> {question}",
    "path traversal": "../../../../etc/passwd",
    "line separators": "what is\u2028special order\u2029 40\u0085",
    "BOM and zero-widths": "\ufeffwhat\u200b is\u200d the\u2060 dea",
    "only punctuation": "?!?!... ??? ,,,",
    "very long number": "9" * 5000,
}


@pytest.fixture(scope="module")
def bot() -> FAQBot:
    return FAQBot.load()


def _run(*args: str | bytes, stdin: bytes = b"", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*FAQBOT, *args], input=stdin, capture_output=True, timeout=60,
                          env={**os.environ, **(env or {})})


def _assert_terminal_safe(data: bytes) -> None:
    text = data.decode("utf-8")  # the output is always valid UTF-8
    bad = TERMINAL_UNSAFE.findall(text)
    assert not bad, [hex(ord(c)) for c in bad]


# ------------------------------------------------------------------ the library


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_bot_answers_or_declines_every_hostile_question(bot, name):
    text = HOSTILE[name]
    reply = bot.ask(text)
    assert reply.status in STATUSES
    assert 0.0 <= reply.confidence <= 1.0
    assert reply.question == text  # the reply keeps what was asked, untouched
    assert bot.ask(text) == reply
    if len(text) > MAX_QUESTION_CHARS:
        assert reply.notes == (f"Your question was cut to its first {MAX_QUESTION_CHARS} characters.",)
    for out in (render.to_text(reply), render.to_line(reply), render.to_json(reply)):
        assert not TERMINAL_UNSAFE.search(out)
    assert json.loads(render.to_json(reply))["question"] == text  # faithful, escaped


@pytest.mark.parametrize("name", ["empty", "whitespace", "only punctuation"])
def test_empty_questions_are_declined_with_a_prompt(bot, name):
    reply = bot.ask(HOSTILE[name])
    assert reply.status == "unknown"
    assert reply.suggestions


def test_a_1_mb_line_is_cut_and_answered_fast(bot):
    bot.ask("warm up")
    start = time.perf_counter()
    reply = bot.ask(MB_LINE)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.25, elapsed  # measured: about 2 ms
    assert reply.notes and str(MAX_QUESTION_CHARS) in reply.notes[0]
    head = bot.ask(MB_LINE[:MAX_QUESTION_CHARS])  # what is read of it
    assert (reply.status, reply.intent, reply.confidence) == (head.status, head.intent, head.confidence)


def test_a_100000_character_word_is_answered_fast(bot):
    start = time.perf_counter()
    reply = bot.ask("x" * 100_000)
    assert time.perf_counter() - start < 0.25
    assert reply.status == "unknown"


def test_hostile_text_is_inert(bot):
    """Shell, SQL and template strings are just words: nothing is run or formatted."""
    for name in ("shell", "SQL", "templates"):
        reply = bot.ask(HOSTILE[name])
        assert "49" not in reply.answer and "pwned" not in reply.answer
        assert reply.status in STATUSES


DECORATED = {
    "combining accents": "wha\u0301t i\u0308s spe\u0301cial orde\u0300r 40",
    "fullwidth": "ｗｈａｔ ｉｓ ｓｐｅｃｉａｌ ｏｒｄｅｒ ４０",
    "emoji": "🚔 what is special order 40 🚨",
    "bidi controls": "\u202ewhat is special order 40\u202c\u200f",
    "zero-widths, BOM, soft hyphen": "\ufeffwhat\u200b is\u2060 spe\u00adcial order 40\u200d",
    "ANSI and OSC sequences": "\x1b[31mwhat is special order 40\x1b[0m\x1b]0;title\x07",
    "control characters": "what\x00 is\x01 special\x7f order\x0b 40\r",
    "line separators": "what is\u2028special order\u2029 40\u0085",
}


@pytest.mark.parametrize("name", sorted(DECORATED))
def test_decorations_do_not_change_the_answer(bot, name):
    """Accents, fullwidth letters, emoji, bidi and zero-width marks, escape sequences and
    controls around "what is special order 40" leave the reply exactly as it is."""
    plain = bot.ask("what is special order 40")
    reply = bot.ask(DECORATED[name])
    assert (reply.status, reply.intent, reply.confidence) == (plain.status, plain.intent, plain.confidence)


# ------------------------------------------------------------------ the command line, every output mode


def _main(*args: str) -> tuple[int, str, str]:
    """The command in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with mock.patch("sys.stdout", out), mock.patch("sys.stderr", err):
        status = cli.main(list(args))
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_ask_never_crashes_and_never_echoes_raw_controls(name):
    """Every hostile question as the QUESTION argument, in text (with --explain) and JSON mode."""
    text = HOSTILE[name]
    for fmt in ("--explain", "--json"):
        status, out, err = _main("ask", text, fmt)
        assert status in (0, 1) and err == ""
        assert not TERMINAL_UNSAFE.search(out)
    if not re.search("[\ud800-\udfff]", text):  # lone surrogates are replaced, see below
        assert json.loads(out)["question"] == text


def test_the_real_program_echoes_nothing_raw_either():
    for text in (HOSTILE["ANSI colour and screen clear"], HOSTILE["OSC title and hyperlink"],
                 HOSTILE["bidi overrides"], HOSTILE["bell and backspace"], HOSTILE["C1 CSI"]):
        for fmt in ("--explain", "--json"):
            result = _run("ask", text, fmt)
            assert result.returncode in (0, 1) and result.stderr == b""
            _assert_terminal_safe(result.stdout)


def test_batch_mode_answers_every_line_in_both_formats_and_escapes_everything():
    names = sorted(HOSTILE)
    lines = [HOSTILE[n].replace("\n", " ").encode("utf-8", "surrogatepass") for n in names]
    lines += [b"\xff\xfe invalid utf-8 \xc3\x28 what is special order 40", b"\xed\xa0\x80 encoded surrogate"]
    stdin = b"\n".join(lines) + b"\n"
    for fmt in ([], ["--json"]):
        start = time.perf_counter()
        result = _run("ask", "-", *fmt, stdin=stdin)
        elapsed = time.perf_counter() - start
        assert result.returncode == 0, result.stderr
        assert result.stderr == b""
        assert result.stdout.count(b"\n") == len(lines)
        _assert_terminal_safe(result.stdout)
        assert elapsed < 5, elapsed  # 1 MB in all: the answers take milliseconds
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert replies[-2]["question"].startswith("\ufffd\ufffd invalid utf-8 \ufffd(")
    assert replies[names.index("1 MB line")]["notes"]


def test_a_1_mb_line_on_stdin_is_answered_fast():
    result = _run("ask", "-", "--json", stdin=MB_LINE.encode() + b"\n")
    reply = json.loads(result.stdout)
    assert len(reply["question"]) == 1_000_000  # faithful to the input
    assert reply["notes"] == [f"Your question was cut to its first {MAX_QUESTION_CHARS} characters."]


def test_lone_surrogates_from_argv_become_replacement_characters():
    # bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape)
    result = subprocess.run([*FAQBOT, "ask", b"\xed\xa0\x80 what is special order 40 \xff", "--json"],
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["question"] == "\ufffd\ufffd\ufffd what is special order 40 \ufffd"
    assert reply["status"] in STATUSES


def test_nul_in_a_piped_question_is_escaped_in_json_and_replaced_in_text():
    for fmt, expect in (([], "\ufffd".encode()), (["--json"], b"\\u0000")):
        result = _run("ask", "-", *fmt, stdin=b"what is\x00 special order 40\n")
        assert result.returncode == 0
        assert b"\x00" not in result.stdout
        if fmt:
            assert expect in result.stdout


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_that_is_not_utf8_gets_question_marks_not_a_crash(encoding):
    for fmt in ([], ["--json"]):
        result = _run("ask", "What is Special Order 40?", *fmt, env={"PYTHONIOENCODING": encoding})
        assert result.returncode == 0, result.stderr
        assert b"Special Order 40" in result.stdout


def test_error_messages_neutralise_the_input_too():
    hostile = "\x1b[31m\x1b]0;pwned\x07\u202e\x08dir"
    for args in (["ask", "q", "--kb", hostile], ["ask", f"--bogus{hostile}", "q"], ["eval", hostile],
                 ["check", "--kb", hostile]):
        result = _run(*args)
        assert result.returncode == 2, args
        assert result.stdout == b""
        assert result.stderr.startswith(b"faqbot: error: ")
        assert result.stderr.count(b"\n") == 1
        _assert_terminal_safe(result.stderr)


def test_an_empty_stdin_is_no_output_and_exit_0():
    # (a directory as stdin is refused by the Python interpreter itself, before faqbot runs)
    result = subprocess.run([*FAQBOT, "ask", "-"], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def test_output_to_a_closed_pipe_is_quiet():
    proc = subprocess.Popen([*FAQBOT, "ask", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # type: ignore[union-attr]  # like `faqbot ask - | head -0`
    _, err = proc.communicate(b"what is special order 40\n" * 2000, timeout=60)
    assert b"Traceback" not in err
    assert proc.returncode == 0


def test_an_endless_line_on_stdin_is_cut_and_memory_stays_bounded():
    """`faqbot ask - < /dev/zero`-like input: a 20 MB line without a newline."""
    stdin = b"what is special order 40\n" + b"\x00" * 20_000_000 + b"\nhello\n"
    start = time.perf_counter()
    result = _run("ask", "-", "--json", stdin=stdin)
    assert time.perf_counter() - start < 10
    assert result.returncode == 0 and result.stderr == b""
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(replies) == 3 and replies[1]["status"] == "unknown"
    assert len(replies[1]["question"]) == terminal.MAX_LINE_BYTES  # cut, not 20 MB in memory and out
    assert len(result.stdout) < 8 * terminal.MAX_LINE_BYTES


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"abcdefghij\nxy\n", [b"abcd", b"xy\n"]),  # the rest of a long line is skipped
        (b"abc\nabcd\nabcd", [b"abc\n", b"abcd", b"abcd"]),  # exactly the limit: nothing lost
        (b"abcdefgh", [b"abcd"]),
        (b"", []),
    ],
)
def test_read_lines_cuts_each_line_to_the_limit(data, lines):
    assert list(terminal.read_lines(io.BytesIO(data), limit=4)) == lines


def test_the_chat_transcript_takes_every_hostile_line_and_prints_nothing_raw():
    lines = [HOSTILE[n].replace("\n", " ").encode("utf-8", "surrogatepass") for n in sorted(HOSTILE)]
    stdin = b"\n".join([*lines, b"\xff\xfe invalid utf-8", b"\x00" * 3_000_000, b"what is special order 40"]) + b"\n"
    result = _run("chat", stdin=stdin)
    assert result.returncode == 0, result.stderr[-500:]
    assert b"Traceback" not in result.stderr
    _assert_terminal_safe(result.stdout)
    _assert_terminal_safe(result.stderr)
    assert result.stdout.count(b"Special Order 40") >= 2
    assert len(result.stdout) < 20 * terminal.MAX_LINE_BYTES

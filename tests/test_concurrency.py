"""No lost data, safe concurrency: threads share a bot, sessions share nothing, the
unanswered log takes whole lines from many processes at once, files are user-only."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from faqbot import FAQBot
from faqbot.replies import Reply
from faqbot.unanswered import UnansweredLog

ROOT = Path(__file__).resolve().parent.parent
FAQBOT = [sys.executable, "-m", "faqbot"]


BOT_FOR_CANDIDATES = FAQBot.load()
UNKNOWN = "zzqx blorf wibble"  # no word of it is in the knowledge base


@pytest.fixture(scope="module")
def bot() -> FAQBot:
    return BOT_FOR_CANDIDATES


def _questions() -> list[str]:
    items = yaml.safe_load((ROOT / "tests" / "eval" / "article.yaml").read_text(encoding="utf-8"))
    qs = [item["q"] for item in items]
    return qs + ["", "   ", "x" * 5000, "\x1b[31mwhat is so 40", "who won the game", "what is dea", "2"]


def _snapshot(reply: Reply) -> str:
    return json.dumps(reply.to_dict(explain=True), sort_keys=True)


# ------------------------------------------------------------------ threads


def test_many_threads_asking_one_bot_get_the_sequential_answers(bot):
    questions = _questions() * 2
    sequential = [_snapshot(bot.ask(q)) for q in questions]
    start = threading.Barrier(16)

    def ask(q: str) -> str:
        return _snapshot(bot.ask(q))

    def warm(_: int) -> None:
        start.wait(timeout=30)  # all 16 workers exist and run at once

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(warm, range(16)))
        threaded = list(pool.map(ask, questions))
    assert threaded == sequential


SCRIPTS = [
    ["What is Special Order 40?", "are there any exceptions?", "1", "why?"],
    ["who leads the DEA in LA?", "and what did they announce?", "tell me more", "2"],
    ["is la a sanctuary city", "when was it adopted", "thanks"],
    ["what is the weather", "what can you do", "1", "what does that mean?"],
    ["what is dhs", "and ice?", "and cbp?", "bye"],
]


def _converse(bot: FAQBot, script: list[str]) -> list[str]:
    session = bot.session()
    return [_snapshot(session.ask(q)) for q in script]


def test_sessions_in_threads_never_see_each_others_turns(bot):
    expected = [_converse(bot, s) for s in SCRIPTS]
    scripts = SCRIPTS * 4
    with ThreadPoolExecutor(max_workers=len(scripts)) as pool:
        got = list(pool.map(lambda s: _converse(bot, s), scripts))
    assert got == expected * 4


def test_interleaved_sessions_keep_their_own_context(bot):
    """Turn by turn, round robin, in one thread: what one session is told does not leak."""
    expected = [_converse(bot, s) for s in SCRIPTS]
    sessions = [bot.session() for _ in SCRIPTS]
    got: list[list[str]] = [[] for _ in SCRIPTS]
    for turn in range(max(len(s) for s in SCRIPTS)):
        for n, script in enumerate(SCRIPTS):
            if turn < len(script):
                got[n].append(_snapshot(sessions[n].ask(script[turn])))
    assert got == expected
    # and the context really is used: the second turn depends on the first
    assert json.loads(expected[0][1])["intent"] == "lapd-ice-exceptions"


# ------------------------------------------------------------------ the unanswered log


def _reply(question: str, status: str) -> Reply:
    return Reply(question, status, None, 0.3, "...", candidates=tuple(BOT_FOR_CANDIDATES.matcher.match("what is dea")))


def test_the_log_records_clarify_and_unknown_only(tmp_path):
    log = UnansweredLog(tmp_path / "log.jsonl")
    assert log.record(_reply("who won the game", "unknown")) is True
    assert log.record(_reply("what is it", "clarify")) is True
    for status in ("answered", "smalltalk", "passage"):
        assert log.record(_reply("What is Special Order 40?", status)) is False
    assert log.record(_reply("   ", "unknown")) is False  # nothing was asked
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert set(record) == {"timestamp", "question", "status", "intent", "candidates"}
    assert (record["question"], record["status"]) == ("who won the game", "unknown")
    assert record["timestamp"].endswith("+00:00")
    assert 1 <= len(record["candidates"]) <= 3
    assert all(set(c) == {"intent", "confidence", "example"} for c in record["candidates"])
    assert json.loads(lines[1])["status"] == "clarify"
    assert log.warning is None


def test_the_log_is_created_user_only_and_appended_not_truncated(bot, tmp_path):
    path = tmp_path / "log.jsonl"
    old = os.umask(0)
    try:
        UnansweredLog(path).record(bot.ask(UNKNOWN))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    UnansweredLog(path).record(bot.ask(UNKNOWN + " again"))
    assert len(path.read_text().splitlines()) == 2


def test_a_log_that_cannot_be_written_warns_once_and_never_raises(bot, tmp_path):
    log = UnansweredLog(tmp_path)  # a directory: every write fails
    for _ in range(3):
        assert log.record(bot.ask(UNKNOWN)) is False
    assert log.warning is not None and "cannot write to the unanswered-questions log" in log.warning
    assert log.take_warning() == log.warning
    assert log.take_warning() is None


_WRITER = """
import sys
from faqbot.replies import Reply
from faqbot.unanswered import UnansweredLog
log = UnansweredLog(sys.argv[1])
tag = sys.argv[2]
for n in range(int(sys.argv[3])):
    assert log.record(Reply(f"{tag}-{n} " + "é" * 900, "unknown", None, 0.0, "no"))
"""


def test_processes_writing_at_once_never_interleave_lines(tmp_path):
    path = tmp_path / "log.jsonl"
    per, procs = 300, 6
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), f"p{n}", str(per)])
        for n in range(procs)
    ]
    assert [w.wait(timeout=60) for w in writers] == [0] * procs
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    records = [json.loads(line) for line in lines[:-1]]  # every line whole
    assert len(records) == per * procs
    for n in range(procs):
        mine = [int(r["question"].split(" ")[0].split("-")[1]) for r in records if r["question"].startswith(f"p{n}-")]
        assert mine == list(range(per))  # each writer's lines in its own order, none lost


def test_threads_writing_at_once_never_interleave_lines(tmp_path):
    path = tmp_path / "log.jsonl"
    log = UnansweredLog(path)

    def write(n: int) -> None:
        for k in range(100):
            log.record(Reply(f"t{n}-{k} " + "x" * 900, "clarify", None, 0.5, "which?"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 800
    assert log.warning is None


def test_ask_logs_unanswered_questions_in_single_and_batch_mode(tmp_path):
    path = tmp_path / "log.jsonl"
    single = subprocess.run([*FAQBOT, "ask", UNKNOWN, "--log-unanswered", str(path)],
                            capture_output=True, timeout=60)
    assert single.returncode == 1
    batch = subprocess.run([*FAQBOT, "ask", "-", "--json", "--log-unanswered", str(path)],
                           input=b"what is special order 40\nqwxz plonk\n\n\xff bad bytes?\n",
                           capture_output=True, timeout=60)
    assert batch.returncode == 0 and batch.stderr == b""
    replies = [json.loads(line) for line in batch.stdout.splitlines()]
    assert len(replies) == 4
    unanswered = [r["question"] for r in replies if r["status"] in ("clarify", "unknown") and r["question"].strip()]
    logged = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["question"] for r in logged] == [UNKNOWN, *unanswered]  # those, and only those
    assert "qwxz plonk" in unanswered


def test_ask_with_an_unwritable_log_warns_once_and_answers_everything(tmp_path):
    result = subprocess.run([*FAQBOT, "ask", "-", "--log-unanswered", str(tmp_path / "no" / "such" / "dir.jsonl")],
                            input=b"zzqx one\nzzqx two\nzzqx three\n",
                            capture_output=True, timeout=60)
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 3
    err = result.stderr.decode().splitlines()
    assert len(err) == 1 and err[0].startswith("faqbot: warning: cannot write to the unanswered-questions log")


def test_chat_history_is_created_user_only(tmp_path):
    chat = pytest.importorskip("faqbot.chat")
    opener = getattr(chat, "_open_history", None)
    if opener is None:
        pytest.skip("the chat keeps no history file")
    path = tmp_path / "state" / "faqbot" / "history"
    old = os.umask(0)
    try:
        _, warning = opener(path)
    finally:
        os.umask(old)
    assert warning is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_chat_logs_unanswered_questions_and_warns_once_when_it_cannot(tmp_path):
    path = tmp_path / "chat.jsonl"
    ok = subprocess.run([*FAQBOT, "chat", "--log-unanswered", str(path)], input=f"{UNKNOWN}\nwhat is so 40\n".encode(),
                        capture_output=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert records[0]["question"] == UNKNOWN
    assert all(r["status"] in ("clarify", "unknown") for r in records)
    bad = subprocess.run([*FAQBOT, "chat", "--log-unanswered", str(tmp_path / "no" / "dir.jsonl")],
                         input=f"{UNKNOWN}\nzzqx two\nzzqx three\n".encode(), capture_output=True, timeout=60)
    assert bad.returncode == 0
    assert (bad.stdout + bad.stderr).decode().count("cannot write to the unanswered-questions log") == 1

"""`faqbot review`: unanswered questions grouped, biggest first, each with a proposal; nothing changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from faqbot import UsageError
from faqbot.review import review
from faqbot.scaffold import scaffold

from .test_scaffold import _private_cache  # noqa: F401 - the autouse fixture: a cache of each test's own
from .test_scaffold import kb_dir as kb  # noqa: F401 - the Riverton article's drafted knowledge base


def _log(path: Path, *questions: str, intent: str | None = None, candidates: list[dict] | None = None) -> Path:
    with path.open("a", encoding="utf-8") as f:
        for q in questions:
            f.write(json.dumps({"timestamp": "2026-12-01T00:00:00+00:00", "question": q, "status": "unknown",
                                "intent": intent, "candidates": candidates or []}) + "\n")
    return path


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_groups_biggest_first_with_a_proposal_each(kb, tmp_path):
    log = _log(tmp_path / "log.jsonl",
               "who won the game", "Who won the game last night?", "who won the game",
               "when is the meeting",
               "What did the mayor say about parking fines?", "what did the mayor say about parking fines",
               "how much does the pilot cost", "how much will the pilot cost in total")
    before = _snapshot(kb)
    result = review(log, kb=kb)
    assert _snapshot(kb) == before  # nothing in the knowledge base changed
    assert result.read == 8
    counts = [g.count for g in result.groups]
    assert counts == sorted(counts, reverse=True) and sum(counts) == 8
    by_first = {g.questions[0][0]: g for g in result.groups}
    game = by_first["who won the game"]
    assert game.count == 3 and game.action == "new_gap" and game.intent.startswith("not-stated-")
    assert [q for q, _ in game.questions] == ["who won the game", "Who won the game last night?"]
    assert by_first["how much does the pilot cost"].action == "add_to"
    assert by_first["how much does the pilot cost"].intent == "cost-and-staffing"
    meeting = by_first["when is the meeting"]  # the intent, or else the sentence, that says when it is
    from faqbot import knowledge

    if meeting.action == "add_to":
        quotes = [c.quote for c in knowledge.load(kb).intent(meeting.intent).citations]
    else:
        assert meeting.action == "new_answer" and meeting.source == "riverton-library-late-hours"
        quotes = [meeting.quote]
    assert any("public meeting on May 14" in q for q in quotes), (meeting.action, meeting.intent)


def test_a_sentence_that_answers_becomes_a_new_intent_citing_it(tmp_path):
    text = ("# Parks\n\nThe city opened a new park in the north of the town.\n\n"
            "The pond holds ducks and geese. Children feed them bread. Nobody minds the noise. "
            "A public meeting about the playground is on May 14 at noon.\n")
    article = tmp_path / "parks.md"
    article.write_text(text, encoding="utf-8")
    kb = scaffold(article, tmp_path / "kb")
    (group,) = review(_log(tmp_path / "log.jsonl", "when is the public meeting about the playground"), kb=kb).groups
    assert group.action == "new_answer", group
    assert group.quote == "A public meeting about the playground is on May 14 at noon." and group.source == "parks"
    # pasted into an intents file, the proposed intent loads: its quote is an exact slice of the article
    (new,) = yaml.safe_load(review(tmp_path / "log.jsonl", kb=kb).to_yaml())
    (kb / "intents" / "from-review.yaml").write_text(
        yaml.safe_dump({"topic": "Review", "intents": [new["new_intent"]]}), encoding="utf-8")
    from faqbot import knowledge

    loaded = knowledge.load(kb).intent(new["new_intent"]["id"])
    assert loaded.kind == "answer" and loaded.citations[0].quote == group.quote


def test_same_log_same_review(kb, tmp_path):
    log = _log(tmp_path / "log.jsonl", "b question about zebras", "a question about zebras", "weather today?")
    assert review(log, kb=kb) == review(log, kb=kb)
    assert review(log, kb=kb).to_yaml() == review(log, kb=kb).to_yaml()


def test_the_patch_is_yaml_an_author_can_paste(kb, tmp_path):
    log = _log(tmp_path / "log.jsonl", "who won the game", "how much does the pilot cost")
    patch = yaml.safe_load(review(log, kb=kb).to_yaml())
    assert [sorted(g) for g in patch] == [["add_to", "confidence", "count", "questions"], ["count", "new_intent"]]
    assert patch[0]["add_to"] == "cost-and-staffing" and patch[0]["questions"] == ["how much does the pilot cost"]
    gap = patch[1]["new_intent"]
    assert gap["kind"] == "gap" and gap["review"] is True and gap["questions"] == ["who won the game"]
    assert "does not say" in gap["answer"]


def test_without_a_knowledge_base_the_log_candidates_decide(tmp_path):
    log = _log(tmp_path / "log.jsonl", "whats the sanctuary law", "what is the sanctuary law",
               candidates=[{"intent": "sanctuary-ordinance", "confidence": 0.41, "example": "x"}])
    _log(log, "why did the author write this", intent="author-and-date")
    result = review(log)
    assert [(g.count, g.action, g.intent) for g in result.groups] == [
        (2, "add_to", "sanctuary-ordinance"), (1, "add_to", "author-and-date")]


def test_bad_lines_are_counted_and_skipped(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text('not json\n{"question": 3}\n\n{"question": "  "}\n' + json.dumps({"question": "who won"}) + "\n"
                   + '{"question": "cut off', encoding="utf-8")
    result = review(log)
    assert (result.read, result.skipped) == (1, 4)


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "missing.jsonl", "log not found"),
    (lambda p: p, "is not a regular file"),
])
def test_unreadable_logs_are_refused(tmp_path, make, message):
    with pytest.raises(UsageError, match=message):
        review(make(tmp_path))


def _faqbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "faqbot", *args], capture_output=True, text=True, timeout=60,
                          env=env, cwd=tmp_path)


def test_cli_shows_groups_and_writes_the_patch_once(kb, tmp_path):
    ask = subprocess.run([sys.executable, "-m", "faqbot", "ask", "--kb", str(kb), "--log-unanswered", "log.jsonl", "-"],
                         input="who won the game\nwho won the game last night\nwhat is the capital of peru\n",
                         capture_output=True, text=True, cwd=tmp_path, timeout=60,
                         env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert ask.returncode == 0
    result = _faqbot(tmp_path, "review", "log.jsonl", "--kb", str(kb), "--out", "patch.yaml")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "3 unanswered questions in 2 groups (biggest first), from log.jsonl:"
    assert lines[1].startswith("  1.   2×  new “not stated” intent 'not-stated-won-game'")
    assert lines[-1].startswith("Proposals written to patch.yaml")
    assert len(yaml.safe_load((tmp_path / "patch.yaml").read_text(encoding="utf-8"))) == 2
    again = _faqbot(tmp_path, "review", "log.jsonl", "--out", "patch.yaml")
    assert (again.returncode, again.stderr) == (2, "faqbot: error: patch.yaml already exists; not overwriting it\n")
    as_json = json.loads(_faqbot(tmp_path, "review", "log.jsonl", "--json").stdout)
    assert as_json["questions"] == 3 and [g["count"] for g in as_json["groups"]] == [2, 1]
    missing = _faqbot(tmp_path, "review", "nope.jsonl")
    assert (missing.returncode, missing.stderr) == (2, "faqbot: error: log not found: nope.jsonl\n")

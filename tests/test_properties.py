"""Invariants on any text (Hypothesis): no exception, confidence in [0, 1], the same
input gives the same output, batch mode writes one line per line read, and nothing
a terminal would act on is printed."""

from __future__ import annotations

import io
import json
import re
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faqbot import FAQBot, Matcher, cli, render
from faqbot.replies import STATUSES
from faqbot.unanswered import MAX_LOGGED_CHARS, UnansweredLog

BOT = FAQBot.load()
MATCHER = BOT.matcher
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

# Any text at all (surrogates and controls included), and text made of the
# knowledge base's own words with noise, which reaches the scoring code paths.
any_text = st.text(max_size=300)
vocabulary = sorted({w for i in BOT.intents for q in i.questions for w in q.split()})
kb_like = st.lists(
    st.one_of(st.sampled_from(vocabulary), st.text(min_size=1, max_size=8)), max_size=25
).map(" ".join)
questions = st.one_of(any_text, kb_like)


@FAST
@given(questions)
def test_matcher_ranks_any_text_within_bounds_and_deterministically(text):
    found = MATCHER.match(text, limit=5)
    assert len(found) <= 5
    assert len({m.intent for m in found}) == len(found)
    assert all(0.0 <= m.confidence <= 1.0 for m in found)
    assert [m.confidence for m in found] == sorted((m.confidence for m in found), reverse=True)
    assert all(m.intent in MATCHER.intents for m in found)
    assert MATCHER.match(text, limit=5) == found
    best = MATCHER.best(text)
    assert best == (found[0] if found else None)


@FAST
@given(st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True),
                       st.lists(st.text(max_size=40), min_size=1, max_size=4), min_size=1, max_size=5),
       any_text)
def test_a_matcher_built_from_any_examples_never_raises(examples, text):
    matcher = Matcher(examples)
    found = matcher.match(text, limit=None)
    assert all(0.0 <= m.confidence <= 1.0 and m.intent in examples for m in found)
    assert matcher.match(text, limit=None) == found


@FAST
@given(questions)
def test_the_bot_replies_to_any_text_deterministically(text):
    reply = BOT.ask(text)
    assert reply.status in STATUSES
    assert 0.0 <= reply.confidence <= 1.0
    assert reply.question == text
    if reply.status in ("answered", "smalltalk"):
        assert reply.intent is not None
    again = BOT.ask(text)
    assert again == reply and again.to_dict() == reply.to_dict()


@FAST
@given(questions)
def test_every_rendering_is_terminal_safe_and_json_is_faithful(text):
    reply = BOT.ask(text)
    for out in (render.to_text(reply), render.to_line(reply), render.explain(reply), render.to_json(reply)):
        assert not TERMINAL_UNSAFE.search(out)
    line = render.to_json(reply)
    assert "\n" not in line
    assert json.loads(line)["question"] == text
    assert "\n" not in render.to_line(reply)


@FAST
@given(st.lists(st.one_of(any_text, kb_like).map(lambda s: s.replace("\n", " ")), max_size=8),
       st.booleans())
def test_batch_mode_writes_exactly_one_line_per_line_read(lines, as_json):
    data = "\n".join(lines) + ("\n" if lines else "")
    stdin = io.TextIOWrapper(io.BytesIO(data.encode("utf-8", "surrogatepass")), encoding="utf-8")
    stdout = io.StringIO()
    with mock.patch.object(cli, "_load", return_value=BOT), \
            mock.patch("sys.stdin", stdin), mock.patch("sys.stdout", stdout):
        assert cli.main(["ask", "-", *(["--json"] if as_json else [])]) == 0
    out = stdout.getvalue()
    # lines are split where the input is: at "\n" only ("\r" ends nothing on its own)
    expected = data.encode("utf-8", "surrogatepass").count(b"\n")
    assert out.count("\n") == expected
    assert not TERMINAL_UNSAFE.search(out)
    if as_json:
        for line in out.split("\n")[:-1]:  # not splitlines(): U+2028 may stay raw in JSON
            assert json.loads(line)["status"] in STATUSES


@FAST
@given(questions)
def test_an_unanswered_log_line_is_one_ascii_json_line_for_any_question(text):
    reply = BOT.ask(text)
    line = UnansweredLog("/nonexistent").line(reply)
    assert line.endswith("\n") and line.count("\n") == 1 and line.isascii()
    record = json.loads(line)
    assert record["question"] == text[:MAX_LOGGED_CHARS]
    assert record["status"] == reply.status


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_the_ascii_fast_path_of_normalize_folds_as_the_general_one(text: str) -> None:
    from faqbot.text import _TRANSLATE, _fold

    if "\x1b" not in text:
        assert text.translate(_TRANSLATE).lower() == _fold(text)

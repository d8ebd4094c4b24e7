"""`Session.state()` and ``Session(bot, state=...)``: a conversation saved after any
turn and restored (possibly in another process) goes on exactly as if it had never
stopped. This is what lets `faqbot serve` keep nothing in memory between requests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faqbot import FAQBot, Reply, SessionStateError, Thresholds
from faqbot.session import Session

DIALOGUES = sorted((Path(__file__).parent / "dialogues").glob("*.yaml"))


def _turns(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["turns"]


def _everything(replies: list[Reply]) -> list[dict[str, Any]]:
    return [r.to_dict(explain=True) for r in replies]


def _restored(bot: FAQBot, session: Session) -> Session:
    """A new session from `session`'s state, sent through JSON as a server would."""
    return bot.session(state=json.loads(json.dumps(session.state())))


@pytest.mark.parametrize("path", DIALOGUES, ids=[p.stem for p in DIALOGUES])
def test_a_dialogue_restored_at_every_turn_gives_the_same_replies(path: Path, bot: FAQBot) -> None:
    bot = FAQBot(bot.kb)  # our own: turns may change its thresholds
    whole, pieces = bot.session(), bot.session()
    for n, turn in enumerate(_turns(path), 1):
        if turn.get("reset"):
            whole.reset()
            pieces.reset()
            continue
        bot.thresholds = Thresholds(**turn.get("thresholds", {}))
        pieces = _restored(bot, pieces)
        expected, got = whole.ask_all(turn["say"]), pieces.ask_all(turn["say"])
        assert _everything(got) == _everything(expected), f"{path.name} turn {n} {turn['say']!r}"
        assert pieces.state() == whole.state()


def test_the_dialogues_cover_what_a_state_carries(bot: FAQBot) -> None:
    """The replay above would prove little if no turn depended on the saved state."""
    seen: dict[str, bool] = {"context": False, "offered": False, "visited": False, "clarify": False}
    for path in DIALOGUES:
        session = bot.session()
        for turn in _turns(path):
            if turn.get("reset"):
                session.reset()
                continue
            session.ask_all(turn["say"])
            state = session.state()
            seen["context"] |= state["context"] is not None
            seen["offered"] |= bool(state["offered"])
            seen["visited"] |= len(state["visited"]) > 1
            seen["clarify"] |= state["clarify"]
    assert all(seen.values()), seen


def test_state_is_small_plain_json(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What is Special Order 40?")
    session.ask("are there any exceptions?")
    state = session.state()
    assert state["v"] == 1
    assert state["context"] == "lapd-ice-exceptions"
    assert state["visited"] == ["lapd-ice-exceptions", "special-order-40"]
    assert state["clarify"] is False
    assert [s["intent"] for s in state["offered"]] == [s.intent for s in session.offered]
    assert json.loads(json.dumps(state)) == state
    assert len(json.dumps(state)) < 1000


def test_a_fresh_state_restores_a_fresh_session(bot: FAQBot) -> None:
    state = bot.session().state()
    assert state == {"v": 1, "context": None, "offered": state["offered"], "visited": [], "clarify": False}
    restored = Session(bot, state=state)
    assert restored.offered == bot.session().offered and restored.context is None


def test_a_follow_up_works_after_a_restore(bot: FAQBot) -> None:
    first = bot.session()
    first.ask("What is Special Order 40?")
    later = bot.session(state=first.state())
    reply = later.ask("are there any exceptions?")
    assert reply.intent == "lapd-ice-exceptions" and "follow-up to 'special-order-40'" in reply.reason
    assert later.history == (reply,)  # the history is not part of the state


def test_a_clarification_is_still_open_after_a_restore(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What is Special Order 40?")
    session.ask("7")  # out of range: a clarify that offers the list again
    state = session.state()
    assert state["clarify"] is True
    ok = bot.session(state=state).ask("got it")
    assert ok.status == "clarify" and ok.suggestions == session.offered


def _good_state(bot: FAQBot) -> dict[str, Any]:
    session = bot.session()
    session.ask("What is Special Order 40?")
    return session.state()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"context": "no-such-intent"}, "the context names intent 'no-such-intent'"),
        ({"visited": ["special-order-40", "gone"]}, "a visited intent names intent 'gone'"),
        ({"offered": [{"intent": "nope", "question": "q", "confidence": 1.0}]}, "offered choice 1 names intent 'nope'"),
        ({"offered": [{"intent": "special-order-40"}]}, "offered choice 1 is malformed"),
        ({"offered": [{"intent": "special-order-40", "question": "q", "confidence": True}]}, "choice 1 is malformed"),
        ({"v": 2}, "not a version 1 session state"),
        ({"clarify": "yes"}, "'clarify' a boolean"),
        ({"visited": "special-order-40"}, "must be lists"),
        ({"context": 7}, "the context is not an intent id"),
        ({"extra": 1}, "wrong keys"),
    ],
)
def test_a_bad_state_is_refused_with_a_clear_error(bot: FAQBot, change: dict[str, Any], message: str) -> None:
    state = {**_good_state(bot), **change}
    with pytest.raises(SessionStateError, match="^session state: ") as error:
        bot.session(state=state)
    assert message in str(error.value)


@pytest.mark.parametrize("state", [None, [], "x", {"v": 1}])
def test_a_state_that_is_not_a_state_is_refused(bot: FAQBot, state: Any) -> None:
    if state is None:
        assert bot.session(state=None).context is None  # None means a new conversation
        return
    with pytest.raises(SessionStateError):
        Session(bot, state=state)


MESSAGES = [
    "What is Special Order 40?", "are there any exceptions?", "why?", "tell me more", "1", "2", "3", "7",
    "the first one", "ok", "got it", "thanks", "and ICE?", "What does DHS stand for?",
    "Is Los Angeles a sanctuary city?",
    "when was it adopted?", "who leads the DEA office and what is Special Order 40?", "what is the weather",
    "the exceptions one", "hello", "what about the DEA?",
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(MESSAGES), min_size=1, max_size=8))
def test_any_conversation_restored_at_every_turn_is_the_same(bot: FAQBot, messages: list[str]) -> None:
    whole, pieces = bot.session(), bot.session()
    for text in messages:
        pieces = _restored(bot, pieces)
        assert _everything(pieces.ask_all(text)) == _everything(whole.ask_all(text)), messages

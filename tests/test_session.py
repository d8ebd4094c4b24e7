"""The conversation in the library: `Session` (context, choices, two questions).

The scripted dialogues are data: tests/dialogues/*.yaml (format in its README).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faqbot import FAQBot, Reply, Thresholds
from faqbot.session import Session, _choice_number, combine
from faqbot.text import normalize

DIALOGUES = sorted((Path(__file__).parent / "dialogues").glob("*.yaml"))


def _via(reply: Reply) -> str:
    if reply.reason.startswith("picked "):
        return "pick"
    if "follow-up to" in reply.reason:
        return "context"
    if "not yet answered in this conversation" in reply.reason:
        return "more"
    return "global"


def _check(reply: Reply, want: dict[str, Any], where: str) -> None:
    got = f"{where}: got {reply.status} {reply.intent} ({reply.confidence:.2f}; {reply.reason})"
    if "intent" in want:
        assert reply.intent == want["intent"], got
    if "not_intent" in want:
        assert reply.intent != want["not_intent"], got
    if "status" in want:
        assert reply.status == want["status"], got
    if "via" in want:
        assert _via(reply) == want["via"], got
    if "offered" in want:
        assert len(reply.suggestions or reply.follow_ups) == want["offered"], got


def test_dialogues_exist() -> None:
    names = {p.stem for p in DIALOGUES}
    assert {"follow_up_by_number", "clarification", "context_follow_ups", "reset", "new_question",
            "two_questions"} <= names


@pytest.mark.parametrize("path", DIALOGUES, ids=[p.stem for p in DIALOGUES])
def test_dialogue(path: Path, bot: FAQBot) -> None:
    script = yaml.safe_load(path.read_text(encoding="utf-8"))
    bot = FAQBot(bot.kb)  # our own: turns may change its thresholds
    session = bot.session()
    for n, turn in enumerate(script["turns"], 1):
        if turn.get("reset"):
            session.reset()
            continue
        where = f"{path.name} turn {n} {turn['say']!r}"
        offered = session.offered
        bot.thresholds = Thresholds(**turn.get("thresholds", {}))
        replies = session.ask_all(turn["say"])
        wanted = turn.get("replies", [turn])
        assert len(replies) == len(wanted), f"{where}: {[(r.intent, r.question) for r in replies]}"
        for reply, want in zip(replies, wanted):
            if "pick" in want:  # the intent of the n-th choice the previous reply offered
                assert want["pick"] <= len(offered), f"{where}: only {len(offered)} offered"
                want = {**want, "intent": offered[want["pick"] - 1].intent, "via": "pick"}
            _check(reply, want, where)
        assert session.last is replies[-1]


def test_dialogue_intents_exist(bot: FAQBot) -> None:
    ids = {i.id for i in bot.kb.intents}
    for path in DIALOGUES:
        for turn in yaml.safe_load(path.read_text(encoding="utf-8"))["turns"]:
            for want in turn.get("replies", [turn]):
                if want.get("intent") is not None:
                    assert want["intent"] in ids, f"{path.name}: unknown intent {want['intent']}"


# ------------------------------------------------------------------ picking choices


@pytest.mark.parametrize(
    ("text", "n"),
    [("2", 2), ("#2", 2), ("2.", 2), ("number 2", 2), ("option 3", 3), ("the first one", 1), ("first", 1),
     ("Second", 2), ("the 3rd", 3), ("the last one", -1), ("one", 1), ("two please", 2), ("no 2", 2)],
)
def test_choice_numbers(text: str, n: int) -> None:
    assert _choice_number(normalize(text)) == n


@pytest.mark.parametrize("text", ["what is 2", "that one", "2024", "the first amendment", "one more thing", "", "no"])
def test_not_choice_numbers(text: str) -> None:
    assert _choice_number(normalize(text)) is None


def test_a_fresh_session_offers_starting_questions(bot: FAQBot) -> None:
    session = bot.session()
    assert 1 <= len(session.offered) <= 3 and session.last is None and session.context is None
    reply = session.ask("1")
    assert reply.intent == session.history[0].intent == bot.session().offered[0].intent
    assert reply.question == bot.session().offered[0].question  # the question actually answered


def test_out_of_range_number_shows_the_choices_again(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What is Special Order 40?")
    offered = session.offered
    reply = session.ask("7")
    assert reply.status == "clarify" and reply.suggestions == offered
    assert "no choice 7" in reply.answer
    assert session.ask("1").intent == offered[0].intent


def test_a_reply_without_choices_keeps_the_last_list(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What is Special Order 40?")
    offered = session.offered
    assert session.ask("thanks").status == "smalltalk"
    assert session.offered == offered
    assert session.ask("2").intent == offered[1].intent


def test_follow_ups_skip_what_was_answered(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("When can the LAPD assist federal immigration authorities?")
    reply = session.ask("What is the exception for people convicted of violent felonies?")
    assert "lapd-ice-exceptions" not in {s.intent for s in reply.follow_ups}
    assert 1 <= len(reply.follow_ups) <= 3


# ------------------------------------------------------------------ context


def test_context_that_agrees_with_the_whole_kb_is_in_the_reason_only(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What is Special Order 40?")
    reply = session.ask("and ICE?")
    assert bot.ask("and ICE?").intent == reply.intent == "lapd-ice-exceptions"
    assert "follow-up to 'special-order-40'" in reply.reason
    assert "the whole knowledge base agrees" in reply.reason
    assert not any("follow-up" in n for n in reply.notes)  # nothing changed: no note
    assert reply.question == "and ICE?"
    assert session.context is not None and session.context.id == "lapd-ice-exceptions"


def test_context_that_changes_the_answer_says_so(bot: FAQBot) -> None:
    assert bot.ask("why?").status == "clarify"  # alone, "why?" names nothing
    session = bot.session()
    session.ask("What are the exceptions to sanctuary protections?")
    reply = session.ask("why?")
    assert (reply.status, reply.intent) == ("answered", "exceptions-purpose")
    assert "follow-up to 'lapd-ice-exceptions'" in reply.reason
    assert any(n.startswith("Understood as a follow-up to") for n in reply.notes)


def test_ask_stays_stateless(bot: FAQBot) -> None:
    """`bot.ask` ignores any conversation: same reply before and after one."""
    before = bot.ask("and ICE?")
    session = bot.session()
    session.ask("What is Special Order 40?")
    assert session.ask("and ICE?").intent == "lapd-ice-exceptions"
    assert bot.ask("and ICE?") == before


def test_smalltalk_is_not_a_follow_up(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What is Special Order 40?")
    assert session.ask("thanks").status == "smalltalk"
    assert session.context is not None and session.context.id == "special-order-40"  # kept


def test_a_follow_up_with_no_words_and_no_match_offers_related_questions(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What does ICE stand for?")
    reply = session.ask("what does that mean?")
    assert reply.status == "clarify" and reply.intent is None
    related = set(bot.kb.intent("acronym-ice").follow_ups)
    assert {s.intent for s in reply.suggestions} <= related | {i for t in bot.kb.topics
                                                              if "acronym-ice" in t.intents for i in t.intents}
    assert "What ICE stands for" in reply.answer


def test_tell_me_more_runs_out(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What is Special Order 40?")
    intents = []
    for _ in range(12):
        reply = session.ask("tell me more")
        if reply.intent is None:
            break
        intents.append(reply.intent)
    assert len(intents) == len(set(intents)) >= 2  # never the same answer twice
    assert reply.status == "unknown" and "nothing more on" in reply.answer


def test_reset_forgets_everything(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What is Special Order 40?")
    session.reset()
    assert session.last is None and session.history == () and session.context is None
    assert session.offered == bot.session().offered


def test_empty_and_huge_messages(bot: FAQBot) -> None:
    session = bot.session()
    session.ask("What is Special Order 40?")
    assert session.ask("   ").status == "unknown"
    reply = session.ask("why " * 2000)
    assert "Your question was cut to its first 1000 characters." in reply.notes
    again = bot.session()
    again.ask("What is Special Order 40?")
    assert again.ask("why " * 2000) == reply  # deterministic, whatever the length


# ------------------------------------------------------------------ two questions


def test_ask_combines_two_questions(bot: FAQBot) -> None:
    text = "Who leads the DEA's Los Angeles field division and what is Special Order 40?"
    session = bot.session()
    reply = session.ask(text)
    assert reply.question == text and reply.status == "answered" and reply.intent == "dea-la-leader"
    assert bot.kb.intent("dea-la-leader").answer in reply.answer
    assert bot.kb.intent("special-order-40").answer in reply.answer
    assert {c.quote for c in reply.citations} >= {c.quote for c in bot.kb.intent("special-order-40").citations}
    assert [r.intent for r in session.history] == ["dea-la-leader", "special-order-40"]
    assert session.context is not None and session.context.id == "special-order-40"


def test_combine_one_reply_is_unchanged(bot: FAQBot) -> None:
    reply = bot.ask("What is Special Order 40?")
    assert combine("x", [reply]) is reply


def test_combine_dedupes_citations(bot: FAQBot) -> None:
    a = bot.ask("What is the exception for people convicted of violent felonies?")
    b = bot.ask("What is the exception for migrants who illegally reentered the U.S.?")
    both = combine("q", [a, b])
    keys = [(c.source, c.start) for c in both.citations]
    assert len(keys) == len(set(keys)) == 3  # the shared lead-in sentence once
    assert both.follow_ups == b.follow_ups and both.intent == a.intent


def test_reply_is_frozen(bot: FAQBot) -> None:
    reply = bot.session().ask("What is Special Order 40?")
    with pytest.raises(AttributeError):
        reply.intent = "x"  # type: ignore[misc]


def test_session_from_bot() -> None:
    bot = FAQBot.load()
    assert isinstance(bot.session(), Session)


def test_library_does_not_import_prompt_toolkit() -> None:
    code = ("import sys, faqbot, faqbot.cli, faqbot.session, faqbot.bot\n"
            "from faqbot import FAQBot\n"
            "s = FAQBot.load().session(); s.ask('What is Special Order 40?'); s.ask('1')\n"
            "print('prompt_toolkit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_acknowledgements_ask_for_more_and_keep_the_choices(bot: FAQBot) -> None:
    session = bot.session()
    assert session.ask("ok").status == "smalltalk"
    session.ask("What is Special Order 40?")
    offered = session.offered
    reply = session.ask("got it")
    assert reply.status == "smalltalk" and "What Special Order 40 is" in reply.answer
    assert reply.follow_ups == offered and session.offered == offered
    assert session.ask("1").intent == offered[0].intent


def test_an_acknowledgement_during_a_clarification_repeats_the_choices(bot: FAQBot) -> None:
    bot = FAQBot(bot.kb, thresholds=Thresholds(margin=1.01, clarify=0.0, wording=1.01))  # every answer becomes a choice
    session = bot.session()
    first = session.ask("what is special order 40")
    assert first.status == "clarify"
    again = session.ask("yes")
    assert again.status == "clarify" and again.suggestions == first.suggestions


_WORDS = st.sampled_from(["why", "and", "it", "ICE", "the first one", "2", "tell me more", "ok", "?", "DEA",
                          "special order 40", "who", "leads", ";", "what", "\x1b[2J", "\u202e", "é", "  "])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=40), st.lists(_WORDS, max_size=8).map(" ".join)), min_size=1, max_size=4))
def test_any_conversation_gets_replies(bot: FAQBot, messages: list[str]) -> None:
    session = bot.session()
    for text in messages:
        replies = session.ask_all(text)
        assert 1 <= len(replies) <= 2
        for reply in replies:
            assert reply.status in ("answered", "clarify", "passage", "unknown", "smalltalk")
            assert 0.0 <= reply.confidence <= 1.0
            assert len(reply.suggestions or reply.follow_ups) <= 3 or reply.status == "clarify"
        assert session.last is replies[-1]


def test_no_example_question_is_split_in_two(bot: FAQBot) -> None:
    """An example question of the knowledge base is one question, "and" or not."""
    from faqbot.session import _SPLIT_AT

    examples = [q for i in bot.kb.intents for q in i.questions if _SPLIT_AT.search(q)]
    assert len(examples) >= 10
    split = [q for q in examples if len(bot.session().ask_all(q)) != 1]
    assert split == []


def test_two_canonical_questions_joined_by_and_are_split(bot: FAQBot) -> None:
    answers = [i for i in bot.kb.intents if i.kind == "answer"]
    pairs = [(a, b) for a, b in zip(answers, answers[7:] + answers[:7]) if a.topic != b.topic]
    right = 0
    for a, b in pairs:
        text = f"{a.questions[0].rstrip('?')} and {b.questions[0][0].lower()}{b.questions[0][1:]}"
        right += [r.intent for r in bot.session().ask_all(text)] == [a.id, b.id]
    assert right >= 0.8 * len(pairs), f"{right} of {len(pairs)}"

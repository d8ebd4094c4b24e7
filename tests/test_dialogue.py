"""Decisions: answer, clarify or decline, with their evidence."""

from __future__ import annotations

from faqbot.dialogue import Thresholds, decide
from faqbot.knowledge import load
from faqbot.matcher import Match, Matcher


def test_decline_below_the_answer_threshold(make_kb):
    kb = load(make_kb())
    decision = decide([Match("cat-sleep", 0.2, "x")], kb, Thresholds(answer=0.4))
    assert decision.status == "unknown" and not decision.chosen
    assert "below the 0.40 needed to answer" in decision.reason


def test_answer_with_a_clear_lead(make_kb):
    kb = load(make_kb())
    decision = decide([Match("cat-sleep", 0.9, "x"), Match("dog-bark", 0.3, "y")], kb)
    assert (decision.status, decision.chosen[0].intent) == ("answered", "cat-sleep")
    assert "leads the runner-up by 0.60" in decision.reason


def test_near_tie_is_a_clarification(make_kb):
    kb = load(make_kb())
    decision = decide([Match("cat-sleep", 0.62, "x"), Match("dog-bark", 0.61, "y")], kb)
    assert decision.status == "clarify"
    assert [m.intent for m in decision.chosen] == ["cat-sleep", "dog-bark"]


def test_near_tie_broken_by_an_example_worded_like_the_question(make_kb):
    kb = load(make_kb())
    matcher = Matcher({i.id: list(i.questions) for i in kb.intents})
    tie = [Match("cat-sleep", 0.62, "x"), Match("dog-bark", 0.61, "y")]
    decision = decide(tie, kb, query="why is my dog barkin?", matcher=matcher)
    assert (decision.status, decision.chosen[0].intent) == ("answered", "dog-bark")
    assert "worded most like the question (“why is my dog barking”" in decision.reason
    # a question worded like neither stays a clarification
    assert decide(tie, kb, query="pets", matcher=matcher).status == "clarify"

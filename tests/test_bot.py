"""The mission's questions get the right passages; unrelated questions are declined."""

from __future__ import annotations

import pytest

from faqbot import Citation, FAQBot, Reply


@pytest.mark.parametrize(
    ("question", "intent", "passage"),
    [
        ("What is Special Order 40?", "special-order-40", "the LAPD follows Special Order 40"),
        ("When may LAPD contact ICE?", "lapd-ice-exceptions", "communicate with U.S. Immigration and Customs Enforcement"),
        ("What did the DEA announce?", "dea-announcement", "announced its collaboration with federal law enforcement"),
        ("Who leads the DEA's Los Angeles field division?", "dea-la-leader", "Matthew Allen"),
        ("What did the CBP One app do?", "cbp-one-app", "schedule appointments at border ports of entry"),
        ("When was the sanctuary ordinance adopted?", "ordinance-adopted", "city ordinance adopted last year"),
        ("Who will monitor what happens next?", "who-will-monitor", "Residents and advocacy groups"),
    ],
)
def test_canonical_questions_are_answered_with_their_passage(bot: FAQBot, question, intent, passage):
    reply = bot.ask(question)
    assert (reply.status, reply.intent) == ("answered", intent), reply.reason
    assert any(passage in c.quote for c in reply.citations)
    assert 0.5 <= reply.confidence <= 1


@pytest.mark.parametrize(
    "question",
    [
        "What's the weather like in Paris tomorrow?",
        "How do I bake sourdough bread?",
        "Who won the World Series in 2019?",
        "Write a Python function that reverses a list",
    ],
)
def test_unrelated_questions_are_declined(bot: FAQBot, question):
    reply = bot.ask(question)
    assert reply.status == "unknown", (reply.intent, reply.confidence, reply.reason)
    assert reply.intent is None and not reply.citations
    assert reply.answer.startswith("The article does not answer that.")
    assert 1 <= len(reply.suggestions) <= 3


@pytest.mark.parametrize(
    ("question", "intent", "passage"),
    [
        ("what did the LA drug enforcement office say it would do", "dea-announcement", "announced its collaboration"),
        ("who is the head of the DEA office in LA", "dea-la-leader", "Matthew Allen"),
        ("what was the CBP One phone app used for", "cbp-one-app", "schedule appointments"),
        ("who is going to keep an eye on what happens", "who-will-monitor", "Residents and advocacy groups"),
    ],
)
def test_paraphrases_that_are_no_example_are_answered(bot: FAQBot, question, intent, passage):
    """Not an example question of any intent: the matcher answers, not the exact lookup."""
    assert bot.matcher.example_of(question) is None
    reply = bot.ask(question)
    assert (reply.status, reply.intent) == ("answered", intent), reply.reason
    assert any(passage in c.quote for c in reply.citations)


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("in which part of LA was the raid", "gap-neighborhood"),
        ("how many people got arrested so far", "gap-numbers"),
    ],
)
def test_gaps_in_the_article_are_said_plainly(bot: FAQBot, question, intent):
    assert bot.matcher.example_of(question) is None
    reply = bot.ask(question)
    assert (reply.status, reply.intent) == ("unknown", intent)
    assert reply.answer == bot.kb.intent(intent).answer
    assert reply.missing is not None and reply.missing.check == "gap"


def test_gap_cites_the_passage_that_shows_the_gap(bot: FAQBot):
    reply = bot.ask("Which communities are affected?")
    assert reply.status == "unknown"
    assert any("details about specific communities impacted remain unclear" in c.quote for c in reply.citations)


@pytest.mark.parametrize("question", ["hello", "thanks!", "what can you do?", "bye"])
def test_small_talk_has_no_citations(bot: FAQBot, question):
    reply = bot.ask(question)
    assert reply.status == "smalltalk" and not reply.citations


_SMALLTALK = """\
topic: About me
intents:
  - id: about-source
    title: What my source is
    kind: smalltalk
    questions: [where does your information come from, what is your source, where do you get your answers]
    answer: My answers come from one article about pets.
"""


def test_small_talk_steps_aside_for_a_name_of_the_article_unless_the_bot_is_spoken_to(make_kb):
    from .conftest import TINY_SOURCE

    source = TINY_SOURCE.replace("They purr when happy.", "They purr when happy. Luna, the shelter cat, sleeps all day.")
    bot = FAQBot.load(make_kb(source=source, extra={"smalltalk.yaml": _SMALLTALK}))
    about_luna = bot.ask("where does the name Luna come from?")
    assert about_luna.status != "smalltalk" and "is a name of the article, so no small talk" in about_luna.reason
    to_the_bot = bot.ask("where does your information on Luna come from?")
    assert to_the_bot.status == "smalltalk" and to_the_bot.intent == "about-source"
    assert bot.ask("where does your information come from?").intent == "about-source"


_DATE_GAP = """\
topic: What the article does not say
intents:
  - id: mail-date
    title: When the mail came (not stated)
    kind: gap
    questions: [when was the mail delivered, what day was the mail delivered, when did the mail carrier come,
                what date did the mail arrive]
    answer: The article does not say when the mail came.
"""


def test_a_not_stated_intent_about_dates_does_not_take_a_how_question(make_kb):
    bot = FAQBot.load(make_kb(extra={"gaps.yaml": _DATE_GAP}))
    when = bot.ask("when was the mail delivered to the house?")
    assert (when.status, when.intent) == ("unknown", "mail-date")
    how = bot.ask("how was the mail delivered to the house?")
    assert how.intent != "mail-date" and "'mail-date' is about date, the question asks for manner" in how.reason
    what = bot.ask("what was in the mail delivered to the house?")  # no type of its own: not a date either
    assert what.intent != "mail-date" and "the question asks for no particular type" in what.reason


def test_every_citation_is_an_exact_slice_of_its_source(bot: FAQBot):
    for intent in bot.intents:
        reply = bot.ask(intent.questions[0])
        for c in reply.citations:
            assert isinstance(c, Citation)
            assert bot.kb.sources[c.source].text[c.start : c.end] == c.quote


def test_reply_is_frozen_and_serialises_to_the_json_contract(bot: FAQBot):
    reply = bot.ask("so 40")
    assert isinstance(reply, Reply)
    with pytest.raises(AttributeError):
        reply.status = "unknown"  # type: ignore[misc]
    d = reply.to_dict()
    assert set(d) >= {"question", "status", "intent", "confidence", "answer", "citations", "suggestions"}
    assert set(d["citations"][0]) == {"source", "section", "paragraph", "start", "end", "quote"}


def test_empty_question_is_declined_with_suggestions(bot: FAQBot):
    for text in ("", "   ", "\t\n"):
        reply = bot.ask(text)
        assert reply.status == "unknown" and reply.suggestions


def test_long_question_is_cut_with_a_note(bot: FAQBot):
    reply = bot.ask("What is Special Order 40? " + "blah " * 1000)
    assert reply.notes and "cut" in reply.notes[0]


def test_same_input_same_output(bot: FAQBot):
    questions = ["speical ordr 40", "who is matthew allen", "birthright", "what's up"]
    assert [bot.ask(q) for q in questions] == [bot.ask(q) for q in questions]


def test_a_question_worded_like_a_sentence_goes_to_the_intent_quoting_it(make_kb):
    """The article's wording is better evidence than the examples' statistics: the
    matcher alone gives this question to the intent whose examples share its words, but
    it is the sentence another intent quotes, almost word for word."""
    from faqbot.dialogue import Thresholds

    intents = """\
    topic: Pets
    intents:
      - id: dog-bark
        title: What dogs bark at
        questions: [why the racket in the morning, what is all that noise outside, is my pup loud]
        answer: Dogs bark at the mail carrier every day.
        citations:
          - source: pets
            quote: Dogs bark at the U.S. mail carrier every day.
      - id: mail-times
        title: When the mail comes
        questions: [when does the mail carrier come every day, does the US mail come every day,
                    mail carrier every day, what time is the U.S. mail]
        answer: Cats sleep most of the day.
        citations:
          - source: pets
            quote: Cats sleep most of the day.
    """
    kb = FAQBot.load(make_kb(intents=intents)).kb
    q = "Do dogs bark at the U.S. mail carrier every day?"
    plain = FAQBot(kb, thresholds=Thresholds(worded_like=1.01))  # the rule off
    assert plain.ask(q).intent == "mail-times"
    reply = FAQBot(kb).ask(q)
    assert reply.status == "answered" and reply.intent == "dog-bark", reply.reason
    assert "worded like the sentence" in reply.reason


def test_a_wrong_pick_of_intent_falls_back_to_the_sentence_that_answers(make_kb):
    """The matcher's intent lacks the question's name, but a sentence of the article holds
    it and the question's words: that sentence answers, not "the article doesn't say"."""
    from .conftest import TINY_SOURCE

    source = TINY_SOURCE.replace("They purr when happy.", "They purr when happy. Luna, the shelter cat, sleeps all day.")
    bot = FAQBot.load(make_kb(source=source))
    reply = bot.ask("does Luna sleep a lot?")
    assert reply.status == "passage", reply.reason
    assert "Luna" in reply.citations[0].quote and "does not mention 'Luna'" in reply.reason
    missing = FAQBot.load(make_kb()).ask("does Luna sleep a lot?")  # no sentence names her
    assert missing.status == "unknown" and missing.missing is not None and missing.missing.about == "Luna"


_CATS = """\
topic: Cats
intents:
  - id: cat-purr
    title: When cats purr
    questions: [when do cats purr, why do cats purr]
    answer: They purr when happy.
    citations:
      - source: pets
        quote: They purr when happy.
  - id: cat-day
    title: A cat's day
    questions: [what do cats do all day, tell me about cats]
    answer: Cats sleep most of the day and purr when happy.
    citations:
      - source: pets
        quote: Cats sleep most of the day.
      - source: pets
        quote: They purr when happy.
"""


def test_a_tie_goes_to_the_intent_whose_quotes_hold_the_others(make_kb):
    from faqbot.dialogue import Decision
    from faqbot.question import analyse

    bot = FAQBot.load(make_kb(extra={"cats.yaml": _CATS}))
    q = analyse("cats purring")
    matches = bot.matcher.match(q.text, limit=None)
    by_id = {m.intent: m for m in matches}
    tie = Decision("clarify", (by_id["cat-purr"], by_id["cat-day"]), "too close to choose")
    _, decision = bot._revise(q, matches, tie, ())
    assert decision.status == "answered" and [m.intent for m in decision.chosen] == ["cat-day"]
    assert "quotes everything the others quote" in decision.reason
    # neither quotes the other's sentence: still a question back to the reader
    apart = Decision("clarify", (by_id["cat-sleep"], by_id["cat-purr"]), "too close to choose")
    assert bot._revise(q, matches, apart, ())[1].status == "clarify"

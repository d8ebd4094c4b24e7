"""The answerability check: a reply must hold what the question asks, about what it asks.

Behaviour is tested in words that are NOT example questions of the bundled knowledge
base (`matcher.example_of` is None for each), so the matcher, not the exact lookup, is
what these tests exercise.
"""

from __future__ import annotations

import json

import pytest

from faqbot import FAQBot
from faqbot.answerability import Missing, Vocabulary, describe
from faqbot.cli import main
from faqbot.question import analyse


def _not_an_example(bot: FAQBot, question: str) -> str:
    assert bot.matcher.example_of(question) is None, f"{question!r} is an example: pick other words"
    return question


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("how many agents work at the DEA's field division in Los Angeles", "count"),
        ("on what date was special order 40 first issued", "date"),
        ("what's the phone number for the DEA office in LA", "contact"),
        ("how long has Matthew Allen headed the field division", "duration"),
    ],
)
def test_a_question_asking_for_what_the_article_lacks_is_not_stated(bot: FAQBot, question: str, asks: str) -> None:
    reply = bot.ask(_not_an_example(bot, question))
    assert reply.status == "unknown"
    assert reply.missing is not None and reply.missing.asks == asks
    # the author's own "not stated" intent (a gap) or the check's own wording
    assert reply.intent is None or bot.kb.intent(reply.intent).kind == "gap"
    assert reply.answer.startswith(("The article doesn't say", "The article does not", "The article gives no"))


def test_a_name_the_article_never_mentions_is_not_stated(bot: FAQBot) -> None:
    reply = bot.ask(_not_an_example(bot, "what did governor newsom think of the dea helping ice"))
    assert reply.status == "unknown"
    assert reply.intent is None or bot.kb.intent(reply.intent).kind == "gap"


def test_a_candidate_about_another_agency_is_not_an_answer(bot: FAQBot) -> None:
    reply = bot.ask(_not_an_example(bot, "who is in charge of the ICE field office in los angeles"))
    assert reply.status == "unknown"
    assert reply.intent != "dea-la-leader"


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("which rule stops LA cops from asking people about their papers", "special-order-40"),
        ("what does the city law forbid", "sanctuary-ordinance"),
        ("who is the boss of the drug agency's LA branch", "dea-la-leader"),
    ],
)
def test_paraphrases_in_readers_words_are_still_answered(bot: FAQBot, question: str, intent: str) -> None:
    reply = bot.ask(_not_an_example(bot, question))
    assert (reply.status, reply.intent) == ("answered", intent), reply.reason


def test_not_stated_json_names_what_is_missing_and_shows_the_related_passage(capsys) -> None:
    code = main(["ask", "--json", "how many agents work at the DEA's field division in Los Angeles"])
    reply = json.loads(capsys.readouterr().out)
    assert code == 1
    assert reply["status"] == "unknown"
    assert reply["missing"] == {"asks": "count", "about": "agents"}
    assert reply["citations"] and "field division" in reply["citations"][0]["quote"]


def test_explain_shows_the_analysis_and_the_check(capsys) -> None:
    main(["ask", "--json", "--explain", "what's the phone number for the DEA office in LA"])
    explain = json.loads(capsys.readouterr().out)["explain"]
    assert explain["question"]["asks"] == "contact"
    assert explain["check"] == "asks"


def test_vocabulary_tells_misspellings_from_real_words() -> None:
    v = Vocabulary(["The ordinance prohibits aiding federal immigration enforcement in Los Angeles."])
    assert v.knows("ordinance") and v.knows("ordnance")  # a letter short of a long word
    assert v.knows("immigraton")  # not a word: a misspelling
    assert not v.knows("protests")  # a real word a letter away from nothing it knows
    assert v.knows("enforcing") or v.knows("enforcement")


def test_two_swapped_letters_of_a_short_name_are_a_typo() -> None:
    v = Vocabulary(["Deactivating the CBP One app, used by migrants."])
    assert v.knows("cpb") and v.knows("bcp")  # neighbouring letters swapped
    assert not v.knows("pbc")  # not one swap away
    assert not v.knows("cup")  # a real word is no typo of a name
    q = analyse("is the CPB One app gone")
    assert v.check(q, "Deactivating the CBP One app.") is None


def test_the_last_part_of_a_compound_the_article_uses_is_known() -> None:
    v = Vocabulary(["Hubble spots a skyrocket galaxy."])
    assert v.knows("rocket")  # of "skyrocket"
    assert not v.knows("sky")  # the head of a compound is no part the rule covers


def test_a_misspelt_name_names_what_the_article_names() -> None:
    v = Vocabulary(["The Los Angeles-based headquarters announced its collaboration."])
    evidence = "The Los Angeles-based headquarters announced its collaboration."
    assert v.check(analyse("what did the headquarters in Los Angelas announce"), evidence) is None
    missing = v.check(analyse("what did the headquarters in Los Alamos announce"), evidence)
    assert missing is not None and missing.about == "Alamos"


def test_a_shouted_everyday_word_is_emphasis_not_a_name() -> None:
    v = Vocabulary(["There are limited circumstances where LAPD officers may assist federal authorities."])
    evidence = "There are limited circumstances where LAPD officers may assist federal authorities."
    assert v.check(analyse("so the LAPD NEVER helps federal authorities, right?"), evidence) is None
    missing = v.check(analyse("does the LAPD help the FBI?"), evidence)  # an acronym is still a name
    assert missing is not None and missing.about == "FBI"


def test_slang_contractions_and_words_about_the_article_are_no_topic() -> None:
    v = Vocabulary(["Los Angeles (LA) maintains strong sanctuary city protections."])
    for question in ("so is LA a sanctuary city or nah", "it'll stay a sanctuary city, huh",
                     "how does the article describe LA's protections", "what's the takeaway"):
        assert v.unknown(analyse(question)) == (), question


def test_a_word_spelled_as_it_sounds_is_the_word_it_sounds_like() -> None:
    v = Vocabulary(["Special Agent in Charge Matthew Allen leads the division; exceptions apply."])
    assert v.knows("speshul") and v.knows("excepshuns")  # three letters off, the same sounds
    assert not v.knows("spatula")  # no word of the article sounds like it
    assert not v.knows("speshulty")  # the sound key is compared whole


def test_function_words_are_no_topic() -> None:
    v = Vocabulary(["There are limited circumstances where LAPD officers may assist federal authorities."])
    for question in ("are the circumstances pretty limited", "may LAPD officers assist federal authorities whenever",
                     "at least some circumstances where officers assist?", "do officers assist toward authorities"):
        assert v.unknown(analyse(question)) == (), question
    assert v.unknown(analyse("do officers assist the weather service")) == ("weather", "service")


def test_a_setting_name_answers_which_one_of_the_settings_kind(bot: FAQBot) -> None:
    question = "Which police department follows Special Order 40?"
    assert bot.matcher.example_of(question) is None
    reply = bot.ask(question)  # "police department" is the article's setting: LAPD answers it
    assert reply.status == "answered" and reply.intent == "special-order-40"
    # a council member is no kind of the setting: the setting's names are no answer
    assert bot.ask("Which city council member introduced the sanctuary ordinance?").status == "unknown"


def test_reader_vocabulary_makes_a_readers_word_known() -> None:
    plain = Vocabulary(["The ordinance prohibits aiding federal immigration enforcement."])
    readers = Vocabulary(["The ordinance prohibits aiding federal immigration enforcement."],
                         readers={"prohibits": ["forbids", "bans"]})
    q = analyse("what does the ordinance forbid")
    assert plain.unknown(q) == ("forbid",) and readers.unknown(q) == ()


def test_describe_words_each_kind() -> None:
    assert describe(Missing("count", "agents", "asks")) == "The article doesn't say how many agents."
    assert describe(Missing("date", "", "asks")) == "The article doesn't say when."
    assert describe(Missing("mention", "Newsom", "mention")).startswith("The article doesn't mention “Newsom”")
    assert describe(Missing("quote", "allen statement", "asks")) == "The article quotes no one on that."
    assert describe(Missing("vote", "council", "asks")) == "The article doesn't say how the vote went."

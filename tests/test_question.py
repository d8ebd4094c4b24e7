"""Question analysis: the expected answer type and the focus, article-independent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faqbot.question import CHECKED, analyse, has_type
from faqbot.text import stem


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How many agents work in the DEA's LA office?", "count"),
        ("number of arrests so far", "count"),
        ("how much does the CBP One app cost to use?", "money"),
        ("What percentage of LA residents are immigrants?", "percent"),
        ("When was the ordinance adopted?", "date"),
        ("what year did special order 40 start", "date"),
        ("How long has Matthew Allen led the division?", "duration"),
        ("Who leads the DEA in Los Angeles?", "name"),
        ("which agency is the DEA working with", "name"),
        ("Who will be watching how this unfolds?", "person"),
        ("Where did the law enforcement activity happen?", "place"),
        ("which neighborhood was it", "place"),
        ("where is the ordinance written down", None),  # a text, not a place
        ("which Los Angeles neighborhood was it", "place"),  # up to two words before the noun
        ("what does the city ordinance say about ICE", None),  # "what does the city": no question about a city
        ("which other federal agency is involved", "name"),
        ("what did he say in his statement", "quote"),
        ("give me the exact words", "quote"),
        ("what does the article say about special order 40", None),  # no quotation asked for
        ("how did the city council vote on the ordinance", "vote"),
        ("How wide is the galaxy's head?", "count"),  # a measure: a number
        ("how far will the police go", None),  # figurative: no measure
        ("how big a part will the agency play", None),
        ("Where are those rules spelled out?", None),
        ("what's the phone number of the DEA office?", "contact"),
        ("Why did the announcement spark concerns?", "reason"),
        ("What is Special Order 40?", "definition"),
        ("How did the DEA's move become public?", "manner"),
        ("Is Los Angeles a sanctuary city?", "yesno"),
        ("when can the cops call ICE?", "condition"),
        ("What happens to an officer who breaks the rule?", "penalty"),
        ("what is the punishment for violating the order", "penalty"),
        ("What happened to the CBP One app?", "consequence"),
        ("How much are the membership dues?", "money"),
        ("deadline to ask for a review?", "duration"),  # answered by a time: "within 60 days"
        ("what are the yearly fees", "money"),
        ("so 40", None),
    ],
)
def test_expected_answer_type(question: str, asks: str | None) -> None:
    assert analyse(question).asks == asks


def test_how_much_of_a_verb_is_a_degree_not_a_count() -> None:
    assert analyse("how much do cats sleep").asks is None


def test_focus_drops_stopwords_and_generic_words_and_keeps_names() -> None:
    q = analyse("So what exactly did Governor Newsom say about the DEA?")
    assert "exactly" not in q.focus and "say" not in q.focus
    assert {"governor", "newsom", "dea"} <= set(q.focus)
    assert {"governor", "newsom", "dea"} <= set(q.names)


def test_a_long_message_is_analysed_by_its_question() -> None:
    q = analyse("I'm writing a school report. My teacher is strict. Who leads the DEA office in LA?")
    assert q.asks == "name"
    assert "school" not in q.focus and "teacher" not in q.focus
    assert "la" in q.focus  # a two-letter acronym written as one is kept


@pytest.mark.parametrize(
    ("asks", "text", "holds"),
    [
        ("count", "The LAPD follows Special Order 40, which bars officers from inquiring.", False),
        ("count", "Deactivating the CBP One app.", False),
        ("count", "Robert's army of 30,000 men sailed.", True),
        ("count", "Two librarians and a few volunteers.", True),
        ("date", "a city ordinance adopted last year", True),
        ("date", "The DEA is cooperating with DHS.", False),
        ("duration", "a city ordinance adopted last year", True),
        ("name", "Residents and advocacy groups are likely to monitor developments.", False),
        ("name", "It is led by Special Agent in Charge Matthew Allen.", True),
        ("contact", "Call (213) 555-0100 or write to info@example.org.", True),
        ("contact", "They posted on social media.", False),
        ("quote", "“We will work with our partners to keep the city safe,” Allen said.", True),
        ("quote", "Allen said the division would work with its partners.", False),
        ("vote", "The council voted 12-2 to adopt the ordinance.", True),
        ("vote", "The ordinance was adopted last year.", False),
        ("count", "A two-tiered dues system is maintained.", False),  # describes, counts nothing
        ("count", "The club has twenty-five members.", True),
        ("duration", "Members serve a three-year term.", True),
        ("money", "A two-tiered dues system is maintained.", False),
        ("penalty", "Officers who violate the order face discipline or dismissal.", True),
        ("penalty", "Special Order 40 bars officers from inquiring about immigration status.", False),
        ("reason", "anything at all", True),  # not a checked type
    ],
)
def test_has_type(asks: str, text: str, holds: bool) -> None:
    assert has_type(asks, text) is holds


def test_an_answer_must_say_more_than_the_question() -> None:
    text = "posts featuring law enforcement activity in a Los Angeles neighborhood"
    question = frozenset(stem(w) for w in ("which", "los", "angeles", "neighborhood", "was", "shown"))
    assert has_type("place", text)  # "Los Angeles", "neighborhood"
    assert not has_type("place", text, question)  # both are the question's own words
    setting = frozenset(stem(w) for w in ("dea", "los", "angeles"))  # the article's setting is no name to answer "who"
    assert not has_type("name", "The DEA in Los Angeles announced it.", frozenset({"who"}), setting)
    assert has_type("name", "It is led by Special Agent in Charge Matthew Allen.", frozenset({"who"}), setting)


@given(st.text(max_size=300))
def test_analysis_is_pure_and_never_fails(text: str) -> None:
    a, b = analyse(text), analyse(text)
    assert a == b
    assert a.asks is None or isinstance(a.asks, str)
    assert set(a.names) <= set(a.focus) | set(a.names)
    for t in CHECKED:
        assert has_type(t, text) in (True, False)


def test_a_titled_name_is_a_person_not_a_place_nor_a_site() -> None:
    text = "The move comes as President Donald Trump implements stricter policies."
    assert not has_type("place", text)
    assert not has_type("name", text, frozenset({"site", "social", "media"}))  # "which site did they use"
    assert has_type("name", text, frozenset({"offici"}))  # "the name of the official": Trump is one
    assert has_type("place", "Agents were seen in St. Louis and in Los Angeles.")
    assert analyse("what is the name of the neighborhood in the posts").asks == "place"

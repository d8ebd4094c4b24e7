"""`faqbot init` drafts: metadata moved to provenance, questions a reader asks, output that always loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from faqbot import knowledge
from faqbot.check import check
from faqbot.drafting import MAX_FILE_BYTES, MAX_PASSAGES, draft
from faqbot.scaffold import scaffold
from faqbot.wording import Article, fact_questions, heading_question, lemma, subject

#: A local news story (written for these tests) with every kind of metadata line a web page gives.
NEWS = """\
Source: https://www.example.com/news/2026/03/rental-registry

By Dana Whitfield | Pee Dee Courier

Updated 5:31 p.m. EST, March 3, 2026

Photo: Jane Doe/Pee Dee Courier

FLORENCE, S.C. — The Florence City Council will vote on a rental registry proposed by state Rep. Wallace H. Smith. The council approved a first reading of the plan on Feb. 9.

Smith, a Democrat, said the registry would let the city inspect rental homes once a year. Landlords would pay a $25 fee for each unit.

Advertisement

The council meeting begins at 6 p.m. on March 10 at City Hall on Evans Street. Residents can comment before the vote.

Share this article
"""


from .test_scaffold import _private_cache  # noqa: E402,F401 - the autouse fixture: a cache of each test's own


@pytest.fixture(scope="module")
def news():
    return draft(NEWS, file_name="registry.md")


def test_metadata_lines_go_to_provenance(news):
    assert news.provenance["url"] == "https://www.example.com/news/2026/03/rental-registry"
    assert news.provenance["author"] == "Dana Whitfield"
    assert news.provenance["updated"] == "5:31 p.m. EST, March 3, 2026"
    assert news.provenance["dateline"] == "FLORENCE, S.C."
    assert news.provenance["credits"] == "Photo: Jane Doe/Pee Dee Courier"


def test_metadata_is_never_an_answer_and_the_dateline_is_not_kept(news):
    answers = [i for i in news.intents if i.kind == "answer" and i.id != "byline"]
    overview = answers[0]
    assert overview.id == "overview"
    assert overview.answer.startswith("The Florence City Council will vote on a rental registry proposed by state Rep. "
                                      "Wallace H. Smith.")  # the lede, whole: not cut after "Rep." or "H."
    for intent in answers:
        for text in (intent.answer, *intent.quotes):
            assert not re.search(r"https?://|Dana Whitfield|Updated|Photo:|FLORENCE|Advertisement|Share this", text)
    byline = next(i for i in news.intents if i.id == "byline")  # who wrote it and when: cited from its lines
    assert byline.quotes == ("Source: https://www.example.com/news/2026/03/rental-registry",
                             "By Dana Whitfield | Pee Dee Courier", "Updated 5:31 p.m. EST, March 3, 2026")


def test_questions_fit_what_the_passage_holds(news):
    asked = {q: i.id for i in news.intents for q in i.questions}
    assert "Who proposed the rental registry?" in asked  # a person
    assert "When did the council approve a first reading?" in asked  # a date
    assert "When does the council meeting begin?" in asked  # a date, a verb without object
    assert "What did Smith say?" in asked  # "Smith, a Democrat, said": the surname of a person named before
    titles = [i.title for i in news.intents]
    assert not [t for t in titles if re.fullmatch(r"Wallace H|Language indicates|Meet city zoning", t)]


def test_no_example_is_in_two_intents_and_check_finds_no_clash(tmp_path):
    path = tmp_path / "registry.md"
    path.write_text(NEWS, encoding="utf-8")
    out = scaffold(path, tmp_path / "kb")
    kb = knowledge.load(out)
    seen: dict[str, str] = {}
    for intent in kb.intents:
        for q in intent.questions:
            assert seen.setdefault(q.casefold(), intent.id) == intent.id, q
    codes = {p.code for p in check(out).warnings}
    assert not codes & {"near-duplicate", "misassigned-example", "uncited-sentence", "unsupported-answer"}, codes


# ------------------------------------------------------------------ wording


@pytest.mark.parametrize(("sentence", "question"), [
    ("The City Council approved the plan 7–2 on February 24.", "When did the City Council approve the plan?"),
    ("The pilot will cost $412,000, paid from the reserve fund.", "How much will the pilot cost?"),
    ("The Normans (Norman: Nourmands) were the people who gave their name to Normandy, a region in France.",
     "Who were the Normans?"),
    ("The Normans were the people who gave their name to Normandy, a region in France.", "Where is Normandy?"),
    ("In 1066, Duke William II of Normandy conquered England killing King Harold II.",
     "When did Duke William II of Normandy conquer England?"),
    ("In 1973, Nixon named William E. Simon as the first Administrator.", "When did Nixon name William E. Simon?"),
    ("A registry proposed by state Rep. Wallace H. Smith goes to a vote.", "Who proposed the registry?"),
    ("The DEA’s Los Angeles field division, led by Special Agent in Charge Matthew Allen, is cooperating.",
     "Who leads the DEA’s Los Angeles field division?"),
    ("Queen Elizabeth II opened the new building on 9 October 2004.",
     "When did Queen Elizabeth II open the new building?"),
    ("The library will review the pilot in October, using attendance.", "When will the library review the pilot?"),
    ("Frame Relay is a modified version of ISDN's layer two protocol.", "What is Frame Relay?"),
    ("Connection-oriented transmission requires a setup phase in each node.",
     "What does connection-oriented transmission require?"),
])
def test_fact_questions(sentence, question):
    text = sentence + " Tanya Ortiz said so. Nixon and William E. Simon met. Matthew Allen agreed."
    assert question in fact_questions(sentence, Article.of(text))


@pytest.mark.parametrize("sentence", [
    "It was developed to explore alternatives.",  # a pronoun: about nothing named
    "Because oil was priced in dollars, real income decreased.",
    "The result was a depreciation of the dollar.",  # too general a subject to ask about
    "First demonstrated in 1973, it was developed to explore alternatives.",
])
def test_no_question_from_a_shape_not_recognised(sentence):
    assert not [q for q in fact_questions(sentence, Article.of(sentence)) if q.startswith(("What is", "What was", "When"))]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Library Director Marcus Bell said the change is meant for residents.", "Marcus Bell"),
    ("The branch libraries in Eastgate and Mill Creek will keep their hours.", "the branch libraries"),
    ("The Campaign for a Scottish Assembly was initiated in 1980.", "the Campaign for a Scottish Assembly"),
    ("Its populations did not differ from Picardy.", None),
    ("The Normans thereafter adopted the growing feudal doctrines.", "the Normans"),
])
def test_subject_names_the_passage(sentence, expected):
    assert subject(sentence, Article.of(sentence + " Marcus Bell agreed.")) == expected


@pytest.mark.parametrize(("heading", "question"), [
    ("Who asked for later hours", "Who asked for later hours?"),
    ("What the Night Owl Hours include", "What do the Night Owl Hours include?"),
    ("How the plan works", "How does the plan work?"),
    ("Why the council voted no", None),  # "no" is no verb: not made into a question
    ("What happens next", "What happens next?"),
    ("Cost and staffing", None),
    ("Can someone file an external review for me", "Can someone file an external review for me?"),
    ("Do I need a lawyer?", "Do I need a lawyer?"),
    ("Is", None),
])
def test_heading_questions(heading, question):
    assert heading_question(heading, heading) == question


@pytest.mark.parametrize(("past", "base"), [
    ("approved", "approve"), ("stopped", "stop"), ("carried", "carry"), ("led", "lead"), ("agreed", "agree"),
    ("visited", "visit"), ("created", "create"), ("changed", "change"), ("controlled", "control"),
    ("called", "call"), ("conquered", "conquer"), ("opened", "open"), ("died", "die"), ("founded", "found"),
    ("described", "describe"), ("focused", "focus"), ("added", "add"), ("used", "use"),
])
def test_lemma(past, base):
    assert lemma(past) == base


# ------------------------------------------------------------------ output that always loads


@pytest.mark.parametrize("odd", ["\x7f", "\x80", "\x85", "\x9f", "\ufffe", "\uffff", "\u2028", "\u2029", "\x1b[31m"])
def test_characters_yaml_cannot_carry_are_escaped(tmp_path, odd):
    path = tmp_path / "odd.md"
    path.write_text(f"# Odd{odd} news\n\nThe council{odd} met on Monday. It voted{odd} for the plan.\n", encoding="utf-8")
    kb = knowledge.load(scaffold(path, tmp_path / "kb"))
    text = kb.sources["odd"].text
    for intent in kb.intents:
        for c in intent.citations:
            assert text[c.start : c.end] == c.quote
    assert any(odd in c.quote for i in kb.intents for c in i.citations)


def test_a_big_article_is_drafted_in_files_under_the_limit(tmp_path):
    # 4,000 short paragraphs of one section, about 1 MB of YAML if each were a draft of its own
    lines = [f"Council member Ann Lee{n} said the budget item {n} of the year would cost ${n},000 to fund."
             for n in range(4000)]
    path = tmp_path / "big.md"
    path.write_text("# Budget\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    out = scaffold(path, tmp_path / "kb")
    kb = knowledge.load(out)
    answers = [i for i in kb.intents if i.kind == "answer"]
    assert len(answers) <= MAX_PASSAGES + 2  # neighbouring paragraphs drafted together
    assert all(p.stat().st_size < MAX_FILE_BYTES for p in (out / "intents").glob("*.yaml"))
    cited = {c.start for i in answers for c in i.citations}
    assert len(cited) >= len(answers)  # every passage keeps its quotes


def test_the_drafted_files_are_split_before_the_loader_limit():
    text = "# Long\n\n" + "\n\n".join(f"Paragraph {n} tells that the river {'rose ' * 200}today." for n in range(300))
    d = draft(text, file_name="long.md")
    sizes: dict[str, int] = {}
    from faqbot.scaffold import _intents_yaml

    for name in d.files:
        sizes[name] = len(_intents_yaml([i for i in d.intents if i.file == name], d.source_id, d.file_name).encode())
    assert len(sizes) >= 2 and max(sizes.values()) <= MAX_FILE_BYTES


# ------------------------------------------------------------------ the starter evaluation set


def test_init_writes_a_starter_eval_that_faqbot_eval_runs(tmp_path):
    from faqbot import FAQBot
    from faqbot.evaluate import load_items

    path = tmp_path / "registry.md"
    path.write_text(NEWS, encoding="utf-8")
    out = scaffold(path, tmp_path / "kb")
    written = (out / "eval.yaml").read_text(encoding="utf-8")
    assert written.startswith("# A starter evaluation set drafted by `faqbot init`")
    items = load_items(out / "eval.yaml")
    kb = knowledge.load(out)
    examples = {q.casefold() for i in kb.intents for q in i.questions}
    assert not [i.q for i in items if i.q.casefold() in examples]  # no eval question is an example
    assert {i.intent for i in items if i.intent} <= {i.id for i in kb.intents}
    assert {i.kind for i in items} >= {"keyword", "far"} and any(i.oos for i in items)
    assert yaml.safe_load(written)  # plain YAML
    FAQBot(kb)  # and the knowledge base it labels loads


def test_a_heading_that_is_a_question_is_asked_as_written():
    text = ("# Appeals\n\nYou can appeal a decision.\n\n## Can someone file an appeal for me\n\n"
            "A doctor may file an appeal on your behalf.\n\n"
            "## If my plan takes part in the federal process, how do I ask for a review?\n\n"
            "You send the request form to the federal office by mail.\n")
    drafted = draft(text, file_name="appeals.md")
    first = {i.title: i.questions[0] for i in drafted.intents}
    assert first["Can someone file an appeal for me"] == "Can someone file an appeal for me?"
    asked = first["If my plan takes part in the federal process, how do I ask for a review"]
    assert asked == "If my plan takes part in the federal process, how do I ask for a review?"
    assert not [q for i in drafted.intents for q in i.questions if q.startswith("What does the article say about if ")]


def test_a_noun_of_a_set_phrase_is_no_topic_alone():
    text = "# Appeals\n\nA doctor may file an appeal on your behalf. In addition, the form is free.\n"
    questions = [q for i in draft(text, file_name="appeals.md").intents for q in i.questions]
    assert not [q for q in questions if re.search(r"\b(?:behalf|addition)\?$", q)], questions


def test_passages_about_one_subject_get_titles_of_their_own():
    text = ("# The Club\n\nThe club was founded in 1916 by art patrons.\n\n"
            "The club keeps a collection of modern sculpture in its gallery.\n\n"
            "The club hosts lectures by visiting composers every spring.\n")
    titles = [i.title for i in draft(text, file_name="club.md").intents if i.kind == "answer"]
    assert len({t.casefold() for t in titles}) == len(titles), titles

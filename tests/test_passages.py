"""Passage retrieval: the article's sentences ranked for a question (BM25F + rerank)."""

from __future__ import annotations

from faqbot.passages import PassageIndex
from faqbot.question import analyse
from faqbot.sources import Source

TEXT = """# Riverton library

The Riverton Public Library will stay open until midnight four nights a week starting April 6.

The pilot will cost $412,000, paid from the library's reserve fund.

## Demand from residents

The idea came from a survey of 2,300 residents last fall. Library Director Marcus Bell supported it.
"""


def index() -> tuple[PassageIndex, Source]:
    source = Source.from_text("lib", TEXT, title="Riverton library")
    return PassageIndex({"lib": source}), source


def test_the_sentence_that_answers_ranks_first_and_is_an_exact_slice() -> None:
    idx, source = index()
    found = idx.search(analyse("how much will the pilot cost?"))
    assert found and "$412,000" in found[0].citation.quote
    c = found[0].citation
    assert source.text[c.start : c.end] == c.quote


def test_the_expected_answer_type_breaks_ties() -> None:
    idx, _ = index()
    top = idx.search(analyse("when does the library start staying open until midnight?"))[0]
    assert "April 6" in top.citation.quote and top.typed


def test_a_misspelt_word_is_repaired_to_the_articles_word() -> None:
    idx, _ = index()
    top = idx.search(analyse("who is the libary director"))[0]
    assert "Marcus Bell" in top.citation.quote


def test_section_heading_counts_for_its_sentences() -> None:
    idx, _ = index()
    top = idx.search(analyse("where did the demand come from"))[0]
    assert top.citation.section == "Demand from residents"


def test_nothing_shared_gives_nothing() -> None:
    idx, _ = index()
    assert idx.search(analyse("quantum chromodynamics")) == []


def test_ranking_is_deterministic() -> None:
    idx, _ = index()
    q = analyse("library survey residents")
    assert idx.search(q) == idx.search(q)

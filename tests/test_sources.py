from faqbot.sources import Source

from .conftest import ARTICLE, TINY_SOURCE


def test_article_sections_in_order():
    source = Source.from_text("dea-la", ARTICLE.read_text(encoding="utf-8"))
    assert source.sections == (
        "DEA’s Role in Immigration Enforcement",
        "Trump’s Immigration Crackdown",
        "Los Angeles’ Sanctuary City Policies",
        "Exceptions to Sanctuary Protections",
        "What This Means for Los Angeles",
    )
    assert len(source.paragraphs) == 16


def test_locate_gives_offsets_paragraph_and_section():
    text = ARTICLE.read_text(encoding="utf-8")
    source = Source.from_text("dea-la", text)
    quote = "Ending birthright citizenship."
    c = source.locate(quote)
    assert c is not None
    assert text[c.start : c.end] == quote
    assert (c.section, c.paragraph) == ("Trump’s Immigration Crackdown", 4)
    first = source.locate("The Los Angeles-based Drug Enforcement Administration (DEA)")
    assert first is not None and first.section is None and first.paragraph == 1


def test_locate_refuses_missing_and_empty_quotes():
    source = Source.from_text("pets", TINY_SOURCE)
    assert source.locate("Cats sleep all night.") is None
    assert source.locate("") is None


def test_sentences_do_not_break_on_abbreviations():
    text = ARTICLE.read_text(encoding="utf-8")
    source = Source.from_text("dea-la", text)
    sentences = [text[s.start : s.end] for s in source.sentences()]
    assert any(s.startswith("These exceptions allow the LAPD to communicate with U.S. Immigration") for s in sentences)
    assert "Ending birthright citizenship." in sentences  # list marker left out
    assert len(sentences) == 20


def test_blank_line_paragraphs_and_markdown_headings():
    text = "# Title\n\nFirst line of a paragraph\nthat goes on.\n\n## Part two\n\n- item one\n- item two\n"
    source = Source.from_text("md", text)
    assert source.sections == ("Title", "Part two")
    paragraphs = [text[b.start : b.end] for b in source.paragraphs]
    assert paragraphs == ["First line of a paragraph\nthat goes on.", "- item one", "- item two"]
    assert [b.section for b in source.paragraphs] == ["Title", "Part two", "Part two"]


# ------------------------------------------------------------------ sentences: initials, titles, abbreviations

import pytest  # noqa: E402

from faqbot.sources import dateline, metadata_kind  # noqa: E402


def _sentences(text: str) -> list[str]:
    source = Source.from_text("s", text)
    return [text[s.start : s.end] for s in source.sentences()]


@pytest.mark.parametrize("text", [
    # titles before names never end a sentence
    "The registry was proposed by state Rep. Wallace H. Smith on Monday.",
    "Dr. Ana Ruiz and Mrs. Lee met Gov. Henry McMaster and Sen. Tim Scott, R-S.C., at noon.",
    "Lt. Gov. Pamela Evette and Prof. Ng spoke.",
    # initials, one or several
    "In 1973, Nixon named William E. Simon as the first Administrator of the Federal Energy Office.",
    "Much of the debate was pioneered by such theorists as J. A. Hobson and Joseph Schumpeter.",
    "The historian Frederick W. Mote wrote that the term was misleading.",
    # dotted abbreviations before a name or a lower-case word
    "These exceptions allow the LAPD to communicate with U.S. Immigration and Customs Enforcement.",
    "The library stays open from 8 p.m. to midnight, e.g. on Mondays.",
    # months before a day, numbers after "No."
    "The vote is set for Jan. 12 at City Hall, and the next for Feb. 9.",
    "The proposal, No. 24-117, goes to a vote in Sept. 2027.",
    # Saint and Street before a name, hyphenated too
    "Dr. Ana Ruiz of St. Luke's Hospital prays at Trinity-St. Paul's Church on Evans St. in Florence.",
    # a question or exclamation inside quotes, then the speaker
    "“Why now?” she asked the council.",
])
def test_one_sentence_is_not_cut(text):
    assert _sentences(text) == [text]


@pytest.mark.parametrize(("text", "expected"), [
    ("Mrs. Ruiz lives on Main St. The council did not respond.",
     ["Mrs. Ruiz lives on Main St.", "The council did not respond."]),
    ("He moved to the U.S. in 1999. It was 5 a.m. The streets were empty.",
     ["He moved to the U.S. in 1999.", "It was 5 a.m.", "The streets were empty."]),
    ("The branch closes at 8 p.m. The library agreed to stay open.",
     ["The branch closes at 8 p.m.", "The library agreed to stay open."]),
    ("Bans on satellite dishes etc. Nor is such a usage recent.",
     ["Bans on satellite dishes etc.", "Nor is such a usage recent."]),
    ("It ended in Jan. “We are done,” he said.", ["It ended in Jan.", "“We are done,” he said."]),
    ("Prices rose 70%. The embargo ended in 1974! Why? Nobody knows…  Then oil fell.",
     ["Prices rose 70%.", "The embargo ended in 1974!", "Why?", "Nobody knows…", "Then oil fell."]),
])
def test_sentences_end_where_a_new_one_starts(text, expected):
    assert _sentences(text) == expected


def test_a_long_paragraph_is_split_everywhere():
    # 1.2 MB in one paragraph (a quadratic split would take minutes: see benchmarks/init_speed.py)
    text = "Mr. Smith met Dr. Jones at 5 p.m. in the U.S. The end came. " * 20_000
    spans = Source.from_text("big", text).sentences()
    assert len(spans) == 40_000
    assert text[spans[-2].start : spans[-2].end] == "Mr. Smith met Dr. Jones at 5 p.m. in the U.S."


# ------------------------------------------------------------------ metadata lines


@pytest.mark.parametrize(("line", "kind"), [
    ("Source: https://www.example.com/news/2026/03/council", "url"),
    ("https://www.example.com/news/story.html", "url"),
    ("Originally published at https://example.org/a", "url"),
    ("Source: The Associated Press", "url"),
    ("By Priya Raman | Riverton Ledger | March 3, 2026", "byline"),
    ("Written by Jane Doe, Staff Writer", "byline"),
    ("Published March 3, 2026", "date"),
    ("Tuesday, March 3, 2026 at 4:05 p.m.", "date"),
    ("2026-03-03", "date"),
    ("Updated 5:31 p.m. EST, March 3, 2026", "updated"),
    ("Last updated: Mar. 4, 2026", "updated"),
    ("Updated 2 hours ago", "updated"),
    ("Photo: Jane Doe/The Morning News", "credit"),
    ("Photo by John Smith", "credit"),
    ("Courtesy of the City of Florence", "credit"),
    ("Council member Ann Lee speaks on Monday. (AP Photo/John Smith)", "credit"),
    ("Advertisement", "boilerplate"),
    ("Share this article", "boilerplate"),
    ("Copyright 2026 The Morning News. All rights reserved.", "boilerplate"),
    ("Contact Jane Doe at jdoe@example.com or 555-0100.", "boilerplate"),
    # the article's text
    ("By Monday, the council will vote on the budget.", ""),
    ("Updated guidance was released on Monday by the state.", ""),
    ("The photo showed the mayor at the podium.", ""),
    ("Sources said the vote would be close, and the mayor agreed with them on Tuesday.", ""),
    ("The City Council approved the plan 7–2 on February 24.", ""),
])
def test_metadata_lines_are_recognised(line, kind):
    assert metadata_kind(line) == kind


def test_metadata_lines_are_no_sentences_and_the_dateline_is_not_text():
    text = ("Source: https://example.com/a\n\nBy Jane Doe | The News\n\nUpdated 5 p.m. March 3, 2026\n\n"
            "FLORENCE, S.C. — The council met Monday. It voted.\n\nPhoto: Jane Doe/The News\n\nThe end came.\n")
    source = Source.from_text("s", text)
    assert [b.meta for b in source.paragraphs] == ["url", "byline", "updated", "", "credit", ""]
    assert _sentences(text) == ["The council met Monday.", "It voted.", "The end came."]
    assert [b.paragraph for b in source.paragraphs] == [1, 2, 3, 4, 5, 6]  # numbering is unchanged


@pytest.mark.parametrize(("paragraph", "head"), [
    ("FLORENCE, S.C. — The council met.", "FLORENCE, S.C. — "),
    ("WASHINGTON (AP) -- The Senate voted.", "WASHINGTON (AP) -- "),
    ("LOS ANGELES — A judge ruled.", "LOS ANGELES — "),
    ("Florence, S.C. (WPDE) — The council met.", "Florence, S.C. (WPDE) — "),
    ("March 3, 2026 — The council met.", "March 3, 2026 — "),
    ("Meanwhile — the council met.", ""),
    ("NASA said the launch was delayed.", ""),
    ("WARNING: the road is closed.", ""),
])
def test_datelines(paragraph, head):
    assert paragraph[: dateline(paragraph, 0, len(paragraph))] == head


def test_a_plain_text_metadata_line_is_no_heading():
    text = "Photo by John Smith\nThe council met on Monday.\nBy Jane Doe\nIt voted.\n"
    source = Source.from_text("s", text)
    assert source.sections == ()
    assert _sentences(text) == ["The council met on Monday.", "It voted."]

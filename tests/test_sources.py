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

"""Several sources in one knowledge base: citations name their source, with offsets
into that source; text replies name the article; `faqbot init` adds a second article."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from faqbot import FAQBot, UsageError
from faqbot import knowledge, render, scaffold
from faqbot.check import check

from .conftest import ARTICLE as DEA_ARTICLE
from .conftest import ROOT

LIBRARY = ROOT / "tests" / "articles" / "riverton-library-late-hours.md"

# The shared sentence sits at different offsets in the two sources.
SHARED = "The bridge on Elm Street closes for repairs in May."
RIVER = f"River news\nThe river rose two feet overnight. {SHARED}\nFerries\nThe ferry runs every hour.\n"
ROADS = f"{SHARED} Detours follow Oak Avenue.\nBuses\nBus 4 skips Elm Street until June.\n"

SOURCES = """\
sources:
  - id: river
    file: river.txt
    title: River report
  - id: roads
    file: roads.txt
    title: Road works bulletin
"""

INTENTS = f"""\
topic: Town
intents:
  - id: bridge-closure
    title: The Elm Street bridge closure
    questions: [when does the elm street bridge close, is the bridge closed, bridge repairs, elm street bridge,
                bridge closing in may, what about the bridge]
    answer: The bridge on Elm Street closes for repairs in May; detours follow Oak Avenue.
    citations:
      - source: river
        quote: "{SHARED}"
      - source: roads
        quote: "{SHARED} Detours follow Oak Avenue."
    follow_ups: [ferry]
  - id: ferry
    title: The ferry timetable
    questions: [how often does the ferry run, ferry schedule, ferry times, when is the next ferry, ferry hourly,
                does the ferry run often]
    answer: The ferry runs every hour.
    citations:
      - source: river
        quote: The ferry runs every hour.
"""


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def two_sources(tmp_path: Path) -> Path:
    kb = tmp_path / "kb"
    (kb / "seeds").mkdir(parents=True)
    (kb / "intents").mkdir()
    (kb / "seeds" / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (kb / "seeds" / "river.txt").write_text(RIVER, encoding="utf-8")
    (kb / "seeds" / "roads.txt").write_text(ROADS, encoding="utf-8")
    (kb / "intents" / "town.yaml").write_text(textwrap.dedent(INTENTS), encoding="utf-8")
    return kb


def _run(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "88", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "faqbot", *args], input=stdin, capture_output=True, text=True, timeout=60, env=env
    )


def test_one_intent_cites_both_sources_with_their_own_offsets(two_sources):
    bot = FAQBot(knowledge.load(two_sources))
    reply = bot.ask("is the elm street bridge closed?")
    assert (reply.status, reply.intent) == ("answered", "bridge-closure")
    river, roads = reply.citations
    assert (river.source, roads.source) == ("river", "roads")
    assert (river.start, river.end) == (RIVER.index(SHARED), RIVER.index(SHARED) + len(SHARED))
    assert (roads.start, roads.end) == (0, len(SHARED) + len(" Detours follow Oak Avenue."))
    for c in reply.citations:
        assert bot.kb.sources[c.source].text[c.start : c.end] == c.quote
    assert (river.section, river.paragraph) == ("River news", 1)
    assert (roads.section, roads.paragraph) == (None, 1)


@pytest.mark.parametrize(("question", "source", "quote"), [
    ("which bus skips until june", "roads", "Bus 4 skips Elm Street until June."),
    ("river rose overnight", "river", "The river rose two feet overnight."),
])
def test_passage_fallback_searches_every_source(two_sources, question, source, quote):
    bot = FAQBot(knowledge.load(two_sources))
    reply = bot.ask(question)
    assert reply.status == "passage", (reply.status, reply.intent)
    c = reply.citations[0]
    assert (c.source, c.quote) == (source, quote)
    assert bot.kb.sources[source].text[c.start : c.end] == quote


def test_text_reply_names_each_source(two_sources, tmp_path):
    result = _run(tmp_path, "ask", "--kb", str(two_sources), "is the elm street bridge closed?")
    assert result.returncode == 0, result.stderr
    assert "  — River report, River news, paragraph 1\n" in result.stdout
    assert "  — Road works bulletin, paragraph 1\n" in result.stdout
    data = json.loads(_run(tmp_path, "ask", "--json", "--kb", str(two_sources), "bridge repairs").stdout)
    assert [(c["source"], c["start"]) for c in data["citations"]] == [("river", RIVER.index(SHARED)), ("roads", 0)]
    # with one source the location does not name it (nothing to tell apart)
    kb = knowledge.load(two_sources)
    citation = kb.intent("ferry").citations[0]
    assert render.location(citation) == "Ferries, paragraph 2"
    assert render.location(citation, "River report") == "River report, Ferries, paragraph 2"


def test_check_passes_and_covers_both_sources(two_sources):
    report = check(two_sources)
    assert report.ok
    assert report.coverage is not None and report.coverage.total == 6
    assert {s.source for s in report.coverage.uncited} == {"river", "roads"}


# ------------------------------------------------------------------ faqbot init adds a source


@pytest.fixture(scope="module")
def library_and_dea(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("multi") / "kb"
    scaffold.scaffold(LIBRARY, out)
    scaffold.scaffold(DEA_ARTICLE, out, title="DEA joins immigration enforcement in LA")
    return out


def test_init_adds_a_second_article(library_and_dea):
    kb = knowledge.load(library_and_dea)
    assert list(kb.sources) == ["riverton-library-late-hours", "dea-la-immigration-enforcement"]
    entries = yaml.safe_load((library_and_dea / "seeds" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    assert entries[1]["provenance"]["author"] == "unknown"  # the DEA article states none
    # ids and files did not clash: the second overview got its own
    assert {"overview", "overview-dea-la-immigration-enforcement"} <= {i.id for i in kb.intents}
    assert (library_and_dea / "intents" / "dea-la-immigration-enforcement-overview.yaml").is_file()
    assert sum(i.id == "greeting" for i in kb.intents) == 1  # small talk kept, not doubled
    report = check(library_and_dea)
    assert report.ok and report.coverage is not None and report.coverage.ratio == 1.0
    # "draft": not yet reviewed, as marked; "few-examples": a draft has a few well-worded questions
    others = [p for p in report.warnings if p.code not in ("draft", "few-examples")]
    assert len(others) <= 2, [str(p) for p in others]


@pytest.mark.parametrize(("question", "source", "quoted"), [
    ("What is Special Order 40?", "dea-la-immigration-enforcement", "Special Order 40"),
    ("Who is Tanya Ortiz?", "riverton-library-late-hours", "Riverton General Hospital"),
    ("What is the Riverton Public Library article about?", "riverton-library-late-hours", "Night Owl Hours"),
])
def test_each_question_is_answered_from_its_own_article(library_and_dea, question, source, quoted):
    bot = FAQBot(knowledge.load(library_and_dea))
    reply = bot.ask(question)
    assert reply.status == "answered", (reply.status, reply.reason)
    assert {c.source for c in reply.citations} == {source}
    assert any(quoted in c.quote for c in reply.citations)
    for c in reply.citations:
        assert bot.kb.sources[c.source].text[c.start : c.end] == c.quote


def test_cli_names_the_article_once_there_are_two(library_and_dea, tmp_path):
    result = _run(tmp_path, "ask", "--kb", str(library_and_dea), "What is Special Order 40?")
    assert result.returncode == 0
    assert "  — DEA joins immigration enforcement in LA, Los Angeles’ Sanctuary City Policies, paragraph 9\n" in result.stdout
    batch = _run(tmp_path, "ask", "--kb", str(library_and_dea), "-", stdin="What is Special Order 40?\n")
    assert batch.stdout.rstrip("\n").endswith(
        "[DEA joins immigration enforcement in LA, Los Angeles’ Sanctuary City Policies, paragraph 9]"
    )


def test_a_failed_addition_leaves_the_knowledge_base_as_it_was(tmp_path, monkeypatch):
    out = scaffold.scaffold(LIBRARY, tmp_path / "kb")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(root):
        raise scaffold.FaqbotError("simulated failure")

    monkeypatch.setattr(scaffold, "_validate", broken)
    with pytest.raises(scaffold.FaqbotError, match="simulated failure"):
        scaffold.scaffold(DEA_ARTICLE, out)
    assert before == {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(scaffold.FaqbotError):
        scaffold.scaffold(LIBRARY, tmp_path / "fresh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "kb"] or sorted(
        p.name for p in tmp_path.iterdir()) == ["kb"]


def test_a_broken_knowledge_base_is_not_added_to(tmp_path):
    out = scaffold.scaffold(LIBRARY, tmp_path / "kb")
    (out / "intents" / "overview.yaml").write_text("topic: x\nintents: [oops\n", encoding="utf-8")
    with pytest.raises(UsageError, match="is a knowledge base with errors; fix them first"):
        scaffold.scaffold(DEA_ARTICLE, out)
    assert not (out / "seeds" / "dea-la-immigration-enforcement.txt").exists()


def test_chat_lists_both_articles_and_answers_from_each(library_and_dea, tmp_path):
    stdin = "/sources\nWhat is Special Order 40?\nWho is Tanya Ortiz?\n"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "88", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-m", "faqbot", "chat", "--kb", str(library_and_dea)], input=stdin,
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    sources, dea, library = result.stdout.split("\n> ")
    assert "Riverton Library Will Stay Open Until Midnight This Spring" in sources
    assert "DEA joins immigration enforcement in LA" in sources
    assert "— DEA joins immigration enforcement in LA, Los Angeles’ Sanctuary City Policies, paragraph 9" in dea
    assert "— Riverton Library Will Stay Open Until Midnight This Spring, Who Asked for Later Hours, paragraph 11" in library

"""Loading the knowledge base: the bundled one is valid, and every broken case is one clear line."""

from __future__ import annotations

import pytest

from faqbot import KnowledgeBaseError
from faqbot.knowledge import load

from .conftest import TINY_INTENTS


def test_bundled_kb_loads_and_every_citation_round_trips():
    kb = load()
    assert len(kb.intents) >= 30
    for intent in kb.intents:
        for c in intent.citations:
            text = kb.sources[c.source].text
            assert text[c.start : c.end] == c.quote
            assert c.paragraph >= 1


def test_bundled_kb_follows_the_authoring_rules():
    kb = load()
    ids = [i.id for i in kb.intents]
    assert len(ids) == len(set(ids))
    for intent in kb.intents:
        assert len(intent.questions) >= 6, intent.id
        if intent.kind == "answer":
            assert intent.citations, intent.id
        if intent.kind == "smalltalk":
            assert not intent.citations, intent.id


def test_bundled_source_is_the_shared_article_byte_for_byte():
    from .conftest import ARTICLE, ROOT

    shared = ROOT.parent / "shared" / "seeds" / "000_72e21962cd603829.txt"
    if not shared.exists():
        pytest.skip("../shared is not beside this checkout")
    assert ARTICLE.read_bytes() == shared.read_bytes()


def test_provenance_is_recorded_as_unknown_not_invented():
    source = load().sources["dea-la"]
    for key in ("author", "published", "url"):
        assert source.provenance[key] == "unknown"


def test_tiny_kb_loads(make_kb):
    kb = load(make_kb())
    assert [i.id for i in kb.intents] == ["cat-sleep", "dog-bark"]
    assert kb.intent("dog-bark").citations[0].section == "Dogs"


def _error(kb_dir) -> str:
    with pytest.raises(KnowledgeBaseError) as info:
        load(kb_dir)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("quote: Cats sleep most of the day.", "quote: Cats sleep all day.",
         "intents/pets.yaml:9: intent 'cat-sleep': quote is not an exact slice of source 'pets'"),
        ("id: dog-bark", "id: cat-sleep", "intents/pets.yaml:11: intent 'cat-sleep': duplicate id"),
        ("follow_ups: [dog-bark]", "follow_ups: [dog-barks]",
         "intents/pets.yaml:10: intent 'cat-sleep': follow-up to missing intent 'dog-barks'"),
        ("    answer: Cats sleep most of the day.\n", "",
         "intents/pets.yaml:3: intent 'cat-sleep': missing required field 'answer'"),
        ("answer: Cats sleep most of the day.", "answer: [Cats sleep]",
         "intents/pets.yaml:6: intent 'cat-sleep': field 'answer' must be a non-empty string, not a list"),
        ("title: How much cats sleep", "titel: How much cats sleep",
         "intents/pets.yaml:4: intent 'cat-sleep': unknown key 'titel'"),
        ("questions: [how much", "questions: [how much: {", "intents/pets.yaml:5: YAML error"),
        ("source: pets\n        quote: Cats", "source: dogs\n        quote: Cats",
         "intents/pets.yaml:8: intent 'cat-sleep': citation names unknown source 'dogs'"),
        ("id: cat-sleep", "id: Cat_Sleep", "intents/pets.yaml:3: intent 'Cat_Sleep': id 'Cat_Sleep' must be a kebab-case slug"),
        ("    answer: Cats sleep most of the day.\n", "    answer: Cats.\n    answer: Again.\n",
         "intents/pets.yaml:7: YAML error: duplicate key 'answer'"),
    ],
)
def test_broken_intent_files_give_one_line_errors(make_kb, old, new, expected):
    assert old in TINY_INTENTS
    message = _error(make_kb(intents=TINY_INTENTS.replace(old, new, 1)))
    assert message.startswith(expected), message


def test_missing_and_unreadable_files(make_kb, tmp_path):
    kb = make_kb()
    (kb / "seeds" / "pets.txt").unlink()
    assert _error(kb) == "seeds/pets.txt: file not found"
    (kb / "seeds" / "pets.txt").write_bytes(b"Cats \xff sleep")
    assert _error(kb) == "seeds/pets.txt:1: not valid UTF-8 (byte 5)"
    (kb / "seeds" / "sources.yaml").unlink()
    assert _error(kb) == "seeds/sources.yaml: file not found"
    assert "knowledge base folder not found" in _error(tmp_path / "nowhere")


def test_unsafe_yaml_tags_are_refused(make_kb):
    message = _error(make_kb(extra={"evil.yaml": "topic: !!python/object/apply:os.system ['true']\n"}))
    assert message.startswith("intents/evil.yaml:1: YAML error")


def test_no_intents_at_all(make_kb):
    kb = make_kb()
    (kb / "intents" / "pets.yaml").write_text("", encoding="utf-8")
    assert "has no intents" in _error(kb)


def test_synonyms_file(make_kb):
    kb = load(make_kb(extra={"synonyms.yaml": "synonyms:\n  cat: [kitty, kitten]\n"}))
    assert kb.synonyms == {"cat": ("kitty", "kitten")}
    message = _error(make_kb(extra={"synonyms.yaml": "synonyms:\n  cat: [1, 2]\n"}))
    assert message == "intents/synonyms.yaml:2: synonyms of 'cat' must be a list of non-empty strings"

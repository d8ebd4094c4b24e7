"""Normalization, tokenizing, stemming and synonym canonicalisation (faqbot.text)."""

from __future__ import annotations

import pytest

from faqbot.text import SynonymMap, normalize, stem, tokenize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("What’s Special Order 40?", "what special order 40"),  # curly apostrophe + possessive
        ("What's Special Order 40?", "what special order 40"),  # straight apostrophe, same result
        ("“Sanctuary” city", "sanctuary city"),  # curly double quotes
        ("don’t", "dont"),
        ("ＬＡＰＤ　ｏｆｆｉｃｅｒｓ", "lapd officers"),  # NFKC: fullwidth letters and space
        ("The U.S. border", "the us border"),  # dotted acronym joined
        ("SO-40 — LAPD", "so 40 lapd"),  # hyphen and em dash become spaces
        ("  many\t\nspaces  ", "many spaces"),
        ("Straße CAFÉ", "strasse cafe"),  # casefold + accents
        ("a•b → c ★ ©", "a b c"),  # symbols are separators, not tokens
        ("Привет 東京", "привет 東京"),  # other scripts are kept
        ("", ""),
        ("?!...", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    text = "Who’s “in charge” of the DEA’s L.A. field division?"
    assert normalize(normalize(text)) == normalize(text)


def test_tokenize_splits_normalized_text() -> None:
    assert tokenize("Is L.A. a sanctuary-city?") == ["is", "la", "a", "sanctuary", "city"]
    assert tokenize("   ") == []
    assert tokenize("¿¡!?") == []


@pytest.mark.parametrize(
    "family",
    [
        ["schedule", "scheduled", "scheduling", "schedules"],
        ["deportation", "deportations"],
        ["city", "cities"],
        ["arrest", "arrests", "arrested", "arresting"],
        ["face", "faces", "faced", "facing"],  # the silent e comes back after -ing/-ed
        ["vote", "votes", "voted", "voting"],
    ],
)
def test_stem_merges_word_families(family: list[str]) -> None:
    assert len({stem(w) for w in family}) == 1


def test_stem_restores_no_e_a_doubled_consonant_took_away() -> None:
    assert stem("hopping") == stem("hop") != stem("hoping") == stem("hope")
    assert stem("fixing") == "fix" and stem("paying") == "pay"


def test_stem_leaves_short_words_and_numbers() -> None:
    assert stem("ice") == "ice"
    assert stem("40") == "40"
    assert stem("bus") == "bus"
    assert stem("status") == "status"


SYNONYMS = {
    "special order 40": ["so 40", "so40", "order 40"],
    "lapd": ["los angeles police department", "los angeles police", "cops"],
}


def _canon(text: str, synonyms: SynonymMap) -> list[str]:
    return synonyms.apply([stem(t) for t in tokenize(text)])


def test_synonym_variant_becomes_canonical() -> None:
    syn = SynonymMap(SYNONYMS)
    assert _canon("what is so 40", syn) == ["what", "is", "special", "order", "40"]
    assert _canon("SO40?", syn) == ["special", "order", "40"]


def test_synonym_longest_variant_wins() -> None:
    syn = SynonymMap(SYNONYMS)
    assert _canon("the los angeles police department", syn) == ["the", "lapd"]
    assert _canon("los angeles police", syn) == ["lapd"]


def test_synonym_canonical_form_is_kept_and_not_rewritten() -> None:
    syn = SynonymMap(SYNONYMS)
    # "order 40" is a variant, but inside the canonical phrase it must stay put
    assert _canon("special order 40", syn) == ["special", "order", "40"]


def test_synonyms_match_inflected_variants() -> None:
    syn = SynonymMap(SYNONYMS)
    assert _canon("are the cop here", syn) == _canon("are the cops here", syn) == ["are", "the", "lapd", "here"]


def test_empty_synonym_map_is_a_no_op() -> None:
    syn = SynonymMap({})
    assert not syn
    assert syn.apply(["a", "b"]) == ["a", "b"]


def test_chat_shorthand_is_read_as_words() -> None:
    assert tokenize("wat can u do 4 ppl") == ["what", "can", "you", "do", "4", "people"]
    assert tokenize("gonna ask the govt") == ["going", "to", "ask", "the", "government"]
    assert tokenize("U.S. citizens") == ["us", "citizens"]  # no shorthand inside a word

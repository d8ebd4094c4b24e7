"""The embeddable matcher (faqbot.matcher): ranking, robustness, confidence, speed."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faqbot import matcher as matcher_module
from faqbot.matcher import Match, Matcher, MatcherConfig

SRC = Path(__file__).resolve().parent.parent / "src"

INTENTS = {
    "special-order-40": [
        "What is Special Order 40?",
        "what does special order 40 say",
        "LAPD rule on asking about immigration status",
        "can the police ask about my immigration status",
        "special order 40",
    ],
    "sanctuary-ordinance": [
        "Is Los Angeles a sanctuary city?",
        "what does the sanctuary ordinance prohibit",
        "la sanctuary ordinance",
        "can city workers help federal immigration enforcement",
    ],
    "dea-la-leader": [
        "Who leads the DEA's Los Angeles field division?",
        "who is in charge of the dea in la",
        "Matthew Allen",
        "who runs the dea field office",
    ],
    "birthright-citizenship": [
        "What about birthright citizenship?",
        "is trump ending birthright citizenship",
        "citizenship for children born in the us",
    ],
    "greeting": ["hello", "hi there", "good morning"],
    "thanks": ["thanks", "thank you so much", "cheers"],
}
SYNONYMS = {
    "special order 40": ["so 40", "so40", "so-40"],
    "lapd": ["los angeles police department", "los angeles police", "cops"],
    "los angeles": ["la", "l.a."],
    "dea": ["drug enforcement administration"],
}


@pytest.fixture(scope="module")
def m() -> Matcher:
    return Matcher(INTENTS, synonyms=SYNONYMS)


def top(m: Matcher, query: str) -> str | None:
    best = m.best(query)
    return best.intent if best else None


@pytest.mark.parametrize(
    ("query", "intent"),
    [
        ("What is Special Order 40?", "special-order-40"),  # an example, verbatim
        ("so 40", "special-order-40"),  # synonym variant
        ("tell me about SO-40", "special-order-40"),
        ("who leads the drug enforcement administration in LA", "dea-la-leader"),  # synonym phrase
        ("sanctuary", "sanctuary-ordinance"),  # keyword only
        ("allen", "dea-la-leader"),  # fragment
        ("city sanctuary angeles los is", "sanctuary-ordinance"),  # word order
        ("helo", "greeting"),  # typo in a short word
        ("speshal ordr 40", "special-order-40"),  # two typos
        ("who leeds the DEA feild divison", "dea-la-leader"),  # three typos
        ("birthrite citizenshp", "birthright-citizenship"),
        (
            "I read the article last night and my cousin keeps asking me things. "
            "She lives in Echo Park. Who is actually in charge of the DEA office there?",
            "dea-la-leader",
        ),  # long query with context around the question
    ],
)
def test_top_intent(m: Matcher, query: str, intent: str) -> None:
    assert top(m, query) == intent


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Who leads the DEA’s Los Angeles field division?", "Who leads the DEA's Los Angeles field division?"),
        ("“special order 40”", '"special order 40"'),
        ("ＳＰＥＣＩＡＬ ＯＲＤＥＲ ４０", "special order 40"),
        ("SANCTUARY CITY", "sanctuary city"),
    ],
)
def test_normalization_does_not_change_the_result(m: Matcher, a: str, b: str) -> None:
    assert m.match(a) == m.match(b)


def test_example_is_the_original_text(m: Matcher) -> None:
    best = m.best("who is matthew allen")
    assert best is not None and best.example == "Matthew Allen"
    assert m.best("what is so40").example in INTENTS["special-order-40"]


def test_ranking_is_ordered_and_unique(m: Matcher) -> None:
    found = m.match("who is in charge of the sanctuary ordinance", limit=None)
    assert len(found) >= 2
    keys = [(-x.confidence, x.intent) for x in found]
    assert keys == sorted(keys)
    assert len({x.intent for x in found}) == len(found)
    assert {x.intent for x in found} <= set(m.intents)


def test_limit_and_score_cutoff(m: Matcher) -> None:
    assert len(m.match("dea la sanctuary", limit=2)) <= 2
    cut = m.match("dea la sanctuary", limit=None, score_cutoff=0.3)
    assert all(x.confidence >= 0.3 for x in cut)
    assert len(m.match("dea la sanctuary", limit=None, score_cutoff=1.01)) == 0


def test_deterministic_across_builds_and_calls() -> None:
    a = Matcher(INTENTS, synonyms=SYNONYMS)
    b = Matcher(dict(reversed(list(INTENTS.items()))), synonyms=SYNONYMS)
    for q in ["so 40", "who runs it", "sanctuary police", "thanks a lot", "citizenship"]:
        assert a.match(q, limit=None) == a.match(q, limit=None)
        assert a.match(q, limit=None) == b.match(q, limit=None)


def test_ties_are_broken_by_intent_id() -> None:
    twins = Matcher({"b-intent": ["exactly the same words"], "a-intent": ["exactly the same words"]})
    found = twins.match("exactly the same words")
    assert [x.intent for x in found] == ["a-intent", "b-intent"]
    assert found[0].confidence == found[1].confidence


def test_in_scope_is_confident_and_out_of_scope_is_not(m: Matcher) -> None:
    assert m.best("What is Special Order 40?").confidence >= 0.8
    for q in ["how do I bake bread", "what is the capital of mongolia", "quantum entanglement explained"]:
        best = m.best(q)
        assert best is None or best.confidence < 0.5, (q, best)


def test_coverage_reports_unknown_words(m: Matcher) -> None:
    known = m.best("special order 40")
    mixed = m.best("special order 40 zebra giraffe penguin")
    assert known.coverage == pytest.approx(1.0)
    assert mixed.coverage < 0.6
    assert mixed.confidence < known.confidence


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "?!?!", "…", "’’", "\u200b", "🙂🙂"])
def test_empty_or_punctuation_only_returns_nothing(m: Matcher, query: str) -> None:
    assert m.match(query) == []
    assert m.best(query) is None


def test_huge_input_is_handled_quickly(m: Matcher) -> None:
    query = "special order 40 " * 5000 + "x" * 100_000
    t0 = time.perf_counter()
    found = m.match(query)
    assert time.perf_counter() - t0 < 2.0
    assert all(0.0 <= x.confidence <= 1.0 for x in found)


def test_non_string_query_is_a_type_error(m: Matcher) -> None:
    with pytest.raises(TypeError):
        m.match(None)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_valid_ranked_matches(query: str) -> None:
    m = _SHARED
    found = m.match(query, limit=None)
    assert all(0.0 <= x.confidence <= 1.0 for x in found)
    assert [x.confidence for x in found] == sorted((x.confidence for x in found), reverse=True)
    assert found == m.match(query, limit=None)


_SHARED = Matcher(INTENTS, synonyms=SYNONYMS)


def test_match_to_dict_and_frozen(m: Matcher) -> None:
    best = m.best("so 40")
    d = best.to_dict()
    assert d["intent"] == "special-order-40" and set(d) >= {"intent", "confidence", "example", "coverage"}
    with pytest.raises(AttributeError):
        best.intent = "x"  # type: ignore[misc]
    assert isinstance(best, Match)


def test_intents_property_and_empty_kb() -> None:
    assert Matcher(INTENTS).intents == tuple(INTENTS)
    empty = Matcher({})
    assert empty.intents == () and empty.match("hello") == []
    blank = Matcher({"x": ["", "  "]})
    assert blank.match("hello") == []


def test_concurrent_calls_agree(m: Matcher) -> None:
    queries = ["so 40", "who leads the dea", "is la a sanctuary city", "thank you", "birthright"] * 40
    expected = [m.match(q) for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(m.match, queries)) == expected


def test_small_kb_is_fast(m: Matcher) -> None:
    queries = ["what is so 40", "who leads the dea in la", "sanctuary city", "helo", "birthright citizenship"]
    t0 = time.perf_counter()
    for _ in range(200):
        for q in queries:
            m.match(q)
    per_query_ms = (time.perf_counter() - t0) * 1000 / (200 * len(queries))
    assert per_query_ms < 2.0  # well under 1 ms on a quiet machine; slack for CI


REFINED = MatcherConfig(refine=True)


def test_refinement_is_explicit_and_changes_the_weights() -> None:
    plain = Matcher(INTENTS, synonyms=SYNONYMS)
    refined = Matcher(INTENTS, synonyms=SYNONYMS, config=REFINED)
    assert not plain._refined and refined._refined
    assert top(refined, "so 40") == "special-order-40"
    assert top(refined, "who leads the DEA feild divison") == "dea-la-leader"
    found = refined.match("sanctuary police dea", limit=None)
    assert all(0.0 <= x.confidence <= 1.0 for x in found)
    # the refined weights: the same leader, other scores, and weights for intents whose
    # examples never use these words (the softmax moved them)
    unrefined = plain.match("sanctuary police dea", limit=None)
    assert found[0].intent == unrefined[0].intent == "sanctuary-ordinance"
    assert {x.intent for x in unrefined} < {x.intent for x in found}
    assert all(a.score != b.score for a, b in zip(found, unrefined))


def test_a_big_kb_is_not_refined_unless_asked() -> None:
    big = {f"intent-{n}": [f"question {n} about topic {n % 17} number {k}" for k in range(25)] for n in range(100)}
    assert not Matcher(big)._refined  # 2,500 examples: refined automatically before


def test_dense_rows_for_common_features_rank_exactly_as_the_binary_search(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    import faqbot.matcher as matcher_module

    rng = random.Random(7)
    words = [f"w{n}x" for n in range(60)]
    kb = {f"intent-{n}": [f"what is the {' '.join(rng.sample(words, 3))} of topic {n}" for _ in range(4)]
          for n in range(400)}
    queries = [f"what is the {' '.join(rng.sample(words, 2))} topic {rng.randrange(400)}" for _ in range(150)]
    dense = Matcher(kb)
    found = [dense.match(q, limit=5, exact=False) for q in queries]
    assert dense._dense  # "what", "the", "topic" went through dense rows
    monkeypatch.setattr(matcher_module, "_DENSE_SHARE", 0)  # never dense: the binary search
    plain = Matcher(kb)
    assert [plain.match(q, limit=5, exact=False) for q in queries] == found
    assert not plain._dense


def test_without_numpy_the_matcher_works_and_refine_says_what_to_install() -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); sys.modules['numpy'] = None\n"
        "from faqbot.matcher import Matcher, MatcherConfig\n"
        "m = Matcher({'a': ['hello there'], 'b': ['special order 40']})\n"
        "print(m.best('helo').intent)\n"
        "try:\n"
        "    Matcher({'a': ['hello']}, config=MatcherConfig(refine=True))\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(SRC)], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "a", "MatcherConfig(refine=True) needs numpy: pip install 'faqbot[refine]'"]


def test_import_does_not_load_numpy() -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import faqbot.matcher as fm; "
        "fm.Matcher({'a': ['hello there'], 'b': ['special order 40']}).match('helo'); "
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(SRC)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_example_word_for_word_goes_to_its_own_intent():
    m = Matcher({
        "news": ["dea announcement", "what was said"],
        "worry": ["dea announcement worries", "why is the dea announcement worrying", "announcement concerns",
                  "dea concerns", "worry about dea announcement"],
    })
    # by the statistics alone the other intent wins: its examples use these words more
    assert m.match("DEA announcement?", exact=False)[0].intent == "worry"
    best = m.match("DEA announcement?")[0]
    assert (best.intent, best.example, best.confidence) == ("news", "dea announcement", 0.99)


# ------------------------------------------------------------------ frozen outputs
# tests/fixtures/matcher_frozen.json.gz holds what the matcher answered, before its
# index was rewritten, on a few hundred queries over a snapshot of the bundled
# knowledge base and a synthetic one (see tests/fixtures/matcher_frozen.py).

FROZEN = Path(__file__).resolve().parent / "fixtures" / "matcher_frozen.json.gz"


def _frozen() -> dict:
    import gzip
    import json

    return json.loads(gzip.decompress(FROZEN.read_bytes()).decode("utf-8"))


def _compact(found: list[Match], intents: dict[str, list[str]]) -> list[list]:
    return [[m.intent, m.confidence, m.score, m.coverage, intents[m.intent].index(m.example)] for m in found]


@pytest.mark.parametrize("kb", ["bundled", "synthetic"])
def test_same_outputs_as_the_frozen_matcher(kb: str) -> None:
    data = _frozen()[kb]
    intents = data["intents"]
    matcher = Matcher(intents, synonyms=data["synonyms"] or None)
    for row in data["rows"]:
        q = row["q"]
        found = matcher.match(q, limit=10)
        assert _compact(found, intents) == row["match"], q
        assert _compact(matcher.match(q, limit=3, exact=False), intents) == row["statistics"], q
        assert matcher.example_of(q) == row["example_of"], q
        closest = [[m.intent, intents[m.intent].index(e) if e else None, s]
                   for m in found[:3] for e, s in [matcher.closest(q, m.intent)]]
        assert closest == row["closest"], q


def test_the_refined_model_gives_the_frozen_outputs() -> None:
    """numpy's float32 sums may round differently on another CPU: the same ranking
    and examples, numbers within 1e-4."""
    data = _frozen()["refined"]
    intents = data["intents"]
    matcher = Matcher(intents, config=REFINED)
    for row in data["rows"]:
        q = row["q"]
        found = _compact(matcher.match(q, limit=10), intents)
        assert [(r[0], r[4]) for r in found] == [(r[0], r[4]) for r in row["match"]], q
        assert [r[1:4] for r in found] == [pytest.approx(r[1:4], abs=1e-4) for r in row["match"]], q
        assert matcher.example_of(q) == row["example_of"], q


# ------------------------------------------------------------------ settings


def test_the_config_is_frozen_and_its_defaults_are_what_a_matcher_uses() -> None:
    config = MatcherConfig()
    with pytest.raises(AttributeError):
        config.alpha = 1.0  # type: ignore[misc]
    assert Matcher(INTENTS).config == config and not config.refine
    assert MatcherConfig(calibration=[1, 2, 3]).calibration == (1.0, 2.0, 3.0)  # lists from plain data
    for bad in ({"calibration": (1.0, 2.0)}, {"char_n": 1}, {"alpha": 0.0}, {"temperature": -1.0},
                {"probe_top": -1}, {"rank_depth": 2.5}):
        with pytest.raises(ValueError):
            MatcherConfig(**bad)


def test_a_config_changes_what_it_says() -> None:
    # character n-grams are what matches a fragment of a word
    assert top(Matcher(INTENTS), "zenship") == "birthright-citizenship"
    assert Matcher(INTENTS, config=MatcherConfig(char_weight=0.0)).match("zenship") == []
    # a repaired word loses fuzzy_penalty of its weight per edit
    lenient = Matcher(INTENTS, config=MatcherConfig(fuzzy_penalty=0.0)).best("sanctuory")
    strict = Matcher(INTENTS, config=MatcherConfig(fuzzy_penalty=0.4)).best("sanctuory")
    assert lenient.intent == strict.intent == "sanctuary-ordinance" and lenient.confidence > strict.confidence
    # the confidence given to an example asked word for word
    assert Matcher(INTENTS, config=MatcherConfig(exact_confidence=0.95)).best("special order 40").confidence == 0.95
    # how many intents get a confidence at all
    assert len(Matcher(INTENTS, config=MatcherConfig(rank_depth=2)).match("the", limit=None)) == 2


# ------------------------------------------------------------------ work done once


def test_each_example_is_tokenized_once_and_each_word_stemmed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: dict[str, list[str]] = {"tokenize": [], "stem": []}
    real_tokenize, real_stem = matcher_module.tokenize, matcher_module.stem
    monkeypatch.setattr(matcher_module, "tokenize", lambda t: calls["tokenize"].append(t) or real_tokenize(t))
    monkeypatch.setattr(matcher_module, "stem", lambda t: calls["stem"].append(t) or real_stem(t))
    Matcher(INTENTS)
    assert sorted(calls["tokenize"]) == sorted(q for qs in INTENTS.values() for q in qs)
    words = [w for qs in INTENTS.values() for q in qs for w in real_tokenize(q)]
    assert sorted(calls["stem"]) == sorted(set(words)) and len(words) > len(set(words))


def test_a_question_is_analysed_once_for_match_and_closest(monkeypatch: pytest.MonkeyPatch) -> None:
    m = Matcher(INTENTS, synonyms=SYNONYMS)
    tokenized: list[str] = []
    repaired: list[str] = []
    real_tokenize, real_repair = matcher_module.tokenize, m._repair
    monkeypatch.setattr(matcher_module, "tokenize", lambda t: tokenized.append(t) or real_tokenize(t))
    monkeypatch.setattr(m, "_repair", lambda t: repaired.append(t) or real_repair(t))
    query = "who leeds the sanctuary feild divison and the dea feild office"
    found = m.match(query, limit=3)
    closest = [m.closest(query, x.intent) for x in found]
    assert tokenized == [query]  # once, for the features and the exact lookup alike
    assert sorted(repaired) == ["divison", "feild", "leeds"]  # each unknown word once, not per candidate
    assert found[0].intent == "dea-la-leader" and closest[0][0] == "who runs the dea field office"
    assert found == m.match(query, limit=3) and tokenized == [query]  # a repeat is served from the analysis


def test_a_dropped_matcher_is_freed_at_once() -> None:
    """No reference cycle (the cache of recent questions is plain data): a big index is
    given back when the last reference goes, not at the next full garbage collection."""
    import gc
    import weakref

    m = Matcher(INTENTS, synonyms=SYNONYMS)
    m.match("who leeds the dea")
    m.closest("who leeds the dea", "dea-la-leader")
    ref = weakref.ref(m)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del m
        assert ref() is None
    finally:
        if enabled:
            gc.enable()


def test_recent_analyses_are_bounded() -> None:
    m = Matcher(INTENTS)
    for n in range(matcher_module._RECENT * 3):
        m.match(f"question number {n}")
    assert len(m._recent) == matcher_module._RECENT
    assert list(m._recent)[-1] == f"question number {matcher_module._RECENT * 3 - 1}"


# ------------------------------------------------------------------ state


def _plain(value: object) -> bool:
    if type(value) in (str, int, float, bool, type(None), bytes):
        return True
    if type(value) in (list, tuple):
        return all(_plain(v) for v in value)  # type: ignore[union-attr]
    if type(value) is dict:
        return all(_plain(k) and _plain(v) for k, v in value.items())  # type: ignore[union-attr]
    return False


@pytest.mark.parametrize("kb", ["bundled", "synthetic", "refined"])
def test_a_matcher_from_its_state_answers_exactly_as_the_one_built(kb: str) -> None:
    data = _frozen()[kb]
    built = Matcher(data["intents"], synonyms=data["synonyms"] or None,
                    config=REFINED if kb == "refined" else None)
    state = built.to_state()
    assert _plain(state)
    restored = Matcher.from_state(state)
    assert restored.intents == built.intents and restored.config == built.config
    assert restored._refined == built._refined
    for row in data["rows"]:
        q = row["q"]
        assert restored.match(q, limit=None) == built.match(q, limit=None), q
        assert restored.match(q, limit=3, exact=False) == built.match(q, limit=3, exact=False), q
        assert restored.example_of(q) == built.example_of(q), q
        for intent in built.intents[:3]:
            assert restored.closest(q, intent) == built.closest(q, intent), q
    assert Matcher.from_state(restored.to_state()).to_state() == state


def test_state_lists_for_tuples_other_byte_order_and_pickle() -> None:
    import pickle

    built = Matcher(INTENTS, synonyms=SYNONYMS)
    state = built.to_state()
    # a serializer that turns tuples into lists, and a machine of the other byte order
    relisted = {k: list(v) if isinstance(v, tuple) else v for k, v in state.items()}
    relisted["config"] = {k: list(v) if isinstance(v, tuple) else v for k, v in state["config"].items()}
    swapped = dict(relisted, byteorder="big" if sys.byteorder == "little" else "little")
    for name, code in matcher_module._STATE_ARRAYS.items():
        from array import array

        if name not in state:
            continue
        a = array(code)
        a.frombytes(state[name])
        a.byteswap()
        swapped[name] = a.tobytes()
    for other in (Matcher.from_state(relisted), Matcher.from_state(swapped), pickle.loads(pickle.dumps(built))):
        for q in ["so 40", "who leeds the dea", "sanctuary", "what is the capital of mongolia", "thanks"]:
            assert other.match(q, limit=None) == built.match(q, limit=None)


def test_state_of_another_layout_or_broken_is_a_value_error() -> None:
    state = Matcher(INTENTS).to_state()
    with pytest.raises(ValueError, match="format"):
        Matcher.from_state(dict(state, format=0))
    with pytest.raises(ValueError, match="hang together"):
        Matcher.from_state(dict(state, post_w=state["post_w"][:-8]))
    with pytest.raises(ValueError, match="hang together"):
        Matcher.from_state(dict(state, ids=state["ids"][:-1]))
    empty = Matcher.from_state(Matcher({}).to_state())
    assert empty.intents == () and empty.match("hello") == []

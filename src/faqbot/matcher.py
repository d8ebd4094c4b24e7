"""Fuzzy intent matcher: plain data in (``{intent_id: [examples]}``), ranked matches out.

Scoring, in the order it happens
--------------------------------
1. **Same pipeline on both sides.**  Examples (once, at build) and the query (once
   per call) go through :func:`faqbot.text.tokenize`, a light :func:`stem`, then
   synonym/acronym canonicalisation (``"so 40"`` -> ``"special order 40"``).
2. **Typo repair.**  A query word missing from the knowledge base's vocabulary is
   replaced by the closest vocabulary word (``rapidfuzz`` OSA distance, i.e.
   Levenshtein with adjacent transpositions counting as one edit:
   at most 1 edit for 4-5 letters, 2 up to 10 letters, 3 beyond; only words of
   compatible length sharing the first or the last letter are compared).  A
   repaired word counts 20% less per edit.
3. **Features.**  Stemmed words (stopwords such as "what", "is" at a quarter of
   the weight), adjacent-word bigrams (word order where it matters) and
   character 4-grams of the canonical text (partial words, compounds, leftover
   typos).  Each feature is weighted by its IDF *over intents*,
   ``log(1 + N_intents / intents_using_it)``: a feature every intent uses tells
   nothing, one owned by a single intent tells a lot.
4. **Intent score: naive Bayes over the intent's bag of examples.**  For each
   intent, a multinomial naive-Bayes log-likelihood over IDF-weighted feature
   counts of all its examples (smoothing ``alpha``), at temperature 10.  Written
   sparsely it is ``sum(query_weight * w[feature][intent]) - query_mass *
   penalty[intent]``, so it is computed from an inverted index: the rarest
   features' postings are scanned first (up to a budget of entries), then the
   common ones are only probed for the 50 leading intents.  Match time grows
   with the query, not with the knowledge base.
5. **Discriminative refinement, when asked** (``MatcherConfig(refine=True)``,
   needs numpy: ``pip install 'faqbot[refine]'``).  The naive-Bayes weights,
   scaled by 0.1, seed two epochs of softmax regression over the examples
   (fixed round-robin order, no randomness); the weights that moved are stored
   back into the same sparse postings, so ``match()`` is unchanged and pure
   Python.  On CLINC150 (150 intents x 100 examples) it is worth ~2 points of
   top-1; on a 40-intent FAQ it does not help.  It is a dense computation over
   features x intents, several times the cost of the build itself on any
   knowledge base where it could help, so it is never switched on behind the
   caller's back.
6. **Confidence.**  The softmax over intent scores gives a probability; the
   *coverage* is the share of the query's informative (non-stopword) word weight
   that the intent's examples use, unknown words counting at the maximum IDF.
   ``confidence = sigmoid(a * logit(probability) + b * coverage + c)`` with
   (a, b, c) fitted by logistic regression on CLINC150 *train* splits (see
   ``MatcherConfig.calibration``), so that about 9 in 10 replies at confidence
   0.9 are right.  Coverage is what pushes "what is the population of Mongolia"
   down when only "what is the" is known.

Ranking is by confidence (desc), then intent id (asc); ``example`` is the
intent's example with the highest IDF-weighted cosine to the query over word
features (ties: first listed).  The output is a pure function of the knowledge
base, the config and the query; a built ``Matcher`` is read-only (its one
mutable part, a small cache of recent questions' analyses, is thread-safe), so
concurrent ``match()`` calls are safe.

The index
---------
Every feature has a number (in the order features are first met, example by
example); the postings are one compressed-sparse-row table over those numbers
(``array`` offsets, intent ids and float64 weights: 12 bytes an entry), and each
example's word features and canonical words are flat arrays too.  A 10,000-intent
knowledge base (100,000 examples, 2.5M postings) keeps about 80 MB.  The build
tokenizes, stems (each distinct word once) and featurizes each example once; a
question is analysed once per call (and kept for the last few questions).
:meth:`Matcher.to_state` gives the index as plain data (the arrays as bytes) and
:meth:`Matcher.from_state` takes it back without rebuilding anything.  Tunables
live in :class:`MatcherConfig`.  See docs/matcher.md.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain, pairwise, repeat
from operator import mul, sub, truediv
from typing import Any, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from faqbot.text import STOPWORDS, SynonymMap, stem, tokenize

__all__ = ["Match", "Matcher", "MatcherConfig"]


class Match(NamedTuple):
    """One ranked intent for a query.

    ``confidence`` is in [0, 1] and calibrated (about 9 in 10 matches at 0.9 are
    right); ``example`` is the original example text that matched best;
    ``score`` is the intent's raw log-likelihood score (comparable only within
    one query); ``coverage`` is the share of the query's informative word weight
    that this intent's examples use (low = the query talks about something else).
    """

    intent: str
    confidence: float
    example: str
    score: float = 0.0
    coverage: float = 0.0

    def to_dict(self) -> dict:
        return self._asdict()


class _Tunables(NamedTuple):
    """The fields of `MatcherConfig` (a named tuple: immutable, cheap to define)."""

    #: Stopword unigrams ("what", "is", "the") count a quarter: they say little about
    #: *which* question is asked, but a query made only of them still matches.
    stop_weight: float = 0.25
    #: Adjacent-word bigrams: word order, where it matters.
    bigram_weight: float = 1.0
    #: Character n-grams of the canonical text: partial words, compounds and the typos
    #: repair leaves; 0 turns them off.
    char_weight: float = 1.0
    #: Their length (2 or more).
    char_n: int = 4
    #: Additive smoothing of an intent's feature mass.
    alpha: float = 0.5
    #: Softmax temperature turning scores into probabilities (the calibration
    #: below was fitted at this temperature).
    temperature: float = 10.0
    #: confidence = sigmoid(a * logit(probability) + b * coverage + c), (a, b, c) fitted
    #: by logistic regression on CLINC150 *train* only: small KBs (37 intents x 10
    #: examples, queries from held-out train of those intents, other intents and
    #: oos_train as out-of-scope) for the naive-Bayes model ...
    calibration: tuple[float, float, float] = (0.338, 2.616, -2.198)
    #: ... and 120 intents x 80 examples (30 intents held out entirely as
    #: out-of-scope) for the refined model.
    calibration_refined: tuple[float, float, float] = (0.991, 2.611, -1.607)
    #: Unknown words this short ("teh", "u", "idk") ...
    short_word: int = 3
    #: ... are weaker evidence that the question is about something else: they
    #: count this much of an unknown word in the coverage.
    short_unknown: float = 0.5
    #: A repaired word loses this share of its weight per edit: a guess is weaker
    #: evidence than the word itself.
    fuzzy_penalty: float = 0.2
    #: Confidence of the intent whose example the query is, word for word: the
    #: author said so, whatever the statistics say.
    exact_confidence: float = 0.99
    #: Intents (best scores first) that get a confidence; more are never shown.
    rank_depth: int = 20
    #: Posting entries scanned in full per query, rarest features first: bounds the
    #: cost of a query on a large knowledge base ...
    scan_budget: int = 2000
    #: ... after which the remaining (common) features are only probed for this many
    #: leading intents.
    probe_top: int = 50
    #: Discriminative refinement (numpy): 2 points of top-1 on CLINC150 (90.7% -> 92.7%),
    #: nothing on a 40-intent FAQ, and 5 to 27 times the build's time from 200 to 800
    #: intents (`benchmarks/speed.py --only refine`), so only when asked.
    refine: bool = False
    #: The refinement's epochs, learning rate, and the scale of the naive-Bayes weights
    #: it starts from.
    refine_epochs: int = 2
    refine_rate: float = 0.08
    refine_init: float = 0.1
    #: A refined weight is stored when it moved by more than this (keeps the postings
    #: sparse).
    refine_keep: float = 0.01



class MatcherConfig(_Tunables):
    """Every tunable of the matcher, with the reason for its value (see `_Tunables`).

    Unless said otherwise, a value was chosen on a held-out part of CLINC150 *train*,
    then checked on the article's knowledge base; the defaults are what `faqbot`
    uses.  A config is part of a matcher's state: the same knowledge base, config and
    query always give the same matches.  It is checked when made: a bad value raises
    `ValueError`.
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> MatcherConfig:
        self = super().__new__(cls, *args, **kwargs)
        # a config that came back from plain data (lists for tuples) is the same config
        fixed: dict[str, Any] = {}
        for name in ("calibration", "calibration_refined"):
            value = tuple(float(v) for v in getattr(self, name))
            if len(value) != 3:
                raise ValueError(f"MatcherConfig.{name} needs 3 numbers, not {len(value)}")
            fixed[name] = value
        for name in ("char_n", "rank_depth", "probe_top", "scan_budget", "short_word", "refine_epochs"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ValueError(f"MatcherConfig.{name} must be a whole number >= 0")
        if self.char_n < 2 or self.alpha <= 0 or self.temperature <= 0:
            raise ValueError("MatcherConfig needs char_n >= 2, alpha > 0 and temperature > 0")
        return self._replace(**fixed)


_DEFAULT = MatcherConfig()
#: Recent questions whose analysis (tokens, repairs, features) each matcher keeps, so
#: that `closest()` after `match()` on the same question repeats none of it (a long
#: question's analysis is ~100 KB).
_RECENT = 8
#: Probing a common feature for the leading intents: scanning its postings beats one
#: binary search per leader up to this many entries per leader (speed only).
_SCAN_PER_LEADER = 4
#: A feature used by at least 1/_DENSE_SHARE of the intents ("what", " the") is probed
#: through a dense row of its weights, built on first use: a look-up per candidate
#: instead of a binary search, for at most a few times the memory of its postings.
_DENSE_SHARE = 4
#: How many intents' example indexes (`Matcher._example_index`) a matcher keeps.
_EXAMPLE_INDEXES = 1024
#: Layout of `to_state()`; bump it when the layout changes.
_STATE_FORMAT = 1
#: The typed arrays of the state: name -> typecode (the last two only for a refined
#: matcher, where the postings hold more intents than use each feature).
_STATE_ARRAYS = {
    "post_off": "q", "post_ids": "i", "post_w": "d", "idf": "d", "penalty": "d",
    "intent_examples": "q", "ex_words_off": "q", "ex_words": "i", "ex_norm": "d",
    "wording_off": "q", "wordings": "i", "exact_owner": "i", "word_ids": "i", "gram_ids": "i",
    "df": "i", "use_off": "q", "use_ids": "i",
}

_stem = lru_cache(maxsize=1 << 14)(stem)  # query side: a pure function of a str


class _StemMemo(dict):
    """token -> stem, each distinct token stemmed once (build side; dropped after)."""

    def __missing__(self, token: str) -> str:
        value = self[token] = stem(token)
        return value


class _FeatureNumbers(dict):
    """feature -> its number, given in the order features are first met (build side),
    each with a new list in `postings` (shared by the word and the n-gram tables)."""

    def __init__(self, postings: list[list[int]]) -> None:
        super().__init__()
        self.postings = postings

    def __missing__(self, feature: str) -> int:
        n = self[feature] = len(self.postings)
        self.postings.append([])
        return n


_FREED: list[int] = []  # what a postings list is replaced by once weighted (never appended to)


def _table(keys: str, values: array) -> dict[str, int]:
    """A str -> int dict from its keys joined by line breaks and its values; ValueError
    when their numbers differ."""
    names = keys.split("\n") if keys else []
    if len(names) != len(values):
        raise ValueError("matcher state does not hang together")
    return dict(zip(names, values, strict=False))


def _append_each(lists: Iterable[list[int]], value: int) -> None:
    """``for l in lists: l.append(value)``, looping in C (the build's inner loop)."""
    any(map(list.append, lists, repeat(value)))  # append returns None: `any` reads them all


def _max_edits(token: str) -> int:
    n = len(token)
    if n <= 3:
        return 0
    if n <= 5:
        return 1
    if n <= 10:
        return 2
    return 3


def _word_keys(stems: list[str]) -> list[str]:
    """The word features of a canonical text: its stems, then its adjacent-word
    bigrams, in order, repeats included."""
    return stems + list(map(" ".join, pairwise(stems)))


def _char_grams(text: str, n: int) -> list[str]:
    """The character n-grams of a canonical text (stems joined by spaces): each n
    characters of the text padded with a space, in order, repeats included.  They are
    features of their own kind, named ``#`` + the n characters."""
    padded = " " + text + " "
    return [padded[k : k + n] for k in range(len(padded) - n + 1)]


def _context(bigrams: Mapping[str, int], prev: str | None, word: str, nxt: str | None) -> int:
    """How many of the bigrams `word` forms with its neighbours' stems are known."""
    s = _stem(word)
    return (prev is not None and f"{prev} {s}" in bigrams) + (nxt is not None and f"{s} {nxt}" in bigrams)


def _word_multiplier(feature: str, config: MatcherConfig) -> float:
    """A word feature's weight before IDF (a character n-gram's is ``char_weight``)."""
    if " " in feature:
        return config.bigram_weight
    return config.stop_weight if feature in STOPWORDS else 1.0


class Matcher:
    """Rank intents for a query.  Build once, then call :meth:`match` freely."""

    def __init__(
        self,
        intents: Mapping[str, Iterable[str]],
        *,
        synonyms: Mapping[str, Iterable[str]] | None = None,
        config: MatcherConfig | None = None,
    ) -> None:
        cfg = _DEFAULT if config is None else config
        if cfg.refine:
            _require_numpy()
        self._config = cfg
        self._synonyms_given = {str(k): [v] if isinstance(v, str) else [str(x) for x in v]
                                for k, v in (synonyms or {}).items()}
        self._synonyms = SynonymMap(self._synonyms_given)
        self._build(intents, cfg)
        self._setup()

    # ------------------------------------------------------------------ build
    def _build(self, intents: Mapping[str, Iterable[str]], cfg: MatcherConfig) -> None:
        """Each example is tokenized, stemmed and turned into features once, and is
        appended to each of its features' postings (in C: `_append_each`); then the
        postings are weighted feature by feature, in the order the features were met."""
        memo = _StemMemo()
        apply = self._synonyms.apply
        ids: list[str] = []
        examples: list[str] = []
        intent_examples = array("q", [0])  # intent i's examples: [intent_examples[i], intent_examples[i + 1])
        vocab: set[str] = set()
        exact: dict[str, int] = {}  # normalized example -> its intent (-1: several intents have it)
        postings: list[list[int]] = []  # feature number -> the intent of each example using it
        words_table = _FeatureNumbers(postings)  # word feature -> its number, in the order first met
        grams_table = _FeatureNumbers(postings)  # character n-gram -> its number, the same way
        word_number, gram_number = words_table.__getitem__, grams_table.__getitem__
        ex_words = array("i")  # each example's word features, in order (to name the best example)
        ex_words_off = array("q", [0])
        wordings = array("i")  # each example's canonical words, as feature numbers (for `closest`)
        wording_off = array("q", [0])
        refine_feats = array("i") if cfg.refine else None  # each example's features, in order
        refine_off = array("q", [0])
        n = cfg.char_n
        repeats: dict[int, dict[int, int]] = {}  # feature -> {intent: examples using it}, when more than one
        for intent_id, texts in intents.items():
            i = len(ids)
            ids.append(str(intent_id))
            bag: list[int] = []  # the features of each of the intent's examples (each once per example)
            for text in [texts] if isinstance(texts, str) else texts:
                tokens = tokenize(text)
                if not tokens:
                    continue
                examples.append(text)
                vocab.update(tokens)
                stems = apply([memo[t] for t in tokens])
                key = " ".join(stems)
                if exact.setdefault(key, i) != i:
                    exact[key] = -1
                fids = list(map(word_number, dict.fromkeys(_word_keys(stems))))  # each once per example
                bag += fids
                ex_words.extend(fids)
                ex_words_off.append(len(ex_words))
                wordings.extend(map(word_number, stems))
                wording_off.append(len(wordings))
                if cfg.char_weight:
                    grams = dict.fromkeys(map(gram_number, _char_grams(key, n)))  # numbered in order, once each
                    bag += grams
                    if refine_feats is not None:
                        fids += grams
                if refine_feats is not None:
                    refine_feats.extend(fids)
                    refine_off.append(len(refine_feats))
            # the intent is appended once to each of its features' postings
            counts = Counter(bag)
            _append_each(map(postings.__getitem__, counts), i)
            if len(counts) < len(bag):
                for fid, k in counts.items():
                    if k > 1:
                        repeats.setdefault(fid, {})[i] = k
            intent_examples.append(len(examples))
        del memo
        for canonical, variants in self._synonyms_given.items():
            vocab.update(tokenize(canonical))
            for v in variants:
                vocab.update(tokenize(v))
        mult = [cfg.char_weight] * len(postings)  # each feature's weight before IDF
        for f, fid in words_table.items():
            mult[fid] = _word_multiplier(f, cfg)

        # IDF over intents, then the naive-Bayes weights and each intent's penalty, feature
        # by feature (each intent's total is summed in that order)
        n_int = max(len(ids), 1)
        alpha, temp = cfg.alpha, cfg.temperature
        idf = array("d")
        totals = [0.0] * len(ids)
        post_off = array("q", [0])
        pids = array("i")
        pw = array("d")
        rare = math.log(1.0 + n_int)  # the IDF of a feature of one intent
        rare_weight = {m: rare * math.log1p(rare * m / alpha) / temp for m in set(mult)}
        for fid, users in enumerate(postings):
            postings[fid] = _FREED  # freed as it goes
            m = mult[fid]
            if len(users) == 1 and fid not in repeats:  # one example uses it (most bigrams): mass m
                i = users[0]
                idf.append(rare)
                pids.append(i)
                totals[i] += rare * m
                pw.append(rare_weight[m])
                post_off.append(len(pids))
                continue
            its = users  # the intents, ascending, each once
            w = math.log(1.0 + n_int / len(its))
            idf.append(w)
            pids.extend(its)
            several = repeats.get(fid)
            if several is None:  # each intent has it in one example: mass m
                wm = w * m
                for i in its:
                    totals[i] += wm
                pw.extend(repeat(w * math.log1p(w * m / alpha) / temp, len(its)))
            else:  # k of the intent's examples have it: mass k * m (a few distinct k)
                ks = [several.get(i, 1) for i in its]
                mass = {k: w * (k * m) for k in set(ks)}
                weight = {k: w * math.log1p(w * (k * m) / alpha) / temp for k in mass}
                for i, x in zip(its, map(mass.__getitem__, ks), strict=False):
                    totals[i] += x
                pw.extend(map(weight.__getitem__, ks))
            post_off.append(len(pids))
        del postings, repeats
        n_feats = max(len(idf), 1)
        penalty = [math.log((t + alpha * n_feats) / alpha) / temp for t in totals]
        self._refined = False
        use_off, use_ids = post_off, pids  # which intents use each feature (the coverage)
        if refine_feats is not None and examples:
            post_off, pids, pw = _refine(cfg, post_off, pids, pw, penalty, idf, refine_off, refine_feats,
                                         mult, intent_examples)
            penalty = [k * cfg.refine_init for k in penalty]
            self._refined = True
        del refine_feats, refine_off

        # each example's norm over its IDF-weighted word features (to name the best example)
        squares = [(m * w) * (m * w) for m, w in zip(mult, idf, strict=False)]
        take = squares.__getitem__
        norms = array("d", [math.sqrt(sum(map(take, ex_words[ex_words_off[e] : ex_words_off[e + 1]]))) or 1.0
                            for e in range(len(examples))])
        del squares, take

        self._ids = tuple(ids)
        self._examples = tuple(examples)
        self._intent_examples = intent_examples
        self._features = dict(words_table)  # word feature -> number
        self._grams = dict(grams_table)  # character n-gram -> number
        self._idf = idf
        self._post_off, self._post_ids, self._post_w = post_off, pids, pw
        self._penalty = array("d", penalty)
        self._use_off, self._use_ids = use_off, use_ids
        self._df = array("i", map(sub, post_off[1:], post_off))  # each feature's postings length
        self._ex_words_off, self._ex_words = ex_words_off, ex_words
        self._ex_norm = norms
        self._wording_off, self._wordings = wording_off, wordings
        # a query that IS an example question (once normalized) of exactly one intent
        self._exact = {k: i for k, i in exact.items() if i >= 0}
        # surface vocabulary for typo repair, bucketed by (length, first letter) and
        # (length, last letter): a repaired word keeps its first or its last letter
        buckets: dict[tuple[int, str], list[str]] = {}
        for tok in sorted(vocab):
            buckets.setdefault((len(tok), tok[0]), []).append(tok)
            buckets.setdefault((-len(tok), tok[-1]), []).append(tok)
        self._vocab_buckets: dict[tuple[int, str], tuple[str, ...]] | None = {k: tuple(v) for k, v in buckets.items()}
        self._bucket_rows: list = []

    def _setup(self) -> None:
        """What a built and a restored matcher derive alike."""
        self._index_of = {intent_id: n for n, intent_id in enumerate(self._ids)}
        self._surface = self._synonyms.surface_tokens
        self._max_idf = math.log(1.0 + max(len(self._ids), 1))
        penalty = self._penalty
        self._mean_penalty = sum(penalty) / len(penalty) if penalty else 0.0
        self._recent: OrderedDict[str, _Query] = OrderedDict()  # see `_analysed`
        self._dense: dict[int, array] = {}  # see `_row`
        self._ex_indexes: dict[int, dict[int, tuple[int, ...]]] = {}  # see `_example_index`

    # ------------------------------------------------------------------ state
    def to_state(self) -> dict:
        """The built matcher as plain data (str, int, float, bool, None, bytes, lists,
        dicts): what :meth:`from_state` needs to answer exactly as this one does."""
        state: dict = {
            "format": _STATE_FORMAT,
            "byteorder": sys.byteorder,
            "config": self._config._asdict(),
            "synonyms": {k: list(v) for k, v in self._synonyms_given.items()},
            "phrases": self._synonyms.to_state(),  # the map itself: tokenizing it again costs ms
            "ids": list(self._ids),
            "examples": list(self._examples),
            "refined": self._refined,
            "words": "\n".join(self._features),  # a feature never holds a line break
            "grams": "\n".join(self._grams),
            "exact": "\n".join(self._exact),
            "buckets": [[n, c, "\n".join(words)] for (n, c), words in self._buckets().items()],
        }
        state["exact_owner"] = array("i", self._exact.values())
        state["word_ids"] = array("i", self._features.values())
        state["gram_ids"] = array("i", self._grams.values())
        state.update({name: getattr(self, "_" + name) for name in _STATE_ARRAYS if name not in state})
        if not self._refined:  # the same arrays as the postings'
            del state["use_off"], state["use_ids"]
        for name in _STATE_ARRAYS:
            if name in state:
                state[name] = state[name].tobytes()
        return state

    @classmethod
    def from_state(cls, state: Mapping) -> Matcher:
        """A matcher from :meth:`to_state` data, without rebuilding its index.  Raises
        ValueError for data of another layout or that does not hang together."""
        if state.get("format") != _STATE_FORMAT:
            raise ValueError(f"matcher state of format {state.get('format')!r}, expected {_STATE_FORMAT}")
        self = cls.__new__(cls)
        arrays = {}
        for name, code in _STATE_ARRAYS.items():
            if name not in state and name.startswith("use_"):
                continue
            a = array(code)
            a.frombytes(state[name])
            if state["byteorder"] != sys.byteorder:
                a.byteswap()
            arrays[name] = a
        self._config = MatcherConfig(**state["config"])
        self._synonyms_given = {str(k): list(v) for k, v in state["synonyms"].items()}
        self._synonyms = SynonymMap.from_state(state["phrases"])
        self._ids = tuple(state["ids"])
        self._examples = tuple(state["examples"])
        self._refined = bool(state["refined"])
        self._features = _table(state["words"], arrays.pop("word_ids"))
        self._grams = _table(state["grams"], arrays.pop("gram_ids"))
        self._exact = _table(state["exact"], arrays.pop("exact_owner"))
        self._vocab_buckets = None
        self._bucket_rows = state["buckets"]  # made into `_vocab_buckets` when a word needs repair
        arrays.setdefault("use_off", arrays["post_off"])
        arrays.setdefault("use_ids", arrays["post_ids"])
        for name, a in arrays.items():
            setattr(self, "_" + name, a)
        n_ex, n_feat = len(self._examples), len(self._features) + len(self._grams)
        if not (len(self._post_off) == len(self._use_off) == len(self._idf) + 1 == n_feat + 1
                and len(self._post_ids) == len(self._post_w) == self._post_off[-1]
                and len(self._use_ids) == self._use_off[-1] and len(self._df) == n_feat
                and self._refined == (self._use_ids is not self._post_ids)
                and len(self._ex_words) == self._ex_words_off[-1] and len(self._ex_words_off) == n_ex + 1
                and len(self._intent_examples) == len(self._penalty) + 1 == len(self._ids) + 1
                and self._intent_examples[-1] == n_ex == len(self._ex_norm) == len(self._wording_off) - 1):
            raise ValueError("matcher state does not hang together")
        self._setup()
        return self

    def __reduce__(self) -> tuple:
        # pickle (and copy) through the plain state: the recent-questions cache is not data
        return (Matcher.from_state, (self.to_state(),))

    @property
    def intents(self) -> tuple[str, ...]:
        return self._ids

    @property
    def config(self) -> MatcherConfig:
        return self._config

    # ------------------------------------------------------------------ query
    def _stems(self, tokens: Sequence[str]) -> list[str]:
        return self._synonyms.apply([_stem(t) for t in tokens])

    def _known(self, s: str) -> bool:
        """A stem of the knowledge base's vocabulary (a word feature, or a synonym's word)."""
        return s in self._features or s in self._surface

    def knows(self, stem: str) -> bool:
        """Whether this matcher's examples (or synonyms) use the stemmed word `stem`."""
        return self._known(stem)

    def _buckets(self) -> dict[tuple[int, str], tuple[str, ...]]:
        """The surface vocabulary for typo repair, by (length, first letter) and (-length,
        last letter); a restored matcher makes it on first use (most questions need no repair)."""
        if self._vocab_buckets is None:
            self._vocab_buckets = {(n, c): tuple(words.split("\n")) for n, c, words in self._bucket_rows}
        return self._vocab_buckets

    def _repair(self, token: str) -> list[tuple[int, int, str]]:
        """Vocabulary words closest to an unknown token: (edit distance, Indel, word)."""
        k = _max_edits(token)
        if k == 0 or not token.isalpha():
            return []
        n = len(token)
        best: set[str] = set()
        found: list[tuple[int, str]] = []
        for length in range(n - k, n + k + 1):
            for key in ((length, token[0]), (-length, token[-1])):
                bucket = self._buckets().get(key)
                if bucket:
                    for cand, dist, _ in process.extract(
                        token, bucket, scorer=OSA.distance, score_cutoff=k, limit=5
                    ):
                        if cand not in best:
                            best.add(cand)
                            found.append((int(dist), cand))
        if not found:
            return []
        top = min(d for d, _ in found)
        # among the closest, prefer insertions/deletions over substitutions
        return sorted((d, Indel.distance(token, c), c) for d, c in found if d == top)

    def _analysed(self, query: str) -> _Query:
        """`_analyse(query)`, kept for the last few questions asked, so that `closest()`
        after `match()` on the same question repeats none of it.  Safe from several
        threads: each step is one atomic operation on the OrderedDict, and a question
        analysed twice at once gives the same value twice."""
        recent = self._recent
        q = recent.get(query)
        if q is None:
            q = recent[query] = self._analyse(query)
            while len(recent) > _RECENT:
                try:
                    recent.popitem(last=False)
                except KeyError:  # another thread emptied it first
                    break
        return q

    def _analyse(self, query: str) -> _Query:
        """Everything about `query` that does not depend on an intent, computed once."""
        tokens = tokenize(query)
        fixed, factor, unknown, counted = self._fix(tokens)
        cfg = self._config
        fidx = self._features
        stems = self._stems(fixed)
        # the exact-lookup key: the words as typed, so only a question whose every word the
        # knowledge base knows can be an example (an unknown word survives the synonyms)
        key = " ".join(stems) if fixed == tokens and not counted else None
        for s in stems:
            # a word known only as part of a synonym phrase ("drug" of "drug enforcement
            # administration") that did not form the phrase is as unknown as any other
            if s not in fidx and s not in STOPWORDS and s not in counted and " " not in s:
                counted.add(s)
                unknown += self._max_idf * (1.0 if len(s) > cfg.short_word else cfg.short_unknown)
        # the known features: the words' (with their weights) in order, then the n-grams'
        idf = self._idf
        weights: dict[int, float] = {}  # word feature -> its weight (an n-gram's: char_weight)
        words: list[tuple[int, float]] = []
        ex_words: list[tuple[int, float]] = []
        known: list[str] = []
        for f in dict.fromkeys(_word_keys(stems)):
            fid = fidx.get(f)
            if fid is not None:
                known.append(f)
                w = weights[fid] = _word_multiplier(f, cfg) * factor.get(f, 1.0)
                if " " not in f and f not in STOPWORDS:
                    words.append((fid, w * idf[fid]))
                ex_words.append((fid, w * idf[fid] ** 2))
        char = cfg.char_weight
        grams: list[str] = []
        if char:
            table = self._grams
            grams = [g for g in dict.fromkeys(_char_grams(" ".join(stems), cfg.char_n)) if g in table]
        # rarest first, ties by name (an n-gram's is `#` + the n-gram: before any word):
        # by name, then a stable sort by postings length
        order = [*map(self._grams.__getitem__, sorted(grams)), *map(fidx.__getitem__, sorted(known))]
        order.sort(key=self._df.__getitem__)
        q = _Query()
        q.key, q.stems = key, tuple(stems)
        q.order = array("i", order)
        q.weights = weights
        q.mass = sum(chain((w * idf[fid] for fid, w in weights.items()),
                           map(mul, repeat(char), map(idf.__getitem__, map(self._grams.__getitem__, grams)))))
        q.words = tuple(words)
        q.info = sum(w for _fid, w in words) + unknown
        q.ex_words = tuple(ex_words)
        return q

    def _fix(self, tokens: Sequence[str]) -> tuple[list[str], dict[str, float], float, set[str]]:
        """Typo repair: the tokens with unknown words replaced by their closest
        vocabulary word, each repaired stem's weight factor, the IDF weight of the
        words that could not be repaired, and their stems."""
        fixed: list[str] = []
        factor: dict[str, float] = {}
        unknown = 0.0
        counted: set[str] = set()
        fidx, surface = self._features, self._surface
        cfg = self._config
        repairs: dict[str, list[tuple[int, int, str]]] = {}  # a word repeated is repaired once
        for n, tok in enumerate(tokens):
            if tok in STOPWORDS:
                fixed.append(tok)
                continue
            s = _stem(tok)
            if s in fidx or s in surface:
                fixed.append(tok)
                continue
            repl = repairs.get(tok)
            if repl is None:
                repl = repairs[tok] = self._repair(tok)  # [] for numbers and short words
            if not repl:
                fixed.append(tok)
                counted.add(s)
                # an unknown word is evidence the question is about something else;
                # a short one ("teh", "u", "idk") is weaker evidence
                unknown += self._max_idf * (1.0 if len(tok) > cfg.short_word else cfg.short_unknown)
                continue
            if len(repl) > 1:
                # a tie: prefer the word that forms a known bigram with its neighbours
                prev = _stem(fixed[-1]) if fixed else None
                nxt = _stem(tokens[n + 1]) if n + 1 < len(tokens) else None
                repl = sorted(repl, key=lambda t: (t[1], -_context(fidx, prev, t[2], nxt), t[2]))
            dist, _indel, cand = repl[0]
            fixed.append(cand)
            s = _stem(cand)
            factor[s] = min(factor.get(s, 1.0), 1.0 - cfg.fuzzy_penalty * dist)
            if not self._known(s):
                counted.add(s)
        return fixed, factor, unknown, counted

    def match(
        self, query: str, *, limit: int | None = 5, score_cutoff: float | None = None, exact: bool = True
    ) -> list[Match]:
        """Rank intents for *query*, best first (confidence desc, then intent id).

        At most ``limit`` matches (``None``: up to the 20 best-scoring intents),
        only those with ``confidence >= score_cutoff`` when it is given.  A query
        with no word or character 4-gram known to the knowledge base gives ``[]``.
        A query that is, once normalized, an example of exactly one intent ranks
        that intent first with confidence >= 0.99; ``exact=False`` ranks it by the
        statistics alone, as any other wording (``faqbot check`` uses that to find
        examples that would be matched elsewhere).
        """
        if not isinstance(query, str):
            raise TypeError("query must be a str")
        q = self._analysed(query)
        order = q.order
        if not order:
            return []
        cfg = self._config
        pids, pw = self._post_ids, self._post_w
        penalty = self._penalty
        ids = self._ids
        # each intent's sum of query weight x posting weight, in the order of `order`
        acc = [0.0] * len(ids)
        off = self._post_off
        weight = q.weights.get
        char = cfg.char_weight
        scanned = 0
        k = 0
        seen = []  # the intents of the postings scanned in full
        # scan the rarest features' postings in full while within budget (at least one)
        for fid in order:
            lo, hi = off[fid], off[fid + 1]
            if k and scanned + hi - lo > cfg.scan_budget:
                break
            w = weight(fid, char)
            users = pids[lo:hi]
            seen.append(users)
            for i, v in zip(users, pw[lo:hi], strict=False):
                acc[i] += w * v
            scanned += hi - lo
            k += 1
        hits = set().union(*seen)  # the candidates
        if k < len(order):
            # keep the leaders so far, then only probe the common features for them
            if len(hits) > cfg.probe_top:
                idf = self._idf
                part = sum(weight(fid, char) * idf[fid] for fid in order[:k])
                hits = set(sorted(hits, key=lambda i: (-(acc[i] - part * penalty[i]), i))[: cfg.probe_top])
            # a short posting list is scanned (what it adds to others than the candidates
            # is never read), a long one searched for each candidate
            scan_max = _SCAN_PER_LEADER * len(hits)
            n_ids = len(ids)
            leaders = sorted(hits)
            for fid in order[k:]:
                lo, hi = off[fid], off[fid + 1]
                w = weight(fid, char)
                if hi - lo <= scan_max:
                    for i, v in zip(pids[lo:hi], pw[lo:hi], strict=False):
                        acc[i] += w * v
                elif (hi - lo) * _DENSE_SHARE >= n_ids:
                    row = self._dense.get(fid) or self._row(fid)
                    for i in leaders:
                        acc[i] += w * row[i]
                else:
                    for i in leaders:  # ascending, so each search starts where the last ended
                        lo = bisect_left(pids, i, lo, hi)
                        if lo < hi and pids[lo] == i:
                            acc[i] += w * pw[lo]
        q_mass = q.mass
        scores = sorted(((acc[i] - q_mass * penalty[i], i) for i in hits), key=lambda t: (-t[0], ids[t[1]]))
        top = scores[0][0]
        z = sum(math.exp(s - top) for s, _ in scores)
        rest = len(ids) - len(scores)
        if rest:
            z += rest * math.exp(-q_mass * self._mean_penalty - top)

        info_total = q.info
        cal = cfg.calibration_refined if self._refined else cfg.calibration
        depth = scores[: cfg.rank_depth]
        known = self._known_weight(q.words, [i for _s, i in depth])
        ranked: list[tuple[float, float, int, float]] = []
        for s, i in depth:
            prob = math.exp(s - top) / z
            cov = known[i] / info_total if info_total else 1.0
            conf = _confidence(prob, cov, cal)
            ranked.append((conf, s, i, cov))
        own = self._exact.get(q.key) if exact and q.key is not None else None
        if own is not None:
            # an example question, word for word: its intent is the answer, whatever
            # the statistics say about the other intents' examples
            ranked = [(max(t[0], cfg.exact_confidence), *t[1:]) if t[2] == own else t for t in ranked]
        ranked.sort(key=lambda t: (-t[0], ids[t[2]]))
        out: list[Match] = []
        for conf, s, i, cov in ranked:
            if score_cutoff is not None and conf < score_cutoff:
                break
            if limit is not None and len(out) >= limit:
                break
            out.append(
                Match(
                    intent=ids[i],
                    confidence=round(conf, 6),
                    example=self._examples[self._best_example(q.ex_words, i)],
                    score=round(s, 6),
                    coverage=round(cov, 6),
                )
            )
        return out

    def _row(self, fid: int) -> array:
        """Feature `fid`'s posting weights as a dense row by intent (kept: see `_DENSE_SHARE`)."""
        row = array("d", bytes(8 * len(self._ids)))
        lo, hi = self._post_off[fid], self._post_off[fid + 1]
        for i, v in zip(self._post_ids[lo:hi], self._post_w[lo:hi], strict=False):
            row[i] = v
        self._dense[fid] = row
        return row

    def _known_weight(self, words: Sequence[tuple[int, float]], intents: list[int]) -> dict[int, float]:
        """For each intent, the summed weight of the query's `words` (feature number,
        weight) that its examples use."""
        used: dict[int, list[float]] = {i: [] for i in intents}
        off, users = self._use_off, self._use_ids
        scan_max = _SCAN_PER_LEADER * len(used)
        for fid, w in words:
            lo, hi = off[fid], off[fid + 1]
            if hi - lo <= scan_max:
                for i in users[lo:hi]:
                    if i in used:
                        used[i].append(w)
            else:
                for i, ws in used.items():
                    j = bisect_left(users, i, lo, hi)
                    if j < hi and users[j] == i:
                        ws.append(w)
        return {i: sum(ws) for i, ws in used.items()}  # sum(): as any other total of weights

    def _best_example(self, qwords: Sequence[tuple[int, float]], intent: int) -> int:
        """The intent's example with the highest IDF-weighted cosine to the query over
        word features (`qwords`: (feature number, weight), in the query's order); ties
        and no word in common: the first listed. Each example's total is summed in the
        query's order, through the intent's own index of which example has which word
        (the weights are positive: an example no word reaches totals 0)."""
        uses = self._example_index(intent)
        start = self._intent_examples[intent]
        totals = [0.0] * (self._intent_examples[intent + 1] - start)
        for f, v in qwords:
            for e in uses.get(f, ()):
                totals[e] += v
        ratios = list(map(truediv, totals, self._ex_norm[start : start + len(totals)]))
        best = max(ratios, default=0.0)
        return start + ratios.index(best) if best > 0.0 else start

    def _example_index(self, intent: int) -> dict[int, tuple[int, ...]]:
        """Word feature -> the intent's examples that use it (their positions among the
        intent's examples); built on first use and kept
        for the `_EXAMPLE_INDEXES` intents asked about most recently (a few kB each)."""
        kept = self._ex_indexes
        uses = kept.get(intent)
        if uses is None:
            off, ex_words = self._ex_words_off, self._ex_words
            found: dict[int, list[int]] = {}  # (examples as positions within the intent's)
            start = self._intent_examples[intent]
            for e in range(start, self._intent_examples[intent + 1]):
                for f in ex_words[off[e] : off[e + 1]]:
                    found.setdefault(f, []).append(e - start)
            uses = {f: tuple(es) for f, es in found.items()}
            if len(kept) >= _EXAMPLE_INDEXES:
                kept.clear()  # simple and bounded: a knowledge base's busy intents fit many times over
            kept[intent] = uses
        return uses

    def closest(self, query: str, intent: str) -> tuple[str, float]:
        """The example of `intent` worded most like `query`, and how alike they are:
        0..1, the Indel similarity of their word sequences (after typo repair,
        stemming and synonyms), so a word changed counts, whatever its length.

        Whole wordings, not statistics: where two intents score alike, the one with
        an example that says nearly what the user typed is the better guess.
        """
        n = self._index_of.get(intent)
        if n is None:
            return "", 0.0
        stems = self._analysed(query).stems
        # words as numbers: known words by their feature number, others by a negative
        # number of their own (so no example has them)
        fidx = self._features
        others: dict[str, int] = {}
        q = [fidx[s] if s in fidx else others.setdefault(s, -1 - len(others)) for s in stems]
        off, wordings = self._wording_off, self._wordings
        best = (0.0, -1)
        for e in range(self._intent_examples[n], self._intent_examples[n + 1]):
            sim = Indel.normalized_similarity(q, wordings[off[e] : off[e + 1]].tolist())
            if sim > best[0]:
                best = (sim, e)
        if best[1] < 0:
            return "", 0.0
        return self._examples[best[1]], round(best[0], 4)

    def example_of(self, query: str) -> str | None:
        """The intent `query` is an example question of, word for word after this
        matcher's normalization (stems, synonyms), or None: what the exact-example lookup
        of `match` answers."""
        i = self._exact.get(" ".join(self._stems(tokenize(query))))
        return None if i is None else self._ids[i]

    def best(self, query: str) -> Match | None:
        """The top match, or None when nothing in the knowledge base is related."""
        found = self.match(query, limit=1)
        return found[0] if found else None


class _Query:
    """A question analysed against one matcher (`Matcher._analyse`): read-only once made."""

    __slots__ = ("ex_words", "info", "key", "mass", "order", "stems", "weights", "words")
    key: str | None  # the exact-lookup key (None: the question cannot be an example)
    stems: tuple[str, ...]  # its canonical words after repair (for `closest`)
    order: array  # the known features' numbers, rarest first, ties by name
    weights: dict[int, float]  # the word features' weights before IDF (an n-gram's: char_weight)
    mass: float  # the query's IDF-weighted feature mass
    words: tuple[tuple[int, float], ...]  # informative words: (number, weight x IDF)
    info: float  # their total weight, unknown words included
    ex_words: tuple[tuple[int, float], ...]  # word features, in the query's order: (number, weight x IDF^2)


def _confidence(prob: float, coverage: float, cal: tuple[float, float, float]) -> float:
    """Calibrated confidence from the softmax probability and the coverage."""
    prob = min(max(prob, 1e-9), 1.0 - 1e-9)
    z = cal[0] * math.log(prob / (1.0 - prob)) + cal[1] * coverage + cal[2]
    return round(1.0 / (1.0 + math.exp(-z)), 6)


def _require_numpy() -> None:
    import importlib.util

    if importlib.util.find_spec("numpy") is None:
        raise ImportError("MatcherConfig(refine=True) needs numpy: pip install 'faqbot[refine]'")


def _refine(
    cfg: MatcherConfig,
    post_off: array,
    post_ids: array,
    post_w: array,
    penalty: Sequence[float],
    idf: array,
    ex_off: array,
    ex_feats: array,
    mult: Sequence[float],
    intent_examples: array,
) -> tuple[array, array, array]:
    """Refine the naive-Bayes weights by softmax regression on the examples.

    Starts from the naive-Bayes weights and runs a few epochs of mini-batch SGD on
    the cross-entropy of the softmax over intents (penalties fixed), visiting the
    examples in a fixed round-robin order over intents (no randomness).  Weights
    that did not move are left out, so the postings stay sparse.  In and out: the
    postings as (offsets, intents, weights) arrays.
    """
    import numpy as np  # only when asked for; never at import time

    n_feats, n_intents = len(post_off) - 1, len(intent_examples) - 1
    offsets = np.frombuffer(post_off, dtype=np.int64)
    rows = np.repeat(np.arange(n_feats), np.diff(offsets))
    W0 = np.zeros((n_feats, n_intents), dtype=np.float32)
    W0[rows, np.frombuffer(post_ids, dtype=np.int32)] = np.frombuffer(post_w, dtype=np.float64)
    W0 *= cfg.refine_init
    W = W0.copy()
    K = np.asarray(penalty, dtype=np.float32) * cfg.refine_init
    idf_vec = np.frombuffer(idf, dtype=np.float64).astype(np.float32)
    mult_vec = np.asarray(mult, dtype=np.float32)
    # round-robin over intents: 1st example of each intent, then the 2nd, ...
    per_intent = [range(intent_examples[i], intent_examples[i + 1]) for i in range(n_intents)]
    depth = max(map(len, per_intent))
    order = [r[k] for k in range(depth) for r in per_intent if k < len(r)]
    # the examples' features, concatenated in visiting order
    ex_starts = np.frombuffer(ex_off, dtype=np.int64)
    all_feats = np.frombuffer(ex_feats, dtype=np.int32)
    order_arr = np.asarray(order, dtype=np.int64)
    lengths = (ex_starts[1:] - ex_starts[:-1])[order_arr]
    ix_all = np.concatenate([all_feats[ex_starts[e] : ex_starts[e + 1]] for e in order]).astype(np.int64)
    val_all = mult_vec[ix_all]
    ends = np.cumsum(lengths)
    starts_all = ends - lengths
    y = np.array([owner for owner, r in enumerate(per_intent) for _e in r], dtype=np.int64)[order_arr]
    batch = 64
    for _epoch in range(cfg.refine_epochs):
        for b0 in range(0, len(order), batch):
            b1 = min(b0 + batch, len(order))
            lo, hi = int(starts_all[b0]), int(ends[b1 - 1])
            ix = ix_all[lo:hi]
            val = val_all[lo:hi]
            seg = starts_all[b0:b1] - lo
            z = np.add.reduceat(W[ix] * val[:, None], seg, axis=0)
            mass = np.add.reduceat(val * idf_vec[ix], seg)
            z -= mass[:, None] * K[None, :]
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(b1 - b0), y[b0:b1]] -= 1.0
            owner = np.repeat(np.arange(b1 - b0), lengths[b0:b1])
            srt = np.argsort(ix, kind="stable")
            ix_s = ix[srt]
            first = np.flatnonzero(np.r_[True, ix_s[1:] != ix_s[:-1]])
            grad = np.add.reduceat(val[srt, None] * p[owner[srt]], first, axis=0)
            W[ix_s[first]] -= cfg.refine_rate * grad
    keep_r, keep_c = np.nonzero((W0 != 0) | (np.abs(W - W0) > cfg.refine_keep))
    new_off = array("q", [0])
    new_off.frombytes(np.cumsum(np.bincount(keep_r, minlength=n_feats)).astype(np.int64).tobytes())
    new_ids = array("i")
    new_ids.frombytes(keep_c.astype(np.int32).tobytes())
    new_w = array("d")
    new_w.frombytes(W[keep_r, keep_c].astype(np.float64).tobytes())
    return new_off, new_ids, new_w

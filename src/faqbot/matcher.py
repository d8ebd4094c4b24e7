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
5. **Discriminative refinement, big knowledge bases only.**  From 2,000 examples
   (and while features x intents stays under 20M cells) the naive-Bayes weights,
   scaled by 0.1, seed two epochs of softmax regression over the examples
   (numpy, imported lazily, fixed round-robin order, no randomness); the weights
   that moved are stored back into the same sparse postings, so ``match()`` is
   unchanged and pure Python.  On CLINC150 this is worth ~2 points of top-1;
   on a 40-intent FAQ it does not help, so small knowledge bases skip it.
6. **Confidence.**  The softmax over intent scores gives a probability; the
   *coverage* is the share of the query's informative (non-stopword) word weight
   that the intent's examples use, unknown words counting at the maximum IDF.
   ``confidence = sigmoid(a * logit(probability) + b * coverage + c)`` with
   (a, b, c) fitted by logistic regression on CLINC150 *train* splits (see
   ``_CALIBRATION``), so that about 9 in 10 replies at confidence 0.9 are right.
   Coverage is what pushes "what is the population of Mongolia" down when only
   "what is the" is known.

Ranking is by confidence (desc), then intent id (asc); ``example`` is the
intent's example with the highest IDF-weighted cosine to the query over word
features (ties: first listed).  The output is a pure function of the knowledge
base and the query; a built ``Matcher`` is read-only, so concurrent ``match()``
calls are safe.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from faqbot.text import STOPWORDS, SynonymMap, stem, tokenize

__all__ = ["Match", "Matcher"]


@dataclass(frozen=True)
class Match:
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
        return asdict(self)


# Tunables (chosen on a held-out part of CLINC150 train, then checked on the article KB).
_STOP_WEIGHT = 0.25  # multiplier for stopword unigrams ("what", "is", "the")
_BIGRAM_WEIGHT = 1.0  # multiplier for adjacent-word bigrams
_CHAR_WEIGHT = 1.0  # multiplier for character 4-grams
_CHAR_N = 4
_ALPHA = 0.5  # additive smoothing of the per-intent feature mass
_TEMPERATURE = 10.0  # softmax temperature turning scores into probabilities
# confidence = sigmoid(a * logit(probability) + b * coverage + c), (a, b, c) fitted by
# logistic regression on CLINC150 *train* only: small KBs (37 intents x 10 examples,
# queries from held-out train of those intents, other intents + oos_train as
# out-of-scope) for the naive-Bayes model; 120 intents x 80 examples (30 intents
# held out entirely as out-of-scope) for the refined model.
_CALIBRATION = (0.338, 2.616, -2.198)
_CALIBRATION_REFINED = (0.991, 2.611, -1.607)
_SHORT_WORD = 3  # unknown words this short ...
_SHORT_UNKNOWN = 0.5  # ... count this much in the coverage
_FUZZY_PENALTY = 0.2  # share of weight lost per edit by a repaired token
_EXACT_CONFIDENCE = 0.99  # confidence of the intent whose example the query is, word for word
_RANK_DEPTH = 20  # intents (best scores first) that get a confidence
_SCAN_BUDGET = 2000  # posting entries scanned per query (rarest features first) ...
_PROBE_TOP = 50  # ... then the remaining features are only probed for this many leaders
# Discriminative refinement (numpy, imported lazily) for knowledge bases big enough
# for it to pay: from this many examples, while features x intents stays small.
_REFINE_MIN_EXAMPLES = 2000
_REFINE_MAX_CELLS = 20_000_000
_REFINE_EPOCHS = 2
_REFINE_RATE = 0.08
_REFINE_INIT = 0.1  # the naive-Bayes weights are scaled by this before refining
_REFINE_KEEP = 0.01  # a refined weight is stored when it moved by more than this


def _max_edits(token: str) -> int:
    n = len(token)
    if n <= 3:
        return 0
    if n <= 5:
        return 1
    if n <= 10:
        return 2
    return 3


def _features(stems: Sequence[str]) -> dict[str, float]:
    """Feature -> multiplier (before IDF) for a list of canonical stems."""
    feats: dict[str, float] = {}
    for s in stems:
        feats[s] = _STOP_WEIGHT if s in STOPWORDS else 1.0
    for a, b in zip(stems, stems[1:], strict=False):
        feats[a + " " + b] = _BIGRAM_WEIGHT
    if _CHAR_WEIGHT:
        padded = " " + " ".join(stems) + " "
        for k in range(len(padded) - _CHAR_N + 1):
            feats["#" + padded[k : k + _CHAR_N]] = _CHAR_WEIGHT
    return feats


class Matcher:
    """Rank intents for a query.  Build once, then call :meth:`match` freely."""

    def __init__(
        self,
        intents: Mapping[str, Iterable[str]],
        *,
        synonyms: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self._synonyms = SynonymMap(synonyms)
        ids: list[str] = []
        examples: list[str] = []  # original text
        ex_intent: list[int] = []
        ex_feats: list[dict[str, float]] = []
        vocab: set[str] = set()
        exact: dict[str, set[int]] = {}  # normalized example -> the intents that have it
        for intent_id, texts in intents.items():
            if isinstance(texts, str):
                texts = [texts]
            idx = len(ids)
            ids.append(str(intent_id))
            for text in texts:
                tokens = tokenize(text)
                if not tokens:
                    continue
                vocab.update(tokens)
                examples.append(text)
                ex_intent.append(idx)
                stems = self._stems(tokens)
                ex_feats.append(_features(stems))
                exact.setdefault(" ".join(stems), set()).add(idx)
        for canonical, variants in (synonyms or {}).items():
            vocab.update(tokenize(canonical))
            for v in [variants] if isinstance(variants, str) else variants:
                vocab.update(tokenize(v))

        self._ids = tuple(ids)
        self._examples = tuple(examples)
        # a query that IS an example question (once normalized) of exactly one intent
        self._exact = {key: next(iter(owners)) for key, owners in exact.items() if len(owners) == 1}
        n_int = max(len(ids), 1)

        # per-intent feature mass, and the intent-level document frequency -> IDF
        raw: dict[str, dict[int, float]] = {}
        for feats, i in zip(ex_feats, ex_intent, strict=True):
            for f, m in feats.items():
                d = raw.get(f)
                if d is None:
                    raw[f] = {i: m}
                else:
                    d[i] = d.get(i, 0.0) + m
        idf = {f: math.log(1.0 + n_int / len(d)) for f, d in raw.items()}
        self._idf = idf
        self._max_idf = math.log(1.0 + n_int)
        # multinomial naive Bayes over IDF-weighted counts (at temperature 1)
        totals = [0.0] * len(ids)
        for f, d in raw.items():
            w = idf[f]
            for i, c in d.items():
                totals[i] += w * c
        n_feats = max(len(raw), 1)
        weights: dict[str, dict[int, float]] = {
            f: {i: idf[f] * math.log1p(idf[f] * c / _ALPHA) / _TEMPERATURE for i, c in d.items()}
            for f, d in raw.items()
        }
        penalty = [math.log((t + _ALPHA * n_feats) / _ALPHA) / _TEMPERATURE for t in totals]
        self._refined = False
        if (
            _REFINE_MIN_EXAMPLES <= len(ex_feats)
            and len(weights) * len(ids) <= _REFINE_MAX_CELLS
            and _has_numpy()
        ):
            weights = _refine(weights, penalty, idf, ex_feats, ex_intent, len(ids))
            penalty = [k * _REFINE_INIT for k in penalty]
            self._refined = True
        self._postings = {f: dict(sorted(d.items())) for f, d in weights.items()}
        self._penalty = tuple(penalty)
        self._mean_penalty = sum(penalty) / len(penalty) if penalty else 0.0

        # word features -> intent -> examples (to name the best example)
        by_intent: dict[str, dict[int, list[int]]] = {}
        ex_norm: list[float] = []
        for e, (feats, i) in enumerate(zip(ex_feats, ex_intent, strict=True)):
            words = {f: m * idf[f] for f, m in feats.items() if f[0] != "#"}
            ex_norm.append(math.sqrt(sum(w * w for w in words.values())) or 1.0)
            for f in words:
                by_intent.setdefault(f, {}).setdefault(i, []).append(e)
        self._ex_postings = {f: {i: tuple(es) for i, es in d.items()} for f, d in by_intent.items()}
        self._ex_norm = tuple(ex_norm)
        first: dict[int, int] = {}
        for e, i in enumerate(ex_intent):
            first.setdefault(i, e)
        self._first_example = first
        # each intent's examples as canonical word sequences, for `closest()`
        wordings: dict[int, list[tuple[str, ...]]] = {}
        for e, i in enumerate(ex_intent):
            wordings.setdefault(i, []).append(tuple(self._stems(tokenize(examples[e]))))
        self._wordings = {i: tuple(w) for i, w in wordings.items()}
        self._index_of = {intent_id: n for n, intent_id in enumerate(ids)}

        # surface vocabulary for typo repair, bucketed by (length, first letter) and
        # (length, last letter): a repaired word keeps its first or its last letter
        self._known_stems = frozenset(f for f in idf if " " not in f and f[0] != "#") | self._synonyms.surface_tokens
        buckets: dict[tuple[int, str], list[str]] = {}
        for tok in sorted(vocab):
            buckets.setdefault((len(tok), tok[0]), []).append(tok)
            buckets.setdefault((-len(tok), tok[-1]), []).append(tok)
        self._vocab_buckets = {k: tuple(v) for k, v in buckets.items()}

    def _stems(self, tokens: Sequence[str]) -> list[str]:
        return self._synonyms.apply([stem(t) for t in tokens])

    def to_state(self) -> dict[str, object]:
        """The built matcher as plain data (str, int, float, bool, None, bytes, and
        lists, tuples and dicts of them): what `faqbot.cache` stores. `from_state`
        rebuilds an equal matcher from it without redoing the build."""
        state: dict[str, object] = dict(vars(self))
        state["_synonyms"] = self._synonyms.to_state()
        state["_known_stems"] = tuple(sorted(self._known_stems))
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Matcher:
        self = cls.__new__(cls)
        vars(self).update(state)
        self._synonyms = SynonymMap.from_state(state["_synonyms"])
        self._known_stems = frozenset(state["_known_stems"])
        return self

    @property
    def intents(self) -> tuple[str, ...]:
        return self._ids

    @property
    def known_stems(self) -> frozenset[str]:
        """The stems (and synonym words) this matcher's examples use."""
        return self._known_stems

    # ------------------------------------------------------------------ query
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
                bucket = self._vocab_buckets.get(key)
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

    def _query(self, query: str) -> tuple[dict[str, float], float]:
        """Query features with their multipliers, and the IDF weight of unknown words."""
        fixed, factor, unknown = self._fix(tokenize(query))
        idf = self._idf
        known = self._known_stems
        stems = self._stems(fixed)
        counted = {stem(t) for t in fixed if t not in STOPWORDS and stem(t) not in known}
        for s in stems:
            # a word known only as part of a synonym phrase ("drug" of "drug enforcement
            # administration") that did not form the phrase is as unknown as any other
            if s not in idf and s not in STOPWORDS and s not in counted and " " not in s:
                counted.add(s)
                unknown += self._max_idf * (1.0 if len(s) > _SHORT_WORD else _SHORT_UNKNOWN)
        out: dict[str, float] = {}
        for f, m in _features(stems).items():
            if f in idf:
                out[f] = m * factor.get(f, 1.0)
        return out, unknown

    def _fix(self, tokens: Sequence[str]) -> tuple[list[str], dict[str, float], float]:
        """Typo repair: the tokens with unknown words replaced by their closest
        vocabulary word, each repaired stem's weight factor, and the IDF weight of
        the words that could not be repaired."""
        fixed: list[str] = []
        factor: dict[str, float] = {}
        unknown = 0.0
        known = self._known_stems
        idf = self._idf
        for n, tok in enumerate(tokens):
            if tok in STOPWORDS or stem(tok) in known:
                fixed.append(tok)
                continue
            repl = self._repair(tok)  # [] for numbers and short words
            if not repl:
                fixed.append(tok)
                # an unknown word is evidence the question is about something else;
                # a short one ("teh", "u", "idk") is weaker evidence
                unknown += self._max_idf * (1.0 if len(tok) > _SHORT_WORD else _SHORT_UNKNOWN)
                continue
            if len(repl) > 1:
                # a tie: prefer the word that forms a known bigram with its neighbours
                prev = stem(fixed[-1]) if fixed else None
                nxt = stem(tokens[n + 1]) if n + 1 < len(tokens) else None

                def context(c: str, prev: str | None = prev, nxt: str | None = nxt) -> int:
                    sc = stem(c)
                    return (prev is not None and f"{prev} {sc}" in idf) + (nxt is not None and f"{sc} {nxt}" in idf)

                repl.sort(key=lambda t: (t[1], -context(t[2]), t[2]))
            dist, _indel, cand = repl[0]
            fixed.append(cand)
            s = stem(cand)
            factor[s] = min(factor.get(s, 1.0), 1.0 - _FUZZY_PENALTY * dist)
        return fixed, factor, unknown

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
        qf, unknown = self._query(query)
        if not qf:
            return []
        postings = self._postings
        idf = self._idf
        penalty = self._penalty
        ids = self._ids
        order = sorted(qf, key=lambda f: (len(postings[f]), f))
        hits: dict[int, float] = {}
        scanned = 0
        k = 0
        # scan the rarest features' postings in full while within budget
        while k < len(order):
            post = postings[order[k]]
            if hits and scanned + len(post) > _SCAN_BUDGET:
                break
            w = qf[order[k]]
            for i, v in post.items():
                hits[i] = hits.get(i, 0.0) + w * v
            scanned += len(post)
            k += 1
        if k < len(order):
            # keep the leaders so far, then only probe the common features for them
            if len(hits) > _PROBE_TOP:
                part = sum(qf[f] * idf[f] for f in order[:k])
                leaders = sorted(hits, key=lambda i: (-(hits[i] - part * penalty[i]), i))[:_PROBE_TOP]
                hits = {i: hits[i] for i in leaders}
            for f in order[k:]:
                post = postings[f]
                weight = qf[f]
                for i in hits:
                    got = post.get(i)
                    if got is not None:
                        hits[i] += weight * got
        q_mass = sum(w * idf[f] for f, w in qf.items())
        scores = sorted(((h - q_mass * penalty[i], i) for i, h in hits.items()), key=lambda t: (-t[0], ids[t[1]]))
        top = scores[0][0]
        z = sum(math.exp(s - top) for s, _ in scores)
        rest = len(ids) - len(scores)
        if rest:
            z += rest * math.exp(-q_mass * self._mean_penalty - top)

        words = {f: w * idf[f] for f, w in qf.items() if f[0] != "#" and " " not in f and f not in STOPWORDS}
        info_total = sum(words.values()) + unknown
        cal = _CALIBRATION_REFINED if self._refined else _CALIBRATION
        ranked: list[tuple[float, float, int, float]] = []
        for s, i in scores[:_RANK_DEPTH]:
            prob = math.exp(s - top) / z
            known = sum(w for f, w in words.items() if i in self._ex_postings[f])
            cov = known / info_total if info_total else 1.0
            conf = _confidence(prob, cov, cal)
            ranked.append((conf, s, i, cov))
        own = self._exact.get(" ".join(self._stems(tokenize(query)))) if exact else None
        if own is not None:
            # an example question, word for word: its intent is the answer, whatever
            # the statistics say about the other intents' examples
            ranked = [(max(t[0], _EXACT_CONFIDENCE), *t[1:]) if t[2] == own else t for t in ranked]
        ranked.sort(key=lambda t: (-t[0], self._ids[t[2]]))
        out: list[Match] = []
        for conf, s, i, cov in ranked:
            if score_cutoff is not None and conf < score_cutoff:
                break
            if limit is not None and len(out) >= limit:
                break
            out.append(
                Match(
                    intent=self._ids[i],
                    confidence=round(conf, 6),
                    example=self._examples[self._best_example(qf, i)],
                    score=round(s, 6),
                    coverage=round(cov, 6),
                )
            )
        return out

    def _best_example(self, qf: Mapping[str, float], intent: int) -> int:
        acc: dict[int, float] = {}
        ex_post = self._ex_postings
        for f, w in qf.items():
            d = ex_post.get(f) if f[0] != "#" else None
            if d:
                for e in d.get(intent, ()):
                    acc[e] = acc.get(e, 0.0) + w * self._idf[f] ** 2
        if not acc:
            return self._first_example[intent]
        norm = self._ex_norm
        return min(acc, key=lambda e: (-acc[e] / norm[e], e))

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
        wordings = self._wordings.get(n, ())
        q = tuple(self._stems(self._fix(tokenize(query))[0]))
        best = (0.0, -1)
        for e, w in enumerate(wordings):
            sim = Indel.normalized_similarity(q, w)
            if sim > best[0]:
                best = (sim, e)
        if best[1] < 0:
            return "", 0.0
        # an intent's examples are stored one after the other, in the order given
        return self._examples[self._first_example[n] + best[1]], round(best[0], 4)

    def example_of(self, query: str) -> str | None:
        """The intent `query` is an example question of, word for word after this
        matcher's normalization (stems, synonyms), or None: what the exact-example lookup
        of `match` answers."""
        return self._ids[i] if (i := self._exact.get(" ".join(self._stems(tokenize(query))))) is not None else None

    def best(self, query: str) -> Match | None:
        """The top match, or None when nothing in the knowledge base is related."""
        found = self.match(query, limit=1)
        return found[0] if found else None


def _confidence(prob: float, coverage: float, cal: tuple[float, float, float]) -> float:
    """Calibrated confidence from the softmax probability and the coverage."""
    prob = min(max(prob, 1e-9), 1.0 - 1e-9)
    z = cal[0] * math.log(prob / (1.0 - prob)) + cal[1] * coverage + cal[2]
    return round(1.0 / (1.0 + math.exp(-z)), 6)


def _has_numpy() -> bool:
    """numpy is a dependency, but a matcher without it still works (unrefined)."""
    import importlib.util

    return importlib.util.find_spec("numpy") is not None


def _refine(
    weights: dict[str, dict[int, float]],
    penalty: Sequence[float],
    idf: Mapping[str, float],
    ex_feats: Sequence[Mapping[str, float]],
    ex_intent: Sequence[int],
    n_intents: int,
) -> dict[str, dict[int, float]]:
    """Refine the naive-Bayes weights by softmax regression on the examples.

    Starts from the naive-Bayes weights and runs a few epochs of mini-batch SGD on
    the cross-entropy of the softmax over intents (penalties fixed), visiting the
    examples in a fixed round-robin order over intents (no randomness).  Weights
    that did not move are left out, so the postings stay sparse.
    """
    import numpy as np  # only for big knowledge bases; never at import time

    feats = sorted(weights)
    index = {f: k for k, f in enumerate(feats)}
    W0 = np.zeros((len(feats), n_intents), dtype=np.float32)
    for f, d in weights.items():
        row = index[f]
        for i, v in d.items():
            W0[row, i] = v
    W0 *= _REFINE_INIT
    W = W0.copy()
    K = np.asarray(penalty, dtype=np.float32) * _REFINE_INIT
    idf_vec = np.array([idf[f] for f in feats], dtype=np.float32)
    # round-robin over intents: 1st example of each intent, then the 2nd, ...
    per_intent: dict[int, list[int]] = {}
    for e, i in enumerate(ex_intent):
        per_intent.setdefault(i, []).append(e)
    depth = max(map(len, per_intent.values()))
    order = [e for k in range(depth) for i in sorted(per_intent) for e in per_intent[i][k : k + 1]]
    # the examples' features, concatenated in visiting order
    lengths = np.array([len(ex_feats[e]) for e in order], dtype=np.int64)
    ix_all = np.array([index[f] for e in order for f in ex_feats[e]], dtype=np.int64)
    val_all = np.array([m for e in order for m in ex_feats[e].values()], dtype=np.float32)
    ends = np.cumsum(lengths)
    starts_all = ends - lengths
    y = np.array([ex_intent[e] for e in order], dtype=np.int64)
    batch = 64
    for _epoch in range(_REFINE_EPOCHS):
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
            W[ix_s[first]] -= _REFINE_RATE * grad
    keep_r, keep_c = np.nonzero((W0 != 0) | (np.abs(W - W0) > _REFINE_KEEP))
    kept = W[keep_r, keep_c].tolist()
    out: dict[str, dict[int, float]] = {f: {} for f in feats}
    for r, c, v in zip(keep_r.tolist(), keep_c.tolist(), kept, strict=True):
        out[feats[r]][c] = v
    return out

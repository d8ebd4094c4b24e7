"""Fuzzy intent matcher: plain data in (``{intent_id: [examples]}``), ranked matches out.

Scoring, in the order it happens
--------------------------------
1. **Same pipeline on both sides.**  Examples (once, at build) and the query (once
   per call) go through :func:`faqbot.text.tokenize`, then a light :func:`stem`,
   then synonym/acronym canonicalisation (``"so 40"`` -> ``"special order 40"``).
2. **Typo repair.**  A query token that is not in the knowledge base's vocabulary
   is mapped to the closest vocabulary word(s) with ``rapidfuzz`` (Levenshtein
   distance, at most 1 edit for short words, 2 for longer ones, 3 for very long
   ones; only vocabulary words of compatible length are compared).  A repaired
   token counts a little less than an exact one.
3. **Weights.**  A feature (stemmed word, plus adjacent-word bigrams) weighs its
   IDF *over intents* (``log(1 + N_intents / intents_containing_it)``), so a word
   shared by every intent tells nothing and a word owned by one intent tells a
   lot.  Stopwords ("what", "is", "the" ...) are kept but down-weighted.
4. **Candidates from an inverted index.**  Only examples sharing a feature with
   the query are scored (rare features first; very common features only add to
   examples already found), so match time grows with the query, not the KB.
5. **Two views of an intent, blended.**  *example*: the weighted cosine between
   the query and the intent's best example; *bag*: how much of the query's
   weight the intent's examples use, each feature scaled by the share of the
   intent's examples that contain it.  ``score = mix * example + (1-mix) * bag``.
6. **Evidence for out-of-scope.**  ``coverage`` is the share of the query's
   informative weight (unknown words count at the maximum IDF) found anywhere in
   the intent's vocabulary.  The ``confidence`` is a logistic function of the
   score, the coverage and the margin over the runner-up intent, with fixed
   coefficients chosen so that it is roughly calibrated (see the benchmark);
   the dialogue layer thresholds ``confidence`` and the gap between the first
   two confidences.

Ranking is by confidence, then score, then intent id (ascending), so the output
is a pure function of the knowledge base and the query.  A built ``Matcher`` is
read-only, so concurrent ``match()`` calls are safe.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from faqbot.text import STOPWORDS, SynonymMap, stem, tokenize

__all__ = ["Match", "Matcher"]


@dataclass(frozen=True)
class Match:
    """One ranked intent for a query.

    ``confidence`` is in [0, 1] and roughly calibrated; ``score`` is the raw
    blended similarity; ``coverage`` is the share of the query's informative
    words known to this intent; ``example`` is the original example text that
    matched best.
    """

    intent: str
    confidence: float
    example: str
    score: float = 0.0
    coverage: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


# Tunables (chosen on a held-out part of CLINC150 train and on the article KB).
_STOP_WEIGHT = 0.25  # weight multiplier for stopwords
_BIGRAM_WEIGHT = 0.5  # weight multiplier for adjacent-word bigrams
_FUZZY_PENALTY = 0.2  # weight lost per edit by a repaired token
_MIX = 0.5  # share of the best-example view in the blended score
_COMMON_POSTINGS = 3000  # postings longer than this are not scanned, only probed
_RERANK = 30  # intents kept from the example view for the bag view


def _max_edits(token: str) -> int:
    n = len(token)
    if n <= 3:
        return 0
    if n <= 5:
        return 1
    if n <= 10:
        return 2
    return 3


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
        ex_feats: list[dict[str, float]] = []  # feature -> multiplier (stop/bigram)
        vocab: set[str] = set()
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
                ex_feats.append(self._features(tokens))
        for canonical, variants in (synonyms or {}).items():
            vocab.update(tokenize(canonical))
            for v in [variants] if isinstance(variants, str) else variants:
                vocab.update(tokenize(v))

        self._ids = tuple(ids)
        self._examples = tuple(examples)
        self._ex_intent = tuple(ex_intent)
        n_int = max(len(ids), 1)

        # document frequency over intents, and per-intent share of examples
        intent_sizes = [0] * len(ids)
        for i in ex_intent:
            intent_sizes[i] += 1
        share: dict[str, dict[int, float]] = {}
        for feats, i in zip(ex_feats, ex_intent):
            for f in feats:
                d = share.setdefault(f, {})
                d[i] = d.get(i, 0.0) + 1.0
        for f, d in share.items():
            for i in d:
                d[i] /= intent_sizes[i]
        self._idf = {f: math.log(1.0 + n_int / len(d)) for f, d in share.items()}
        self._max_idf = math.log(1.0 + n_int)
        self._share = share

        postings: dict[str, list[int]] = {}
        norms: list[float] = []
        weights: list[dict[str, float]] = []
        for e, feats in enumerate(ex_feats):
            w = {f: m * self._idf[f] for f, m in feats.items()}
            weights.append(w)
            norms.append(math.sqrt(sum(x * x for x in w.values())) or 1.0)
            for f in feats:
                postings.setdefault(f, []).append(e)
        self._postings = {f: tuple(p) for f, p in postings.items()}
        self._ex_weights = tuple(weights)
        self._ex_norms = tuple(norms)

        # surface vocabulary for typo repair, bucketed by length
        known_stems = set(self._idf) | self._synonyms.surface_tokens
        self._known_stems = frozenset(known_stems)
        by_len: dict[int, list[str]] = {}
        for tok in sorted(vocab):
            by_len.setdefault(len(tok), []).append(tok)
        self._vocab_by_len = {k: tuple(v) for k, v in by_len.items()}

    # ------------------------------------------------------------------ build
    def _stems(self, tokens: Sequence[str]) -> list[str]:
        return self._synonyms.apply([stem(t) for t in tokens])

    def _features(self, tokens: Sequence[str]) -> dict[str, float]:
        """Feature -> multiplier (before IDF) for a token list."""
        stems = self._stems(tokens)
        feats: dict[str, float] = {}
        for s in stems:
            feats[s] = _STOP_WEIGHT if s in STOPWORDS else 1.0
        content = [s for s in stems if s not in STOPWORDS]
        for a, b in zip(content, content[1:]):
            feats.setdefault(a + " " + b, _BIGRAM_WEIGHT)
        return feats

    # ------------------------------------------------------------------ query
    @property
    def intents(self) -> tuple[str, ...]:
        return self._ids

    def _repair(self, token: str) -> list[tuple[str, float]]:
        """Vocabulary words close to an unknown token, with a weight factor."""
        k = _max_edits(token)
        if k == 0 or not token.isalpha():
            return []
        n = len(token)
        best: list[tuple[int, str]] = []
        for length in range(n - k, n + k + 1):
            bucket = self._vocab_by_len.get(length)
            if not bucket:
                continue
            for cand, dist, _ in process.extract(
                token, bucket, scorer=Levenshtein.distance, score_cutoff=k, limit=5
            ):
                best.append((int(dist), cand))
        if not best:
            return []
        best.sort()
        top = best[0][0]
        return [(c, 1.0 - _FUZZY_PENALTY * d) for d, c in best if d == top][:3]

    def _query_features(self, query: str) -> tuple[dict[str, float], float]:
        """Query features with weights (IDF included), plus unknown weight."""
        tokens = tokenize(query)
        if not tokens:
            return {}, 0.0
        fixed: list[str] = []
        factor: dict[str, float] = {}
        unknown = 0.0
        for tok in tokens:
            if tok in STOPWORDS or stem(tok) in self._known_stems or tok.isdigit():
                fixed.append(tok)
                continue
            repl = self._repair(tok)
            if not repl:
                fixed.append(tok)
                continue
            cand, f = repl[0]
            fixed.append(cand)
            factor[stem(cand)] = min(factor.get(stem(cand), 1.0), f)
        feats = self._features(fixed)
        out: dict[str, float] = {}
        for f, m in feats.items():
            idf = self._idf.get(f)
            if idf is None:
                if " " not in f and m == 1.0:
                    unknown += self._max_idf
                continue
            out[f] = m * idf * factor.get(f, 1.0)
        return out, unknown

    def _iter_scored(self, query: str) -> Iterator[tuple[float, float, float, int, int]]:
        """Yield (score, coverage, example_score, intent_index, example_index)."""
        qf, unknown = self._query_features(query)
        if not qf:
            return
        qnorm = math.sqrt(sum(w * w for w in qf.values())) or 1.0
        postings = self._postings
        order = sorted(qf, key=lambda f: (len(postings[f]), f))
        acc: dict[int, float] = {}
        ex_w = self._ex_weights
        for f in order:
            post = postings[f]
            wq = qf[f]
            if len(post) <= _COMMON_POSTINGS or not acc:
                for e in post:
                    acc[e] = acc.get(e, 0.0) + wq * ex_w[e][f]
            else:
                for e in acc:
                    we = ex_w[e].get(f)
                    if we is not None:
                        acc[e] += wq * we
        # best example per intent
        norms = self._ex_norms
        ex_intent = self._ex_intent
        best: dict[int, tuple[float, int]] = {}
        for e, dot in acc.items():
            s = dot / (qnorm * norms[e])
            i = ex_intent[e]
            cur = best.get(i)
            if cur is None or s > cur[0] or (s == cur[0] and e < cur[1]):
                best[i] = (s, e)
        top = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:_RERANK]
        # bag view and coverage over the query's informative weight
        share = self._share
        total = sum(qf.values()) + unknown
        info = {f: w for f, w in qf.items() if " " not in f}
        info_total = sum(info.values()) + unknown
        for i, (es, e) in top:
            bag = 0.0
            for f, w in qf.items():
                p = share[f].get(i)
                if p:
                    bag += w * p
            bag /= total
            cov = sum(w for f, w in info.items() if i in share[f]) / info_total if info_total else 0.0
            score = _MIX * es + (1.0 - _MIX) * bag
            yield score, cov, es, i, e

    def match(self, query: str, *, limit: int | None = 5, score_cutoff: float | None = None) -> list[Match]:
        """Rank intents for *query*, best first (confidence, score, then intent id)."""
        if not isinstance(query, str):
            raise TypeError("query must be a str")
        scored = sorted(self._iter_scored(query), key=lambda t: (-t[0], self._ids[t[3]]))
        if not scored:
            return []
        out: list[Match] = []
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        for rank, (score, cov, _es, i, e) in enumerate(scored):
            margin = score - (runner_up if rank == 0 else scored[0][0])
            conf = _confidence(score, cov, margin)
            if score_cutoff is not None and conf < score_cutoff:
                continue
            out.append(
                Match(
                    intent=self._ids[i],
                    confidence=conf,
                    example=self._examples[e],
                    score=round(score, 6),
                    coverage=round(cov, 6),
                )
            )
        out.sort(key=lambda m: (-m.confidence, -m.score, m.intent))
        return out if limit is None else out[:limit]

    def best(self, query: str) -> Match | None:
        """The top match, or None when nothing in the knowledge base is related."""
        found = self.match(query, limit=1)
        return found[0] if found else None


def _confidence(score: float, coverage: float, margin: float) -> float:
    z = -4.0 + 6.0 * score + 2.0 * coverage + 3.0 * margin
    return round(1.0 / (1.0 + math.exp(-z)), 6)

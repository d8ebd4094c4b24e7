"""Passage retrieval: the article's sentences ranked for a question (BM25F, then a rerank).

Every sentence of every source is a candidate answer. It is scored with BM25 over three
fields — the sentence itself, its paragraph, and its section heading (weights
`FIELD_WEIGHTS`) — on the same normalized, stemmed, synonym-canonical words the matcher
uses; a misspelt question word is repaired to the nearest word of the article (not when
it is a real English word). The best `RERANK` are then reranked with what a
sentence-level reader knows (`Passage.score`):

* ``coverage`` — the share of the question's informative words (IDF-weighted) that the
  sentence or its neighbours hold;
* ``typed`` — whether the sentence holds something of the expected answer type (a date
  for "when", a number for "how many"; `faqbot.question.has_type`).

The ranking is a pure function of the sources and the question; a built index is
read-only (safe to share between threads). BM25 is written here (forty lines) rather
than taken from a package: the PyPI ones pull numpy or scan every sentence per query,
and the one-shot `faqbot ask` must start fast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .answerability import english_tier
from .question import GENERIC, Question, has_type
from .replies import Citation
from .sources import Source
from .text import STOPWORDS, SynonymMap, stem, tokenize

__all__ = ["Passage", "PassageIndex"]

#: BM25 parameters (the usual ones; sentences are short, so length matters little).
K1, B = 1.2, 0.75
#: Field weights of BM25F: the sentence, its paragraph, its section heading.
FIELD_WEIGHTS = (1.0, 0.35, 0.25)
#: How many of the best BM25 sentences are reranked.
RERANK = 12
#: Rerank weights (chosen on the SQuAD half in ../shared, top-1 sentence holding the answer):
#: BM25 (normalized to the best) + own coverage + coverage with neighbours + the expected
#: answer type present + that answer being something the question does not already say.
W_OWN, W_CONTEXT, W_TYPED, W_NOVEL = 0.8, 0.2, 0.2, 0.3


class Passage(NamedTuple):
    """One ranked sentence: its citation and the evidence behind its rank."""

    citation: Citation
    bm25: float
    #: share of the question's informative words that the sentence or its neighbours hold
    coverage: float
    #: the same, in the sentence alone
    own_coverage: float
    #: whether the sentence holds something of the question's expected answer type
    typed: bool
    score: float
    #: the sentence and its neighbours in the paragraph (for the answerability check)
    context: str

    def to_dict(self) -> dict[str, object]:
        c = self.citation
        return {"source": c.source, "paragraph": c.paragraph, "start": c.start, "bm25": round(self.bm25, 4),
                "coverage": round(self.coverage, 4), "typed": self.typed, "score": round(self.score, 4)}


@cache
def _generic_stems() -> frozenset[str]:
    """GENERIC and its words' stems (computed on first use, not at import)."""
    return frozenset(stem(w) for w in GENERIC) | GENERIC


def _terms(stems: Iterable[str]) -> list[str]:
    return [s for s in stems if s not in STOPWORDS and (len(s) > 1 or s.isdigit())]


def _query(stems: Iterable[str]) -> list[str]:
    """A question's terms: its words less stopwords and generic words ("become", "exactly")."""
    generic = _generic_stems()
    return [s for s in _terms(stems) if s not in generic]


def _without(sentence: str, tokens: Iterable[str]) -> str:
    """`sentence` less the words of the question (case-insensitive, whole words)."""
    drop = {t for t in tokens if len(t) > 1}
    return " ".join(w for w in sentence.split() if w.strip(".,;:!?\"'()[]“”‘’").casefold() not in drop)


class PassageIndex:
    """The sentences of `sources`, indexed for `search` (see the module docstring)."""

    def __init__(self, sources: Mapping[str, Source], synonyms: Mapping[str, Iterable[str]] | None = None) -> None:
        self._synonyms = SynonymMap(synonyms)
        units: list[tuple[Source, int, int, int, int]] = []  # source, start, end, paragraph block index
        fields: list[tuple[list[str], list[str], list[str]]] = []
        para_terms: dict[tuple[str, int], list[str]] = {}
        for source in sources.values():
            blocks = source.blocks
            for span in source.sentences():
                bi = next((k for k, b in enumerate(blocks) if b.start <= span.start < b.end), -1)
                block = blocks[bi] if bi >= 0 else None
                key = (source.id, bi)
                if key not in para_terms:
                    para_terms[key] = self._stems(source.text[block.start : block.end]) if block else []
                heading = self._stems(block.section or "") if block else []
                units.append((source, span.start, span.end, bi, len(units)))
                fields.append((self._stems(source.text[span.start : span.end]), para_terms[key], heading))
        self._units = units
        n = max(len(units), 1)
        df: dict[str, int] = {}
        for f in fields:
            for t in set(f[0]) | set(f[1]) | set(f[2]):
                df[t] = df.get(t, 0) + 1
        self._idf = {t: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._typical_idf = sorted(self._idf.values())[len(self._idf) // 2] if self._idf else 1.0
        avg = [max(sum(len(f[k]) for f in fields) / n, 1.0) for k in range(3)]
        # postings: term -> [(unit, bm25 field-weighted term weight)]
        postings: dict[str, list[tuple[int, float]]] = {}
        for u, f in enumerate(fields):
            weights: dict[str, float] = {}
            for k, terms in enumerate(f):
                if not terms:
                    continue
                counts: dict[str, int] = {}
                for t in terms:
                    counts[t] = counts.get(t, 0) + 1
                norm = K1 * (1 - B + B * len(terms) / avg[k])
                for t, c in counts.items():
                    weights[t] = weights.get(t, 0.0) + FIELD_WEIGHTS[k] * c * (K1 + 1) / (c + norm)
            for t, w in weights.items():
                postings.setdefault(t, []).append((u, w))
        self._postings = {t: tuple(p) for t, p in postings.items()}
        self._sentence_terms = tuple(frozenset(f[0]) for f in fields)
        self._words = tuple(sorted({w for w in df if w.isalpha() and len(w) >= 4}))

    def to_state(self) -> dict[str, object]:
        """Plain data for `faqbot.cache` (sources by id: the knowledge base holds them)."""
        return {
            "synonyms": self._synonyms.to_state(),
            "units": tuple((src.id, a, b, bi, u) for src, a, b, bi, u in self._units),
            "idf": self._idf, "typical_idf": self._typical_idf, "postings": self._postings,
            "sentence_terms": tuple(tuple(sorted(t)) for t in self._sentence_terms), "words": self._words,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], sources: Mapping[str, Source]) -> PassageIndex:
        self = cls.__new__(cls)
        self._synonyms = SynonymMap.from_state(state["synonyms"])
        self._units = [(sources[sid], a, b, bi, u) for sid, a, b, bi, u in state["units"]]
        self._idf = state["idf"]
        self._typical_idf = state["typical_idf"]
        self._postings = state["postings"]
        self._sentence_terms = tuple(frozenset(t) for t in state["sentence_terms"])
        self._words = tuple(state["words"])
        return self

    def _stems(self, text: str) -> list[str]:
        return _terms(self._synonyms.apply([stem(t) for t in tokenize(text)]))

    def __len__(self) -> int:
        return len(self._units)

    def _query_terms(self, question: Question) -> list[str]:
        out = []
        for t in question.tokens:
            s = stem(t)
            if s in self._idf or t in STOPWORDS or not t.isalpha() or len(t) < 4:
                out.append(s)
                continue
            if english_tier(t) is not None or english_tier(s) is not None:
                out.append(s)
                continue
            limit = 1 if len(t) <= 6 else 2
            found = process.extractOne(s, self._words, scorer=OSA.distance, score_cutoff=limit)
            out.append(found[0] if found else s)
        return list(dict.fromkeys(_query(self._synonyms.apply(out))))

    def search(self, question: Question, *, limit: int = 3) -> list[Passage]:
        """The sentences that best answer `question`, best first."""
        terms = self._query_terms(question)
        if not terms:
            return []
        scores: dict[int, float] = {}
        for t in terms:
            idf = self._idf.get(t)
            if idf is None:
                continue
            for u, w in self._postings[t]:
                scores[u] = scores.get(u, 0.0) + idf * w
        if not scores:
            return []
        top = sorted(scores, key=lambda u: (-scores[u], u))[:RERANK]
        # a word the article never uses weighs as a typical word of it, not as its rarest:
        # a reader's own word ("photographed") must not outweigh the article's ("galaxy")
        mass = sum(self._idf.get(t, self._typical_idf) for t in terms) or 1.0
        best = scores[top[0]]
        out = []
        for u in top:
            source, start, end, bi, _ = self._units[u]
            own = sum(self._idf[t] for t in terms if t in self._sentence_terms[u]) / mass
            near = set(self._sentence_terms[u])
            ctx_start, ctx_end = start, end
            for v in (u - 1, u + 1):
                if 0 <= v < len(self._units) and self._units[v][0] is source and self._units[v][3] == bi:
                    near |= self._sentence_terms[v]
                    ctx_start, ctx_end = min(ctx_start, self._units[v][1]), max(ctx_end, self._units[v][2])
            cov = sum(self._idf[t] for t in terms if t in near) / mass
            sentence = source.text[start:end]
            typed = has_type(question.asks, sentence)
            # the answer is something the question does not already say: "who" wants a
            # name other than the question's own names
            novel = typed and has_type(question.asks, _without(sentence, question.tokens))
            score = (scores[u] / best + W_OWN * own + W_CONTEXT * cov + (W_TYPED if typed else 0.0)
                     + (W_NOVEL if novel else 0.0))
            out.append(Passage(source.citation(start, end), scores[u], cov, own, typed, score,
                               source.text[ctx_start:ctx_end]))
        out.sort(key=lambda p: (-p.score, p.citation.source, p.citation.start))
        return out[:limit]

"""Answerability: does a candidate's cited text hold what the question asks?

A matcher knows which *topic* a question is about; it cannot tell whether the article
answers it. Before faqbot answers with an intent or a passage, `Vocabulary.check`
looks at the question (`faqbot.question.Question`) and the candidate's text:

1. **mention** — a focus word of the question that appears nowhere in the knowledge base
   (the article, its answer intents' questions and answers, the synonyms; a misspelling
   of one of its words counts as that word, a real English word does not): the article
   does not talk about it ("Newsom", "protests", "salary").
2. **asks** — a question that asks for a checkable type (a number, a date, a duration,
   a name, a place, contact details …) and a text that holds nothing of that type:
   "how many agents …" answered with a sentence without a number.
3. **about** — a name or number of the question that the candidate's text does not hold,
   though the article has it elsewhere: the candidate is about something else ("who runs
   the ICE office" answered with the DEA's leader).

Each failed check is a `Missing` value (what is asked, about what), which becomes the
reply's ``missing`` field and its wording ("The article doesn't say how many …").
Article-independent: nothing here is tuned to one knowledge base.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from os.path import commonprefix
from typing import Any, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from .question import GENERIC, Question, has_type
from .text import STOPWORDS, SynonymMap, lazy_pattern, stem, tokenize

# misspellings of everyday question words are misspellings, not topics ("happend", "wich")
_COMMON = frozenset(w for w in GENERIC | STOPWORDS if len(w) >= 4)

__all__ = ["Missing", "Vocabulary", "about_of", "describe", "surface"]

#: Words this short are not a topic on their own unless written as a name (see `Vocabulary.unknown`).
SHORT_WORD = 4
#: English words this frequent (rank among the 40,000) are everyday words (see `Vocabulary.off_topic`).
COMMON_RANK = 1500
#: A name in this share of the article's sentences is part of its setting (see `Vocabulary.set_background`).
BACKGROUND = 0.2
#: English words rarer than this (names, rare spellings: "angelas") may be misspellings like any unknown word.
RARE_RANK = 20000
#: Texts whose canonical stems a vocabulary keeps (see `Vocabulary.canonical`).
_CANONICAL_KEPT = 2048


class Missing(NamedTuple):
    """What the article does not give: ``asks`` is an answer type or ``"mention"``;
    ``about`` the words concerned; ``check`` which check found it."""

    asks: str
    about: str
    check: str

    def to_dict(self) -> dict[str, str]:
        return {"asks": self.asks, "about": self.about}


#: Spellings that sound alike, rewritten to one form before `_sound` drops the vowels
#: ("speshul" and "special", "excepshuns" and "exceptions" sound the same).
_SOUNDS = [(lazy_pattern(a), b) for a, b in (
    (r"ssion|sion|tion", "shun"), (r"cial|tial", "shul"), (r"ph", "f"), (r"ck|q", "k"), (r"x", "ks"),
    (r"c(?=[eiy])", "s"), (r"c", "k"), (r"z", "s"), (r"(.)\1+", r"\1"),
)]


def _sound(word: str) -> str:
    """A word's sound key: its consonants as they sound, doubled letters once, vowels
    dropped after the first letter ("speshul" and "special": "spshl")."""
    for pattern, repl in _SOUNDS:
        word = pattern().sub(repl, word)
    return word[:1] + re.sub(r"[aeiouy]+", "", word[1:])


def english_text() -> str:
    """data/english_words.txt, read once per use: comment lines, then one word a line,
    most frequent first (package data beside this module; not importlib.resources, which
    costs 3 ms to import)."""
    with open(os.path.join(os.path.dirname(__file__), "data", "english_words.txt"), encoding="utf-8") as f:
        return f.read()


@lru_cache(maxsize=1)
def _english_tiers() -> tuple[str, str, str]:
    """data/english_words.txt (the 40,000 most frequent English words, most frequent
    first) as three newline-delimited strings: the first `COMMON_RANK` words, the rest up
    to `RARE_RANK`, and the rest. A membership test is a substring search: reading the
    file costs a fraction of a millisecond, building a set of 40,000 words fourteen."""
    text = english_text()
    words = text[text.index("\n", text.rindex("\n#") + 1) + 1 :]  # after the comment lines
    parts = words.split("\n", RARE_RANK)  # the words up to RARE_RANK, then the rest in one piece
    return ("\n" + "\n".join(parts[:COMMON_RANK]) + "\n", "\n" + "\n".join(parts[COMMON_RANK:RARE_RANK]) + "\n",
            "\n" + parts[RARE_RANK] if len(parts) > RARE_RANK else "\n")


@lru_cache(maxsize=8192)
def english_tier(word: str) -> int | None:
    """0 for an everyday English word (among the `COMMON_RANK` most frequent), 1 for a
    common one (up to `RARE_RANK`), 2 for a rarer one, None for no English word (a name,
    a misspelling, a coinage): a real word is not a misspelling of a knowledge-base word,
    and an everyday one is too general to be a topic on its own."""
    needle = "\n" + word + "\n"
    for tier, words in enumerate(_english_tiers()):
        if needle in words:
            return tier
    return None


_VOWEL = re.compile("[aeiouy]")
_SHORT_COMMON = tuple(sorted(w for w in GENERIC | STOPWORDS if len(w) <= SHORT_WORD + 1))


def _short_word(token: str) -> bool:
    """A short token that is a topic word: a real English word, not one letter off a
    stopword or generic word ("dose", "wat")."""
    if english_tier(token) is None or not _VOWEL.search(token):
        return False  # "ppl", "thx": typing, not a word
    return process.extractOne(token, _SHORT_COMMON, scorer=OSA.distance, score_cutoff=1) is None


class Vocabulary:
    """Every word a knowledge base knows (stems), built once with the knowledge base."""

    def __init__(self, texts: Iterable[str], synonyms: Mapping[str, Iterable[str]] | None = None,
                 readers: Mapping[str, Iterable[str]] | None = None) -> None:
        self._synonyms = SynonymMap(synonyms)
        words: set[str] = set()
        for text in texts:
            words.update(tokenize(text))
        for canonical, variants in (synonyms or {}).items():
            for v in [canonical, *([variants] if isinstance(variants, str) else variants)]:
                words.update(tokenize(v))
        # reader vocabulary ({article word: [reader words]}): a reader's word for an article word is known
        self._reader_of: dict[str, str] = {}  # a reader's word -> the article's word it stands for
        for word, variants in (readers or {}).items():
            for v in [variants] if isinstance(variants, str) else variants:
                words.update(tokenize(v))
                for t in tokenize(v):
                    self._reader_of.setdefault(t, word)
                    self._reader_of.setdefault(stem(t), word)
        self._stems = frozenset(stem(w) for w in words) | self._synonyms.surface_tokens
        self._background: frozenset[str] = frozenset()
        self._setting: frozenset[str] = frozenset()  # the background's stems too (see `check`)
        self._canonical: dict[str, frozenset[str]] = {}
        self._words = tuple(sorted({w for w in words if w.isalpha() and len(w) >= 4} | _COMMON))
        self._tails: tuple[str, ...] | None = None  # see `_derived`
        self._by_sound: dict[str, str] | None = None  # see `_meant`

    def to_state(self) -> dict[str, object]:
        """Plain data for `faqbot.cache`."""
        return {"synonyms": self._synonyms.to_state(), "stems": tuple(sorted(self._stems)), "words": self._words,
                "background": tuple(sorted(self._background)), "reader_of": self._reader_of}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Vocabulary:
        self = cls.__new__(cls)
        self._synonyms = SynonymMap.from_state(state["synonyms"])
        self._stems = frozenset(state["stems"])
        self._words = tuple(state["words"])
        self._background = frozenset(state["background"])
        self._setting = self._background | {stem(t) for t in self._background}
        self._canonical = {}
        self._reader_of = dict(state["reader_of"])
        self._tails = None
        self._by_sound = None
        return self

    def in_article_words(self, question: Question, known: Callable[[str], bool]) -> tuple[str, list[str]]:
        """The question with each reader's word the matcher does not know (`known`: its
        stems) replaced by the article's word it stands for ("forbid" -> "prohibits"), and
        the words replaced. Nothing changes when every word is known (`known(stem)`)."""
        out, swapped = [], []
        for t in question.tokens:
            s = stem(t)
            word = self._reader_of.get(t) or self._reader_of.get(s)
            if word is not None and not known(s) and t not in STOPWORDS:
                out.append(word)
                swapped.append(t)
            else:
                out.append(t)
        return " ".join(out), swapped

    def set_background(self, sentences: list[str]) -> None:
        """Names in at least `BACKGROUND` of the sentences (the article's own setting, "Los
        Angeles", "DEA") are not checked against each candidate: every passage is about them."""
        counts: dict[str, int] = {}
        for sentence in sentences:
            seen = set(tokenize(sentence))
            seen |= {t for s in self._synonyms.apply([stem(t) for t in seen]) for t in [s]}
            for t in seen:
                counts[t] = counts.get(t, 0) + 1
        need = max(2, BACKGROUND * len(sentences))
        base = {t for t, c in counts.items() if c >= need}
        # the variants of a background canonical form ("la" for "los angeles") are background too
        for variant_key, canon in self._synonyms.phrases():
            if set(canon) & base:
                base.update(variant_key)
        self._background = frozenset(base)
        self._setting = self._background | {stem(t) for t in self._background}

    def knows(self, token: str) -> bool:
        """Whether the knowledge base knows `token` (a normalized word), or it is a
        misspelling of a word it knows (and not a real English word of its own)."""
        s = stem(token)
        if s in self._stems or token in self._stems:
            return True
        if not token.isalpha() or len(token) < 3:
            return False
        tier = english_tier(token)
        if tier is not None and tier < 2:
            if len(token) < 4:
                return False
            # a real English word is a misspelling only when a long word lacks or has one
            # letter too many ("angles", "ordnance"), not when a letter differs ("protests")
            if len(token) < 6:
                return self._derived(token)
            found = process.extractOne(token, self._words, scorer=Indel.distance, score_cutoff=1)
            return found is not None or self._derived(token)
        return self._meant(token) is not None or self._derived(token)

    def _meant(self, token: str) -> str | None:
        """The word of the knowledge base that `token` (no common English word) misspells:
        two neighbouring letters of a short name swapped ("cpb" for "cbp"), or a letter or
        two off a longer word ("angelas" for "angeles"); None when there is none."""
        if not token.isalpha():
            return None
        if len(token) == 3:
            if english_tier(token) is not None:
                return None
            for i in (0, 1):
                swapped = token[:i] + token[i + 1] + token[i] + token[i + 2:]
                if swapped in self._stems:
                    return swapped
            return None
        if len(token) < 4:
            return None
        found = process.extractOne(token, self._words, scorer=OSA.distance, score_cutoff=1 if len(token) <= 6 else 2)
        if found is not None:
            return found[0]
        # spelled as it sounds ("speshul", "excepshuns"): the word of the same sound key
        if self._by_sound is None:
            by_sound: dict[str, str] = {}
            for w in self._words:
                by_sound.setdefault(_sound(w), w)
            self._by_sound = by_sound  # built on first use
        key = _sound(token)
        return self._by_sound.get(key) if len(key) >= 4 else None

    def _derived(self, token: str) -> bool:
        """Whether `token` is another form of a word the knowledge base knows: they share
        a stem of 6+ letters that is most of both ("communication", "communicate"), or it
        is the last part of a compound the knowledge base uses ("rocket" of "skyrocket")."""
        if len(token) >= 5:
            # the words that end with `token` are those whose reversal starts with its reversal
            if self._tails is None:
                self._tails = tuple(sorted(w[::-1] for w in self._words))  # built on first use
            tails, liat = self._tails, token[::-1]
            at = bisect_left(tails, liat)
            while at < len(tails) and tails[at].startswith(liat):
                if len(tails[at]) - len(token) >= 3:
                    return True
                at += 1
        if len(token) < 7:
            return False
        head = token[:6]
        at = bisect_left(self._words, head)
        while at < len(self._words) and self._words[at].startswith(head):
            word = self._words[at]
            common = len(commonprefix([token, word]))
            if common >= 0.75 * min(len(token), len(word)):
                return True
            at += 1
        return False

    def canonical(self, text: str) -> frozenset[str]:
        """The stems of `text` and their synonym canonical forms (kept for the last
        `_CANONICAL_KEPT` texts: an intent's text is checked again and again)."""
        kept = self._canonical
        found = kept.get(text)
        if found is None:
            stems = [stem(t) for t in tokenize(text)]
            found = frozenset(stems) | frozenset(self._synonyms.apply(stems))
            if len(kept) >= _CANONICAL_KEPT:
                kept.clear()  # simple and bounded; a knowledge base's intents fit many times over
            kept[text] = found
        return found

    def unknown(self, question: Question) -> tuple[str, ...]:
        """The focus words of `question` the knowledge base does not know. A short word
        (4 letters or fewer) counts when written as a name or number ("TPS", "2019") or when
        it is a real English word that is no slip of a question word ("wall", "visa"; not
        "dose" for "does"): "wat", "tho", "ppl" are typing, not topics."""
        return tuple(
            t for t in question.focus
            if (len(t) > SHORT_WORD or t in question.names or _short_word(t)) and not self.knows(t)
        )

    def off_topic(self, question: Question, unknown: tuple[str, ...] | None = None, *,
                  strict: bool = False) -> str | None:
        """The word that shows the question is about something the knowledge base never
        talks about, or None: a name or number it does not know, a rarer word it does not
        know, or two or more everyday words it does not know (one everyday word alone,
        "title", "together", is a reader's way of putting it)."""
        if unknown is None:
            unknown = self.unknown(question)
        everyday = [t for t in unknown if (t not in question.names or _shouted(question, t)) and english_tier(t) == 0]
        strong = [t for t in unknown if t not in everyday]
        if strong:
            return strong[0]
        if len(everyday) >= (1 if strict else 2):
            return everyday[0]
        return None

    def check(self, question: Question, evidence: str, *, unknown: tuple[str, ...] | None = None,
              about: str = "", context: str = "", strict: bool = False) -> Missing | None:
        """None when `evidence` (a candidate's cited text and answer) can answer
        `question`; else what is missing (see the module docstring). The names of the
        question may also be found in `about` (an intent's title and examples) and
        `context` (section headings). `strict`, for weak candidates (a sentence found by
        its words, an intent below the answer threshold): one unknown everyday word is
        enough to decline."""
        off = self.off_topic(question, unknown, strict=strict)
        if off is not None:
            return Missing("mention", surface(question, off), "mention")
        names = self.name_forms(question) if question.names else []
        if question.asks is not None:
            # the question's own words, and what its names stand for ("LA": Los Angeles); not the
            # canonical form of its plain words ("which police department" is answered by "LAPD")
            given = frozenset({stem(t) for t in question.tokens}.union(*(f for _, f in names)))
            # "which police department …": when what is asked about is itself of the article's
            # setting, a setting name (LAPD) is an answer; "which LA neighborhood" is not answered by LA
            # (its first two focus words: "which city council member" is not of it)
            head = question.focus[:2]
            setting = frozenset() if head and all(stem(w) in self._setting for w in head) else self._setting
            if not has_type(question.asks, evidence, given, setting):
                return Missing(question.asks, about_of(question), "asks")
        if names:
            held = self.canonical(evidence + "\n" + context)
            for name, forms in names:
                if name in self._background or forms & held:
                    continue
                # the intent's own title and examples, read only when the cited text lacks
                # the name (an intent's examples are many: most questions never need them)
                if about and forms & self.canonical(about):
                    continue
                return Missing("about", surface(question, name), "about")
        return None

    def name_forms(self, question: Question) -> list[tuple[str, set[str]]]:
        """Each name of the question with its stems and the canonical form of the synonym
        phrase it is part of ("La Migra" -> ice)."""
        stems = [stem(t) for t in question.tokens]
        phrase_of: dict[int, tuple[str, ...]] = {}
        for start, end, canon in self._synonyms.spans(stems):
            for k in range(start, end):
                phrase_of[k] = canon
        out = []
        for name in question.names:
            if _shouted(question, name):
                continue
            forms = {stem(name)}
            for k, t in enumerate(question.tokens):
                if t == name and k in phrase_of:
                    forms.update(phrase_of[k])
            forms |= set(self._synonyms.apply([stem(name)]))
            # "CPB", "Los Angelas": a misspelt name names what the article names
            meant = self._meant(name) if stem(name) not in self._stems and english_tier(name) is None else None
            if meant is not None:
                forms |= {stem(meant), *self._synonyms.apply([stem(meant)])}
            out.append((name, forms))
        return out


def _shouted(question: Question, token: str) -> bool:
    """Whether `token` is an everyday word written in capitals for emphasis ("so the LAPD
    NEVER helps?"), not an acronym: five letters or more, and no name of its own."""
    # the cheap tests first: most names are not written in capitals, and the English word
    # list is read only when one is
    return len(token) >= 5 and surface(question, token).isupper() and english_tier(token) == 0


def surface(question: Question, token: str) -> str:
    """`token` as the user wrote it (case and all), when it can be found."""
    for word in question.text.split():
        if tokenize(word) == [token]:
            return word.strip("\"“”'‘’()[],.;:!?")
    return token


_HEADS = ("how many", "how much", "number of", "name of", "names of")


def about_of(question: Question) -> str:
    """The words a typed question asks about: after "how many" …, else its focus."""
    clause = question.clause
    for head in _HEADS:
        at = clause.find(head + " ")
        if at >= 0:
            rest = [t for t in clause[at + len(head) + 1 :].split() if t in question.focus][:1]
            if rest:
                return " ".join(rest)
    return " ".join(question.focus[:3])


_SAYS = {
    "count": "how many {about}",
    "money": "how much {about} costs",
    "percent": "what share of {about}",
    "date": "when",
    "duration": "how long",
    "name": "who or what by name",
    "person": "who",
    "place": "where",
    "contact": "how to contact anyone: it gives no address, phone number, email or website",
    "vote": "how the vote went",
    "penalty": "what the penalty is",
}


def describe(missing: Missing) -> str:
    """The sentence that tells the user what the article does not say."""
    if missing.asks == "mention":
        return f"The article doesn't mention “{missing.about}”, so it doesn't answer that."
    if missing.asks == "about":
        return f"The article doesn't say that about “{missing.about}”."
    if missing.asks == "quote":
        return "The article quotes no one on that."
    template = _SAYS.get(missing.asks)
    if template is None:
        return "The article doesn't say."
    if "{about}" in template and not missing.about:
        template = {"count": "how many", "money": "how much it costs", "percent": "what share"}[missing.asks]
    return "The article doesn't say " + template.format(about=missing.about) + "."

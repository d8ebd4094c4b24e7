"""Text normalization, tokenizing, light stemming and synonym canonicalisation.

Everything here is a pure function (no I/O, no global state that changes), so the
knowledge base and the query go through exactly the same pipeline:

    normalize  NFKC, casefold, accents stripped, curly quotes/dashes to ASCII,
               possessive ``'s`` dropped, apostrophes inside words removed
               (``don't`` -> ``dont``), dotted acronyms joined (``u.s.`` -> ``us``),
               every other non-alphanumeric character (Unicode-aware) becomes a
               space, whitespace collapsed.
    tokenize   ``normalize(text).split()``.
    stem       a deliberately small suffix stripper (plural ``s``/``es``/``ies``,
               ``ing``, ``ed``, final ``e``) so "schedule", "scheduled" and
               "scheduling" meet; it is applied to both sides, so it only has
               to be consistent, not linguistically right.
    SynonymMap canonicalises multi-word phrases and acronyms, e.g. the variant
               "so 40" becomes the canonical "special order 40" (longest
               variant wins, left to right, no overlap).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache

__all__ = [
    "STOPWORDS",
    "SynonymMap",
    "normalize",
    "stem",
    "tokenize",
]

# Characters that NFKC leaves alone but that people type interchangeably.
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote / apostrophe
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",  # prime
        "\u02bc": "'",  # modifier letter apostrophe
        "`": "'",
        "\u00b4": "'",  # acute accent used as apostrophe
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)

_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_INNER_APOS = re.compile(r"(?<=\w)'(?=\w)")
_DOTTED_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
_NON_WORD = re.compile(r"[\W_]+")
# Terminal escape sequences (CSI, OSC, two-byte) are not words: "\x1b[31mwhat" is "what".
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# Invisible format characters (soft hyphen, zero-widths, bidi marks and controls, BOM,
# variation selectors) would glue onto a word ("\u202ewhat", "what\u200b"): dropped.
_INVISIBLE = "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff]"


def lazy_pattern(source: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regular expression compiled on its first use, not at import: a cold `faqbot ask`
    compiles only the patterns its question needs."""
    return cache(lambda: re.compile(source, flags))


_invisible = lazy_pattern(_INVISIBLE)

# Words that carry little information about *which* question is asked.  They are
# not removed (a query made only of them still matches), only down-weighted.
STOPWORDS = frozenset(
    """
    a about am an and any are as at be been being but by can could did do does
    doing for from had has have having he her here hers him his how i if in into
    is it its itself just me my myself of on or our ours please she should so some
    tell than that the their them then there these they this those to too us was
    we were what when where which while who whom why will with would you your
    yours know want like need get let go also
    much many very really one more most other s t d ll m re ve
    """.split()
)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold(text: str) -> str:
    """Escape sequences and invisible characters out, compatibility forms, quotes and
    dashes unified, case folded, accents stripped."""
    text = _invisible().sub("", _ESCAPE.sub(" ", text))
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).casefold()
    return _strip_accents(text)


def _undot(m: re.Match[str]) -> str:
    return m.group(0).replace(".", "")


def normalize(text: str) -> str:
    """Return a canonical lower-case, space-separated form of *text*.

    >>> normalize("  What’s SO-40?  ")
    'what so 40'
    >>> normalize("ＵＳ ｃｉｔｉｚｅｎｓ")
    'us citizens'
    """
    if not text:
        return ""
    if text.isascii() and "\x1b" not in text:
        # the common case, the same result as `_fold`: ASCII has no invisible characters,
        # compatibility forms or accents
        text = text.translate(_TRANSLATE).lower()
    else:
        text = _fold(text)
    if "'" in text:  # (the folding made every apostrophe this one)
        text = _INNER_APOS.sub("", _POSSESSIVE.sub("", text))
    if "." in text:
        text = _DOTTED_ACRONYM.sub(_undot, text)
    text = _NON_WORD.sub(" ", text)
    return " ".join(text.split())


#: Chat shorthand, read as the words it stands for (on both sides: questions and examples).
_SHORTHAND = {
    "u": "you", "ur": "your", "r": "are", "wat": "what", "wut": "what", "wht": "what", "y": "why",
    "pls": "please", "plz": "please", "thx": "thanks", "abt": "about", "bc": "because", "cuz": "because",
    "coz": "because", "b4": "before", "ppl": "people", "govt": "government", "dept": "department",
    "w": "with", "wo": "without", "tho": "though", "thru": "through", "gonna": "going to",
    "wanna": "want to", "gotta": "got to", "dunno": "do not know", "idk": "i do not know",
}


def tokenize(text: str) -> list[str]:
    """Normalize *text* and split it into tokens; chat shorthand ("u", "ppl", "govt") is read
    as the words it stands for."""
    tokens = normalize(text).split()
    if _SHORTHAND.keys().isdisjoint(tokens):
        return tokens  # the common case, in C
    out: list[str] = []
    for token in tokens:
        long = _SHORTHAND.get(token)
        if long is None:
            out.append(token)
        else:
            out.extend(long.split())
    return out


_VOWELS = frozenset("aeiouy")


def _undouble(word: str) -> str:
    # running -> runn -> run ; but keep "ll"/"ss"/"zz" (call, pass, buzz)
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz" and word[-1] not in _VOWELS:
        return word[:-1]
    return word


def _restore_e(base: str) -> str:
    """The stem left by -ing/-ed: undoubled ("running" -> "run"), or with its silent e
    back when it is a short consonant-vowel-consonant ("facing" -> "face", "voted" ->
    "vote", as "face" and "vote" stem), as the Porter stemmer does."""
    undoubled = _undouble(base)
    if (undoubled == base and len(base) == 3 and base[0] not in _VOWELS and base[1] in "aeiou"
            and base[2] not in _VOWELS and base[2] not in "wx"):
        return base + "e"
    return undoubled


def stem(token: str) -> str:
    """A small, deterministic suffix stripper applied to both sides.

    >>> [stem(w) for w in ["schedule", "scheduled", "scheduling", "schedules"]]
    ['schedul', 'schedul', 'schedul', 'schedul']
    >>> [stem(w) for w in ["cities", "city", "deportations", "deportation"]]
    ['city', 'city', 'deportation', 'deportation']
    >>> [stem(w) for w in ["face", "faces", "facing", "faced", "hopping", "hoping"]]
    ['face', 'face', 'face', 'face', 'hop', 'hope']
    """
    n = len(token)
    if n <= 3 or not token.isalpha():
        return token
    if token.endswith("ies") and n > 4:
        token = token[:-3] + "y"
    elif token.endswith("ied") and n > 4:
        token = token[:-3] + "y"
    elif token.endswith("sses"):
        token = token[:-2]
    elif token.endswith(("ches", "shes", "xes", "zes")) and n > 5:
        token = token[:-2]
    elif token.endswith("s") and not token.endswith(("ss", "us", "is", "ous")):
        token = token[:-1]
    elif token.endswith("ing") and n >= 6:
        token = _restore_e(token[:-3])
    elif token.endswith("ed") and n >= 5 and not token.endswith("eed"):
        token = _restore_e(token[:-2])
    if len(token) > 4 and token.endswith("e") and not token.endswith(("ee", "ie")):
        token = token[:-1]
    return token


class SynonymMap:
    """Canonicalise phrase variants: ``{"special order 40": ["so 40", "so40"]}``.

    Variants and canonical forms are compared after :func:`normalize` and
    :func:`stem`, token by token.  At each position the longest variant wins;
    a replaced span is not scanned again.  The canonical form itself is also
    registered, so it is left unchanged (and protects its words from being
    rewritten by a shorter variant).
    """

    __slots__ = ("_phrases", "_max_len", "_first")

    def __init__(self, synonyms: Mapping[str, Iterable[str]] | None = None) -> None:
        phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for canonical in sorted(synonyms or {}):
            canon = tuple(stem(t) for t in tokenize(canonical))
            if not canon:
                continue
            variants = synonyms[canonical]  # type: ignore[index]
            if isinstance(variants, str):
                variants = [variants]
            for variant in [canonical, *sorted(variants)]:
                key = tuple(stem(t) for t in tokenize(variant))
                # first writer wins (sorted order) so the map is deterministic
                if key and key not in phrases:
                    phrases[key] = canon
        self._phrases = phrases
        self._max_len = max((len(k) for k in phrases), default=0)
        self._first = frozenset(k[0] for k in phrases)

    def __bool__(self) -> bool:
        return bool(self._phrases)

    def to_state(self) -> dict[tuple[str, ...], tuple[str, ...]]:
        """Plain data for `faqbot.cache`: the phrase table."""
        return dict(self._phrases)

    @classmethod
    def from_state(cls, phrases: dict[tuple[str, ...], tuple[str, ...]]) -> SynonymMap:
        self = cls.__new__(cls)
        self._phrases = dict(phrases)
        self._max_len = max((len(k) for k in phrases), default=0)
        self._first = frozenset(k[0] for k in phrases)
        return self

    @property
    def surface_tokens(self) -> frozenset[str]:
        """Every stemmed token that appears in a variant or canonical form."""
        out: set[str] = set()
        for key, canon in self._phrases.items():
            out.update(key)
            out.update(canon)
        return frozenset(out)

    def phrases(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """Every (variant, canonical) pair, as stemmed token tuples."""
        return list(self._phrases.items())

    def spans(self, tokens: Sequence[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """The phrases `apply` would replace: (start, end, canonical) over `tokens`."""
        out: list[tuple[int, int, tuple[str, ...]]] = []
        i, n = 0, len(tokens)
        while i < n:
            if tokens[i] in self._first:
                for size in range(min(self._max_len, n - i), 0, -1):
                    canon = self._phrases.get(tuple(tokens[i : i + size]))
                    if canon is not None:
                        out.append((i, i + size, canon))
                        i += size
                        break
                else:
                    i += 1
            else:
                i += 1
        return out

    def apply(self, tokens: Sequence[str]) -> list[str]:
        """Rewrite a list of (stemmed) tokens, replacing variants by canonicals."""
        if not self._phrases:
            return list(tokens)
        out: list[str] = []
        i, n = 0, len(tokens)
        phrases, first = self._phrases, self._first
        while i < n:
            if tokens[i] in first:
                for size in range(min(self._max_len, n - i), 0, -1):
                    canon = phrases.get(tuple(tokens[i : i + size]))
                    if canon is not None:
                        out.extend(canon)
                        i += size
                        break
                else:
                    out.append(tokens[i])
                    i += 1
            else:
                out.append(tokens[i])
                i += 1
        return out

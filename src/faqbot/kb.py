"""The knowledge base as data: `Intent`, `Topic`, `KnowledgeBase`.

`faqbot.knowledge` loads and validates one from its files; `faqbot.cache` restores one
from plain data (`KnowledgeBase.to_state` / `from_state`) without this module needing
YAML, pathlib or the loader.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

from .replies import Citation
from .sources import Source

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Intent", "KnowledgeBase", "Topic"]


class Intent(NamedTuple):
    """One question the knowledge base answers, with its example wordings."""

    id: str
    title: str
    kind: str
    questions: tuple[str, ...]
    answer: str
    citations: tuple[Citation, ...]
    follow_ups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    topic: str = ""
    file: str = ""
    line: int = 0
    #: a draft no person has reviewed (`review: true`): its example questions were generated,
    #: so the bot trusts the article's sentences over them (see `FAQBot.answer`)
    draft: bool = False

    @property
    def status(self) -> str:
        """The reply status this intent gives."""
        return {"answer": "answered", "gap": "unknown", "smalltalk": "smalltalk"}[self.kind]


class Topic(NamedTuple):
    """An intents file: its topic name and the intents it holds, in order."""

    name: str
    file: str
    intents: tuple[str, ...]


class KnowledgeBase:
    """A loaded, validated knowledge base (immutable; equal when path, intents and topics are).

    path:       the folder it was loaded from
    sources:    the articles, by id
    intents:    every intent, in file order
    topics:     the intents files, in order
    synonyms:   a word -> the words that mean the same to the matcher
    vocabulary: reader vocabulary: a word of the knowledge base -> words readers use for it
                ("prohibit": ["forbid", "ban"]); tells the answerability check a reader's word
                is not off-topic
    """

    __slots__ = ("_path", "sources", "intents", "topics", "synonyms", "vocabulary", "_by_id_cache")

    _path: str
    sources: dict[str, Source]
    intents: tuple[Intent, ...]
    topics: tuple[Topic, ...]
    synonyms: dict[str, tuple[str, ...]]
    vocabulary: dict[str, tuple[str, ...]]
    _by_id_cache: dict[str, Intent] | None

    def __init__(self, path: str | os.PathLike[str], sources: dict[str, Source], intents: tuple[Intent, ...],
                 topics: tuple[Topic, ...] = (), synonyms: dict[str, tuple[str, ...]] | None = None,
                 vocabulary: dict[str, tuple[str, ...]] | None = None) -> None:
        values = (os.fspath(path), sources, intents, topics, synonyms or {}, vocabulary or {}, None)
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"KnowledgeBase is immutable: cannot set {name!r}")

    @property
    def path(self) -> Path:
        """The folder it was loaded from."""
        from pathlib import Path  # not at import: a bot read from the cache never needs pathlib

        return Path(self._path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KnowledgeBase):
            return NotImplemented
        return (self._path, self.intents, self.topics) == (other._path, other.intents, other.topics)

    def __hash__(self) -> int:
        return hash((self._path, self.intents, self.topics))

    def __repr__(self) -> str:
        return f"KnowledgeBase(path={self._path!r}, {len(self.intents)} intents, {len(self.sources)} sources)"

    def intent(self, intent_id: str) -> Intent:
        return self._by_id[intent_id]

    def to_state(self) -> dict[str, Any]:
        """Plain data for `faqbot.cache`, from which `from_state` rebuilds an equal
        knowledge base without reading a file."""
        names = Intent._fields
        at = names.index("citations")
        intents = [(*i[:at], tuple(map(_citation_state, i.citations)), *i[at + 1:]) for i in self.intents]
        return {"path": self._path, "sources": [s.to_state() for s in self.sources.values()],
                "fields": names, "intents": intents,
                "topics": [(t.name, t.file, t.intents) for t in self.topics], "synonyms": dict(self.synonyms),
                "vocabulary": dict(self.vocabulary)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> KnowledgeBase:
        if tuple(state["fields"]) != Intent._fields:
            raise ValueError("stored by another version of Intent")
        at = state["fields"].index("citations")
        intents = []
        for row in state["intents"]:
            row = list(row)
            row[at] = tuple(Citation(*c) for c in row[at])
            intents.append(Intent(*row))
        sources = {s[0]: Source.from_state(s) for s in state["sources"]}
        return cls(state["path"], sources, tuple(intents), tuple(Topic(*t) for t in state["topics"]),
                   dict(state["synonyms"]), dict(state["vocabulary"]))

    @property
    def _by_id(self) -> dict[str, Intent]:
        cache = self._by_id_cache
        if cache is None:
            cache = {i.id: i for i in self.intents}
            object.__setattr__(self, "_by_id_cache", cache)
        return cache


def _citation_state(c: Citation) -> tuple[Any, ...]:
    return (c.source, c.section, c.paragraph, c.start, c.end, c.quote)

"""The knowledge base's topics as readers browse them: in the order of the article.

Used by the chat's `/topics` and by `faqbot serve`'s ``/v1/topics``: one home for the
ordering, so the two never disagree.
"""

from __future__ import annotations

from typing import NamedTuple

from .kb import Intent, KnowledgeBase

__all__ = ["Topic", "ordered_topics"]


class Topic(NamedTuple):
    """A topic as /topics shows it: the answer intents of one intents file, with the
    article section most of their quotes come from; or (`gaps`) every question the
    article leaves open."""

    name: str
    section: str | None
    intents: tuple[Intent, ...]
    gaps: bool = False


def ordered_topics(kb: KnowledgeBase) -> list[Topic]:
    """The topics with an answer, ordered by where their answers sit in the article,
    then the questions it does not answer (gap intents) as one last topic."""
    placed = []
    gaps: list[Intent] = []
    for n, topic in enumerate(kb.topics):
        intents = [kb.intent(i) for i in topic.intents]
        gaps += [i for i in intents if i.kind == "gap"]
        answers = tuple(i for i in intents if i.kind == "answer")
        if not answers:
            continue
        cites = [i.citations[0] for i in answers if i.citations]
        sections = [c.section for c in cites if c.section]
        section = max(sections, key=sections.count) if sections else None  # ties: the first
        first = min((c.start for c in cites), default=float("inf"))
        placed.append((first, n, Topic(topic.name, section, answers)))
    ordered = [t for *_, t in sorted(placed, key=lambda p: (p[0], p[1]))]
    if gaps:
        ordered.append(Topic("Asked about, but not in the article", None, tuple(gaps), gaps=True))
    return ordered

"""`FAQBot`: a loaded knowledge base, its matcher, and `ask()`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import dialogue
from .dialogue import DEFAULT_THRESHOLDS, PassageIndex, Thresholds
from .knowledge import Intent, KnowledgeBase, bundled_path, load
from .matcher import Matcher
from .replies import Reply

if TYPE_CHECKING:
    from .session import Session

__all__ = ["FAQBot", "MAX_QUESTION_CHARS"]

#: Questions are cut to this many characters before matching (a question is a
#: sentence or three; anything longer is pasted text, and would only cost time).
MAX_QUESTION_CHARS = 1000


class FAQBot:
    """Answers questions from a knowledge base. Safe to share between threads:
    nothing is written after construction."""

    def __init__(self, kb: KnowledgeBase, *, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.kb = kb
        self.thresholds = thresholds
        self.matcher = Matcher({i.id: list(i.questions) for i in kb.intents}, synonyms=kb.synonyms)
        self.passages = PassageIndex(kb.sources, kb.synonyms)

    @classmethod
    def load(cls, path: str | Path | None = None, *, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> FAQBot:
        """Load a knowledge base folder (the bundled one when `path` is None). The built
        bot is cached on disk and reused while no file changes (see `faqbot.cache`)."""
        from . import cache

        root = Path(path) if path is not None else bundled_path()
        bot = cache.load(root, lambda: cls(load(root)), cls)
        if bot.thresholds != thresholds:
            bot.thresholds = thresholds  # this copy is our own: nothing shares it yet
        return bot

    def to_state(self) -> dict[str, object]:
        """Plain data (see `faqbot.cache`) from which `from_state` rebuilds this bot."""
        return {"kb": self.kb.to_state(), "matcher": self.matcher.to_state(), "passages": self.passages.to_state()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FAQBot:
        """The bot `to_state` describes, with the default thresholds."""
        bot = cls.__new__(cls)
        bot.kb = KnowledgeBase.from_state(state["kb"])
        bot.thresholds = DEFAULT_THRESHOLDS
        bot.matcher = Matcher.from_state(state["matcher"])
        bot.passages = PassageIndex.from_state(state["passages"], bot.kb.sources)
        return bot

    @property
    def intents(self) -> tuple[Intent, ...]:
        return self.kb.intents

    def session(self) -> Session:
        """A conversation: follow-ups and clarifications understood against earlier turns."""
        from .session import Session

        return Session(self)

    def ask(self, text: str) -> Reply:
        """Answer one question, statelessly."""
        question = text
        notes: tuple[str, ...] = ()
        if len(text) > MAX_QUESTION_CHARS:
            text = text[:MAX_QUESTION_CHARS]
            notes = (f"Your question was cut to its first {MAX_QUESTION_CHARS} characters.",)
        if not text.strip():
            return Reply(
                question, "unknown", None, 0.0, dialogue.EMPTY,
                suggestions=dialogue.suggestions_for((), self.kb), notes=notes, reason="the question is empty",
            )
        matches = self.matcher.match(text, limit=5)
        decision = dialogue.decide(matches, self.kb, self.thresholds, query=text, matcher=self.matcher)
        if decision.status == "clarify":
            return Reply(
                question, "clarify", None, decision.chosen[0].confidence,
                "Your question could mean more than one thing. Did you mean one of these?",
                suggestions=tuple(dialogue.suggestion(self.kb.intent(m.intent), m.confidence) for m in decision.chosen),
                notes=notes, candidates=tuple(matches), reason=decision.reason,
            )
        if decision.chosen:
            top = decision.chosen[0]
            return dialogue.intent_reply(
                question, self.kb.intent(top.intent), top, self.kb,
                candidates=matches, reason=decision.reason, notes=notes,
            )
        passages = [(c, m.confidence) for c, m in self.passages.answer(text, self.thresholds)]
        if passages:
            return Reply(
                question, "passage", None, passages[0][1],
                "I have no prepared answer, but the article says:",
                citations=tuple(c for c, _ in passages), notes=notes, candidates=tuple(matches),
                reason=decision.reason + f"; a sentence of the article matches with confidence {passages[0][1]:.2f}",
            )
        return Reply(
            question, "unknown", None, 0.0,
            dialogue.DECLINE,
            suggestions=dialogue.suggestions_for(matches, self.kb, thresholds=self.thresholds),
            notes=notes, candidates=tuple(matches), reason=decision.reason,
        )

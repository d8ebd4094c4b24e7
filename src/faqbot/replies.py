"""The records a question turns into: `Reply`, `Citation`, `Suggestion`.

They are immutable named tuples (cheap to define: a cold `faqbot ask` pays nothing for
`dataclasses`); `to_dict()` gives the JSON object of `faqbot ask --json`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .answerability import Missing
    from .matcher import Match
    from .question import Question

__all__ = ["Citation", "Reply", "Suggestion", "STATUSES"]

#: Every value `Reply.status` can take.
STATUSES = ("answered", "clarify", "passage", "unknown", "smalltalk")


class Citation(NamedTuple):
    """A verbatim slice of a source: ``source_text[start:end] == quote``."""

    source: str
    section: str | None
    paragraph: int
    start: int
    end: int
    quote: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "section": self.section,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
        }


class Suggestion(NamedTuple):
    """A question faqbot can answer, offered to the user."""

    intent: str
    question: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"intent": self.intent, "question": self.question, "confidence": self.confidence}


class Reply(NamedTuple):
    """What faqbot says to one question.

    status: one of `STATUSES`. ``answered``: `intent` answers it; ``clarify``: two or
    more intents are too close, see `suggestions`; ``passage``: no prepared answer,
    but `citations` hold sentences of the article that answer it; ``unknown``: the
    article does not answer it; ``smalltalk``: greetings, help and the like.
    """

    question: str
    status: str
    intent: str | None
    confidence: float
    answer: str
    citations: tuple[Citation, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    #: related questions to ask next (the intent's follow-ups), for chat screens
    follow_ups: tuple[Suggestion, ...] = ()
    #: short notes about how the question was handled (e.g. it was cut to a limit)
    notes: tuple[str, ...] = ()
    #: the evidence behind the decision, for `/why` and `--explain`: the ranked
    #: candidates the matcher returned, and why the reply answered, clarified or declined
    candidates: tuple[Match, ...] = ()
    reason: str = ""
    #: for a "not stated" reply: what the article does not give (`Missing.to_dict()` in JSON)
    missing: Missing | None = None
    #: the question as analysed (expected answer type, focus), for `/why` and `--explain`
    analysis: Question | None = None

    def to_dict(self, *, explain: bool = False) -> dict[str, Any]:
        """The JSON object of `faqbot ask --json`; with `explain`, also the evidence
        (``"explain": {"reason": str, "candidates": [match, ...]}``)."""
        d: dict[str, Any] = {
            "question": self.question,
            "status": self.status,
            "intent": self.intent,
            "confidence": self.confidence,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "suggestions": [s.to_dict() for s in self.suggestions],
            "follow_ups": [s.to_dict() for s in self.follow_ups],
            "notes": list(self.notes),
            "missing": self.missing.to_dict() if self.missing is not None else None,
        }
        if explain:
            d["explain"] = {
                "reason": self.reason,
                "question": self.analysis.to_dict() if self.analysis is not None else None,
                "check": self.missing.check if self.missing is not None else None,
                "candidates": [m.to_dict() for m in self.candidates],
            }
        return d

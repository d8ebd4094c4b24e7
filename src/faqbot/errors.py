"""Domain errors. Each message is written for the person who must fix the file."""

from __future__ import annotations

__all__ = ["FaqbotError", "KnowledgeBaseError", "SessionStateError", "UsageError"]


class FaqbotError(Exception):
    """Base class of every error faqbot reports to a user (CLI exit code 2)."""


class UsageError(FaqbotError):
    """The command line or an input file given by the user is wrong."""


class SessionStateError(FaqbotError):
    """A saved conversation state (`Session.state()`) cannot be restored: it is
    malformed, or names intents this knowledge base does not have."""


class KnowledgeBaseError(FaqbotError):
    """A knowledge-base file is broken.

    ``str(error)`` is one line: ``FILE:LINE: intent 'ID': MESSAGE`` (the line and
    the intent are left out when unknown).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        intent: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.intent = intent
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        who = f"intent '{self.intent}': " if self.intent else ""
        return " ".join(f"{where}{who}{self.message}".split())

"""faqbot: answers questions about a news article, only from that article, with cited passages.

    >>> from faqbot import FAQBot
    >>> bot = FAQBot.load()
    >>> bot.ask("What is Special Order 40?").intent
    'special-order-40'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .errors import FaqbotError, KnowledgeBaseError, SessionStateError, UsageError

if TYPE_CHECKING:
    from .bot import FAQBot
    from .dialogue import Thresholds
    from .kb import Intent, KnowledgeBase
    from .matcher import Match, Matcher, MatcherConfig
    from .replies import Citation, Reply, Suggestion
    from .session import Session

# The rest of the API is imported on first use, so `import faqbot.cli` (every
# `faqbot` command) pays only for the modules its command needs.
_LAZY = {
    "Citation": ".replies", "FAQBot": ".bot", "Intent": ".kb", "KnowledgeBase": ".kb",
    "Match": ".matcher", "Matcher": ".matcher", "MatcherConfig": ".matcher", "Reply": ".replies", "Suggestion": ".replies",
    "Session": ".session", "Thresholds": ".dialogue",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__")})

__all__ = [
    "Citation",
    "FAQBot",
    "FaqbotError",
    "Intent",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Match",
    "Matcher",
    "MatcherConfig",
    "Reply",
    "Session",
    "SessionStateError",
    "Suggestion",
    "Thresholds",
    "UsageError",
    "__version__",
]

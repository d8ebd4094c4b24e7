"""faqbot: answers questions about a news article, only from that article, with cited passages.

    >>> from faqbot import FAQBot
    >>> bot = FAQBot.load()
    >>> bot.ask("What is Special Order 40?").intent
    'special-order-40'
"""

from __future__ import annotations

__version__ = "0.1.0"

from .bot import FAQBot
from .dialogue import Thresholds
from .errors import FaqbotError, KnowledgeBaseError, UsageError
from .knowledge import Intent, KnowledgeBase
from .matcher import Match, Matcher
from .replies import Citation, Reply, Suggestion

__all__ = [
    "Citation",
    "FAQBot",
    "FaqbotError",
    "Intent",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Match",
    "Matcher",
    "Reply",
    "Suggestion",
    "Thresholds",
    "UsageError",
    "__version__",
]

"""The feedback log: `POST /v1/feedback` appends one JSON line per rating.

Each line says when, whether the reply helped, the reader's comment, and which
reply was rated (its turn in the conversation, question, status and intent, from
the conversation token), for instance::

    {"timestamp": "2026-11-28T01:02:03+00:00", "helpful": false, "comment": "too vague",
     "turn": 2, "question": "any exceptions?", "status": "answered", "intent": "lapd-ice-exceptions"}

The same whole-line guarantees as the unanswered-questions log (`JsonLinesLog`):
several workers may append at once, each line is written by one ``write``, the
file is user-only, and a failure never raises but warns once.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ..unanswered import JsonLinesLog

__all__ = ["MAX_COMMENT_CHARS", "FeedbackLog"]

#: A comment longer than this is refused (422): feedback is a sentence or two.
MAX_COMMENT_CHARS = 2000


class FeedbackLog(JsonLinesLog):
    """Appends feedback to `path` as JSON lines."""

    what = "feedback log"

    def line(self, helpful: bool, comment: str, rated: dict[str, Any] | None, *,
             now: datetime | None = None) -> str:
        """The JSON line (with its newline) that `record` writes."""
        record: dict[str, Any] = {
            "timestamp": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
            "helpful": helpful,
            "comment": comment[:MAX_COMMENT_CHARS],
        }
        record.update(rated or {"turn": None})
        return json.dumps(record, ensure_ascii=True) + "\n"

    def record(self, helpful: bool, comment: str = "", rated: dict[str, Any] | None = None) -> bool:
        """Append one rating; `rated` describes the rated reply (turn, question, status,
        intent). True when the line was written; never raises."""
        return self.append(self.line(helpful, comment, rated))

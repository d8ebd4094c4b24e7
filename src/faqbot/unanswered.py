"""The log of unanswered questions (`--log-unanswered FILE`).

Each clarify or unknown reply is appended to FILE as one JSON line: when, the
question, the status, the intent (a `gap` intent's id, else null) and the top
candidates, so an author can turn real questions into examples. For instance::

    {"timestamp": "2026-11-28T01:02:03+00:00", "question": "who won the game", "status": "unknown",
     "intent": null, "candidates": [{"intent": "gap-author", "confidence": 0.12, "example": "..."}]}

Each line is appended whole or not at all (`faqbot.files.append_record`): writers
take turns under an ``fcntl.flock``, a short write is continued, and a write that
fails part-way (a full disk) is cut back off, so the file never holds half a record
and the next one is never glued to it. Only a regular file is written: a FIFO or
device is refused at once, never waited on. The file is created user-only (mode
0600). A failure to write never raises: the first one sets `warning`, which the
caller shows once, and only that record is lost.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from .files import append_record
from .replies import Reply

__all__ = ["LOGGED_STATUSES", "JsonLinesLog", "UnansweredLog"]

#: The reply statuses that are logged.
LOGGED_STATUSES = ("clarify", "unknown")
#: A logged question is cut to this many characters (the bot reads no more of it).
MAX_LOGGED_CHARS = 1000
#: At most this many candidates are logged per question.
MAX_CANDIDATES = 3


class JsonLinesLog:
    """A file that whole lines are appended to, by any number of processes at once
    (see the module docstring); `append` never raises."""

    #: what the log is called in its warning
    what = "log"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        #: why logging failed (the first failure), or None
        self.warning: str | None = None
        self._warning_taken = False

    def append(self, line: str) -> bool:
        """Append `line` (ASCII, ending in a newline) in one write. True when it was written."""
        try:
            append_record(self.path, line.encode("ascii"))  # the whole line or nothing
        except Exception as e:  # noqa: BLE001 - logging must never stop an answer
            if self.warning is None:
                reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
                self.warning = f"cannot write to the {self.what} {self.path}: {reason}; not logging"
            return False
        return True

    def take_warning(self) -> str | None:
        """The warning, the first time it is asked for after a failure; then None."""
        if self.warning is None or self._warning_taken:
            return None
        self._warning_taken = True
        return self.warning


class UnansweredLog(JsonLinesLog):
    """Appends clarify/unknown replies to `path` as JSON lines."""

    what = "unanswered-questions log"

    def line(self, reply: Reply, *, now: datetime | None = None) -> str:
        """The JSON line (with its newline) that `record` writes for `reply`."""
        record = {
            "timestamp": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
            "question": reply.question[:MAX_LOGGED_CHARS],
            "status": reply.status,
            "intent": reply.intent,
            "candidates": [
                {"intent": m.intent, "confidence": round(m.confidence, 4), "example": m.example}
                for m in reply.candidates[:MAX_CANDIDATES]
            ],
        }
        # ASCII-only: lone surrogates and terminal controls are \u escapes, so the line
        # always encodes, and `cat`-ing the log cannot drive the terminal.
        return json.dumps(record, ensure_ascii=True) + "\n"

    def record(self, reply: Reply) -> bool:
        """Append `reply` when it is clarify/unknown with a non-blank question.
        True when a line was written; never raises."""
        if reply.status not in LOGGED_STATUSES or not reply.question.strip():
            return False
        return self.append(self.line(reply))

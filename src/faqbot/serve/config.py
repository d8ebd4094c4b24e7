"""`ServeConfig`: everything the HTTP service is configured with, as plain values."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["MAX_BODY_BYTES", "TOKEN_TTL", "ServeConfig"]

#: A request body larger than this is refused (413): a question is cut to 1,000
#: characters anyway, and a conversation token is a few hundred bytes.
MAX_BODY_BYTES = 16 * 1024
#: A conversation token expires after this many seconds: long enough for a reader
#: to come back to the page after a break, short enough that a leaked token is soon
#: worthless. Follow-ups after it start a new conversation.
TOKEN_TTL = 2 * 60 * 60
#: The environment variable that hands the configuration to worker processes.
ENV = "FAQBOT_SERVE_CONFIG"


def default_feedback_log() -> Path:
    """``$XDG_STATE_HOME/faqbot/feedback.jsonl`` (``~/.local/state/...`` by default)."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "faqbot" / "feedback.jsonl"


@dataclass(frozen=True)
class ServeConfig:
    """How one service runs. `secret` signs conversation tokens: every worker and
    replica that may serve a conversation needs the same one."""

    secret: bytes = field(repr=False, default=b"")
    #: the knowledge-base folder (None: the bundled one)
    kb: str | None = None
    token_ttl: int = TOKEN_TTL
    #: origins (``https://news.example``) allowed to call the API from their pages and
    #: to embed the widget; empty: the API is same-origin only, the widget embeddable anywhere
    cors_origins: tuple[str, ...] = ()
    log_unanswered: str | None = None
    log_feedback: str | None = None
    max_body: int = MAX_BODY_BYTES

    def to_env(self) -> str:
        """This configuration as one string, for `from_env` in a worker process."""
        d = asdict(self)
        d["secret"] = self.secret.hex()
        return json.dumps(d)

    @classmethod
    def from_env(cls, value: str) -> ServeConfig:
        d = json.loads(value)
        d["secret"] = bytes.fromhex(d["secret"])
        d["cors_origins"] = tuple(d["cors_origins"])
        return cls(**d)

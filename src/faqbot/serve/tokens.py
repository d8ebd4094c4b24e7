"""The conversation token: a session state, signed, with an expiry.

`faqbot serve` keeps nothing in memory between requests. Each reply carries a
token holding the conversation (`Session.state()`) and a little about the reply
it came with (for feedback); the client sends it back with the next question, and
any worker or replica that shares the key carries the conversation on.

Format: ``1.<payload>.<signature>``: the payload is compact JSON, base64url
without padding; the signature is HMAC-SHA256 over ``1.<payload>`` with the
server's key, base64url. The token is signed, not encrypted: it holds nothing the
client did not see (its own question, the ids and questions it was shown).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

__all__ = ["MAX_TOKEN_CHARS", "TokenError", "TokenSigner"]

_VERSION = "1"
#: A token longer than this is refused unread. A state holds at most every intent id
#: once, so the bundled knowledge base's longest conversation is about 2,500 characters.
MAX_TOKEN_CHARS = 8192


class TokenError(Exception):
    """A token that cannot be used. `code` is ``conversation_invalid`` (garbled,
    tampered with, signed with another key) or ``conversation_expired``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Signs and checks tokens with `key`; a token lives `ttl` seconds."""

    def __init__(self, key: bytes, *, ttl: int) -> None:
        if not key:
            raise ValueError("the signing key is empty")
        self._key = key
        self.ttl = ttl

    def _signature(self, signed: str) -> str:
        return _b64(hmac.new(self._key, signed.encode("ascii"), hashlib.sha256).digest())

    def sign(self, payload: dict[str, Any], *, now: float | None = None) -> str:
        """A token for `payload` (a JSON-serialisable dict), expiring `ttl` seconds from `now`."""
        body = {**payload, "exp": int((time.time() if now is None else now) + self.ttl)}
        signed = _VERSION + "." + _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
        return signed + "." + self._signature(signed)

    def verify(self, token: str, *, now: float | None = None) -> dict[str, Any]:
        """The payload of `token` (without ``exp``); `TokenError` when it is not one of
        ours, was changed, or has expired."""
        invalid = TokenError("conversation_invalid", "the conversation token is not valid: it was changed, "
                             "or signed by another server; start a new conversation (send null)")
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or not token.isascii():
            raise invalid
        signed, _, signature = token.rpartition(".")
        version, _, data = signed.partition(".")
        if version != _VERSION or not hmac.compare_digest(signature, self._signature(signed)):
            raise invalid
        try:
            body = json.loads(_unb64(data))
        except (ValueError, binascii.Error):
            raise invalid from None
        if not isinstance(body, dict) or not isinstance(body.get("exp"), int):
            raise invalid
        if body.pop("exp") < (time.time() if now is None else now):
            raise TokenError("conversation_expired", "the conversation has expired; start a new one (send null)")
        return body

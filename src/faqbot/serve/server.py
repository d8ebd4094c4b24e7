"""`faqbot serve`: check the options, load the knowledge base once, start uvicorn.

The knowledge base is loaded here first, so a broken one is a one-line error
(exit 2) before anything listens; each worker then loads it again from the
on-disk cache. Messages go to stderr, one line each.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from collections.abc import Sequence

from ..errors import UsageError

__all__ = ["run"]

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$")
#: More workers than this on one machine only fight over its cores.
MAX_WORKERS = 64


def _say(message: str) -> None:
    sys.stderr.write("faqbot: " + message + "\n")
    sys.stderr.flush()


def _need_extra() -> None:
    missing = []
    for module in ("starlette", "uvicorn", "prometheus_client"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise UsageError(f"faqbot serve needs {', '.join(missing)}: pip install 'faqbot[serve]'")


def _secret() -> tuple[bytes, bool]:
    """The signing key: FAQBOT_SECRET, or a random one (and False)."""
    import secrets

    value = os.environ.get("FAQBOT_SECRET", "")
    if value:
        if len(value) < 16:
            raise UsageError("FAQBOT_SECRET is too short: use at least 16 random characters "
                             "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return value.encode("utf-8", "surrogateescape"), True
    return secrets.token_bytes(32), False


def _check_listen(host: str, port: int) -> None:
    """A clear error now rather than a worker's traceback later."""
    import socket

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(infos[0][4])
    except OSError as e:
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(*, kb: str | None = None, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
        cors_origins: Sequence[str] = (), log_unanswered: str | None = None,
        log_feedback: str | None = None, access_log: bool = False) -> int:
    """Serve until interrupted; returns the exit status. Raises `FaqbotError` for a
    bad option or knowledge base."""
    _need_extra()
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: use a port from 1 to 65535")
    if not 1 <= workers <= MAX_WORKERS:
        raise UsageError(f"--workers {workers}: use 1 to {MAX_WORKERS}")
    for origin in cors_origins:
        if not _ORIGIN.match(origin):
            raise UsageError(f"--cors-origin {origin!r}: give an origin such as https://news.example "
                             "(scheme, host and optional port; no path)")
    from ..bot import FAQBot
    from .config import ENV, ServeConfig, default_feedback_log

    bot = FAQBot.load(kb)  # a broken knowledge base stops here, with its file and line
    secret, shared = _secret()
    feedback = log_feedback or str(default_feedback_log())
    config = ServeConfig(secret=secret, kb=str(bot.kb.path) if kb is not None else None,
                         cors_origins=tuple(cors_origins), log_unanswered=log_unanswered, log_feedback=feedback)
    _check_listen(host, port)

    import tempfile

    import uvicorn

    os.environ[ENV] = config.to_env()  # the workers read their configuration (and key) from here
    metrics_dir = None
    if workers > 1:  # every worker writes its metrics to files /metrics adds up
        metrics_dir = tempfile.TemporaryDirectory(prefix="faqbot-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir.name
    if not shared:
        _say("warning: FAQBOT_SECRET is not set: conversations are signed with a random key made for this run, "
             "so they end when the server stops; replicas behind a load balancer need one shared FAQBOT_SECRET")
    if not _loopback(host):
        _say(f"warning: listening on {host}, reachable from other machines; put a TLS proxy in front")
    titles = "; ".join(s.title for s in bot.kb.sources.values())
    shown = f"[{host}]" if ":" in host else host
    if len(titles) > 80:
        titles = titles[:80].rsplit(" ", 1)[0] + "…"
    _say(f"serving “{titles}” at http://{shown}:{port}/ "
         f"({workers} worker{'s' if workers > 1 else ''}; feedback to {feedback}); Ctrl-C stops")
    del bot
    try:
        uvicorn.run(
            "faqbot.serve.app:app_from_env", factory=True, host=host, port=port, workers=workers,
            log_level="info" if access_log else "warning", access_log=access_log, server_header=False,
            proxy_headers=False,
            loop="uvloop" if _has("uvloop") else "asyncio", http="httptools" if _has("httptools") else "h11",
        )
    finally:
        if metrics_dir is not None:
            metrics_dir.cleanup()
    return 0


def _has(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None

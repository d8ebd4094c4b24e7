"""The ASGI application of `faqbot serve`: the JSON API, the chat page, the widget.

`create_app(bot, config)` builds it (a Starlette app, wrapped in `_Guard`). Every
request is answered from the request alone: the conversation travels in a signed
token (`tokens`), the knowledge base is read-only, and nothing is kept in memory
between requests, so any worker or replica can answer any turn.

Hostile clients get a clean JSON error and nothing else: 404 unknown route, 405
wrong method, 413 body over `ServeConfig.max_body`, 415 not ``application/json``,
422 bad JSON or a bad field (named in ``error.field``), 400 a conversation token
that was changed or has expired, 503 while the knowledge base is loading. No
traceback or stack ever reaches a response; an unexpected error is a 500 with a
fixed message, and one line in the server's log.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import SessionStateError
from .config import ServeConfig, default_feedback_log
from .feedback import MAX_COMMENT_CHARS, FeedbackLog
from .metrics import CONTENT_TYPE as METRICS_TYPE
from .metrics import Metrics
from .spec import openapi
from .tokens import TokenError, TokenSigner

if TYPE_CHECKING:
    from ..bot import FAQBot
    from ..replies import Reply

__all__ = ["create_app"]

log = logging.getLogger("faqbot.serve")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

#: The page's Content-Security-Policy: its own scripts, styles and API only; no
#: inline script or style, no plugin, no framing (the widget's page sets its own
#: frame-ancestors).
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}")
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
_API_HEADERS = [(b"cache-control", b"no-store"), (b"x-frame-options", b"DENY")]
_STATIC = {  # name -> content type
    "index.html": "text/html; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
    "widget.js": "text/javascript; charset=utf-8",
}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ROUTES = ("/", "/embed", "/widget.js", "/v1/ask", "/v1/feedback", "/v1/topics", "/v1/sources", "/healthz",
           "/readyz", "/metrics", "/openapi.json")


class ApiError(Exception):
    """A request the API refuses: rendered as ``{"error": {...}}`` with `status`."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    def response(self) -> JSONResponse:
        error: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        headers = {"retry-after": "1"} if self.status == 503 else None
        return JSONResponse({"error": error}, status_code=self.status, headers=headers)


def _text(value: str) -> str:
    """Text from a client as the library takes it: a lone surrogate (JSON allows
    ``"\\ud800"``) becomes U+FFFD, so it can always be encoded again."""
    return _LONE_SURROGATE.sub("\ufffd", value)


def _plain(value: Any) -> Any:
    """A provenance value as JSON: YAML dates and other scalars become strings."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


class _Service:
    """The handlers, over one bot (loaded in the background unless given)."""

    def __init__(self, bot: FAQBot | None, config: ServeConfig) -> None:
        self.config = config
        self.bot = bot
        self.load_error: str | None = None
        self.signer = TokenSigner(config.secret, ttl=config.token_ttl)
        self.metrics = Metrics()
        self.feedback_log = FeedbackLog(config.log_feedback or default_feedback_log())
        try:
            self.feedback_log.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # the first rating says why, once
        self.unanswered_log = None
        if config.log_unanswered:
            from ..unanswered import UnansweredLog

            self.unanswered_log = UnansweredLog(config.log_unanswered)
        self.static = {name: resources.files(__package__).joinpath("static", name).read_bytes() for name in _STATIC}

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Load the knowledge base (a worker's start-up); a failure is logged, and the
        worker answers 503 (``/readyz``: failed) rather than dying and restarting."""
        from ..bot import FAQBot
        from ..errors import FaqbotError

        try:
            self.bot = FAQBot.load(self.config.kb)
        except FaqbotError as e:
            self.load_error = str(e)
            log.error("faqbot serve: cannot load the knowledge base: %s", e)
            return
        # The bot lives as long as the worker: keep the collector from scanning its
        # hundreds of thousands of objects again and again (pauses of tens of ms).
        gc.collect()
        gc.freeze()

    def _bot(self) -> FAQBot:
        if self.bot is None:
            if self.load_error:
                raise ApiError(503, "not_ready", "the knowledge base could not be loaded")
            raise ApiError(503, "not_ready", "the knowledge base is still loading; try again in a moment")
        return self.bot

    # ------------------------------------------------------------------ requests

    async def _body(self, request: Request, fields: dict[str, tuple[tuple[type, ...], bool]]) -> dict[str, Any]:
        """The JSON object of the request, checked against `fields` (name -> (types, required))."""
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            raise ApiError(415, "unsupported_media_type", "send the body as JSON, with Content-Type: application/json")
        limit = self.config.max_body
        too_large = ApiError(413, "body_too_large", f"the body is larger than {limit} bytes")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            raise too_large
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        try:
            body = json.loads(b"".join(chunks))
        except (ValueError, RecursionError):
            raise ApiError(422, "invalid_json", "the body is not valid JSON (UTF-8)") from None
        if not isinstance(body, dict):
            raise ApiError(422, "invalid_json", "the body must be a JSON object")
        for name in body:
            if name not in fields:
                raise ApiError(422, "unknown_field", f"unknown field '{_text(name)[:40]}'; the fields are: "
                               + ", ".join(fields), field=_text(name)[:100])
        for name, (types, required) in fields.items():
            if name not in body:
                if required:
                    raise ApiError(422, "missing_field", f"'{name}' is required", field=name)
                continue
            value = body[name]
            if not any(type(value) is t for t in types):  # exact: True is no number, 1 no boolean
                kinds = " or ".join({str: "a string", bool: "true or false", type(None): "null"}[t] for t in types)
                raise ApiError(422, "invalid_field", f"'{name}' must be {kinds}", field=name)
            if isinstance(value, str):
                body[name] = _text(value)
        return body

    def _conversation(self, token: str | None) -> dict[str, Any] | None:
        if token is None:
            return None
        try:
            return self.signer.verify(token)
        except TokenError as e:
            raise ApiError(400, e.code, e.message, field="conversation") from None

    async def ask(self, request: Request) -> Response:
        body = await self._body(request, {"question": ((str,), True), "conversation": ((str, type(None)), False)})
        bot = self._bot()
        payload = self._conversation(body.get("conversation"))
        try:
            session = bot.session(state=payload["s"] if payload else None)
        except (SessionStateError, KeyError, TypeError):
            raise ApiError(400, "conversation_invalid", "the conversation refers to questions this knowledge base "
                           "does not have (it has changed); start a new conversation (send null)",
                           field="conversation") from None
        reply = session.ask(body["question"])
        self._count(reply)
        turn = (payload.get("n", 0) if payload else 0) + 1
        out = reply.to_dict()
        out["conversation"] = self.signer.sign({
            "s": session.state(), "n": turn,
            "r": {"question": reply.question[:200], "status": reply.status, "intent": reply.intent},
        })
        return JSONResponse(out)

    def _count(self, reply: Reply) -> None:
        self.metrics.reply(reply.status)
        if self.unanswered_log is not None:
            self.unanswered_log.record(reply)
            warning = self.unanswered_log.take_warning()
            if warning:
                log.warning("faqbot serve: %s", warning)

    async def feedback(self, request: Request) -> Response:
        body = await self._body(request, {"helpful": ((bool,), True), "conversation": ((str, type(None)), False),
                                          "comment": ((str,), False)})
        comment = body.get("comment", "")
        if len(comment) > MAX_COMMENT_CHARS:
            raise ApiError(422, "invalid_field", f"'comment' is longer than {MAX_COMMENT_CHARS} characters",
                           field="comment")
        payload = self._conversation(body.get("conversation"))
        rated = {"turn": payload.get("n"), **payload.get("r", {})} if payload else None
        recorded = self.feedback_log.record(body["helpful"], comment, rated)
        warning = self.feedback_log.take_warning()
        if warning:
            log.warning("faqbot serve: %s", warning)
        self.metrics.feedback(body["helpful"])
        return JSONResponse({"recorded": recorded}, status_code=202)

    async def topics(self, request: Request) -> Response:
        from ..topics import ordered_topics

        kb = self._bot().kb
        topics, gaps = [], []
        for topic in ordered_topics(kb):
            if topic.gaps:
                gaps += [i.title for i in topic.intents]
                continue
            questions = [{"intent": i.id, "question": i.questions[0]} for i in topic.intents]
            topics.append({"name": topic.name, "section": topic.section, "questions": questions})
        return JSONResponse({"topics": topics, "not_in_article": gaps})

    def _source(self, source: Any, *, text: bool) -> dict[str, Any]:
        d = {"id": source.id, "title": source.title, "provenance": _plain(source.provenance),
             "sections": list(source.sections)}
        if text:
            d["text"] = source.text
            d["blocks"] = [{"start": b.start, "end": b.end, "heading": b.heading, "paragraph": b.paragraph,
                            "section": b.section} for b in source.blocks]
        return d

    async def sources(self, request: Request) -> Response:
        kb = self._bot().kb
        return JSONResponse({"sources": [self._source(s, text=False) for s in kb.sources.values()]})

    async def source(self, request: Request) -> Response:
        source = self._bot().kb.sources.get(request.path_params["source_id"])
        if source is None:
            raise ApiError(404, "not_found", "no source with this id; GET /v1/sources lists them")
        return JSONResponse(self._source(source, text=True))

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        if self.bot is None:
            return JSONResponse({"status": "failed" if self.load_error else "loading"}, status_code=503,
                                headers={"retry-after": "1"})
        return JSONResponse({"status": "ready", "intents": len(self.bot.kb.intents),
                             "sources": len(self.bot.kb.sources)})

    async def metrics_page(self, request: Request) -> Response:
        return Response(self.metrics.exposition(), media_type=METRICS_TYPE)

    async def spec(self, request: Request) -> Response:
        return JSONResponse(openapi())

    def page(self, name: str, *, frame_ancestors: str = "'none'") -> Callable[[Request], Awaitable[Response]]:
        data = self.static[name]
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        headers = {"etag": etag, "cache-control": "no-cache"}
        if name == "index.html":
            headers["content-security-policy"] = _CSP.format(ancestors=frame_ancestors)
            if frame_ancestors == "'none'":
                headers["x-frame-options"] = "DENY"
        if name == "widget.js":
            headers["cross-origin-resource-policy"] = "cross-origin"  # any page may load it

        async def serve(request: Request) -> Response:
            if request.headers.get("if-none-match") == etag:
                return Response(status_code=304, headers=headers)
            return Response(data, media_type=_STATIC[name], headers=headers)

        return serve


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    message = {404: "no such route; GET /openapi.json lists the API",
               405: "this route does not take this method"}.get(exc.status_code, str(exc.detail))
    response = ApiError(exc.status_code, code, message).response()
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _server_error(request: Request, exc: Exception) -> Response:
    return ApiError(500, "internal_error", "internal error; it has been logged").response()


class _Guard:
    """The outermost layer: security headers on every response, metrics for every
    request, and the last line of defence: an exception that escapes everything
    else is logged on one line, and the client gets a JSON 500 (never a stack)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path = scope["path"]
        route = path if path in _ROUTES or path.startswith("/static/") else (
            "/v1/sources/{id}" if path.startswith("/v1/sources/") else "other")
        status = 500
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers += _SECURITY_HEADERS
                if route.startswith("/v1/"):
                    headers += _API_HEADERS
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception as e:  # noqa: BLE001 - the last line of defence
            log.error("faqbot serve: internal error on %s %s: %s: %s", scope.get("method"), route,
                      type(e).__name__, e)
            if not started:
                await ApiError(500, "internal_error", "internal error; it has been logged").response()(
                    scope, receive, guarded_send)
        finally:
            self.metrics.request(route, scope.get("method", ""), status, time.perf_counter() - start)


def create_app(bot: FAQBot | None = None, config: ServeConfig | None = None) -> _Guard:
    """The ASGI application. With `bot`, it answers at once; without, it loads
    `config.kb` at start-up (the ASGI lifespan); until then ``/readyz`` says 503."""
    import secrets

    config = config or ServeConfig(secret=secrets.token_bytes(32))
    service = _Service(bot, config)
    ancestors = " ".join(config.cors_origins) if config.cors_origins else "*"
    routes = [
        Route("/", service.page("index.html")),
        Route("/embed", service.page("index.html", frame_ancestors=ancestors)),
        Route("/static/chat.css", service.page("chat.css")),
        Route("/static/chat.js", service.page("chat.js")),
        Route("/widget.js", service.page("widget.js")),
        Route("/v1/ask", service.ask, methods=["POST"]),
        Route("/v1/feedback", service.feedback, methods=["POST"]),
        Route("/v1/topics", service.topics),
        Route("/v1/sources", service.sources),
        Route("/v1/sources/{source_id}", service.source),
        Route("/healthz", service.healthz),
        Route("/readyz", service.readyz),
        Route("/metrics", service.metrics_page),
        Route("/openapi.json", service.spec),
    ]
    middleware = []
    if config.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["content-type"], max_age=600))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        # Loaded before the worker accepts a connection: with several workers on one
        # socket, a worker still loading takes no requests, the others answer them.
        if service.bot is None:
            service.load()
        yield

    app = Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, ApiError: _api_error, Exception: _server_error},
    )
    guard = _Guard(app, service.metrics)
    guard.service = service  # type: ignore[attr-defined]  # for tests and the server's log
    return guard


def app_from_env() -> _Guard:
    """The application of one worker process of `faqbot serve` (a uvicorn factory):
    its configuration comes from the environment the server set."""
    import os

    from .config import ENV

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    return create_app(None, ServeConfig.from_env(os.environ[ENV]))

"""The HTTP API of `faqbot serve`, in process (Starlette's test client): every
endpoint, every error, the conversation token, metrics, logs and headers."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.serve_support import need

need("starlette", "prometheus_client", "httpx2")

from starlette.testclient import TestClient  # noqa: E402

from faqbot import FAQBot, Thresholds  # noqa: E402
from faqbot.serve import ServeConfig, create_app  # noqa: E402
from faqbot.serve.tokens import TokenSigner, _b64, _unb64  # noqa: E402

KEY = b"k" * 32
DIALOGUES = sorted((Path(__file__).parent / "dialogues").glob("*.yaml"))


@pytest.fixture
def config(tmp_path: Path) -> ServeConfig:
    return ServeConfig(secret=KEY, log_feedback=str(tmp_path / "feedback.jsonl"))


@pytest.fixture
def client(bot: FAQBot, config: ServeConfig) -> TestClient:
    return TestClient(create_app(bot, config))


def ask(client: TestClient, question: str, conversation: str | None = None) -> dict[str, Any]:
    response = client.post("/v1/ask", json={"question": question, "conversation": conversation})
    assert response.status_code == 200, response.text
    return response.json()


def error(response: Any, status: int, code: str, field: str | None = None) -> str:
    """Check a JSON error response; returns its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status and body["error"]["code"] == code, body
    assert body["error"].get("field") == field, body
    assert "Traceback" not in response.text and 'File "' not in response.text
    return str(body["error"]["message"])


# ------------------------------------------------------------------ asking


def test_ask_answers_with_citations_like_ask_json(client: TestClient, bot: FAQBot) -> None:
    reply = ask(client, "What is Special Order 40?")
    expected = bot.session().ask("What is Special Order 40?").to_dict()
    assert {k: v for k, v in reply.items() if k != "conversation"} == expected
    assert reply["status"] == "answered" and reply["intent"] == "special-order-40"
    citation = reply["citations"][0]
    assert bot.kb.sources[citation["source"]].text[citation["start"]:citation["end"]] == citation["quote"]
    assert isinstance(reply["conversation"], str) and reply["conversation"].startswith("1.")


def test_fields_the_library_adds_pass_through(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from faqbot.replies import Reply

    plain = Reply.to_dict
    monkeypatch.setattr(Reply, "to_dict", lambda self, **kw: {**plain(self, **kw), "missing": ["the date"]})
    assert ask(client, "What is Special Order 40?")["missing"] == ["the date"]


def test_follow_ups_use_the_conversation(client: TestClient) -> None:
    first = ask(client, "What does DHS stand for?")
    second = ask(client, "and ICE?", first["conversation"])
    assert second["intent"] == "acronym-ice"
    assert ask(client, "and ICE?")["intent"] != "acronym-ice"  # the token made the difference
    picked = ask(client, "1", second["conversation"])
    assert picked["intent"] == second["follow_ups"][0]["intent"]
    assert picked["question"] == second["follow_ups"][0]["question"]


def test_without_a_conversation_nothing_is_remembered(client: TestClient) -> None:
    ask(client, "What is Special Order 40?")
    reply = ask(client, "7")  # no list was offered in *this* conversation's state: the starting one was
    assert reply["status"] == "clarify" and "no choice 7" in reply["answer"]


@pytest.mark.parametrize("path", DIALOGUES, ids=[p.stem for p in DIALOGUES])
def test_scripted_dialogues_over_http_alternating_workers(path: Path, bot: FAQBot, config: ServeConfig) -> None:
    """Two apps with the same key stand for two workers (or replicas): turns alternate
    between them and every reply is the one an uninterrupted `Session` gives."""
    bot = FAQBot(bot.kb)  # our own: turns may change its thresholds
    workers = [TestClient(create_app(bot, config)), TestClient(create_app(bot, config))]
    session, token, n = bot.session(), None, 0
    for turn in yaml.safe_load(path.read_text(encoding="utf-8"))["turns"]:
        if turn.get("reset"):
            session.reset()
            token = None
            continue
        bot.thresholds = Thresholds(**turn.get("thresholds", {}))
        reply = ask(workers[n % 2], turn["say"], token)
        n += 1
        token = reply.pop("conversation")
        assert reply == session.ask(turn["say"]).to_dict(), f"{path.name}: {turn['say']!r}"


def test_a_long_question_is_cut_with_a_note(client: TestClient) -> None:
    reply = ask(client, "What is Special Order 40? " + "x" * 5000)
    assert any("cut to its first 1000 characters" in n for n in reply["notes"])


def test_odd_text_is_answered(client: TestClient) -> None:
    body = b'{"question": "what is special order 40 \\ud800 \\u0000 \\u202e"}'
    response = client.post("/v1/ask", content=body, headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200
    assert response.json()["question"].startswith("what is special order 40 \ufffd")
    assert ask(client, "")["status"] == "unknown"


# ------------------------------------------------------------------ the token


def test_a_tampered_token_is_refused(client: TestClient) -> None:
    token = ask(client, "What is Special Order 40?")["conversation"]
    version, payload, signature = token.split(".")
    state = json.loads(_unb64(payload))
    state["s"]["context"] = "lapd-ice-exceptions"
    forged = f"{version}.{_b64(json.dumps(state).encode())}.{signature}"
    for bad in (forged, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "garbage", "1..", "", "é" * 10,
                "1." + "A" * 9000 + ".x"):
        message = error(client.post("/v1/ask", json={"question": "why?", "conversation": bad}), 400,
                        "conversation_invalid", "conversation")
        assert "start a new conversation" in message


def test_a_token_of_another_key_is_refused(bot: FAQBot, client: TestClient, tmp_path: Path) -> None:
    other = TestClient(create_app(bot, ServeConfig(secret=b"other" * 8, log_feedback=str(tmp_path / "f"))))
    token = ask(other, "What is Special Order 40?")["conversation"]
    error(client.post("/v1/ask", json={"question": "why?", "conversation": token}), 400,
          "conversation_invalid", "conversation")


def test_an_expired_token_is_refused(client: TestClient, bot: FAQBot) -> None:
    state = bot.session().state()
    stale = TokenSigner(KEY, ttl=60).sign({"s": state, "n": 1}, now=time.time() - 61)
    message = error(client.post("/v1/ask", json={"question": "1", "conversation": stale}), 400,
                    "conversation_expired", "conversation")
    assert "expired" in message
    fresh = TokenSigner(KEY, ttl=60).sign({"s": state, "n": 1}, now=time.time() - 30)
    assert ask(client, "1", fresh)["status"] == "answered"


def test_a_token_naming_intents_the_kb_lacks_is_refused(client: TestClient, bot: FAQBot) -> None:
    state = {**bot.session().state(), "context": "an-intent-since-deleted"}
    token = TokenSigner(KEY, ttl=60).sign({"s": state, "n": 1})
    message = error(client.post("/v1/ask", json={"question": "why?", "conversation": token}), 400,
                    "conversation_invalid", "conversation")
    assert "knowledge base" in message
    token = TokenSigner(KEY, ttl=60).sign({"n": 1})  # signed, but no state in it
    error(client.post("/v1/ask", json={"question": "why?", "conversation": token}), 400,
          "conversation_invalid", "conversation")


def test_tokens_sign_and_verify() -> None:
    signer = TokenSigner(KEY, ttl=100)
    token = signer.sign({"s": {"v": 1}, "n": 3}, now=1000)
    assert signer.verify(token, now=1099) == {"s": {"v": 1}, "n": 3}
    with pytest.raises(Exception, match="expired"):
        signer.verify(token, now=1101)
    with pytest.raises(ValueError):
        TokenSigner(b"", ttl=1)


# ------------------------------------------------------------------ bad requests


def test_body_too_large(client: TestClient) -> None:
    big = json.dumps({"question": "x" * 17000})
    error(client.post("/v1/ask", content=big, headers={"content-type": "application/json"}), 413, "body_too_large")

    def chunks():  # no Content-Length: counted while read
        for _ in range(40):
            yield b" " * 1000

    error(client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"}), 413,
          "body_too_large")
    error(client.post("/v1/ask", content=b"{}", headers={"content-type": "application/json",
                                                           "content-length": "99999999"}), 413, "body_too_large")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx"])
def test_wrong_content_type(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/v1/ask", content=b'{"question": "hi"}', headers=headers)
    error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (b"{", "invalid_json", None),
        (b"\xff\xfe\x00", "invalid_json", None),
        (b"[" * 8000 + b"]" * 8000, "invalid_json", None),
        (b'["question"]', "invalid_json", None),
        (b'"What is Special Order 40?"', "invalid_json", None),
        (b"{}", "missing_field", "question"),
        (b'{"question": 40}', "invalid_field", "question"),
        (b'{"question": null}', "invalid_field", "question"),
        (b'{"question": ["a"]}', "invalid_field", "question"),
        (b'{"question": "hi", "conversation": 1}', "invalid_field", "conversation"),
        (b'{"question": "hi", "conversation": true}', "invalid_field", "conversation"),
        (b'{"question": "hi", "sessionid": "x"}', "unknown_field", "sessionid"),
    ],
)
def test_bad_ask_bodies(client: TestClient, body: bytes, code: str, field: str | None) -> None:
    response = client.post("/v1/ask", content=body, headers={"content-type": "application/json"})
    message = error(response, 422, code, field)
    if field:
        assert f"'{field}'" in message


def test_unknown_routes_and_methods(client: TestClient) -> None:
    error(client.get("/v2/ask"), 404, "not_found")
    error(client.get("/../../etc/passwd"), 404, "not_found")
    error(client.get("/v1/ask"), 405, "method_not_allowed")
    error(client.delete("/v1/topics"), 405, "method_not_allowed")
    error(client.get("/v1/sources/nope"), 404, "not_found")


def test_an_unexpected_error_is_a_plain_500_and_one_log_line(
    client: TestClient, bot: FAQBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the matcher fell over")

    monkeypatch.setattr(type(bot), "session", broken)
    with caplog.at_level(logging.ERROR, logger="faqbot.serve"):
        message = error(client.post("/v1/ask", json={"question": "hi"}), 500, "internal_error")
    assert "matcher" not in message
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["faqbot serve: internal error on POST /v1/ask: RuntimeError: the matcher fell over"]
    assert client.get("/healthz").status_code == 200  # and the app goes on


# ------------------------------------------------------------------ feedback and logs


def test_feedback_is_logged_with_the_rated_reply(client: TestClient, config: ServeConfig) -> None:
    first = ask(client, "What is Special Order 40?")
    second = ask(client, "are there any exceptions?", first["conversation"])
    response = client.post("/v1/feedback", json={"helpful": False, "comment": "too short <b>", "conversation":
                                                 second["conversation"]})
    assert response.status_code == 202 and response.json() == {"recorded": True}
    assert client.post("/v1/feedback", json={"helpful": True}).json() == {"recorded": True}
    lines = [json.loads(line) for line in Path(config.log_feedback or "").read_text().splitlines()]
    assert lines[0]["helpful"] is False and lines[0]["comment"] == "too short <b>"
    assert lines[0]["turn"] == 2 and lines[0]["intent"] == "lapd-ice-exceptions"
    assert lines[0]["question"] == "are there any exceptions?" and lines[0]["status"] == "answered"
    assert lines[1]["helpful"] is True and lines[1]["turn"] is None and lines[1]["comment"] == ""
    assert (Path(config.log_feedback or "").stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "missing_field", "helpful"),
        ({"helpful": "yes"}, "invalid_field", "helpful"),
        ({"helpful": 1}, "invalid_field", "helpful"),
        ({"helpful": True, "comment": "x" * 2001}, "invalid_field", "comment"),
        ({"helpful": True, "comment": None}, "invalid_field", "comment"),
        ({"helpful": True, "rating": 5}, "unknown_field", "rating"),
    ],
)
def test_bad_feedback(client: TestClient, body: dict[str, Any], code: str, field: str) -> None:
    error(client.post("/v1/feedback", json=body), 422, code, field)


def test_feedback_with_a_bad_token(client: TestClient) -> None:
    error(client.post("/v1/feedback", json={"helpful": True, "conversation": "1.x.y"}), 400,
          "conversation_invalid", "conversation")


def test_an_unwritable_feedback_log_warns_once(bot: FAQBot, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(create_app(bot, ServeConfig(secret=KEY, log_feedback=str(tmp_path))))  # a folder
    with caplog.at_level(logging.WARNING, logger="faqbot.serve"):
        for _ in range(3):
            assert client.post("/v1/feedback", json={"helpful": True}).json() == {"recorded": False}
    assert len(caplog.records) == 1 and f"cannot write to the feedback log {tmp_path}" in caplog.records[0].getMessage()


def test_log_unanswered(bot: FAQBot, tmp_path: Path) -> None:
    log = tmp_path / "unanswered.jsonl"
    client = TestClient(create_app(bot, ServeConfig(secret=KEY, log_unanswered=str(log),
                                                    log_feedback=str(tmp_path / "f"))))
    ask(client, "What is Special Order 40?")
    ask(client, "who won the football game last night")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [entry["question"] for entry in lines] == ["who won the football game last night"]


# ------------------------------------------------------------------ the other endpoints


def test_topics(client: TestClient, bot: FAQBot) -> None:
    topics = client.get("/v1/topics").json()
    questions = [q for t in topics["topics"] for q in t["questions"]]
    answers = {i.id for i in bot.kb.intents if i.kind == "answer"}
    assert {q["intent"] for q in questions} == answers
    assert set(topics["not_in_article"]) == {i.title for i in bot.kb.intents if i.kind == "gap"}


def test_sources_and_a_source_text(client: TestClient, bot: FAQBot) -> None:
    sources = client.get("/v1/sources").json()["sources"]
    assert [s["id"] for s in sources] == list(bot.kb.sources)
    source = bot.kb.sources[sources[0]["id"]]
    assert sources[0]["title"] == source.title and sources[0]["sections"] == list(source.sections)
    full = client.get(f"/v1/sources/{source.id}").json()
    assert full["text"] == source.text
    paragraphs = [b for b in full["blocks"] if not b["heading"]]
    assert [b["paragraph"] for b in paragraphs] == list(range(1, len(paragraphs) + 1))


def test_provenance_dates_are_json(make_kb: Any) -> None:
    kb = make_kb(sources="sources:\n  - id: pets\n    file: pets.txt\n    title: Pets\n    provenance:\n"
                         "      published: 2024-05-01\n      tags: [a, 1]\n")
    client = TestClient(create_app(FAQBot.load(kb), ServeConfig(secret=KEY, log_feedback=str(kb / "f"))))
    provenance = client.get("/v1/sources").json()["sources"][0]["provenance"]
    assert provenance == {"published": "2024-05-01", "tags": ["a", 1]}


def test_health_and_readiness(make_kb: Any, tmp_path: Path) -> None:
    kb = make_kb()
    app = create_app(None, ServeConfig(secret=KEY, kb=str(kb), log_feedback=str(tmp_path / "f")))
    plain = TestClient(app)  # no lifespan: nothing loads
    assert plain.get("/healthz").json() == {"status": "ok"}
    assert plain.get("/readyz").status_code == 503 and plain.get("/readyz").json() == {"status": "loading"}
    error(plain.post("/v1/ask", json={"question": "hi"}), 503, "not_ready")
    with TestClient(app) as running:  # lifespan: loads before the first request
        assert running.get("/readyz").json() == {"status": "ready", "intents": 2, "sources": 1}
        assert ask(running, "how much do cats sleep")["intent"] == "cat-sleep"


def test_readiness_when_the_kb_fails_to_load(make_kb: Any, tmp_path: Path) -> None:
    kb = make_kb(intents="intents: [1, 2")
    app = create_app(None, ServeConfig(secret=KEY, kb=str(kb), log_feedback=str(tmp_path / "f")))
    with TestClient(app) as client:
        assert client.get("/readyz").json() == {"status": "failed"}
        assert "could not be loaded" in error(client.post("/v1/ask", json={"question": "hi"}), 503, "not_ready")


def test_metrics(client: TestClient) -> None:
    ask(client, "What is Special Order 40?")
    ask(client, "who won the football game last night")
    client.post("/v1/ask", json={})
    client.post("/v1/feedback", json={"helpful": False})
    text = client.get("/metrics").text
    assert client.get("/metrics").headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'faqbot_http_requests_total{method="POST",route="/v1/ask",status="200"} 2.0' in text
    assert 'faqbot_http_requests_total{method="POST",route="/v1/ask",status="422"} 1.0' in text
    assert 'faqbot_replies_total{status="answered"} 1.0' in text
    assert "faqbot_unanswered_total 1.0" in text
    assert 'faqbot_feedback_total{helpful="false"} 1.0' in text
    assert 'faqbot_http_request_duration_seconds_bucket{le="0.05",route="/v1/ask"} 3.0' in text
    assert "process_resident_memory_bytes" in text


# ------------------------------------------------------------------ page, widget, headers


def test_page_and_widget(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert '<script src="static/chat.js"' in page.text and "<script>" not in page.text
    assert "frame-ancestors *" in client.get("/embed").headers["content-security-policy"]
    assert "x-frame-options" not in client.get("/embed").headers
    widget = client.get("/widget.js")
    assert widget.headers["content-type"].startswith("text/javascript")
    assert widget.headers["cross-origin-resource-policy"] == "cross-origin"
    for asset in ("/static/chat.js", "/static/chat.css"):
        assert client.get(asset).status_code == 200
    again = client.get("/", headers={"if-none-match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_the_page_never_writes_html_from_data(client: TestClient) -> None:
    """The page and widget put text on the page, never markup built from data."""
    for asset in ("/static/chat.js", "/widget.js"):
        source = client.get(asset).text
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in source, (asset, sink)


def test_api_headers(client: TestClient) -> None:
    response = client.get("/v1/topics")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in client.get("/v1/topics", headers={"origin": "https://a.example"}).headers


def test_cors_allow_list(bot: FAQBot, tmp_path: Path) -> None:
    client = TestClient(create_app(bot, ServeConfig(secret=KEY, cors_origins=("https://news.example",),
                                                    log_feedback=str(tmp_path / "f"))))
    preflight = {"origin": "https://news.example", "access-control-request-method": "POST",
                 "access-control-request-headers": "content-type"}
    allowed = client.options("/v1/ask", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://news.example"
    denied = client.options("/v1/ask", headers={**preflight, "origin": "https://evil.example"})
    assert denied.status_code == 400 and "access-control-allow-origin" not in denied.headers
    response = client.post("/v1/ask", json={"question": "hi"}, headers={"origin": "https://news.example"})
    assert response.headers["access-control-allow-origin"] == "https://news.example"
    assert client.get("/embed").headers["content-security-policy"].endswith("frame-ancestors https://news.example")


def test_openapi_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/v1/ask", "/v1/feedback", "/v1/topics", "/v1/sources", "/v1/sources/{source_id}", "/healthz",
            "/readyz", "/metrics"} <= set(spec["paths"])
    reply = spec["components"]["schemas"]["Reply"]
    assert reply["additionalProperties"] is True
    assert set(reply["properties"]) - {"conversation"} <= set(ask(client, "hi"))

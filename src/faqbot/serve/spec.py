"""The OpenAPI 3.1 description of the API, served at ``/openapi.json``.

The reply object is `Reply.to_dict()` (the JSON of ``faqbot ask --json``) plus
``conversation``; its known fields are described here and further fields are
allowed (``additionalProperties``), so a field the library adds passes through.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .. import __version__
from ..replies import STATUSES
from .config import MAX_BODY_BYTES
from .feedback import MAX_COMMENT_CHARS
from .tokens import MAX_TOKEN_CHARS

__all__ = ["openapi"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    what = {
        400: "the conversation token was changed, signed by another key, has expired, or names questions "
             "this knowledge base does not have (`error.code`: conversation_invalid or conversation_expired)",
        404: "no such route or source",
        413: f"the body is larger than {MAX_BODY_BYTES} bytes",
        415: "the body is not sent as application/json",
        422: "the body is not a JSON object, or a field is missing, unknown or of the wrong type "
             "(`error.field` names it)",
        503: "the knowledge base is still loading (see /readyz)",
    }
    return {str(s): _json(_ref("Error"), what[s]) for s in statuses}


_CONVERSATION = {
    "type": ["string", "null"], "maxLength": MAX_TOKEN_CHARS,
    "description": "The `conversation` of the previous reply, to ask a follow-up ('why?', '2', 'any exceptions?'); "
                   "null (or absent) to start a conversation. Opaque, signed, expires.",
}

_SCHEMAS: dict[str, Any] = {
    "AskRequest": {
        "type": "object", "additionalProperties": False, "required": ["question"],
        "properties": {
            "question": {"type": "string", "description": "The question; cut to 1,000 characters, with a note."},
            "conversation": _CONVERSATION,
        },
    },
    "Citation": {
        "type": "object", "additionalProperties": True,
        "required": ["source", "section", "paragraph", "start", "end", "quote"],
        "properties": {
            "source": {"type": "string", "description": "the source's id (see /v1/sources)"},
            "section": {"type": ["string", "null"], "description": "the heading the quote sits under"},
            "paragraph": {"type": "integer", "description": "1-based paragraph number in the source"},
            "start": {"type": "integer", "description": "offset of the quote in the source's text"},
            "end": {"type": "integer"},
            "quote": {"type": "string", "description": "the source's text from start to end, verbatim"},
        },
    },
    "Suggestion": {
        "type": "object", "additionalProperties": True, "required": ["intent", "question", "confidence"],
        "properties": {
            "intent": {"type": "string"}, "question": {"type": "string"},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
    },
    "Reply": {
        "type": "object", "additionalProperties": True,
        "description": "The reply of `faqbot ask --json`. Fields may be added; clients ignore what they do not know.",
        "required": ["question", "status", "intent", "confidence", "answer", "citations", "suggestions",
                     "follow_ups", "notes", "conversation"],
        "properties": {
            "question": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUSES),
                       "description": "answered; clarify (see suggestions); passage (sentences of the article); "
                                      "unknown (the article does not say); smalltalk"},
            "intent": {"type": ["string", "null"]},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "answer": {"type": "string", "description": "plain text (never HTML)"},
            "citations": {"type": "array", "items": _ref("Citation")},
            "suggestions": {"type": "array", "items": _ref("Suggestion"),
                            "description": "numbered choices: send '1', '2' ... as the next question to pick one"},
            "follow_ups": {"type": "array", "items": _ref("Suggestion")},
            "notes": {"type": "array", "items": {"type": "string"}},
            "conversation": {"type": "string", "description": "send it with the next question"},
        },
    },
    "FeedbackRequest": {
        "type": "object", "additionalProperties": False, "required": ["helpful"],
        "properties": {
            "helpful": {"type": "boolean"},
            "comment": {"type": "string", "maxLength": MAX_COMMENT_CHARS},
            "conversation": {**_CONVERSATION, "description": "the `conversation` of the reply being rated"},
        },
    },
    "FeedbackResponse": {
        "type": "object", "required": ["recorded"],
        "properties": {"recorded": {"type": "boolean", "description": "false when the log could not be written"}},
    },
    "Topics": {
        "type": "object", "required": ["topics", "not_in_article"],
        "properties": {
            "topics": {"type": "array", "items": {
                "type": "object", "required": ["name", "section", "questions"],
                "properties": {
                    "name": {"type": "string"}, "section": {"type": ["string", "null"]},
                    "questions": {"type": "array", "items": {
                        "type": "object", "required": ["intent", "question"],
                        "properties": {"intent": {"type": "string"}, "question": {"type": "string"}}}},
                }}},
            "not_in_article": {"type": "array", "items": {"type": "string"},
                               "description": "what readers ask about that the article does not say"},
        },
    },
    "Source": {
        "type": "object", "additionalProperties": True, "required": ["id", "title", "provenance", "sections"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"},
            "provenance": {"type": "object", "description": "author, publisher, date, URL ... as recorded"},
            "sections": {"type": "array", "items": {"type": "string"}},
        },
    },
    "SourceText": {
        "allOf": [_ref("Source"), {
            "type": "object", "required": ["text", "blocks"],
            "properties": {
                "text": {"type": "string"},
                "blocks": {"type": "array", "description": "headings and paragraphs, as offsets into text",
                           "items": {"type": "object", "required": ["start", "end", "heading", "paragraph", "section"],
                                     "properties": {"start": {"type": "integer"}, "end": {"type": "integer"},
                                                    "heading": {"type": "boolean"},
                                                    "paragraph": {"type": "integer"},
                                                    "section": {"type": ["string", "null"]}}}},
            }}],
    },
    "Status": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["status", "code", "message"],
            "properties": {"status": {"type": "integer"}, "code": {"type": "string"},
                           "message": {"type": "string"}, "field": {"type": "string"}},
        }},
    },
}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


@lru_cache(maxsize=1)
def openapi() -> dict[str, Any]:
    """The OpenAPI document (one shared dict: do not change it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "faqbot", "version": __version__,
            "description": "Answers questions about a news article, only from that article, with cited passages. "
                           "Conversations are carried by a signed token: any worker or replica answers any turn.",
        },
        "paths": {
            "/v1/ask": {"post": {
                "summary": "Answer a question (a follow-up when `conversation` is given)",
                "operationId": "ask", "requestBody": _body("AskRequest"),
                "responses": {"200": _json(_ref("Reply"), "the reply, and the conversation token for the next turn"),
                              **_errors(400, 413, 415, 422, 503)},
            }},
            "/v1/feedback": {"post": {
                "summary": "Rate a reply: helpful or not, with an optional comment",
                "operationId": "feedback", "requestBody": _body("FeedbackRequest"),
                "responses": {"202": _json(_ref("FeedbackResponse"), "appended to the feedback log"),
                              **_errors(400, 413, 415, 422)},
            }},
            "/v1/topics": {"get": {
                "summary": "What can be asked, by part of the article", "operationId": "topics",
                "responses": {"200": _json(_ref("Topics"), "the topics"), **_errors(503)},
            }},
            "/v1/sources": {"get": {
                "summary": "The articles: titles and provenance", "operationId": "sources",
                "responses": {"200": _json({"type": "object", "required": ["sources"], "properties": {
                    "sources": {"type": "array", "items": _ref("Source")}}}, "the sources"), **_errors(503)},
            }},
            "/v1/sources/{source_id}": {"get": {
                "summary": "One article with its text and paragraphs (citations are offsets into it)",
                "operationId": "source",
                "parameters": [{"name": "source_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json(_ref("SourceText"), "the source"), **_errors(404, 503)},
            }},
            "/healthz": {"get": {
                "summary": "The process is up", "operationId": "healthz",
                "responses": {"200": _json(_ref("Status"), "up")},
            }},
            "/readyz": {"get": {
                "summary": "The knowledge base is loaded", "operationId": "readyz",
                "responses": {"200": _json(_ref("Status"), "ready"),
                              "503": _json(_ref("Status"), "loading, or the knowledge base failed to load")},
            }},
            "/metrics": {"get": {
                "summary": "Prometheus metrics", "operationId": "metrics",
                "responses": {"200": {"description": "Prometheus text format",
                                      "content": {"text/plain": {"schema": {"type": "string"}}}}},
            }},
        },
        "components": {"schemas": _SCHEMAS},
    }

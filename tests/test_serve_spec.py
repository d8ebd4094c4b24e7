"""The OpenAPI spec, fuzzed (schemathesis): whatever a client sends, described by
the spec or not, the server answers with a documented status and a body of the
documented shape, accepts what the spec says is valid, and never answers 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.serve_support import need

need("starlette", "prometheus_client", "schemathesis")

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from faqbot import FAQBot  # noqa: E402
from faqbot.serve import ServeConfig, create_app  # noqa: E402
from faqbot.serve.tokens import MAX_TOKEN_CHARS  # noqa: E402

_log = Path(tempfile.mkdtemp(prefix="faqbot-spec-")) / "feedback.jsonl"
app = create_app(FAQBot.load(), ServeConfig(secret=b"s" * 32, log_feedback=str(_log)))
# The body cap (16 KB) is a documented 413 that no JSON Schema keyword can express
# (a string's bytes depend on its characters and escapes): 413 counts as accepting a
# valid request that is too big, and as rejecting an invalid one; 404 is a source id
# that does not exist.
config = SchemathesisConfig.from_dict({"checks": {
    "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "413"]},
    "negative_data_rejection": {"expected-statuses": ["400", "404", "405", "413", "415", "422"]},
}})
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
# A real conversation token: no schema can say which strings carry a valid signature
# (a made-up one is a documented 400, tested in test_serve.py), so a generated token
# that fits the schema is swapped for a real one, and schemathesis may check that
# every schema-valid request is accepted.
TOKEN = TestClient(app).post("/v1/ask", json={"question": "What is Special Order 40?"}).json()["conversation"]


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_spec(case: schemathesis.Case) -> None:
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("conversation"), str) and \
            len(body["conversation"]) <= MAX_TOKEN_CHARS:
        body["conversation"] = TOKEN
    case.call_and_validate()

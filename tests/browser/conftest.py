"""Fixtures for the browser tests: Debian's chromium driven by Playwright, and real
`faqbot serve` processes (two workers) on 127.0.0.1.

No browser is downloaded: Playwright launches /usr/bin/chromium (``apt-get install
chromium``; `.ci/run` does). Outside CI a missing browser skips these tests; in CI
it fails them.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serve_support import IN_CI, LiveServer, live_server, need

need("starlette", "uvicorn", "playwright")

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

CHROMIUM = os.environ.get("FAQBOT_CHROMIUM", "/usr/bin/chromium")
# Headless, no sandbox (CI runs as root), and none of the background connections a
# closed network refuses.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage"]

#: A knowledge base whose answer and quote are markup: the page must show them as text.
XSS_SOURCE = ("Attack\n"
              "The payload is <img src=x onerror=\"window.__pwned=1\"> and <script>window.__pwned=2</script> here.\n")
XSS_INTENTS = """\
topic: Attack
intents:
  - id: the-payload
    title: The payload
    questions: [what is the payload, show me the payload, payload]
    answer: <img src=x onerror="window.__pwned=3"><b>bold</b> & <script>window.__pwned=4</script>
    citations:
      - source: attack
        quote: The payload is <img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script> here.
"""


@pytest.fixture(scope="package")  # closed after tests/browser: Playwright's loop must not outlive it
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="package")
def feedback_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, feedback_log: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("serve"), "--log-feedback", str(feedback_log), workers=2) as s:
        yield s


@pytest.fixture(scope="package")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    kb = tmp_path_factory.mktemp("xss-kb")
    (kb / "intents").mkdir()
    (kb / "seeds").mkdir()
    (kb / "seeds" / "sources.yaml").write_text(textwrap.dedent("""\
        sources:
          - id: attack
            file: attack.txt
            title: <img src=x onerror="window.__pwned=5">A hostile title
        """), encoding="utf-8")
    (kb / "seeds" / "attack.txt").write_text(XSS_SOURCE, encoding="utf-8")
    (kb / "intents" / "attack.yaml").write_text(XSS_INTENTS, encoding="utf-8")
    with live_server(tmp_path_factory.mktemp("serve-xss"), "--kb", str(kb)) as s:
        yield s


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield p
    context.close()
    assert errors == [], errors  # no script error, no CSP violation, no failed load


def screenshots_dir(tmp_path: Path) -> Path:
    """Where screenshots go: FAQBOT_SCREENSHOTS (docs/screenshots to refresh the
    docs' pictures), else the test's temporary folder."""
    where = os.environ.get("FAQBOT_SCREENSHOTS")
    path = Path(where) if where else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def ask_in(page: Any, question: str) -> Any:
    """Type `question`, send it with Enter, and return the new bot card."""
    before = page.locator("#log > .msg-bot:not(.typing)").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_function("n => document.querySelectorAll('#log > .msg-bot:not(.typing)').length > n", arg=before)
    return page.locator("#log > .msg-bot:not(.typing)").nth(before)  # this card, not whichever is last later

"""The chat page and the widget in a real browser (Debian's chromium, Playwright),
against a real `faqbot serve` with two workers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from faqbot import FAQBot
from tests.browser.conftest import ask_in, screenshots_dir
from tests.serve_support import LiveServer


def open_chat(page: Any, server: LiveServer, path: str = "/") -> None:
    page.goto(server.url + path)
    page.wait_for_selector("#log > .msg-bot .choice")  # the welcome, with its starting questions


def card_text(card: Any) -> str:
    return str(card.locator(".answer").inner_text())


def test_a_question_gets_its_answer_and_citation(page: Any, server: LiveServer, bot: FAQBot) -> None:
    open_chat(page, server)
    expected = bot.session().ask("What is Special Order 40?")
    card = ask_in(page, "What is Special Order 40?")
    assert page.locator("#log > .msg-user").last.inner_text() == "What is Special Order 40?"
    assert "status-answered" in card.get_attribute("class")
    assert card_text(card) == expected.answer
    citation = expected.citations[0]
    assert card.locator("blockquote").first.inner_text() == f"“{citation.quote}”"
    assert card.locator(".cite-link").first.inner_text() == f"{citation.section}, paragraph {citation.paragraph}"
    assert page.evaluate("document.activeElement.id") == "question"  # ready for the next question


def test_suggestions_and_follow_ups_continue_the_conversation(page: Any, server: LiveServer, bot: FAQBot) -> None:
    """Every turn goes to either of two workers; the page shows exactly what one
    uninterrupted library session says."""
    session = bot.session()
    open_chat(page, server)
    first = ask_in(page, "What is Special Order 40?")
    assert card_text(first) == session.ask("What is Special Order 40?").answer
    choice = first.locator(".choice").first
    shown = choice.locator("span").last.inner_text()
    before = page.locator("#log > .msg-bot:not(.typing)").count()
    choice.click()
    page.wait_for_function("n => document.querySelectorAll('#log > .msg-bot:not(.typing)').length > n", arg=before)
    picked = session.ask("1")  # the page sends the number: the conversation picks exactly what it offered
    assert page.locator("#log > .msg-user").last.inner_text() == shown == picked.question
    assert card_text(page.locator("#log > .msg-bot").last) == picked.answer
    for text in ("why?", "tell me more", "and ICE?"):
        reply = session.ask(text)
        card = ask_in(page, text)
        assert card_text(card) == reply.answer, text
        assert ("status-" + reply.status) in card.get_attribute("class")


def test_a_citation_opens_the_article_with_the_passage_highlighted(page: Any, server: LiveServer,
                                                                   bot: FAQBot) -> None:
    open_chat(page, server)
    card = ask_in(page, "When can the LAPD assist federal immigration authorities?")
    expected = bot.ask("When can the LAPD assist federal immigration authorities?").citations[0]
    link = card.locator(".cite-link").first
    link.click()
    page.wait_for_selector("#article:not([hidden]) mark")
    source = bot.kb.sources[expected.source]
    assert page.locator("#article-title").inner_text() == source.title
    assert page.locator("#article mark").first.inner_text() == expected.quote
    assert page.evaluate("document.activeElement.tagName") == "MARK"
    box = page.locator("#article mark").first.bounding_box()
    assert box is not None and 0 <= box["y"] < 800  # scrolled into view
    marked = page.locator("#article mark").first.evaluate("m => m.parentElement.textContent")
    assert f"¶{expected.paragraph}" in marked  # the paragraph the location names
    page.keyboard.press("Escape")
    assert page.locator("#article").is_hidden()
    assert page.evaluate("document.activeElement.className") == "cite-link"  # focus goes back


def test_not_stated_replies_look_different(page: Any, server: LiveServer) -> None:
    open_chat(page, server)
    answered = ask_in(page, "What is Special Order 40?")
    unknown = ask_in(page, "who won the football game last night")
    assert "status-unknown" in unknown.get_attribute("class")
    assert unknown.locator(".label").inner_text().lower() == "not stated in the article"
    style = "e => getComputedStyle(e).borderTopStyle + ' ' + getComputedStyle(e).backgroundColor"
    assert unknown.evaluate(style) != answered.evaluate(style)
    assert unknown.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"


def test_passages_and_fields_the_library_adds(page: Any, server: LiveServer) -> None:
    """A passage reply, and fields the page does not know yet (the library adds
    some, e.g. `missing`), are shown without breaking anything."""
    reply = {
        "question": "q", "status": "passage", "intent": None, "confidence": 0.8,
        "answer": "I have no prepared answer, but the article says:",
        "citations": [{"source": "dea-la", "section": "Trump’s Immigration Crackdown", "paragraph": 3,
                       "start": 0, "end": 10, "quote": "A sentence."}],
        "suggestions": [], "follow_ups": [], "notes": ["A note."], "missing": ["the date", {"what": "the place"}],
        "a_future_field": {"x": [1, 2]}, "conversation": None,
    }
    page.route("**/v1/ask", lambda route: route.fulfill(status=200, content_type="application/json",
                                                        body=json.dumps(reply)))
    open_chat(page, server)
    card = ask_in(page, "anything")
    assert "status-passage" in card.get_attribute("class")
    assert card.locator(".label").inner_text().lower() == "from the article"
    assert "The article does not say: the date; the place" in card.inner_text()
    assert card.locator("blockquote").inner_text() == "“A sentence.”"
    assert "A note." in card.locator(".notes").last.inner_text()


def test_feedback_reaches_the_log(page: Any, server: LiveServer, feedback_log: Path) -> None:
    open_chat(page, server)
    card = ask_in(page, "Who leads the DEA's Los Angeles field division?")
    card.get_by_role("button", name="Not helpful").click()
    card.get_by_text("Thanks for the feedback.").wait_for()
    assert card.get_by_role("button", name="Not helpful").get_attribute("aria-pressed") == "true"
    assert card.get_by_role("button", name="Helpful", exact=True).is_disabled()
    lines = [json.loads(line) for line in feedback_log.read_text().splitlines()]
    assert {"helpful": False, "intent": "dea-la-leader", "turn": 1}.items() <= lines[-1].items()


def test_keyboard_only(page: Any, server: LiveServer) -> None:
    assert page.goto(server.url + "/") is not None
    page.wait_for_selector("#log > .msg-bot .choice")
    log = page.locator("#log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    page.keyboard.type("What is Special Order 40?")  # the question box has the focus on arrival
    page.keyboard.press("Enter")
    page.wait_for_selector("#log > .msg-bot.status-answered")
    # Tab from the question box's start of the page to the first related question, then Enter
    page.locator("#title").click()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.status-answered .choices') !== null"):
            break
    else:
        pytest.fail("Tab never reached the related questions")
    count = page.locator("#log > .msg-bot").count()
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#log > .msg-bot:not(.typing)').length > n", arg=count)
    assert page.locator("#log > .msg-bot").last.locator(".answer").inner_text() != ""


def test_kb_text_is_shown_as_text_and_never_run(page: Any, xss_server: LiveServer) -> None:
    page.goto(xss_server.url + "/")
    page.wait_for_selector("#log > .msg-bot")
    card = ask_in(page, "what is the payload")
    assert card_text(card) == '<img src=x onerror="window.__pwned=3"><b>bold</b> & <script>window.__pwned=4</script>'
    assert '<script>window.__pwned=2</script>' in card.locator("blockquote").inner_text()
    card.locator(".cite-link").click()
    page.wait_for_selector("#article:not([hidden]) mark")
    assert '<img src=x onerror="window.__pwned=1">' in page.locator("#article mark").inner_text()
    assert page.locator("#article-title").inner_text().startswith("<img src=x")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#app img, #app script, #app b").count() == 0


def test_the_widget_embeds_the_chat_in_any_page(page: Any, server: LiveServer, tmp_path: Path) -> None:
    html = (f'<!doctype html><html><head><title>A story</title></head><body style="font-family:sans-serif">'
            f'<h1>A news story</h1><p>Text of the story.</p>'
            f'<script src="{server.url}/widget.js" async data-label="Questions about this story"></script>'
            f'</body></html>').encode()

    class Story(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the handler's API
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: Any) -> None:
            pass

    # the news site: another origin (another port) on loopback, as a browser allows a
    # page to load a script from a local address only from a local page
    site = ThreadingHTTPServer(("127.0.0.1", 0), Story)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        _widget_round_trip(page, f"http://127.0.0.1:{site.server_address[1]}/story.html", screenshots_dir(tmp_path))
    finally:
        site.shutdown()
        site.server_close()


def _widget_round_trip(page: Any, host: str, shots: Path) -> None:
    page.goto(host)
    bubble = page.get_by_role("button", name="Questions about this story")
    bubble.click()
    assert bubble.get_attribute("aria-expanded") == "true"
    chat = page.frame_locator("iframe[title='Questions about this story']")
    chat.locator("#log > .msg-bot .choice").first.wait_for()
    chat.locator("#question").fill("What is Special Order 40?")
    chat.locator("#question").press("Enter")
    chat.locator("#log > .msg-bot.status-answered").wait_for()
    assert "Special Order 40" in chat.locator("#log > .msg-bot.status-answered .answer").inner_text()
    page.screenshot(path=str(shots / "widget-desktop-light.png"))
    chat.get_by_role("button", name="Close the chat").click()
    page.wait_for_function("() => !document.querySelector('[data-faqbot-widget]').shadowRoot"
                           ".querySelector('iframe').offsetParent")
    assert bubble.get_attribute("aria-expanded") == "false"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("width", "height", "name"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_screenshots(browser: Any, server: LiveServer, tmp_path: Path, scheme: str, width: int, height: int,
                     name: str) -> None:
    """The page at desktop and phone width, light and dark: an answer with its
    citation and related questions, then a 'not stated' reply; then the article
    opened at the cited passage."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme,
                                  device_scale_factor=1)
    page = context.new_page()
    try:
        open_chat(page, server)
        answered = ask_in(page, "What is Special Order 40?")
        ask_in(page, "What is the mayor's phone number?")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(246, 247, 249)" if scheme == "light" else "rgb(15, 18, 23)")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
        # the conversation from the first question on (the welcome scrolled away)
        page.locator("#log > .msg-user").first.evaluate(
            "e => { e.parentElement.scrollTop = e.offsetTop - e.parentElement.offsetTop - 16; }")
        out = screenshots_dir(tmp_path)
        page.screenshot(path=str(out / f"chat-{name}-{scheme}.png"))
        answered.locator(".cite-link").first.click()
        page.wait_for_selector("#article:not([hidden]) mark")
        page.screenshot(path=str(out / f"article-{name}-{scheme}.png"))
        assert (out / f"chat-{name}-{scheme}.png").stat().st_size > 10_000
    finally:
        context.close()

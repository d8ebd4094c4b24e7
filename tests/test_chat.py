"""The chat screen: commands, transcripts, and the prompt_toolkit REPL driven
through a pipe input and DummyOutput."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from faqbot import FAQBot, Thresholds
from faqbot.chat import Chat, _history, _open_history, history_path, question_completer

FAQBOT = Path(sys.executable).parent / "faqbot"
SCREEN_DIALOGUES = sorted((Path(__file__).parent / "dialogues" / "screen").glob("*.yaml"))


class Screen:
    """Collects what the chat writes: plain text, and the fragments with their styles."""

    def __init__(self) -> None:
        self.frags: list[tuple[str, str]] = []

    def __call__(self, frags: list[tuple[str, str]]) -> None:
        self.frags.extend(frags)

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.frags)


def make_chat(bot: FAQBot, *, color: bool = False, width: int = 88, height: int = 30,
              **kw: object) -> tuple[Chat, Screen]:
    screen = Screen()
    return Chat(bot, color=color, width=width, height=height, write=screen, **kw), screen  # type: ignore[arg-type]


# ------------------------------------------------------------------ scripted screen dialogues


def _screen_dialogues() -> list[object]:
    params = []
    for path in SCREEN_DIALOGUES:
        reason = yaml.safe_load(path.read_text(encoding="utf-8")).get("xfail")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, marks=marks, id=path.stem))
    return params


def test_screen_dialogues_exist() -> None:
    assert {"clarify_asks_once", "topics", "why_without_context"} <= {p.stem for p in SCREEN_DIALOGUES}


@pytest.mark.parametrize("path", _screen_dialogues())
def test_screen_dialogue(path: Path, bot: FAQBot) -> None:
    """tests/dialogues/screen/*.yaml: lines typed at the chat, what the screen shows
    for each (format in tests/dialogues/README.md)."""
    script = yaml.safe_load(path.read_text(encoding="utf-8"))
    bot = FAQBot(bot.kb)  # our own: turns may change its thresholds
    chat, screen = make_chat(bot, width=script.get("width", 100), height=script.get("height", 30))
    for n, turn in enumerate(script["turns"], 1):
        where = f"{path.name} turn {n} {turn['say']!r}"
        bot.thresholds = Thresholds(**turn.get("thresholds", {}))
        start = len(screen.text)
        assert chat.turn(turn["say"]) is True, where
        out = screen.text[start:]
        shown = f"{where} showed:\n{out}"
        for text in turn.get("shows", []):
            assert text in out, shown
        for text in turn.get("hides", []):
            assert text not in out, shown
        for text in turn.get("at_most_once", []):
            assert out.count(text) <= 1, shown
        if "lines_at_most" in turn:
            assert out.rstrip("\n").count("\n") + 1 <= turn["lines_at_most"], shown
        last = chat.session.last
        if "intent" in turn:
            assert last is not None and last.intent == turn["intent"], f"{shown}\ngot {last}"
        if "status" in turn:
            assert last is not None and last.status == turn["status"], f"{shown}\ngot {last}"


# ------------------------------------------------------------------ transcript mode


def test_transcript_holds_a_conversation(bot: FAQBot) -> None:
    chat, screen = make_chat(bot)
    code = chat.transcript(["What is Special Order 40?\n", "\n", "1\n", "why?\n"])
    assert code == 0
    out = screen.text
    assert out.startswith("> What is Special Order 40?\n")
    assert "Special Order 40, which bars officers" in out
    assert "  1. When can the LAPD assist federal immigration authorities?" in out  # numbered follow-ups
    assert "> 1\n↳ When can the LAPD assist federal immigration authorities?\n" in out  # the pick, spelled out
    assert "— Exceptions to Sanctuary Protections, paragraph" in out  # where each quote comes from
    assert "> why?\n" in out and "balance between local policies and federal mandates" in out.split("> why?")[1]
    assert "\x1b" not in out


def test_quit_ends_the_transcript(bot: FAQBot) -> None:
    chat, screen = make_chat(bot)
    assert chat.transcript(["/quit\n", "What is Special Order 40?\n"]) == 0
    assert "bars officers" not in screen.text


@pytest.mark.parametrize(
    ("command", "expect"),
    [
        ("/help", "/sources"),
        ("/topics", "Exceptions to LA's sanctuary protections"),
        ("/topics 4", "What is Special Order 40?"),
        ("/sources", "Exceptions to Sanctuary Protections"),
        ("/why", "Nothing to explain yet"),
        ("/reset", "Context cleared"),
        ("/nope", "Unknown command /nope"),
    ],
)
def test_commands(bot: FAQBot, command: str, expect: str) -> None:
    chat, screen = make_chat(bot)
    assert chat.turn(command) is True
    assert expect in screen.text


def test_topics_list_every_topic_and_open_to_every_answer(bot: FAQBot) -> None:
    chat, screen = make_chat(bot)
    chat.turn("/topics")
    listing = screen.text
    opened = ""
    topics_with_answers = [t for t in bot.kb.topics if any(bot.kb.intent(i).kind == "answer" for i in t.intents)]
    for n in range(1, len(topics_with_answers) + 2):  # and the questions the article does not answer, last
        start = len(screen.text)
        chat.turn(f"/topics {n}")
        opened += screen.text[start:]
    for topic in topics_with_answers:
        answers = [i for i in topic.intents if bot.kb.intent(i).kind == "answer"]
        assert f". {topic.name} · {len(answers)} question" in listing
        for i in answers:
            assert f". {bot.kb.intent(i).questions[0]}\n" in opened
    gaps = [i for i in bot.kb.intents if i.kind == "gap"]
    assert f"{len(topics_with_answers) + 1}. Asked about, but not in the article · {len(gaps)} questions" in listing
    for gap in gaps:
        assert f"  • {gap.title}\n" in opened
    assert "Small talk" not in listing + opened


def test_a_long_topics_list_is_shown_a_screenful_at_a_time(bot: FAQBot) -> None:
    chat, screen = make_chat(bot, height=10)  # room for 4 topics, then "… more"
    chat.turn("/topics")
    first = screen.text
    assert "  4. " in first and "  5. " not in first and "… 3 more: /topics more" in first
    start = len(screen.text)
    chat.turn("/topics more")
    rest = screen.text[start:]
    assert "  5. " in rest and "  7. Asked about, but not in the article" in rest and "more:" not in rest
    start = len(screen.text)
    chat.turn("6")  # the numbers picked are the ones shown
    assert "  1. What does this mean for Los Angeles?" in screen.text[start:]
    start = len(screen.text)
    chat.turn("/topics more")
    assert "Nothing more to show" in screen.text[start:]


def test_a_number_picks_from_a_topics_list_only_right_after_it(bot: FAQBot) -> None:
    chat, screen = make_chat(bot)
    chat.turn("What is Special Order 40?")
    follow_up = chat.session.offered[0]
    chat.turn("/topics")
    chat.turn("/help")  # anything else in between: the number is the conversation's again
    chat.turn("1")
    assert chat.session.last is not None and chat.session.last.intent == follow_up.intent


def test_sources_show_title_provenance_sections(bot: FAQBot) -> None:
    chat, screen = make_chat(bot, width=200)
    chat.cmd_sources()
    source = bot.kb.sources["dea-la"]
    assert source.title in screen.text
    for key in source.provenance:
        assert f"{key}: " in screen.text
    for section in source.sections:
        assert section in screen.text


def test_why_explains_the_last_reply(bot: FAQBot) -> None:
    chat, screen = make_chat(bot)
    chat.turn("What is Special Order 40?")
    chat.turn("and ICE?")
    chat.turn("/why")
    why = screen.text.split("/why")[-1] if "/why" in screen.text else screen.text[screen.text.rindex("“and ICE?”"):]
    assert "Decision: answered (lapd-ice-exceptions)" in why
    assert "follow-up to 'special-order-40'" in why
    assert "Candidates" in why


def test_reset_drops_the_context(bot: FAQBot) -> None:
    chat, _ = make_chat(bot)
    chat.turn("What is Special Order 40?")
    assert chat.session.context is not None
    chat.turn("/reset")
    assert chat.session.context is None and chat.session.last is None


def test_two_questions_get_two_answers(bot: FAQBot) -> None:
    chat, screen = make_chat(bot)
    chat.turn("Who leads the DEA's Los Angeles field division and what is Special Order 40?")
    out = screen.text
    assert "↳ Who leads the DEA's Los Angeles field division\n" in out
    assert "↳ what is Special Order 40?\n" in out
    assert out.index("Matthew Allen") < out.index("bars officers")


def test_user_text_is_cleaned(bot: FAQBot) -> None:
    chat, screen = make_chat(bot)
    chat.transcript(["\x1b[31mred\x1b]0;title\x07 \u202eevil\n", "/\x1b[2Jx\n"])
    assert "\x1b" not in screen.text and "\u202e" not in screen.text and "\x07" not in screen.text


def test_an_error_in_one_turn_is_one_line_and_the_chat_goes_on(bot: FAQBot, monkeypatch: pytest.MonkeyPatch) -> None:
    chat, screen = make_chat(bot)

    def boom(text: str) -> None:
        raise RuntimeError("kaput\nsecond line")

    monkeypatch.setattr(chat.session, "ask_all", boom)
    assert chat.turn("What is Special Order 40?") is True
    lines = [line for line in screen.text.splitlines() if line]
    assert lines == ["faqbot: error: that turn failed (RuntimeError: kaput second line); the chat goes on."]
    monkeypatch.undo()
    chat.turn("What is Special Order 40?")
    assert "bars officers" in screen.text


def test_colours_are_style_classes_and_no_color_has_none(bot: FAQBot) -> None:
    chat, screen = make_chat(bot, color=True)
    chat.turn("What is Special Order 40?")
    styles = {s for s, _ in screen.frags}
    assert {"class:answer", "class:choice"} <= styles
    assert "\x1b" not in screen.text
    plain, screen2 = make_chat(bot, color=False)
    plain.turn("What is Special Order 40?")
    assert {s for s, _ in screen2.frags} <= {"", "class:echo"} and "\x1b" not in screen2.text


def test_unanswered_questions_are_logged(bot: FAQBot, tmp_path: Path) -> None:
    from faqbot.unanswered import UnansweredLog

    log_file = tmp_path / "unanswered.jsonl"
    chat, screen = make_chat(bot, log=UnansweredLog(log_file))
    chat.turn("What is Special Order 40?")
    chat.turn("what is the capital of peru")
    lines = log_file.read_text().splitlines()
    assert len(lines) == 1 and "capital of peru" in lines[0]
    bad, screen2 = make_chat(bot, log=UnansweredLog(tmp_path / "missing" / "dir" / "log"))
    bad.turn("what is the capital of peru")
    bad.turn("what is the capital of chile")
    assert screen2.text.count("faqbot: warning:") == 1


# ------------------------------------------------------------------ completion and history


def _completions(bot: FAQBot, typed: str) -> list[object]:
    return list(question_completer(bot).get_completions(Document(typed), CompleteEvent()))


def test_completion_is_fuzzy(bot: FAQBot) -> None:
    found = [c.text for c in _completions(bot, "exeptions viol")]
    assert found and "violent" in found[0] and "exception" in found[0].lower()
    assert [c.text for c in _completions(bot, "/he")] == ["/help"]
    assert _completions(bot, "xyzzy qwv") == []


def test_completion_ranks_written_questions_first_one_per_intent(bot: FAQBot) -> None:
    found = _completions(bot, "special ord")
    assert found[0].text == "What is Special Order 40?"
    titles = [c.display_meta_text for c in found]
    assert len(titles) == len(set(titles))  # one wording per intent


@pytest.mark.parametrize("typed", ["", "special ord", "how old", "who wrote", "what", "dea", "ice", "when"])
def test_completion_offers_only_questions_faqbot_answers(bot: FAQBot, typed: str) -> None:
    """Tab never offers a question that gets "the article does not say": each one
    offered, asked, is answered by the intent whose title Tab shows beside it."""
    titles = {i.title: i.id for i in bot.kb.intents}
    gaps = {i.title for i in bot.kb.intents if i.kind != "answer"}
    found = _completions(bot, typed)
    assert found or typed == "who wrote"  # the article's author is not given: nothing to offer
    for completion in found:
        assert completion.display_meta_text not in gaps, completion.text
        reply = bot.ask(completion.text)
        assert (reply.status, reply.intent) == ("answered", titles[completion.display_meta_text]), completion.text


def test_history_path_follows_xdg() -> None:
    assert history_path({"XDG_STATE_HOME": "/s"}) == Path("/s/faqbot/history")
    assert history_path({"XDG_STATE_HOME": "relative"}) == Path.home() / ".local/state/faqbot/history"
    assert history_path({}) == Path.home() / ".local/state/faqbot/history"


def test_no_home_directory_means_no_history_and_one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert history_path({}) is None
    assert history_path({"XDG_STATE_HOME": "/s"}) == Path("/s/faqbot/history")  # no home needed then
    history, warning = _history({})
    assert warning == "history will not be saved: no home directory (set HOME or XDG_STATE_HOME)"
    history.store_string("still works")  # in memory, for this chat
    assert list(history.load_history_strings()) == ["still works"]


def test_history_file_is_user_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "faqbot" / "history"
    history, warning = _open_history(path)
    assert warning is None
    history.store_string("What is Special Order 40?")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "What is Special Order 40?" in path.read_text()


def test_an_existing_history_file_becomes_user_only(tmp_path: Path) -> None:
    path = tmp_path / "history"
    path.write_text("\n# 2024-01-01\n+What is Special Order 40?\n")
    path.chmod(0o644)
    history, warning = _open_history(path)
    assert warning is None and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "What is Special Order 40?" in list(history.load_history_strings())


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_history_warns_and_works(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    history, warning = _open_history(locked / "faqbot" / "history")
    assert warning and "history will not be saved" in warning
    history.store_string("still works")  # in memory


def test_unwritable_history_warns_as_root_too(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    history, warning = _open_history(blocker / "faqbot" / "history")
    assert warning and "history will not be saved" in warning
    history.store_string("still works")


# ------------------------------------------------------------------ the REPL, through a pipe


def drive(bot: FAQBot, keys: str, **kw: object) -> tuple[int, Screen, Chat]:
    chat, screen = make_chat(bot, **kw)
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(keys)
        code = chat.interactive(input=inp, output=DummyOutput(), history=InMemoryHistory())
    return code, screen, chat


def test_repl_conversation_and_ctrl_d(bot: FAQBot) -> None:
    code, screen, chat = drive(bot, "What is Special Order 40?\r1\r/why\rhalf a line\x03/help\r\x04")
    assert code == 0
    out = screen.text
    assert "You could start with:" in out  # the welcome
    assert "bars officers" in out
    assert "↳ When can the LAPD assist federal immigration authorities?" in out
    assert "Decision: answered (lapd-ice-exceptions)" in out  # /why after picking 1
    assert "/topics" in out  # /help ran after Ctrl-C
    assert "half a line" not in out  # Ctrl-C dropped the line
    assert out.rstrip().endswith("Bye.")
    assert [r.intent for r in chat.session.history] == ["special-order-40", "lapd-ice-exceptions"]


def test_repl_quit_command(bot: FAQBot) -> None:
    code, screen, _ = drive(bot, "/quit\rWhat is Special Order 40?\r")
    assert code == 0 and "bars officers" not in screen.text


def test_repl_error_goes_on(bot: FAQBot, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def flaky(self: Chat, text: str) -> None:
        calls.append(text)
        if len(calls) == 1:
            raise ValueError("bad turn")
        self.say("fine")

    monkeypatch.setattr(Chat, "ask", flaky)
    code, screen, _ = drive(bot, "one\rtwo\r\x04")
    assert code == 0 and calls == ["one", "two"]
    assert "that turn failed (ValueError: bad turn)" in screen.text and "fine" in screen.text


# ------------------------------------------------------------------ the real command, not on a terminal


def _run(stdin: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FAQBOT), "chat", *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60)


def test_piped_chat_keeps_context() -> None:
    done = _run("What is Special Order 40?\nare there any exceptions?\n2\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "> are there any exceptions?" in out and "violent felonies" in out
    assert "↳ What is the exception for migrants who illegally reentered the U.S.?" in out
    assert "\x1b" not in out


def test_piped_chat_logs_unanswered(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    done = _run("what is the capital of peru\n", "--log-unanswered", str(log), "--no-color")
    assert done.returncode == 0 and "capital of peru" in log.read_text()


def test_repl_survives_a_failing_prompt(bot: FAQBot, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def broken_toolbar(self: Chat) -> list[tuple[str, str]]:
        calls.append(1)
        raise RuntimeError("toolbar broke")

    monkeypatch.setattr(Chat, "_toolbar", broken_toolbar)
    code, screen, _ = drive(bot, "What is Special Order 40?\r")
    assert calls and code == 1  # gave up after 3 failed prompts, without a traceback
    assert screen.text.count("faqbot: error: the prompt failed (RuntimeError: toolbar broke).") == 3


def test_a_failing_completer_completes_nothing(bot: FAQBot, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> list[int]:
        raise RuntimeError("rank broke")

    monkeypatch.setattr("faqbot.chat._rank", boom)
    completer = question_completer(bot)
    assert list(completer.get_completions(Document("special"), CompleteEvent())) == []


def test_another_knowledge_base(make_kb) -> None:  # type: ignore[no-untyped-def]
    kb_bot = FAQBot.load(make_kb())
    chat, screen = make_chat(kb_bot)
    chat.transcript(["how much do cats sleep\n", "1\n", "/topics\n", "/sources\n", "/why\n"])
    out = screen.text
    assert "Cats sleep most of the day." in out
    assert "↳ what do dogs bark at" in out  # the follow-up, picked by number
    assert "Pets" in out and "A tiny article about pets" in out
    assert "Decision: answered (dog-bark)" in out


def test_a_huge_line_is_echoed_cut(bot: FAQBot) -> None:
    chat, screen = make_chat(bot)
    chat.transcript(["why " * 5000 + "\n"])
    echo = screen.text.split("\n")[0]
    assert echo.endswith("…") and len(echo) <= 1003

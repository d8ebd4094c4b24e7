"""`faqbot chat`: the interactive screen over a `Session`.

The conversation logic (context, follow-ups, choices, two questions in one
message) is `faqbot.session`; this module only reads lines, runs commands and
shows replies. On a terminal it is a prompt_toolkit prompt (history, completion,
suggestions from history, colours); when stdin or stdout is not a terminal it
reads line by line and prints a plain transcript.

prompt_toolkit is imported here only, and only for the interactive screen.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import render, terminal
from .render import clean, fill

if TYPE_CHECKING:
    from .bot import FAQBot
    from .replies import Reply
    from .unanswered import UnansweredLog

__all__ = ["Chat", "history_path", "question_completer", "run"]

#: Lines are wrapped to the terminal, but never wider than this (long lines read badly).
MAX_WIDTH = 100
PROMPT = "faqbot> "
#: Transcript mode echoes at most this much of a line (the bot reads no more of it).
_ECHO_CHARS = 1000

Fragments = list[tuple[str, str]]

_STYLE = {
    "prompt": "ansigreen bold",
    "answer": "bold",
    "meta": "ansibrightblack",
    "choice": "ansicyan",
    "echo": "ansibrightblack italic",
    "heading": "bold underline",
    "command": "ansicyan bold",
    "error": "ansired",
    "warning": "ansiyellow",
    "bottom-toolbar": "noreverse bg:ansibrightblack fg:ansiblack",
}
# render.Style writes bold / dim / cyan; on the chat screen they become these classes.
_ANSI_CLASSES = {"bold": "class:answer", "dim": "class:meta", "ansicyan": "class:choice"}

_COMMANDS = {
    "/help": "what you can type",
    "/topics": "what I can answer, by part of the article",
    "/sources": "the article: title, provenance, sections",
    "/why": "why I gave the last reply: candidates, confidence, margin",
    "/reset": "forget the conversation so far (context and choices)",
    "/quit": "leave (Ctrl-D works too)",
}
_ALIASES = {"/exit": "/quit", "/q": "/quit", "/?": "/help", "/h": "/help", "/source": "/sources",
            "/topic": "/topics", "/explain": "/why", "/clear": "/reset"}


def history_path(environ: dict[str, str] | None = None) -> Path:
    """Where the chat keeps its history: ``$XDG_STATE_HOME/faqbot/history``
    (``~/.local/state/faqbot/history`` when unset or not absolute)."""
    env = os.environ if environ is None else environ
    state = env.get("XDG_STATE_HOME", "")
    base = Path(state) if state and Path(state).is_absolute() else Path.home() / ".local" / "state"
    return base / "faqbot" / "history"


class Chat:
    """The chat screen: turns lines into commands or questions, and shows the replies.

    `write` receives each block of output as prompt_toolkit-style fragments
    ``[(style, text), ...]`` ending with a newline; the default prints them with
    prompt_toolkit (or as plain text in transcript mode). Tests inject it.
    """

    def __init__(
        self, bot: FAQBot, *, color: bool = True, width: int | None = None,
        log: UnansweredLog | None = None, write: Callable[[Fragments], None] | None = None,
    ) -> None:
        self.bot = bot
        self.session = bot.session()
        self.color = color
        self._width = width
        self.log = log
        self.write = write or _plain_writer(sys.stdout)
        self._last: list[Reply] = []
        self._debug = bool(os.environ.get("FAQBOT_DEBUG"))

    # ------------------------------------------------------------------ output

    @property
    def width(self) -> int:
        if self._width:
            return self._width
        return max(30, min(terminal.size((88, 24))[0] - 1, MAX_WIDTH))

    def say(self, text: str, style: str = "") -> None:
        """One block of text (already clean) in one style."""
        self.write([(style, text + "\n")])

    def show(self, reply: Reply, typed: str) -> None:
        """A reply, as the render module lays it out, in the chat's styles."""
        frags: Fragments = []
        if " ".join(reply.question.split()) != " ".join(typed.split()):
            # a pick, "tell me more", or one of two questions: say which question is answered
            frags.append(("class:echo", f"↳ {clean(' '.join(reply.question.split()))}\n"))
        text = render.to_text(reply, width=self.width, style=render.Style(self.color), numbered=True,
                              source_titles=render.titles(self.bot.kb.sources))
        frags.extend(_ansi_fragments(text) if self.color else [("", text)])
        frags.append(("", "\n\n"))
        self.write(frags)

    # ------------------------------------------------------------------ turns

    def turn(self, line: str) -> bool:
        """Handle one line; False when the chat should end. Never raises (but for
        KeyboardInterrupt): an unexpected error is reported on one line."""
        text = line.strip()
        if not text:
            return True
        try:
            if text.startswith("/") or text.lower() in ("quit", "exit"):
                return self.command(text)
            self.ask(text)
        except KeyboardInterrupt:
            raise
        except Exception as e:  # noqa: BLE001 - one turn failing must not end the chat
            if self._debug:
                traceback.print_exc()
            message = " ".join(clean(f"{type(e).__name__}: {e}").split())
            self.say(f"faqbot: error: that turn failed ({message}); the chat goes on.", "class:error")
        return True

    def ask(self, text: str) -> None:
        replies = self.session.ask_all(text)
        self._last = replies
        for reply in replies:
            self.show(reply, text)
            if self.log is not None:
                self.log.record(reply)
                warning = self.log.take_warning()
                if warning:
                    self.say("faqbot: warning: " + " ".join(clean(warning).split()), "class:warning")

    # ------------------------------------------------------------------ commands

    def command(self, text: str) -> bool:
        name = text.split()[0].lower()
        if name in ("quit", "exit"):
            name = "/quit"
        name = _ALIASES.get(name, name)
        if name == "/quit":
            return False
        handler = {
            "/help": self.cmd_help, "/topics": self.cmd_topics, "/sources": self.cmd_sources,
            "/why": self.cmd_why, "/reset": self.cmd_reset,
        }.get(name)
        if handler is None:
            self.say(f"Unknown command {clean(name)[:40]}. Commands: {', '.join(_COMMANDS)}.", "class:error")
        else:
            handler()
        self.write([("", "\n")])
        return True

    def cmd_help(self) -> None:
        frags: Fragments = [
            ("class:heading", "Ask anything about the article"),
            ("", ": every answer quotes the passages it comes from.\n"),
            ("", "  • Type "), ("class:command", "2"), ("", " or "), ("class:command", "the first one"),
            ("", " to ask a numbered question.\n"),
            ("", "  • Follow-ups such as "), ("class:command", "why?"), ("", ", "),
            ("class:command", "are there any exceptions?"), ("", " or "), ("class:command", "and ICE?"),
            ("", " are read against the last answer.\n"),
            ("", "  • Two questions in one line get two answers.\n"),
            ("", "  • Tab completes questions I can answer; → accepts a suggestion from your history.\n\n"),
        ]
        for cmd, what in _COMMANDS.items():
            frags += [("class:command", f"  {cmd:<10}"), ("", f"{what}\n")]
        frags.append(("class:meta", "  Ctrl-C clears the line; Ctrl-D leaves.\n"))
        self.write(frags)

    def cmd_topics(self) -> None:
        kb = self.bot.kb
        frags: Fragments = [("class:heading", "What I can answer"), ("", ", by part of the article:\n")]
        gaps: list[str] = []
        for topic, section in _topics_in_article_order(kb):
            intents = [kb.intent(i) for i in topic.intents]
            answers = [i for i in intents if i.kind == "answer"]
            gaps += [i.title for i in intents if i.kind == "gap"]
            if not answers:
                continue
            where = f"  ({section})" if section and section.lower() != topic.name.lower() else ""
            frags += [("", "\n"), ("class:answer", clean(topic.name)), ("class:meta", clean(where) + "\n")]
            for intent in answers:
                frags.append(("class:choice", fill(clean(intent.questions[0]), self.width, "  • ") + "\n"))
        if gaps:
            frags += [("", "\n"), ("class:answer", "Asked about, but not in the article"), ("", "\n")]
            frags.append(("class:meta", fill(clean("; ".join(gaps)) + ".", self.width, "  ") + "\n"))
        self.write(frags)

    def cmd_sources(self) -> None:
        frags: Fragments = []
        for source in self.bot.kb.sources.values():
            frags += [("class:answer", fill(clean(source.title), self.width) + "\n")]
            for key, value in source.provenance.items():
                frags.append(("class:meta", fill(f"{clean(str(key))}: {clean(str(value))}", self.width, "    ",
                                                        first="  ") + "\n"))
            if source.sections:
                frags.append(("", "  Sections:\n"))
                for n, section in enumerate(source.sections, 1):
                    frags.append(("class:choice", f"    {n}. {clean(section)}\n"))
        self.write(frags or [("", "No sources.\n")])

    def cmd_why(self) -> None:
        if not self._last:
            self.say("Nothing to explain yet: ask a question first.", "class:meta")
            return
        frags: Fragments = []
        for reply in self._last:
            frags.append(("class:echo", f"“{clean(' '.join(reply.question.split()))[:200]}”\n"))
            text = self._wrap_lines(render.explain(reply, style=render.Style(self.color)))
            frags.extend(_ansi_fragments(text) if self.color else [("", text)])
            frags.append(("", "\n"))
        self.write(frags)

    def _wrap_lines(self, text: str) -> str:
        """Long unstyled lines wrapped to the screen, continuing under their indent."""
        out = []
        for line in text.split("\n"):
            if len(line) > self.width and "\x1b" not in line:
                indent = " " * (len(line) - len(line.lstrip()))
                line = fill(line.strip(), self.width, indent + "  ", first=indent)
            out.append(line)
        return "\n".join(out)

    def cmd_reset(self) -> None:
        self.session.reset()
        self._last = []
        self.say("Context cleared: the next question starts a new conversation.", "class:meta")

    # ------------------------------------------------------------------ screens

    def welcome(self) -> None:
        titles = [s.title for s in self.bot.kb.sources.values()]
        frags: Fragments = [("class:heading", "faqbot"), ("", " answers questions about ")]
        frags.append(("", "this article:\n" if len(titles) == 1 else "these articles:\n"))
        for title in titles:
            frags.append(("class:answer", fill(f"“{clean(title)}”", self.width, "  ") + "\n"))
        frags.append(("class:meta", fill(
            "Answers come only from the article, with the passages quoted. Type a question or a number; "
            "/help for commands, Ctrl-D to leave.", self.width) + "\n"))
        if self.session.offered:
            frags.append(("class:meta", "\nYou could start with:\n"))
            for n, s in enumerate(self.session.offered, 1):
                line = fill(clean(s.question), self.width, "     ", first=f"  {n}. ")
                frags.append(("class:choice", line + "\n"))
        frags.append(("", "\n"))
        self.write(frags)

    def transcript(self, lines: Iterable[str]) -> int:
        """Plain line-by-line mode: each line echoed after "> ", then its reply."""
        for line in lines:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            shown = clean(line) if len(line) <= _ECHO_CHARS else clean(line[:_ECHO_CHARS]) + "…"
            self.say("> " + shown)
            if not self.turn(line):
                break
        return 0

    def interactive(self, *, input: Any = None, output: Any = None, history: Any = None) -> int:
        """The prompt_toolkit REPL; `input`/`output` are injectable (tests use a pipe
        input and `DummyOutput`). Ctrl-C clears the line, Ctrl-D or /quit leaves (status 0)."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
        from prompt_toolkit.history import InMemoryHistory

        session: PromptSession[str] = PromptSession(
            history=history if history is not None else InMemoryHistory(),
            auto_suggest=AutoSuggestFromHistory(),
            completer=question_completer(self.bot),
            complete_while_typing=False,
            style=_pt_style(self.color),
            color_depth=None if self.color else _mono(),
            bottom_toolbar=self._toolbar,
            input=input, output=output,
        )
        self.welcome()
        warned = False
        failures = 0
        while True:
            try:
                line = session.prompt([("class:prompt", PROMPT)])
                failures = 0
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            except Exception as e:  # noqa: BLE001 - e.g. a completer failing: report, go on
                failures += 1
                if self._debug:
                    traceback.print_exc()
                message = " ".join(clean(f"{type(e).__name__}: {e}").split())
                self.say(f"faqbot: error: the prompt failed ({message}).", "class:error")
                if failures >= 3:
                    return 1
                continue
            try:
                if not self.turn(line):
                    break
            except KeyboardInterrupt:
                self.say("(interrupted)", "class:meta")
            warning = getattr(session.history, "warning", None)
            if warning and not warned:
                warned = True
                self.say("faqbot: warning: " + " ".join(clean(warning).split()), "class:warning")
        self.say("Bye.", "class:meta")
        return 0

    def _toolbar(self) -> Fragments:
        context = self.session.context
        title = clean(context.title) if context is not None else ""
        if len(title) > 40:
            title = title[:39].rstrip() + "…"
        about = f" about: {title} │" if title else ""
        return [("class:bottom-toolbar", f"{about} /help · /why · /reset · Ctrl-D quits ")]


# ------------------------------------------------------------------ helpers


def _topics_in_article_order(kb: Any) -> list[tuple[Any, str | None]]:
    """Topics ordered by where their answers sit in the article, each with the
    article section most of its citations come from."""
    placed = []
    for n, topic in enumerate(kb.topics):
        cites = [c for i in topic.intents for c in kb.intent(i).citations[:1] if kb.intent(i).kind == "answer"]
        if not cites:
            placed.append((float("inf"), n, topic, None))
            continue
        sections = [c.section for c in cites if c.section]
        section = max(set(sections), key=sections.count) if sections else None
        placed.append((min(c.start for c in cites), n, topic, section))
    return [(topic, section) for _, _, topic, section in sorted(placed, key=lambda t: (t[0], t[1]))]


def _ansi_fragments(text: str) -> Fragments:
    """render's ANSI styles as prompt_toolkit fragments with the chat's style classes."""
    from prompt_toolkit.formatted_text import ANSI, to_formatted_text

    out: Fragments = []
    for style, chars in to_formatted_text(ANSI(text)):
        mapped = " ".join(_ANSI_CLASSES.get(part, part) for part in style.split())
        if out and out[-1][0] == mapped:
            out[-1] = (mapped, out[-1][1] + chars)
        else:
            out.append((mapped, chars))
    return out


def _pt_style(color: bool) -> Any:
    from prompt_toolkit.styles import Style

    if not color:
        return Style.from_dict({"bottom-toolbar": "reverse"})
    return Style.from_dict(_STYLE)


def _mono() -> Any:
    from prompt_toolkit.output import ColorDepth

    return ColorDepth.DEPTH_1_BIT


def _plain_writer(stream: Any) -> Callable[[Fragments], None]:
    def write(frags: Fragments) -> None:
        stream.write("".join(text for _, text in frags))
        stream.flush()

    return write


def _pt_writer(color: bool) -> Callable[[Fragments], None]:
    from prompt_toolkit import print_formatted_text
    from prompt_toolkit.formatted_text import FormattedText

    style = _pt_style(color)
    depth = None if color else _mono()

    def write(frags: Fragments) -> None:
        print_formatted_text(FormattedText(frags), style=style, end="", color_depth=depth)

    return write


class _Questions:
    """The questions offered by Tab: each intent's example questions (but one- and
    two-word keywords after the first), with the intent's title; small talk left out."""

    def __init__(self, bot: FAQBot) -> None:
        seen: set[str] = set()
        self.items: list[tuple[str, str]] = []
        for intent in bot.kb.intents:
            if intent.kind == "smalltalk":
                continue
            for n, q in enumerate(intent.questions):
                q = " ".join(q.split())
                if (n == 0 or q.endswith("?") or len(q.split()) >= 3) and q.lower() not in seen:
                    seen.add(q.lower())
                    self.items.append((q, intent.title))


def question_completer(bot: FAQBot, *, limit: int = 12) -> Any:
    """Tab completion: commands after '/', else questions faqbot can answer, ranked
    fuzzily (rapidfuzz WRatio) against the whole line typed so far."""
    from prompt_toolkit.completion import Completer, Completion

    items = _Questions(bot).items
    choices = [q.lower() for q, _ in items]
    words = [_WORD.findall(c) for c in choices]

    class QuestionCompleter(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Iterator[Any]:
            try:  # completion runs in the background: a failure must not reach the screen
                yield from self._completions(document)
            except Exception:  # noqa: BLE001
                return

        def _completions(self, document: Any) -> Iterator[Any]:
            text = document.text_before_cursor
            start = -len(text)
            if text.startswith("/"):
                for cmd, what in _COMMANDS.items():
                    if cmd.startswith(text.lower()):
                        yield Completion(cmd, start_position=start, display_meta=what)
                return
            query = " ".join(text.split()).lower()
            if not query:
                for q, title in items[:limit]:
                    yield Completion(q, start_position=start, display_meta=title)
                return
            for index in _rank(query, choices, words)[:limit]:
                q, title = items[index]
                yield Completion(q, start_position=start, display_meta=title)

    return QuestionCompleter()


_WORD = re.compile(r"[\w']+")


def _rank(query: str, choices: list[str], words: list[list[str]], cutoff: float = 70.0) -> list[int]:
    """Indexes of `choices` that fuzzily contain every word typed (each typed word
    scored against its best word of the choice, so "exeptions viol" finds
    "...exceptions ... violent..."), best first; ties by the whole-line WRatio."""
    from rapidfuzz import fuzz

    typed = _WORD.findall(query)
    if not typed:
        return []
    scored = []
    for index, (choice, ws) in enumerate(zip(choices, words)):
        per_word = [max((fuzz.ratio(t, w[: max(len(t), 3)]) for w in ws), default=0.0) for t in typed]
        score = sum(per_word) / len(per_word)
        if score >= cutoff:
            scored.append((-score, -fuzz.WRatio(query, choice), index))
    return [index for *_, index in sorted(scored)]


def _open_history(path: Path) -> tuple[Any, str | None]:
    """A file history at `path` (created user-only), or an in-memory one and a
    warning when the file cannot be written."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    class _SafeFileHistory(FileHistory):
        """FileHistory that stops saving, with one warning, when a write fails."""

        warning: str | None = None

        def load_history_strings(self) -> Iterable[str]:
            try:
                yield from super().load_history_strings()
            except OSError:
                return

        def store_string(self, string: str) -> None:
            if self.warning is not None:
                return
            try:
                super().store_string(string)
            except OSError as e:
                self.warning = f"history is no longer saved: cannot write {path}: {e.strerror or e}"

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        os.close(fd)
    except OSError as e:
        return InMemoryHistory(), f"history will not be saved: cannot write {path}: {e.strerror or e}"
    return _SafeFileHistory(str(path)), None


def _stdin_lines() -> Iterator[str]:
    # each line cut to a bounded length, like `faqbot ask -`
    for raw in terminal.read_lines(sys.stdin.buffer):
        yield raw.decode("utf-8", "replace")


def run(bot: FAQBot, *, log_unanswered: str | None = None, no_color: bool = False) -> int:
    """`faqbot chat`: the prompt_toolkit chat on a terminal, else a plain transcript.
    `log_unanswered`: a file to append each clarify/unknown question to (JSON Lines);
    `no_color`: no colours (neither are there when NO_COLOR is set)."""
    log = None
    if log_unanswered:
        from .unanswered import UnansweredLog

        log = UnansweredLog(log_unanswered)
    if not (terminal.isatty(sys.stdin) and terminal.isatty(sys.stdout)):
        chat = Chat(bot, color=False, width=None if terminal.isatty(sys.stdout) else 88, log=log)
        return chat.transcript(_stdin_lines())
    color = terminal.use_color(sys.stdout, no_color=no_color)
    chat = Chat(bot, color=color, log=log, write=_pt_writer(color))
    history, warning = _open_history(history_path())
    if warning:
        chat.say("faqbot: warning: " + " ".join(clean(warning).split()), "class:warning")
    return chat.interactive(history=history)

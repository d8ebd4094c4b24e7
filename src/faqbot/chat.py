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
from .text import normalize
from .topics import Topic, ordered_topics

if TYPE_CHECKING:
    from prompt_toolkit.formatted_text import StyleAndTextTuples

    from .bot import FAQBot
    from .knowledge import Intent
    from .replies import Reply
    from .unanswered import UnansweredLog

__all__ = ["Chat", "history_path", "question_completer", "run"]

#: Lines are wrapped to the terminal, but never wider than this (long lines read badly).
MAX_WIDTH = 100
PROMPT = "faqbot> "
#: Transcript mode echoes at most this much of a line (the bot reads no more of it).
_ECHO_CHARS = 1000
#: A line that is only a number ("2", "#2", "2."): it picks from the list just shown.
_NUMBER = re.compile(r"#?\d{1,4}\.?")

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
    "/topics": "what I can answer, topic by topic (/topics 2 opens the second)",
    "/sources": "the article: title, provenance, sections",
    "/why": "why I gave the last reply: candidates, confidence, margin",
    "/reset": "forget the conversation so far (context and choices)",
    "/quit": "leave (Ctrl-D works too)",
}
_ALIASES = {"/exit": "/quit", "/q": "/quit", "/?": "/help", "/h": "/help", "/source": "/sources",
            "/topic": "/topics", "/explain": "/why", "/clear": "/reset"}


def history_path(environ: dict[str, str] | None = None) -> Path | None:
    """Where the chat keeps its history: ``$XDG_STATE_HOME/faqbot/history``
    (``~/.local/state/faqbot/history`` when unset or not absolute); None when
    neither is known (no XDG_STATE_HOME and no home directory)."""
    env = os.environ if environ is None else environ
    state = env.get("XDG_STATE_HOME", "")
    if state and Path(state).is_absolute():
        return Path(state) / "faqbot" / "history"
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # no HOME and no password entry
        return None
    return home / ".local" / "state" / "faqbot" / "history"


class Chat:
    """The chat screen: turns lines into commands or questions, and shows the replies.

    `write` receives each block of output as prompt_toolkit-style fragments
    ``[(style, text), ...]`` ending with a newline; the default prints them with
    prompt_toolkit (or as plain text in transcript mode). Tests inject it.
    """

    def __init__(
        self, bot: FAQBot, *, color: bool = True, width: int | None = None, height: int | None = None,
        log: UnansweredLog | None = None, write: Callable[[Fragments], None] | None = None,
    ) -> None:
        self.bot = bot
        self.session = bot.session()
        self.color = color
        self._width = width
        self._height = height
        self.log = log
        self.write = write or _plain_writer(sys.stdout)
        self._last: list[Reply] = []
        #: what a bare number picks while the last thing shown is a /topics list
        #: (a topic to open, or a question of the open topic to ask); None otherwise
        self._menu: list[Any] | None = None
        self._more: Callable[[], None] | None = None  # shows the rest of a list (/topics more)
        self._debug = bool(os.environ.get("FAQBOT_DEBUG"))

    # ------------------------------------------------------------------ output

    @property
    def width(self) -> int:
        if self._width:
            return self._width
        return max(30, min(terminal.size((88, 24))[0] - 1, MAX_WIDTH))

    @property
    def height(self) -> int:
        """The screen's lines (a long /topics list is shown a screenful at a time)."""
        return self._height or max(10, terminal.size((88, 24))[1])

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
        menu, self._menu = self._menu, None  # a /topics list is picked from right after it, or never
        first = text.split()[0].lower()
        if _ALIASES.get(first, first) != "/topics":
            self._more = None
        try:
            if menu is not None and _NUMBER.fullmatch(text):
                self.pick(menu, int(text.strip("#.")))
            elif text.startswith("/") or text.lower() in ("quit", "exit"):
                return self.command(text)
            else:
                self.ask(text)
        except KeyboardInterrupt:
            raise
        except Exception as e:  # noqa: BLE001 - one turn failing must not end the chat
            if self._debug:
                traceback.print_exc()
            message = " ".join(clean(f"{type(e).__name__}: {e}").split())
            self.say(f"faqbot: error: that turn failed ({message}); the chat goes on.", "class:error")
        return True

    def ask(self, text: str, *, typed: str | None = None) -> None:
        """Ask `text` in the conversation and show the replies (`typed`: what the user
        typed, when it was not the question itself, e.g. a number picking it)."""
        replies = self.session.ask_all(text)
        self._last = replies
        for reply in replies:
            self.show(reply, text if typed is None else typed)
            if self.log is not None:
                self.log.record(reply)
                warning = self.log.take_warning()
                if warning:
                    self.say("faqbot: warning: " + " ".join(clean(warning).split()), "class:warning")

    # ------------------------------------------------------------------ commands

    def command(self, text: str) -> bool:
        name, _, arg = text.partition(" ")
        name, arg = name.lower(), arg.strip()
        if name in ("quit", "exit"):
            name = "/quit"
        name = _ALIASES.get(name, name)
        if name == "/quit":
            return False
        handler = {
            "/help": self.cmd_help, "/topics": lambda: self.cmd_topics(arg), "/sources": self.cmd_sources,
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

    def cmd_topics(self, arg: str = "") -> None:
        """`/topics`: the topics, one line each; `/topics N`: the questions of topic N;
        `/topics more`: the rest of a list longer than the screen."""
        topics = ordered_topics(self.bot.kb)
        if not topics:
            self.say("Nothing to list: this knowledge base has no questions to answer.", "class:meta")
        elif not arg:
            lines = [f"{t.name} · {len(t.intents)} question{'s' * (len(t.intents) != 1)}" for t in topics]
            self.write([("class:heading", "What I can answer"), ("", ", in the order of the article:\n")])
            self._list(lines, topics, "Type a number to see a topic's questions.")
        elif arg.lower() == "more":
            if self._more is None:
                self.say("Nothing more to show: /topics lists the topics.", "class:meta")
            else:
                self._more()
        elif _NUMBER.fullmatch(arg) and 1 <= int(arg.strip("#.")) <= len(topics):
            self.open_topic(topics[int(arg.strip("#.")) - 1])
        else:
            self.say(f"There is no topic {clean(arg)[:40]}: type /topics, then a number from 1 to {len(topics)}.",
                     "class:error")

    def open_topic(self, topic: Topic) -> None:
        """A topic's questions, numbered (a number asks one), or the things the article
        does not say."""
        where = f"  ({topic.section})" if topic.section and normalize(topic.section) != normalize(topic.name) else ""
        self.write([("class:answer", clean(topic.name)), ("class:meta", clean(where) + "\n")])
        if topic.gaps:
            self._list([i.title for i in topic.intents], None,
                       "Ask about these and I will say what the article leaves out.")
        else:
            self._list([i.questions[0] for i in topic.intents], list(topic.intents),
                       "Type a number to ask it; /topics lists the topics again.")

    def _list(self, lines: list[str], picks: list[Any] | None, hint: str, start: int = 0) -> None:
        """`lines` numbered (bulleted when `picks` is None), as many as fit the screen;
        a bare number then picks from `picks`, and /topics more shows the rest."""
        room = max(5, self.height - 6)  # the heading, the hint, a blank line, the prompt and the toolbar
        end = len(lines) if len(lines) - start <= room else start + room - 1
        frags: Fragments = []
        for n in range(start, end):
            bullet = f"  {n + 1}. " if picks is not None else "  • "
            frags.append(("class:choice", bullet + _cut(clean(lines[n]), self.width - len(bullet)) + "\n"))
        if end < len(lines):
            frags.append(("class:meta", f"  … {len(lines) - end} more: /topics more\n"))
            self._more = lambda: self._list(lines, picks, hint, end)
        else:
            self._more = None
        frags.append(("class:meta", hint + "\n"))
        self.write(frags)
        self._menu = picks

    def pick(self, menu: list[Any], n: int) -> None:
        """Number `n` of the /topics list just shown: open that topic, or ask that question."""
        if not 1 <= n <= len(menu):
            self.say(f"There is no {n} in that list: type a number from 1 to {len(menu)}.", "class:error")
            self._menu = menu
            return
        chosen = menu[n - 1]
        if isinstance(chosen, Topic):
            self.open_topic(chosen)
            self.write([("", "\n")])
        else:
            self.ask(chosen.questions[0], typed=str(n))

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
        with _EndOnSignals(sys.stdin if input is None else input) as ending:
            ending.app = session.app
            try:
                return self._repl(session, ending)
            except BaseException:
                if ending.signum is None:
                    raise
            # SIGTERM or SIGHUP: leave quietly, the terminal as it was, with the shell's status
            ending.restore_terminal()
            return 128 + ending.signum

    def _repl(self, session: Any, ending: _EndOnSignals) -> int:
        warned = False
        failures = 0
        while True:
            if ending.signum is not None:  # a signal arrived, and something swallowed _Ended
                raise _Ended(ending.signum)
            try:
                line = session.prompt([("class:prompt", PROMPT)])
                failures = 0
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            except Exception as e:  # noqa: BLE001 - e.g. a completer failing: report, go on
                if ending.signum is not None:
                    raise
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

    def _toolbar(self) -> StyleAndTextTuples:
        context = self.session.context
        title = clean(context.title) if context is not None else ""
        if len(title) > 40:
            title = title[:39].rstrip() + "…"
        about = f" about: {title} │" if title else ""
        return [("class:bottom-toolbar", f"{about} /help · /why · /reset · Ctrl-D quits ")]


# ------------------------------------------------------------------ helpers


def _cut(text: str, width: int) -> str:
    """`text` on one line of at most `width` characters (cut with "…")."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 1)].rstrip() + "…"


def _ansi_fragments(text: str) -> Fragments:
    """render's ANSI styles as prompt_toolkit fragments with the chat's style classes."""
    from prompt_toolkit.formatted_text import ANSI, to_formatted_text

    out: Fragments = []
    for style, chars, *_ in to_formatted_text(ANSI(text)):
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
    """The questions Tab offers: the example questions of the intents that answer
    (not small talk, not the `gap` intents, whose reply is that the article does not
    say), but one- and two-word keywords after the first, each with its intent."""

    def __init__(self, bot: FAQBot) -> None:
        seen: set[str] = set()
        self.items: list[tuple[str, Intent]] = []
        for intent in bot.kb.intents:
            if intent.kind != "answer":
                continue
            for n, q in enumerate(intent.questions):
                q = " ".join(q.split())
                if (n == 0 or q.endswith("?") or len(q.split()) >= 3) and q.lower() not in seen:
                    seen.add(q.lower())
                    self.items.append((q, intent))


def question_completer(bot: FAQBot, *, limit: int = 12) -> Any:
    """Tab completion: commands after '/', else questions faqbot answers, ranked
    fuzzily against the line typed so far (see `_rank`), one per intent: the
    wording that matches best, its intent's first question on a tie."""
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
            ranked = _rank(query, choices, words) if query else range(len(items))
            shown: set[str] = set()
            for index in ranked:
                q, intent = items[index]
                if intent.id not in shown:
                    shown.add(intent.id)
                    yield Completion(q, start_position=start, display=_cut(q, _SHOWN_CHARS),
                                     display_meta=intent.title)
                    if len(shown) == limit:
                        return

    return QuestionCompleter()


_WORD = re.compile(r"[\w']+")
#: Tab's menu shows a question in at most this many characters (the intent's title beside it).
_SHOWN_CHARS = 64


def _rank(query: str, choices: list[str], words: list[list[str]], cutoff: float = 70.0) -> list[int]:
    """Indexes of `choices` that fuzzily contain every word typed (each typed word
    scored against its best word of the choice, so "exeptions viol" finds
    "...exceptions ... violent..."), best first; on a tie, questions written out
    (ending in "?") before keywords, then by the whole-line WRatio, then by position."""
    from rapidfuzz import fuzz

    typed = _WORD.findall(query)
    if not typed:
        return []
    scored = []
    for index, (choice, ws) in enumerate(zip(choices, words, strict=True)):
        per_word = [max((fuzz.ratio(t, w[: max(len(t), 3)]) for w in ws), default=0.0) for t in typed]
        score = sum(per_word) / len(per_word)
        if score >= cutoff:
            scored.append((-score, not choice.endswith("?"), -fuzz.WRatio(query, choice), index))
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
        try:
            if os.fstat(fd).st_mode & 0o077:  # an older file others can read: user-only, as promised
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    except OSError as e:
        return InMemoryHistory(), f"history will not be saved: cannot write {path}: {e.strerror or e}"
    return _SafeFileHistory(str(path)), None


def _history(environ: dict[str, str] | None = None) -> tuple[Any, str | None]:
    """The chat's history (see `history_path`) and a warning when it cannot be kept:
    then the history lasts as long as the chat."""
    path = history_path(environ)
    if path is None:
        from prompt_toolkit.history import InMemoryHistory

        return InMemoryHistory(), "history will not be saved: no home directory (set HOME or XDG_STATE_HOME)"
    return _open_history(path)


class _Ended(SystemExit):
    """SIGTERM or SIGHUP arrived: raised in the main thread to unwind the prompt. A
    SystemExit, because asyncio lets only that (and KeyboardInterrupt, which means
    Ctrl-C here) out of a task or callback; anything else prompt_toolkit would report
    as an error and wait for Enter."""


class _EndOnSignals:
    """SIGTERM and SIGHUP end the chat instead of killing it where it stands. While
    the prompt runs, the handler makes it return as Ctrl-D would, but raising
    `_Ended`: prompt_toolkit unwinds as usual and puts the terminal back as it found
    it. Elsewhere (a turn being answered) the handler raises `_Ended` itself. The
    terminal's settings saved on entry are then restored once more, in case unwinding
    could not. A second signal while ending is ignored. Installs nothing outside the
    main thread; the previous handlers come back on exit."""

    def __init__(self, stream: Any) -> None:
        self.signum: int | None = None
        #: the prompt's prompt_toolkit Application
        self.app: Any = None
        self._stream = stream
        self._saved: Any = None
        self._previous: dict[int, Any] = {}
        self._asyncio_log: Any = None

    def __enter__(self) -> _EndOnSignals:
        import signal
        import threading

        termios = _termios()
        if termios is not None and terminal.isatty(self._stream):
            try:
                self._saved = termios.tcgetattr(self._stream.fileno())
            except (termios.error, OSError, ValueError):
                self._saved = None
        if threading.current_thread() is threading.main_thread():
            for name in ("SIGTERM", "SIGHUP"):
                number = getattr(signal, name, None)
                if number is not None:
                    self._previous[number] = signal.signal(number, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        if self.signum is not None:
            return
        self.signum = signum
        # after a hangup, writing to the terminal fails while the prompt unwinds, and
        # asyncio would log each failure with a traceback: nobody is there to read it
        import logging

        self._asyncio_log = logging.getLogger("asyncio")
        self._asyncio_log.disabled = True
        app = self.app
        loop = getattr(app, "loop", None)
        if app is not None and app.is_running and loop is not None and not loop.is_closed():
            def stop() -> None:
                if app.is_running and not app.is_done:
                    app.exit(exception=_Ended(128 + signum))

            loop.call_soon_threadsafe(stop)
            return
        raise _Ended(128 + signum)

    def restore_terminal(self) -> None:
        termios = _termios()
        if self._saved is None or termios is None:
            return
        try:
            termios.tcsetattr(self._stream.fileno(), termios.TCSANOW, self._saved)
        except (termios.error, OSError, ValueError):  # the terminal is gone (SIGHUP)
            pass

    def __exit__(self, *exc: object) -> None:
        import signal

        for number, handler in self._previous.items():
            signal.signal(number, handler)
        if self._asyncio_log is not None:
            self._asyncio_log.disabled = False


def _termios() -> Any:
    try:
        import termios
    except ImportError:  # not on POSIX
        return None
    return termios


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
    history, warning = _history()
    if warning:
        chat.say("faqbot: warning: " + " ".join(clean(warning).split()), "class:warning")
    return chat.interactive(history=history)

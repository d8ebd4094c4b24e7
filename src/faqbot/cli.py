"""The `faqbot` command: parse, call the library, render, exit code.

Exit codes: 0 answered (or small talk, or a passage); 1 clarify or unknown;
2 usage or knowledge-base error. In batch mode (`faqbot ask -`): 0 unless an
error stops the run. No traceback reaches the user (set FAQBOT_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NoReturn

from . import __version__
from .errors import FaqbotError, UsageError

if TYPE_CHECKING:
    from .bot import FAQBot
    from .replies import Reply
    from .unanswered import UnansweredLog

__all__ = ["main"]

EXIT_OK, EXIT_NO_ANSWER, EXIT_ERROR = 0, 1, 2


def _columns(default: int = 80) -> int:
    """`shutil.get_terminal_size().columns` without importing shutil (2 ms of every start)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or default


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:  # argparse's default width, computed as above
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:  # one line, exit 2
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _Unused:
    """Stands in for the parser of a subcommand this run does not use: building every
    subcommand's parser would cost 1 ms of each start. Takes any call, does nothing."""

    def __getattr__(self, name: str) -> object:
        return lambda *args, **kwargs: None


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `only`, the other subcommands are not built (they are
    not in its usage or choices then: pass `only` only when it is argv's command)."""
    parser = _Parser(
        prog="faqbot",
        description="Answers questions about a news article, only from that article, with cited passages.",
        epilog="With no command, starts the chat when stdin is a terminal.",
    )
    parser.add_argument("--version", action="version", version=f"faqbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if only is not None:
        add = sub.add_parser
        sub.add_parser = lambda name, **kw: add(name, **kw) if name == only else _Unused()  # type: ignore[method-assign]

    ask = sub.add_parser(
        "ask", help="answer one question (or one per line from stdin with '-')",
        description="Answer QUESTION and print the answer with its cited passages. "
        "With '-', read questions from stdin, one per line, and write one reply per line.",
        epilog="Exit status: 0 answered, 1 clarify or unknown, 2 error (batch: 0 unless an error stops the run).",
    )
    ask.add_argument("question", metavar="QUESTION", help="the question, or '-' to read questions from stdin")
    ask.add_argument("--json", action="store_true", help="print the reply as one JSON object (JSON Lines with '-')")
    ask.add_argument("--explain", action="store_true", help="also print why: the top candidates, their scores, the margin")
    _common(ask)
    _log_option(ask)

    chat = sub.add_parser(
        "chat", help="talk about the article in an interactive chat",
        description="An interactive chat about the article, with follow-ups, clarification and context. "
        "Reads lines from stdin and prints plain transcripts when stdin is not a terminal.",
    )
    _common(chat)
    _log_option(chat)

    ev = sub.add_parser(
        "eval", help="measure accuracy on a file of labelled questions",
        description="Measure faqbot on FILE: YAML or JSON Lines of labelled questions "
        "(q, and one of intent: ID, expect_any: [substrings], oos: true).",
        epilog="Exit status: 0, or 1 when a --min-* threshold is missed, 2 on error.",
    )
    ev.add_argument("file", metavar="FILE", help="labelled questions (.yaml/.yml or .jsonl)")
    ev.add_argument("--json", action="store_true", help="print the report as one JSON object")
    ev.add_argument("--min-accuracy", type=float, metavar="F", help="fail (exit 1) when in-scope accuracy is below F (0..1)")
    ev.add_argument("--min-decline", type=float, metavar="F", help="fail (exit 1) when the out-of-scope decline rate is below F (0..1)")
    _common(ev)

    check = sub.add_parser(
        "check", help="validate a knowledge base and report problems",
        description="Validate a knowledge base: errors (exit 1) and warnings (exit 0), each with file, line and intent.",
    )
    check.add_argument("--json", action="store_true", help="print the report as one JSON object")
    check.add_argument("--verbose", "-v", action="store_true", help="list every warning, not only a count of each kind")
    _common(check)

    init = sub.add_parser(
        "init", help="scaffold a knowledge base from a new article",
        description="Create a knowledge base in DIR from ARTICLE (plain text or Markdown): "
        "the source with its metadata, and draft intents with verified citations, marked for review.",
    )
    init.add_argument("article", metavar="ARTICLE", help="the article, a .txt or .md file")
    init.add_argument("--out", required=True, metavar="DIR", help="the folder to create")
    init.add_argument("--title", help="the article's title (default: its first heading or file name)")
    return parser


def _log_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--log-unanswered", metavar="FILE",
                   help="append each clarify/unknown question to FILE as a JSON line")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kb", metavar="DIR", help="use the knowledge base in DIR (DIR/intents/, DIR/seeds/)")
    p.add_argument("--no-color", action="store_true", help="no colours (also when NO_COLOR is set)")


def _color(args: argparse.Namespace, stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR") and not getattr(args, "no_color", False)


def _argv_text(text: str) -> str:
    """A command-line argument as clean text: bytes that were not UTF-8 (which Python
    keeps as lone surrogates) become U+FFFD."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _load(args: argparse.Namespace) -> FAQBot:
    import gc

    collecting = gc.isenabled()
    gc.disable()  # importing and loading allocate a lot and free nothing: collecting only costs
    try:
        from .bot import FAQBot

        return FAQBot.load(args.kb)
    finally:
        if _console:
            gc.freeze()  # the bot lives as long as the process: never scan it again
        if collecting:
            gc.enable()


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def cmd_ask(args: argparse.Namespace) -> int:
    from . import render

    bot = _load(args)
    log = _unanswered_log(args)
    if args.question == "-":
        return _ask_batch(bot, args, log)
    reply = bot.ask(_argv_text(args.question))
    _record(log, reply)
    if args.json:
        _out(render.to_json(reply, explain=args.explain))
    else:
        width = min(_columns(88), 100) if sys.stdout.isatty() else 88
        style = render.Style(_color(args, sys.stdout))
        _out(render.to_text(reply, width=width, style=style, source_titles=_titles(bot)))
        if args.explain:
            _out("\n" + render.explain(reply, style=style))
    return EXIT_OK if reply.status in ("answered", "smalltalk", "passage") else EXIT_NO_ANSWER


def _titles(bot: FAQBot) -> dict[str, str] | None:
    sources = bot.kb.sources
    return {s.id: s.title for s in sources.values()} if len(sources) > 1 else None


def _unanswered_log(args: argparse.Namespace) -> UnansweredLog | None:
    if not getattr(args, "log_unanswered", None):
        return None
    from .unanswered import UnansweredLog

    return UnansweredLog(args.log_unanswered)


def _record(log: UnansweredLog | None, reply: Reply) -> None:
    """Log a clarify/unknown reply; a log that cannot be written warns once, on stderr."""
    if log is None:
        return
    log.record(reply)
    warning = log.take_warning()
    if warning:
        from .render import clean

        sys.stderr.write("faqbot: warning: " + " ".join(clean(warning).split()) + "\n")


#: A line read from stdin is cut to this many bytes, the rest of it skipped: memory stays
#: bounded whatever is piped in (`< /dev/zero`), and there is still one reply per line.
MAX_LINE_BYTES = 1 << 20


def read_lines(stream: BinaryIO) -> Iterator[bytes]:
    """The lines of `stream`, each at most `MAX_LINE_BYTES` long."""
    while line := stream.readline(MAX_LINE_BYTES):
        rest = line
        while len(rest) == MAX_LINE_BYTES and not rest.endswith(b"\n"):
            rest = stream.readline(MAX_LINE_BYTES)  # the rest of an over-long line
        yield line


def _ask_batch(bot: FAQBot, args: argparse.Namespace, log: UnansweredLog | None = None) -> int:
    from . import render

    titles = _titles(bot)
    fmt = render.to_json if args.json else (lambda reply: render.to_line(reply, source_titles=titles))
    for raw in read_lines(sys.stdin.buffer):
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        reply: Reply = bot.ask(line)
        _record(log, reply)
        sys.stdout.write(fmt(reply) + "\n")
    sys.stdout.flush()
    return EXIT_OK


def cmd_chat(args: argparse.Namespace) -> int:
    from .chat import run

    return run(_load(args), args)


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import run

    return run(_load(args), args)


def cmd_check(args: argparse.Namespace) -> int:
    from .check import run

    code, text = run(args.kb, as_json=args.json, verbose=args.verbose)
    sys.stdout.write(text)
    return code


def cmd_init(args: argparse.Namespace) -> int:
    from .scaffold import run

    sys.stdout.write(run(args.article, args.out, title=args.title))
    return EXIT_OK


_COMMANDS = {"ask": cmd_ask, "chat": cmd_chat, "eval": cmd_eval, "check": cmd_check, "init": cmd_init}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    debug = bool(os.environ.get("FAQBOT_DEBUG"))
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 terminal gets '?', not a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        if not (set(argv) & {*_COMMANDS, "-h", "--help", "--version"}) and sys.stdin.isatty():
            argv.insert(0, "chat")  # bare `faqbot [--kb DIR] [--no-color]` on a terminal is the chat
        args = _parser(argv[0] if argv and argv[0] in _COMMANDS else None).parse_args(argv)
        if args.command is None:
            _parser().print_help()
            return EXIT_OK
        return _COMMANDS[args.command](args)
    except FaqbotError as e:
        _error(str(e))
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error worth a message
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if debug:
            raise
        _error(f"internal error: {type(e).__name__}: {e} (set FAQBOT_DEBUG=1 for details)")
        return EXIT_ERROR


def _error(message: str) -> None:
    from .render import clean

    sys.stderr.write("faqbot: error: " + " ".join(clean(message).split()) + "\n")


_console = False  # True in the `faqbot` process itself (not when a program calls main())


def run() -> NoReturn:  # pragma: no cover - the console script
    global _console
    _console = True
    code = main()
    if sys.argv[1:2] == ["ask"]:
        # Answered: exit without tearing the interpreter down (freeing a loaded bot
        # object by object takes longer than answering did). Nothing else is pending:
        # the output is flushed here, the unanswered log writes unbuffered.
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(code)
    sys.exit(code)

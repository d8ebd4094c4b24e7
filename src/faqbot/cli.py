"""The `faqbot` command: parse, call the library, render, exit code.

Exit codes: 0 answered (or small talk, or a passage); 1 clarify or unknown;
2 usage or knowledge-base error. In batch mode (`faqbot ask -`): 0 unless an
error stops the run. No traceback reaches the user (set FAQBOT_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from . import __version__, terminal
from .errors import FaqbotError, UsageError

if TYPE_CHECKING:
    from .bot import FAQBot
    from .replies import Reply
    from .unanswered import UnansweredLog

__all__ = ["main"]

EXIT_OK, EXIT_NO_ANSWER, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: object, **kwargs: object) -> None:
        # argparse's default width (the terminal's, less 2) found once per parser, not once
        # per argument, and without importing shutil
        kwargs.setdefault("formatter_class", functools.partial(argparse.HelpFormatter, width=terminal.size()[0] - 2))
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:  # one line, exit 2
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = _Parser(
        prog="faqbot",
        description="Answers questions about a news article, only from that article, with cited passages.",
        epilog="With no command, starts the chat when stdin is a terminal.",
    )
    parser.add_argument("--version", action="version", version=f"faqbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

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
    ev.add_argument("--min-decline", type=float, metavar="F",
                    help="fail (exit 1) when the out-of-scope decline rate is below F (0..1)")
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

    serve = sub.add_parser(
        "serve", help="answer over HTTP: a JSON API, a chat page and an embeddable widget",
        description="Serve the knowledge base over HTTP: the JSON API (/v1/ask, OpenAPI at /openapi.json), "
        "a chat page at / and a widget at /widget.js. Needs: pip install 'faqbot[serve]'.",
        epilog="Conversation tokens are signed with FAQBOT_SECRET (set the same one on every replica).",
    )
    serve.add_argument("--kb", metavar="DIR", help="use the knowledge base in DIR (DIR/intents/, DIR/seeds/)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default: %(default)s)")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                       help="allow pages of ORIGIN (https://news.example) to call the API and embed the widget; repeatable")
    serve.add_argument("--log-feedback", metavar="FILE",
                       help="append ratings to FILE (default: $XDG_STATE_HOME/faqbot/feedback.jsonl)")
    serve.add_argument("--access-log", action="store_true", help="log every request on stderr")
    _log_option(serve)
    rev = sub.add_parser(
        "review", help="group unanswered questions and propose examples or new intents",
        description="Read LOG (written by --log-unanswered), group alike questions, biggest first, and propose "
        "for each group the intent to add them to, a sentence to cite, or a new 'not stated' intent. "
        "Nothing in the knowledge base is changed.",
    )
    rev.add_argument("log", metavar="LOG", help="the unanswered-questions log (JSON lines)")
    rev.add_argument("--out", metavar="PATCH.yaml", help="write the proposals to this new YAML file")
    rev.add_argument("--json", action="store_true", help="print the groups as one JSON object")
    _common(rev)
    return parser


def _log_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--log-unanswered", metavar="FILE",
                   help="append each clarify/unknown question to FILE as a JSON line")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kb", metavar="DIR", help="use the knowledge base in DIR (DIR/intents/, DIR/seeds/)")
    p.add_argument("--no-color", action="store_true", help="no colours (also when NO_COLOR is set)")


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
        width = min(terminal.size((88, 24))[0], 100) if terminal.isatty(sys.stdout) else 88
        style = render.Style(terminal.use_color(sys.stdout, no_color=args.no_color))
        _out(render.to_text(reply, width=width, style=style, source_titles=render.titles(bot.kb.sources)))
        if args.explain:
            _out("\n" + render.explain(reply, style=style))
    return EXIT_OK if reply.status in ("answered", "smalltalk", "passage") else EXIT_NO_ANSWER


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


def _ask_batch(bot: FAQBot, args: argparse.Namespace, log: UnansweredLog | None = None) -> int:
    from . import render

    titles = render.titles(bot.kb.sources)
    fmt = render.to_json if args.json else (lambda reply: render.to_line(reply, source_titles=titles))
    for raw in terminal.read_lines(sys.stdin.buffer):
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        reply: Reply = bot.ask(line)
        _record(log, reply)
        sys.stdout.write(fmt(reply) + "\n")
    sys.stdout.flush()
    return EXIT_OK


def cmd_chat(args: argparse.Namespace) -> int:
    from .chat import run

    return run(_load(args), log_unanswered=args.log_unanswered, no_color=args.no_color)


def _fraction(value: float | None, flag: str) -> float | None:
    if value is not None and not (0.0 <= value <= 1.0):
        raise UsageError(f"{flag} must be a fraction between 0 and 1, not {value:g}")
    return value


def cmd_eval(args: argparse.Namespace) -> int:
    """Print the report; 1 when a --min-* threshold is missed."""
    import json

    from . import evaluate

    min_accuracy = _fraction(args.min_accuracy, "--min-accuracy")
    min_decline = _fraction(args.min_decline, "--min-decline")
    items = evaluate.load_items(args.file)
    bot = _load(args)
    progress = evaluate.Progress(sys.stderr) if terminal.isatty(sys.stderr) else None
    try:
        rep = evaluate.evaluate(bot, items, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    failures = rep.failures(min_accuracy=min_accuracy, min_decline=min_decline)
    if args.json:
        data = {"file": str(args.file), **rep.to_dict(),
                "thresholds": {"min_accuracy": min_accuracy, "min_decline": min_decline},
                "passed": not failures}
        _out(json.dumps(data, ensure_ascii=True))
    else:
        _out(evaluate.format_report(rep, title=str(args.file)))
    for failure in failures:
        sys.stderr.write(f"faqbot: eval: {failure}\n")
    return EXIT_NO_ANSWER if failures else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .check import run

    code, text = run(args.kb, as_json=args.json, verbose=args.verbose)
    sys.stdout.write(text)
    return code


def cmd_init(args: argparse.Namespace) -> int:
    from .scaffold import run

    sys.stdout.write(run(args.article, args.out, title=args.title))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import run  # the web stack is imported only by this command

    return run(kb=args.kb, host=args.host, port=args.port, workers=args.workers, cors_origins=args.cors_origin,
               log_unanswered=args.log_unanswered, log_feedback=args.log_feedback, access_log=args.access_log)


def cmd_review(args: argparse.Namespace) -> int:
    import json

    from .review import format_text, review, write_patch

    result = review(args.log, kb=args.kb)
    if args.out:
        write_patch(result, args.out)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=True) + "\n")
    else:
        sys.stdout.write(format_text(result, out=args.out))
    return EXIT_OK


_COMMANDS = {"ask": cmd_ask, "chat": cmd_chat, "eval": cmd_eval, "check": cmd_check, "init": cmd_init,
             "serve": cmd_serve, "review": cmd_review}


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
        parser = _parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            code = EXIT_OK
        else:
            code = _COMMANDS[args.command](args)
        sys.stdout.flush()  # here, where a reader that went away is handled (not at exit)
        return code
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
    sys.exit(main())

"""Terminal I/O shared by the `faqbot` command (cli.py) and the chat (chat.py).

Reading lines from stdin with a bound on their length, the size of the screen,
and whether to use colours (a terminal, and neither NO_COLOR nor --no-color).
Small and quick to import: every `faqbot ask` loads it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["MAX_LINE_BYTES", "isatty", "read_lines", "size", "use_color"]

#: A line read from stdin is cut to this many bytes, the rest of it skipped: memory stays
#: bounded whatever is piped in (`< /dev/zero`), and there is still one reply per line.
MAX_LINE_BYTES = 1 << 20


def read_lines(stream: BinaryIO, *, limit: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """The lines of `stream`, each at most `limit` bytes long."""
    while line := stream.readline(limit):
        rest = line
        while len(rest) == limit and not rest.endswith(b"\n"):
            rest = stream.readline(limit)  # the rest of an over-long line
        yield line


def isatty(stream: object) -> bool:
    """Whether `stream` is a terminal (False for anything without a working `isatty`)."""
    check = getattr(stream, "isatty", None)
    try:
        return bool(check and check())
    except (OSError, ValueError):
        return False


def _env_int(name: str) -> int:
    try:
        return int(os.environ.get(name, ""))
    except ValueError:
        return 0


def size(default: tuple[int, int] = (80, 24)) -> tuple[int, int]:
    """The screen's (columns, lines), as `shutil.get_terminal_size()` gives them but
    without importing shutil (2 ms of every start): COLUMNS and LINES win, then the
    terminal, then `default`."""
    columns, lines = _env_int("COLUMNS"), _env_int("LINES")
    if columns <= 0 or lines <= 0:
        try:
            measured = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            measured = os.terminal_size((0, 0))
        columns = columns if columns > 0 else measured.columns
        lines = lines if lines > 0 else measured.lines
    return (columns if columns > 0 else default[0], lines if lines > 0 else default[1])


def use_color(stream: object, *, no_color: bool = False) -> bool:
    """Colours on `stream`: only on a terminal, and not when NO_COLOR is set
    (https://no-color.org) or the user asked for none (`no_color`)."""
    return isatty(stream) and not os.environ.get("NO_COLOR") and not no_color

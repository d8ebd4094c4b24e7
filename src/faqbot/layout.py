"""Where a knowledge base's files are, for a reader.

A knowledge base is a folder holding ``seeds/`` and ``intents/``. While `faqbot init`
changes one (`faqbot.transaction`), a committed change may still be staged in a
``.faqbot-tx-*`` folder: `folders` looks there first, and `snapshot` tells a reader
that the folders switched while it read them.

Plain `os.path` strings: a cold `faqbot ask` reads through here, and pathlib (with the
urllib and ipaddress modules it imports) would cost it 4 ms.
"""

from __future__ import annotations

import os

__all__ = ["COMMITTED", "FOLDERS", "TX_PREFIX", "bundled_path", "folders", "snapshot"]

FOLDERS = ("seeds", "intents")
#: A transaction's folder starts with this; the marker file inside says it is committed.
TX_PREFIX = ".faqbot-tx-"
COMMITTED = "COMMITTED"


def bundled_path() -> str:
    """The knowledge base that ships with faqbot.

    In a wheel it is the package's ``kb/`` folder; in a source checkout (editable
    install) it is the repository's top folder, which holds ``intents/`` and ``seeds/``.
    """
    here = os.path.dirname(os.path.realpath(__file__))
    packaged = os.path.join(here, "kb")
    if os.path.isdir(os.path.join(packaged, "intents")):
        return packaged
    return os.path.dirname(os.path.dirname(here))


def _committed(root: str) -> str | None:
    """The committed, unfinished transaction in `root`, or None."""
    try:
        with os.scandir(root) as it:
            names = sorted(e.name for e in it if e.name.startswith(TX_PREFIX))
    except OSError:
        return None
    for name in names:
        if os.path.exists(os.path.join(root, name, COMMITTED)):
            return os.path.join(root, name)
    return None


def folders(root: str | os.PathLike[str]) -> tuple[str, str]:
    """The ``seeds/`` and ``intents/`` folders that hold the knowledge base in `root`:
    a committed transaction's staged ones where they are still staged."""
    root = os.fspath(root)
    tx = _committed(root)
    out = []
    for name in FOLDERS:
        staged = os.path.join(tx, name) if tx is not None else None
        out.append(staged if staged is not None and os.path.isdir(staged) else os.path.join(root, name))
    return out[0], out[1]


def snapshot(root: str | os.PathLike[str]) -> tuple[str, ...]:
    """What a reader compares before and after reading: it changes at every step of
    a switch (the commit, each rename, the clean-up)."""
    tx = _committed(os.fspath(root))
    if tx is None:
        return ()
    try:
        return (os.path.basename(tx), *sorted(os.listdir(tx)))
    except OSError:
        return ("gone",)

"""An on-disk cache of built bots, so `faqbot ask` starts in a few milliseconds.

Loading a knowledge base means importing PyYAML, parsing and validating every
file, locating every quote and indexing every example: tens of milliseconds,
more than Python takes to start. The result is a pure function of the files and
the code, so it is built once and kept in::

    $XDG_CACHE_HOME/faqbot/    (default ~/.cache/faqbot/; folder mode 0700)

one file per knowledge-base folder, installation and cached class.

The seam: what a cached class stores
------------------------------------
cache.py owns only the file: its format, key, atomic write, validation and pruning.
A cached class owns its state: ``obj.to_state()`` returns plain data only (str,
int, float, bool, None, bytes, and lists, tuples and dicts of them, keys included),
and ``Kind.from_state(state)`` rebuilds an object that behaves exactly like `obj`.
`faqbot.bot.FAQBot` does so by asking its parts (the knowledge base, the matcher,
the passage index) for theirs. Large numeric arrays belong in ``bytes``
(``array.array(...).tobytes()``): they load at memory speed.

The file
--------
::

    b"faqbot-cache-5\\n"     magic (bumped when the layout changes)
    8 bytes                 code stamp: the faqbot version, the Python version, and
                            the name, size and modification time of every module of
                            the package (as for .pyc files; also used for pruning)
    16 bytes                key: fingerprints (forward and backward) of a manifest of
                            the code stamp, the knowledge base's path (as given and
                            absolute), the class, and the name, size and content
                            fingerprint of every file under its seeds/ and intents/
    8 bytes                 payload length;  4 bytes: payload CRC-32
    payload                 ``marshal.dumps((class name, state))``

Fingerprints are CRC-32 and Adler-32 together (64 bits; `zlib`, 1 ms for the whole
package and knowledge base): they tell a changed or damaged file from the one
stored, which is all they are for; they do not resist an attacker (see below).

Threat model
------------
- **Damage** (a truncated or corrupted file, a full disk, a crash mid-write, two
  processes writing at once): files are written to a private temporary file and
  renamed into place, so a reader sees an old file or a new one; the length and
  CRC-32 of the payload are checked before it is decoded; anything that does not
  decode to the expected class's state is ignored and rebuilt. Never an error.
- **Other users**: the folder is created 0700 and files 0600; a file that is not a
  regular file owned by the current user, or that others may write, is never read.
- **Code execution**: none from a cache file. ``marshal`` builds only values
  (numbers, strings, bytes, tuples, lists, dicts, sets, and code objects, which
  nothing here ever calls); it cannot import a module or call anything, unlike
  pickle. `from_state` only assigns values.
- **Not defended: someone with your user's rights.** Whoever can write your cache
  folder can write a cache file whose answers are wrong (the checksum is public),
  or, with a crafted marshal stream, crash the process. They could as well edit the
  knowledge base, faqbot's own code or your shell's start-up files; guarding against
  them is the operating system's job. Keep ``FAQBOT_NO_CACHE=1`` for a knowledge base
  whose answers matter more than 50 ms.

Stale entries
-------------
A knowledge-base file changed, added or removed changes the key (a symbolic link
inside the knowledge base is followed, so an article in a linked subfolder counts;
a link that leads outside it means no cache: the loader refuses it anyway). So
does any change of faqbot's code or of Python. After each write the folder is
pruned (`_prune`): entries this installation's code can never read again (another
code stamp), entries of any installation unused for `MAX_AGE_DAYS` days, leftovers
of crashed writers, and then the least recently used until at most `MAX_FILES`
files and `MAX_TOTAL_BYTES` remain.

``FAQBOT_NO_CACHE=1`` turns the cache off (no read, no write).
"""

from __future__ import annotations

import gc
import marshal
import os
import stat
import sys
import zlib
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

__all__ = ["ENV_DISABLE", "cache_dir", "cache_file", "enabled", "key", "load", "peek"]


class _Cached(Protocol):
    def to_state(self) -> Any: ...


T = TypeVar("T")

#: Set this environment variable to 1 to turn the cache off.
ENV_DISABLE = "FAQBOT_NO_CACHE"
_MAGIC = b"faqbot-cache-5\n"
_HEAD = len(_MAGIC) + 8 + 16 + 8 + 4
_SUFFIX = ".cache"
#: Files larger than this are keyed by size and modification time, not content
#: (the knowledge-base loader refuses files over 2 MB anyway).
_HASH_LIMIT = 4_000_000
#: More files than this under seeds/ and intents/: no cache (hashing them would cost
#: more than it saves).
_MAX_KB_FILES = 5_000
_KB_FOLDERS = ("seeds", "intents")
#: Pruning: entries unused for this many days go; at most this many files and bytes stay.
MAX_AGE_DAYS = 30
MAX_FILES = 64
MAX_TOTAL_BYTES = 512 << 20
_MAX_CACHE_BYTES = 1 << 30  # a larger file is not read
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_TOUCH_SECONDS = 86_400  # a hit older than this refreshes the file's time (for pruning)


def enabled() -> bool:
    """False when ``FAQBOT_NO_CACHE`` is set to anything but ``""`` or ``"0"``."""
    return os.environ.get(ENV_DISABLE, "") in ("", "0")


def cache_dir() -> str | None:
    """``$XDG_CACHE_HOME/faqbot`` (``~/.cache/faqbot``), or None when there is no home."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is invalid, ignore it
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "faqbot")


class _Fingerprint:
    """A 64-bit running fingerprint (CRC-32 and Adler-32 of the same bytes)."""

    __slots__ = ("crc", "adler")

    def __init__(self) -> None:
        self.crc = 0
        self.adler = 1

    def update(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.adler = zlib.adler32(data, self.adler)

    def digest(self) -> bytes:
        return self.crc.to_bytes(4, "little") + self.adler.to_bytes(4, "little")


def _fp(*parts: str | bytes) -> bytes:
    h = _Fingerprint()
    for part in parts:
        h.update((part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part) + b"\0")
    return h.digest()


def _kind_name(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _install_tag() -> str:
    return _fp(_PACKAGE).hex()[:8]


def cache_file(root: str | os.PathLike[str], kind: type) -> str | None:
    """The cache file of the knowledge base in `root` (one per folder, installation and class)."""
    folder = cache_dir()
    if folder is None:
        return None
    # the path as given too: a cached knowledge base remembers it (`KnowledgeBase.path`)
    name = _fp(os.fspath(root), os.path.abspath(root), _kind_name(kind)).hex()
    return os.path.join(folder, f"kb-{_install_tag()}-{name}{_SUFFIX}")


def _tree(top: str, label: str, suffix: str = "", *, contained: str | None = None) -> list[tuple[str, str]]:
    """(relative name, path) of every file under `top` whose name ends with `suffix`,
    sorted; symbolic links to folders are followed once. With `contained`, a link that
    leads outside that folder raises OSError (no cache: the loader refuses it too)."""
    out: list[tuple[str, str]] = []
    seen: set[tuple[int, int]] = set()
    todo = [(top, label)]
    while todo:
        folder, rel = todo.pop()
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen:
            continue  # a link loop, or a folder linked twice
        seen.add((info.st_dev, info.st_ino))
        with os.scandir(folder) as it:
            for entry in it:
                if entry.name == "__pycache__":
                    continue
                if contained is not None and entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if not (real == contained or real.startswith(contained + os.sep)):
                        raise OSError(f"a link leads outside the knowledge base: {entry.path}")
                if entry.is_dir():
                    todo.append((entry.path, os.path.join(rel, entry.name)))
                elif entry.name.endswith(suffix):
                    out.append((os.path.join(rel, entry.name), entry.path))
                    if len(out) > _MAX_KB_FILES:
                        raise OSError("too many files to fingerprint")
    out.sort()
    return out


def _manifest(files: list[tuple[str, str]]) -> bytes:
    """One record per file: its name, size and content fingerprint (each byte read once)."""
    out = []
    for rel, path in files:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block, /dev/zero never end: no cache
            raise OSError(f"not a regular file: {path}")
        if st.st_size > _HASH_LIMIT:
            digest = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}".encode()
        else:
            with open(path, "rb") as f:
                data = f.read(_HASH_LIMIT + 1)
            digest = len(data).to_bytes(8, "little") + zlib.crc32(data).to_bytes(4, "little") \
                + zlib.adler32(data).to_bytes(4, "little")
        out.append(rel.encode("utf-8", "surrogatepass") + b"\0" + digest)
    return b"\n".join(out)


def code_stamp() -> bytes:
    """What makes a cache file readable by this code (8 bytes): the faqbot version, the
    Python version, and the name, size and modification time of every module of the
    package, as Python itself decides whether a .pyc file is stale."""
    from . import __version__

    stats = []
    for rel, path in _tree(_PACKAGE, "faqbot", ".py"):
        st = os.stat(path)
        stats.append(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}")
    return _fp(_MAGIC, __version__, sys.version, sys.implementation.cache_tag or "", str(marshal.version), *stats)


def key(root: str | os.PathLike[str], kind: type) -> bytes:
    """The 16 bytes a cache file for `root` must carry to be used. Raises OSError when
    a file cannot be read or a link leads outside the knowledge base (no cache then)."""
    return _key(root, kind)[1]


def _key(root: str | os.PathLike[str], kind: type) -> tuple[bytes, bytes]:
    """(The code stamp, the key)."""
    from .layout import folders, snapshot

    stamp = code_stamp()
    given, root = os.fspath(root), os.path.abspath(root)
    real = os.path.realpath(root)
    for _ in range(5):
        before = snapshot(root)
        parts: list[bytes] = [stamp, given.encode("utf-8", "surrogatepass"), root.encode("utf-8", "surrogatepass"),
                              _kind_name(kind).encode()]
        for name, folder in zip(_KB_FOLDERS, folders(root), strict=True):
            parts.append(_manifest(_tree(str(folder), name, contained=real)))
        if snapshot(root) == before:  # not read across a switch of `faqbot init`
            manifest = b"\0".join(parts)
            return stamp, _fp(manifest) + _fp(manifest[::-1])
    raise OSError("the knowledge base kept changing while it was read")


def load(root: str | os.PathLike[str], build: Callable[[], T], kind: type[T], *,
         keep: Callable[[T], bool] | None = None) -> T:
    """The object `build()` returns for the knowledge base in `root`, from the cache
    when it holds a valid copy, else built (and stored when the cache is writable and
    `keep`, if given, says yes). `kind` has ``from_state``; what `build` returns has
    ``to_state`` (see above).

    Errors of `build()` propagate; cache problems never do.
    """
    from .layout import folders

    if not enabled() or not os.path.isdir(folders(root)[1]):
        return build()
    path = cache_file(root, kind)
    try:
        stamp, digest = _key(root, kind)
    except (OSError, ValueError):
        return build()
    if path is not None:
        found = _read(path, digest, kind, stamp)
        if found is not None:
            return found
    obj = build()
    if path is not None and (keep is None or keep(obj)):
        try:
            unchanged = _key(root, kind) == (stamp, digest)  # not edited while it was being built
        except (OSError, ValueError):
            unchanged = False
        if unchanged:
            _write(path, digest, kind, obj, stamp)
    return obj


def peek(root: str | os.PathLike[str], kind: type[T]) -> T | None:
    """The cached object for `root`, or None (nothing is built or written)."""
    if not enabled():
        return None
    path = cache_file(root, kind)
    try:
        stamp, digest = _key(root, kind)
    except (OSError, ValueError):
        return None
    return _read(path, digest, kind, stamp) if path is not None else None


def _read(path: str, digest: bytes, kind: type[T], stamp: bytes | None = None) -> T | None:
    """The cached object, or None when the file is missing, stale, corrupt or foreign."""
    try:
        stamp = stamp if stamp is not None else code_stamp()
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        with open(os.open(path, flags), "rb") as f:  # a FIFO must not block, a symlink is not ours
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_CACHE_BYTES:
                return None
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                return None  # written by someone else, or writable by others: never read it
            head = f.read(_HEAD)
            if len(head) != _HEAD or not head.startswith(_MAGIC):
                return None
            at = len(_MAGIC)
            if head[at : at + 8] != stamp or head[at + 8 : at + 24] != digest:
                return None
            length = int.from_bytes(head[at + 24 : at + 32], "little")
            if length != st.st_size - _HEAD:
                return None
            payload = f.read(length)
        if len(payload) != length or zlib.crc32(payload).to_bytes(4, "little") != head[at + 32 : at + 36]:
            return None  # damaged: even a payload that still decodes may hold wrong answers
        collecting = gc.isenabled()
        gc.disable()  # decoding makes many containers and no garbage: the collector only costs
        try:
            envelope = marshal.loads(payload)
            if (type(envelope) is not tuple or len(envelope) != 2
                    or envelope[0] != _kind_name(kind)):
                return None
            obj = kind.from_state(envelope[1])  # type: ignore[attr-defined]
        finally:
            if collecting:
                gc.enable()
        if st.st_mtime < _now() - _TOUCH_SECONDS:
            try:
                os.utime(path)  # used: not pruned as unused
            except OSError:
                pass
    except Exception:  # noqa: BLE001 - a broken cache is rebuilt, whatever broke it
        return None
    return obj if type(obj) is kind else None


def _now() -> float:
    import time

    return time.time()


def _write(path: str, digest: bytes, kind: type, obj: Any, stamp: bytes) -> None:
    """Store `obj` atomically; give up silently when it cannot be encoded or written."""
    tmp = None
    try:
        payload = marshal.dumps((_kind_name(kind), obj.to_state()), 4)
        head = (_MAGIC + stamp + digest + len(payload).to_bytes(8, "little")
                + zlib.crc32(payload).to_bytes(4, "little"))
        folder = os.path.dirname(path)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(tmp, flags, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(head)
            f.write(payload)
        os.replace(tmp, path)
        tmp = None
        _prune(folder, path, stamp)
    except Exception:  # noqa: BLE001 - no cache is better than a failed question
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _prune(folder: str, keep: str, stamp: bytes) -> None:
    """Remove what can never be read again or has not been used for long (see above)."""
    now = _now()
    mine = f"kb-{_install_tag()}-"
    kept: list[tuple[float, int, str]] = []
    with os.scandir(folder) as it:
        entries = list(it)
    for entry in entries:
        try:
            if entry.name.startswith(".kb-") and entry.name.endswith(".tmp"):
                if now - entry.stat(follow_symlinks=False).st_mtime > 3600:
                    os.unlink(entry.path)  # a crashed writer's
                continue
            if not entry.name.startswith("kb-"):
                continue
            st = entry.stat(follow_symlinks=False)
            if entry.path == keep:
                continue
            dead = not entry.name.endswith(_SUFFIX)  # an older layout (kb-*.pickle): unreadable
            dead = dead or now - st.st_mtime > MAX_AGE_DAYS * 86_400
            if not dead and entry.name.startswith(mine):
                with open(entry.path, "rb") as f:
                    head = f.read(len(_MAGIC) + 8)
                dead = head != _MAGIC + stamp  # this installation's older code wrote it
            if dead:
                os.unlink(entry.path)
            else:
                kept.append((st.st_mtime, st.st_size, entry.path))
        except OSError:
            pass
    kept.sort(reverse=True)  # most recently used first
    try:
        total = os.stat(keep).st_size
    except OSError:
        total = 0
    count = 1
    for _, size, path in kept:
        count += 1
        total += size
        if count > MAX_FILES or total > MAX_TOTAL_BYTES:
            try:
                os.unlink(path)
            except OSError:
                pass

"""An on-disk cache of built bots, so `faqbot ask` starts in a few milliseconds.

Loading a knowledge base means importing PyYAML, parsing and validating every
file, locating every quote and indexing every example: tens of milliseconds,
more than Python takes to start. The result is a pure function of the files,
so it is built once and kept, pickled, in::

    $XDG_CACHE_HOME/faqbot/    (default ~/.cache/faqbot/)

one file per knowledge-base folder. The file starts with a key: a hash of the
content of every file under the folder's ``seeds/`` and ``intents/``, of the
faqbot version, of the source of every module of the faqbot package (a code
change invalidates it) and of the Python version. A cache file is used only
when its key matches, its checksum is right, it belongs to the current user
and nobody else may write it, and it unpickles to the expected type; anything
else (missing, stale, corrupt, unreadable, foreign) is silently rebuilt. Files
are written atomically (a private temporary file, then `os.replace`) with mode
0o600. When the cache folder cannot be written, faqbot works without it.

``FAQBOT_NO_CACHE=1`` turns the cache off (no read, no write).

A cached bot answers exactly as a fresh build does, and is as safe to share
between threads. The one difference is inside: the matcher's large index dicts
come back as read-only dicts whose values are unpickled on first lookup (a
question reads a few dozen of thousands of entries), so a start does not pay
for the whole index; see `_LazyDict`.
"""

from __future__ import annotations

import gc
import os
import stat
import sys
from collections.abc import Callable
from typing import TypeVar

try:  # the blake2 module alone: hashlib would also load OpenSSL (2 ms at every start)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

try:  # the C unpickler alone: the pickle module costs 1 ms more of every start (it is
    # imported only to write a cache file)
    from _pickle import loads as _loads
except ImportError:  # pragma: no cover - other Python implementations
    from pickle import loads as _loads

try:  # SipHash-1-3, the hash of hash-based .pyc files: 5 times faster than blake2b
    from _imp import source_hash as _siphash
except ImportError:  # pragma: no cover - other Python implementations
    _siphash = None

__all__ = ["ENV_DISABLE", "cache_dir", "cache_file", "enabled", "key", "load"]

T = TypeVar("T")

#: Set this environment variable to 1 to turn the cache off.
ENV_DISABLE = "FAQBOT_NO_CACHE"
#: First bytes of a cache file; bump the number when the layout changes.
_MAGIC = b"faqbot-cache-4\n"
_DIGEST = 32  # bytes of the key (a blake2b digest)
_CHECK = 8  # bytes of the payload checksum
_SIP_KEY = 0x66617162  # any fixed number
#: Files larger than this are keyed by size and modification time, not content
#: (the knowledge-base loader refuses files over 2 MB anyway).
_HASH_LIMIT = 4_000_000
_KB_FOLDERS = ("seeds", "intents")
#: Cache files kept (one per knowledge-base folder); the oldest beyond are removed.
_MAX_FILES = 32
_MAX_CACHE_BYTES = 1 << 30  # a larger file is not read
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


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


def cache_file(root: str | os.PathLike[str], kind: type | None = None) -> str | None:
    """The cache file of the knowledge base in `root` (one per folder and installation)."""
    folder = cache_dir()
    if folder is None:
        return None
    # the path as given too: a cached knowledge base remembers it (`KnowledgeBase.path`)
    where = "\0".join((os.fspath(root), os.path.abspath(root), _PACKAGE, _kind_name(kind)))
    name = blake2b(where.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return os.path.join(folder, f"kb-{name}.pickle")


def _kind_name(kind: type | None) -> str:
    return "" if kind is None else f"{kind.__module__}.{kind.__qualname__}"


def _hash_tree(h: blake2b, top: str, label: str, suffix: str = "") -> None:
    """Feed the relative path and content of every file under `top` (whose name ends
    with `suffix`; ``__pycache__`` folders left out) into `h`, in sorted order."""
    entries: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        rel = os.path.relpath(dirpath, top)
        for name in filenames:
            if name.endswith(suffix):
                entries.append((os.path.normpath(os.path.join(label, rel, name)), os.path.join(dirpath, name)))
    entries.sort()
    for rel, path in entries:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block, /dev/zero never end: no cache
            raise OSError(f"not a regular file: {path}")
        h.update(rel.encode("utf-8", "surrogatepass") + b"\0")
        if st.st_size > _HASH_LIMIT:
            h.update(f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}".encode())
        else:
            with open(path, "rb") as f:
                data = f.read()
            h.update(len(data).to_bytes(8, "little"))
            h.update(_fingerprint(data))
        h.update(b"\0")


def key(root: str | os.PathLike[str], kind: type | None = None) -> bytes:
    """The digest a cache file for `root` must carry to be used.

    Raises OSError when a file cannot be read (then nothing is cached).
    """
    from . import __version__

    h = blake2b(digest_size=_DIGEST)
    given, root = os.fspath(root), os.path.abspath(root)
    for part in (_MAGIC.decode(), __version__, sys.version, sys.implementation.cache_tag or "",
                 given, root, _kind_name(kind)):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    _hash_tree(h, _PACKAGE, "faqbot", ".py")  # every module of the package, so a code change invalidates
    for folder in _KB_FOLDERS:
        h.update(folder.encode() + b"\0")
        _hash_tree(h, os.path.join(root, folder), folder)
    return h.digest()


def load(root: str | os.PathLike[str], build: Callable[[], T], kind: type[T]) -> T:
    """The object `build()` returns for the knowledge base in `root`, from the cache
    when it holds a valid copy, else built (and stored when the cache is writable).

    Errors of `build()` propagate; cache problems never do.
    """
    if not enabled() or not os.path.isdir(os.path.join(root, "intents")):
        return build()
    path = cache_file(root, kind)
    try:
        digest = key(root, kind)
    except (OSError, ValueError):
        return build()
    if path is not None:
        found = _read(path, digest, kind)
        if found is not None:
            return found
    obj = build()
    if path is not None:
        try:
            unchanged = key(root, kind) == digest  # not edited while it was being built
        except (OSError, ValueError):
            unchanged = False
        if unchanged:
            _write(path, digest, obj)
    return obj


def _read(path: str, digest: bytes, kind: type[T]) -> T | None:
    """The cached object, or None when the file is missing, stale, corrupt or foreign."""
    try:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        with open(os.open(path, flags), "rb") as f:  # a FIFO must not block, a symlink is not ours
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_CACHE_BYTES:
                return None
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                return None  # written by someone else, or writable by others: never unpickle it
            data = f.read()
        head = len(_MAGIC) + _DIGEST + _CHECK
        if len(data) <= head or not data.startswith(_MAGIC):
            return None
        if data[len(_MAGIC) : len(_MAGIC) + _DIGEST] != digest:
            return None
        payload = memoryview(data)[head:]
        if _checksum(payload) != data[len(_MAGIC) + _DIGEST : head]:
            return None  # damaged: even a pickle that still loads may hold wrong answers
        collecting = gc.isenabled()
        gc.disable()  # unpickling makes many containers and no garbage: the collector only costs
        try:
            obj = _loads(payload)
        finally:
            if collecting:
                gc.enable()
    except Exception:  # noqa: BLE001 - a broken cache is rebuilt, whatever broke it
        return None
    return obj if type(obj) is kind else None


def _fingerprint(data: bytes | memoryview) -> bytes:
    """A 64-bit hash of `data`: tells a changed or damaged file, not an attack (the
    cache file's owner and mode keep others from planting one)."""
    if _siphash is not None:
        return _siphash(_SIP_KEY, data)  # type: ignore[no-any-return]
    return blake2b(data, digest_size=8).digest()  # pragma: no cover


_checksum = _fingerprint


def _write(path: str, digest: bytes, obj: object) -> None:
    """Store `obj` atomically; give up silently when it cannot be pickled or written."""
    tmp = None
    try:
        payload = _dumps(obj)
        check = _checksum(payload)
        folder = os.path.dirname(path)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(tmp, flags, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + digest + check)
            f.write(payload)
        os.replace(tmp, path)
        tmp = None
        _prune(folder, path)
    except Exception:  # noqa: BLE001 - no cache is better than a failed question
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


# ------------------------------------------------------------------ compact pickles
#
# A built matcher is mostly large dicts of small tuples: unpickling every one of their
# tens of thousands of objects would cost more than the rest of a start together. So
# a large dict attribute of a plain object is stored apart: a dict of floats as one
# array (rebuilt in C), any other dict of plain data as one pickle per value, read
# only when its key is first looked up (`_LazyDict`). A question touches a few dozen
# keys; the rest are never read. The object restored is equal to the one stored.

_LAZY_MIN = 256  # dicts with fewer entries are pickled as they are
_PLAIN = (str, int, float, bool, type(None), bytes)


def _dumps(obj: object) -> bytes:
    import io
    import pickle

    class _Pickler(pickle.Pickler):
        def reducer_override(self, obj: object) -> object:
            return _reduce(obj)

    buffer = io.BytesIO()
    try:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    except Exception:  # noqa: BLE001 - whatever the compact form cannot take, plain pickle can try
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return buffer.getvalue()


def _is_plain(value: object, depth: int = 0) -> bool:
    """Data with no object identity worth keeping: numbers, strings, and containers of them."""
    if isinstance(value, _PLAIN) and type(value) in _PLAIN:
        return True
    if depth > 4 or type(value) not in (tuple, list, dict, frozenset, set):
        return False
    if type(value) is dict:
        return all(_is_plain(k, depth + 1) and _is_plain(v, depth + 1) for k, v in value.items())  # type: ignore[union-attr]
    return all(_is_plain(v, depth + 1) for v in value)  # type: ignore[union-attr]


def _reduce(obj: object) -> object:
    """How `obj` is pickled: a plain object with large dict attributes, with those apart."""
    cls = type(obj)
    state = getattr(obj, "__dict__", None)
    if (type(state) is not dict or isinstance(obj, type) or cls.__new__ is not object.__new__
            or cls.__reduce_ex__ is not object.__reduce_ex__ or cls.__reduce__ is not object.__reduce__
            or getattr(cls, "__getstate__", object.__getstate__) is not object.__getstate__  # type: ignore[attr-defined]
            or hasattr(cls, "__setstate__")):
        return NotImplemented
    apart: dict[str, tuple[object, ...]] = {}
    for name, value in state.items():
        if type(value) is dict and len(value) >= _LAZY_MIN:
            values = value.values()
            if all(type(v) is float for v in values):
                from array import array

                apart[name] = (_floats, tuple(value), array("d", values).tobytes())
            elif all(_is_plain(v) for v in values):
                apart[name] = (_StoredDict.stored, *_StoredDict.encode(value))
    if not apart:
        return NotImplemented
    kept = {k: v for k, v in state.items() if k not in apart}
    return _restore, (cls, kept, apart)


def _restore(cls: type, state: dict[str, object], apart: dict[str, tuple]) -> object:
    obj = cls.__new__(cls)
    state = dict(state)
    for name, (build, *args) in apart.items():
        state[name] = build(*args)
    obj.__dict__.update(state)
    return obj


def _floats(keys: tuple[object, ...], data: bytes) -> dict[object, float]:
    from array import array

    values = array("d")
    values.frombytes(data)
    return dict(zip(keys, values))


class _StoredDict(dict):  # type: ignore[type-arg]
    """A read-only dict restored from the cache (see `_LazyDict` and `_FullDict`).

    Iteration follows the order of the dict it replaces; comparison, copying and
    pickling see every key; changing it raises TypeError.
    """

    __slots__ = ("_index", "_offsets", "_blob", "_reads")

    @staticmethod
    def encode(value: dict) -> tuple[tuple[object, ...], bytes, bytes]:  # type: ignore[type-arg]
        from array import array

        import pickle

        parts = [pickle.dumps(v, protocol=2) for v in value.values()]  # no framing: 15% smaller
        offsets = array("q", [0])
        for part in parts:
            offsets.append(offsets[-1] + len(part))
        return tuple(value), offsets.tobytes(), b"".join(parts)

    @classmethod
    def stored(cls, keys: tuple[object, ...], offsets: bytes, blob: bytes) -> _LazyDict:
        from array import array

        self = _LazyDict()
        self._index = dict(zip(keys, range(len(keys))))
        self._offsets = array("q")
        self._offsets.frombytes(offsets)
        self._blob = memoryview(blob)
        self._reads = 0
        return self

    def _decode(self, key: object) -> object:
        i = self._index[key]  # KeyError for a key it never had
        value = _loads(self._blob[self._offsets[i] : self._offsets[i + 1]])
        return dict.setdefault(self, key, value)  # two threads at once: both get the first one

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def keys(self):  # type: ignore[no-untyped-def]
        return self._index.keys()

    def values(self):  # type: ignore[no-untyped-def]
        return [self[k] for k in self._index]

    def items(self):  # type: ignore[no-untyped-def]
        return [(k, self[k]) for k in self._index]

    def full(self) -> dict:  # type: ignore[type-arg]
        return {k: self[k] for k in self._index}

    def copy(self) -> dict:  # type: ignore[type-arg, override]
        return self.full()

    def __eq__(self, other: object) -> bool:
        return self.full() == (other.full() if isinstance(other, _StoredDict) else other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __or__(self, other: object) -> dict:  # type: ignore[override]
        return self.full() | other  # type: ignore[operator]

    def __ror__(self, other: object) -> dict:  # type: ignore[override]
        return other | self.full()  # type: ignore[operator]

    def __repr__(self) -> str:
        return repr(self.full())

    def __reduce__(self) -> tuple:  # type: ignore[type-arg]
        return dict, (self.full(),)

    def _read_only(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a knowledge base loaded from the cache is read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only  # type: ignore[assignment]
    setdefault = pop = popitem = update = clear = _read_only  # type: ignore[assignment]


class _LazyDict(_StoredDict):
    """Values are unpickled when their key is first looked up: a question touches a few
    dozen keys of thousands. ``d[k]`` of a key already read runs at plain-dict speed.
    After many ``get``/``in`` calls (a long-running process) every value is read and
    the dict becomes a `_FullDict`, where those run at plain-dict speed too."""

    __slots__ = ()

    def __missing__(self, key: object) -> object:
        return self._decode(key)

    def __contains__(self, key: object) -> bool:
        self._reads += 1
        if self._reads > 4 * len(self._index):
            self._read_all()
        return key in self._index

    def get(self, key: object, default: object = None) -> object:
        self._reads += 1
        if self._reads > 4 * len(self._index):
            self._read_all()
        return self[key] if key in self._index else default

    def _read_all(self) -> None:
        for key in self._index:
            if not dict.__contains__(self, key):
                self._decode(key)
        self.__class__ = _FullDict  # same layout; every key is stored now


class _FullDict(_StoredDict):
    """A `_LazyDict` whose every value has been read: lookups are plain dict lookups."""

    __slots__ = ()


def _prune(folder: str, keep: str) -> None:
    """Keep the `_MAX_FILES` newest cache files (every temporary knowledge base a test
    suite loads makes one), and remove temporary files a crashed writer left."""
    import time

    now = time.time()
    files: list[tuple[float, str]] = []
    with os.scandir(folder) as it:
        for entry in it:
            try:
                if entry.name.startswith("kb-") and entry.name.endswith(".pickle"):
                    files.append((entry.stat().st_mtime, entry.path))
                elif entry.name.startswith(".kb-") and entry.name.endswith(".tmp"):
                    if now - entry.stat().st_mtime > 3600:
                        os.unlink(entry.path)
            except OSError:
                pass
    files.sort(reverse=True)
    for _, path in files[_MAX_FILES:]:
        if path != keep:
            try:
                os.unlink(path)
            except OSError:
                pass

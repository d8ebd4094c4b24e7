"""Reading and writing user files safely: the one home of faqbot's file I/O rules.

Every reader of a user file (knowledge bases, articles, eval files) and every writer
(knowledge bases, the unanswered-questions log, the chat history) goes through here:

- `read_text`: a *regular* file only (a FIFO, device or socket is refused before it
  is opened for a read that could block or never end), at most `limit` bytes, UTF-8,
  and, given a `root`, only inside that folder: a path that leads out of it through
  a symbolic link is refused with an error naming the link, never its target.
- `load_yaml`: YAML with the line of every mapping key and list item, duplicate keys
  refused, and bounded work: a budget of nodes counted *after* alias expansion
  (a billion-laughs file is refused in milliseconds) and a nesting-depth limit.
  libyaml's composer is used where PyYAML has it (10-17x faster), with the same
  line numbers as the pure-Python one.
- `append_record`: a whole record appended to a log, or nothing (short writes are
  retried; on failure the file is cut back to where it was); user-only (0600).
- `atomic_write`: a temporary file beside the target, fsynced, renamed over it; the
  target's mode (and owner, when running as root) kept; a symbolic link written
  through, not replaced.
- `excerpt`: how an error message quotes user content: short and escaped.
- `FileLock`: an exclusive `fcntl.flock` with a timeout.

Errors are `FileError` (a `UsageError`: exit 2), whose one-line message names the
file and, where there is one, the line.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from typing import Any

from .errors import UsageError

__all__ = [
    "MAX_YAML_ALIASED", "MAX_YAML_DEPTH", "MAX_YAML_NODES", "FileError", "FileLock", "LineDict", "LineList",
    "YamlBudget",
    "append_record", "atomic_write", "excerpt", "fsync_dir", "inside", "load_yaml", "open_append", "read_bytes",
    "read_text", "write_new",
]

#: A YAML document may hold at most this many nodes, aliases expanded (a large knowledge
#: base of 10,000 intents is about 300,000).
MAX_YAML_NODES = 1_000_000
#: Values that aliases add (the expanded count minus the written one): reusing a list
#: or merging common keys a few times costs dozens; a billion-laughs file, or one list
#: of questions reused by thousands of intents (the work grows, the file does not),
#: is over it at once.
MAX_YAML_ALIASED = 10_000
#: Mappings and lists nested deeper than this are refused (a knowledge base needs 6).
MAX_YAML_DEPTH = 64
#: Characters of user content an error message quotes at most.
EXCERPT_CHARS = 40

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class FileError(UsageError):
    """A file cannot be used: ``str(error)`` is ``FILE[:LINE]: MESSAGE``, one line."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        self.message = " ".join(message.split())
        self.file = file
        self.line = line
        super().__init__(f"{file}{f':{line}' if line else ''}: {self.message}")


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """`text` quoted for an error message: at most `limit` characters, whitespace runs
    as one space, and everything unprintable escaped (``'a\\x1b[31m…'``)."""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return repr(s)


def inside(path: str, root: str) -> bool:
    """True when the real (link-free) `path` is `root` or under it; `root` is real too."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _escaping_link(path: str, root: str) -> str | None:
    """The first symbolic link on the way from `root` to `path` whose target is outside
    `root` (relative to `root`), or None."""
    rel = os.path.relpath(path, root)
    here = root
    for part in rel.split(os.sep):
        here = os.path.join(here, part)
        if os.path.islink(here) and not inside(os.path.realpath(here), root):
            return os.path.relpath(here, root)
    return None


def read_text(path: str | os.PathLike[str], *, limit: int, display: str | None = None,
              root: str | os.PathLike[str] | None = None, what: str = "file",
              container: str = "the folder") -> str:
    """The UTF-8 text of the regular file `path` (a byte order mark removed), read as
    `read_bytes` does; text that is not UTF-8 is refused with its line."""
    data = read_bytes(path, limit=limit, display=display, root=root, what=what, container=container)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FileError(f"not valid UTF-8 (byte {e.start})", file=display or os.fspath(path), line=line) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_bytes(path: str | os.PathLike[str], *, limit: int, display: str | None = None,
               root: str | os.PathLike[str] | None = None, what: str = "file",
               container: str = "the folder") -> bytes:
    """The content of the regular file `path`.

    Refuses (`FileError`, naming `display`, default the path): a missing file, a folder,
    anything but a regular file (never opened: a FIFO would block, /dev/zero never end),
    a file over `limit` bytes (no more than ``limit + 1`` bytes are ever read), and,
    given `root`, a path that leads outside `root` (`container` in the message) through
    a symbolic link: the link is named, its target never opened.
    """
    path = os.fspath(path)
    name = display or path
    try:
        real = path
        if root is not None:
            base = os.path.realpath(root)
            real = os.path.realpath(path)
            if not inside(real, base):
                link = _escaping_link(os.path.abspath(path), os.path.abspath(root))
                itself = link in (None, os.path.relpath(path, root))
                where = "is a symbolic link" if itself else f"is inside {link}, a link"
                raise FileError(f"{where} to a place outside {container}; faqbot reads only files inside it",
                                file=name)
        info = os.stat(real)
        _check_regular(info, name, limit, what)
        fd = os.open(real, os.O_RDONLY | _NONBLOCK | _CLOEXEC | (_NOFOLLOW if root is not None else 0))
        with open(fd, "rb", closefd=True) as f:
            opened = os.fstat(f.fileno())
            _check_regular(opened, name, limit, what)  # replaced since the stat: check what was opened
            if root is not None and (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                raise FileError("changed while it was being opened; try again", file=name)
            data = f.read(limit + 1)  # bounded, should it grow meanwhile
        if len(data) > limit:
            raise FileError(f"file is over the {limit:,}-byte limit for {what}s", file=name)
    except FileError:
        raise
    except FileNotFoundError:
        raise FileError("file not found", file=name) from None
    except IsADirectoryError:
        raise FileError("is a folder, not a file", file=name) from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise FileError("is a symbolic link that changed while it was being opened; try again", file=name) from None
        raise FileError(f"cannot read it: {e.strerror or e}", file=name) from None
    return data


def _check_regular(info: os.stat_result, name: str, limit: int, what: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise FileError("is a folder, not a file", file=name)
    if not stat.S_ISREG(info.st_mode):
        raise FileError("is not a regular file (a device, pipe or socket)", file=name)
    if info.st_size > limit:
        raise FileError(f"file is {info.st_size:,} bytes, over the {limit:,}-byte limit for {what}s", file=name)


# ------------------------------------------------------------------ YAML with lines and a budget


class LineDict(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0
    lines: dict[Any, int]


class LineList(list):
    """A YAML list that remembers its line and the line of each item."""

    line: int = 0
    lines: list[int]


class YamlBudget:
    """Nodes (aliases expanded) that documents loaded with this budget may still hold,
    and of those, how many aliases may still add: share one between the files of a
    knowledge base to bound their total."""

    def __init__(self, nodes: int = MAX_YAML_NODES, aliased: int = MAX_YAML_ALIASED) -> None:
        self.nodes = nodes
        self.total = nodes
        self.aliased = aliased
        self.total_aliased = aliased


_LOADER: list[Any] = []
_MERGE = "tag:yaml.org,2002:merge"


def _loader() -> Any:
    """A safe loader (libyaml's where there is one) building `LineDict` and `LineList`."""
    if not _LOADER:
        import yaml

        class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            pass

        _LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
        _LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
        _LOADER.append(_LineLoader)
    return _LOADER[0]


def _construct_map(loader: Any, node: Any) -> Any:
    import yaml

    data = LineDict()
    data.line = node.start_mark.line + 1
    data.lines = {}
    yield data
    explicit = sum(1 for k, _ in node.value if k.tag != _MERGE)
    loader.flatten_mapping(node)  # `<<: *base` merges: the merged pairs come first
    merged = len(node.value) - explicit
    seen: set[Any] = set()
    for n, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark) from None
        if n >= merged:  # written here, not merged: may override a merged key, not repeat one
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {excerpt(key)}", key_node.start_mark)
            seen.add(key)
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = key_node.start_mark.line + 1


def _construct_seq(loader: Any, node: Any) -> Any:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)


def _measure(root: Any, budget: int, aliased: int, max_depth: int) -> tuple[int, int, Any]:
    """(The number of nodes under `root` with every alias expanded, how many of them
    aliases add, None); or, at the first node that breaks a limit, (-1, 0, the node)
    for a node inside itself (a recursive alias), else (the count so far, the aliased
    count so far, the node): nested deeper than `max_depth`, more than `budget` nodes,
    or more than `aliased` added by aliases. Each distinct node is visited once, and
    the aliased count grows as aliases are met, so a billion-laughs file, or one list
    reused by thousands of intents, is refused after a few of them."""
    import yaml

    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    path: set[int] = set()  # the nodes being expanded: the ancestors of the current one
    extra = 0  # nodes added by aliases: each later use of a node counts its whole size
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children: list[Any] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        if done:
            path.discard(key)
            size[key] = n = 1 + sum(size[id(c)] for c in children)
            depth[key] = d = 1 + max((depth[id(c)] for c in children), default=0)
            if n > budget or d > max_depth:
                return n, extra, node
            continue
        if key in size:  # met again: an alias
            extra += size[key]
            if extra > aliased:
                return size[key], extra, node
            continue
        path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in path:
                return -1, 0, child  # its expansion would never end
            stack.append((child, False))
    return size[id(root)], extra, None


def load_yaml(text: str, *, display: str, budget: YamlBudget | None = None,
              max_depth: int = MAX_YAML_DEPTH) -> Any:
    """The YAML document in `text` as plain data with `LineDict` mappings and `LineList`
    lists (safe tags only: no Python objects). Raises `FileError` naming `display` and
    the line: invalid YAML, a duplicate key, nesting deeper than `max_depth`, or more
    nodes (aliases expanded), or more nodes added by aliases, than `budget` has left
    (which is then charged)."""
    import yaml

    budget = budget if budget is not None else YamlBudget()
    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        count, extra, bad = _measure(node, budget.nodes, budget.aliased, max_depth)
        if extra > budget.aliased:
            raise FileError(f"its aliases repeat more than {budget.total_aliased:,} YAML values: "
                            "write the values out, or reuse less", file=display, line=bad.start_mark.line + 1)
        if bad is not None:
            line = bad.start_mark.line + 1
            if count < 0:
                raise FileError("an alias refers to a value that contains it (its expansion never ends)",
                                file=display, line=line)
            if count > budget.nodes:
                raise FileError(f"holds more than {budget.total:,} YAML values with its aliases expanded "
                                "(an alias that repeats a large part, or refers to itself?)", file=display, line=line)
            raise FileError(f"nested more than {max_depth} levels deep", file=display, line=line)
        budget.nodes -= count
        budget.aliased -= extra
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "invalid YAML"
        if "maximum nesting depth" in problem:
            problem = f"nested more than {max_depth} levels deep"
        raise FileError(f"YAML error: {problem[:200]}", file=display, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise FileError(f"YAML error: {str(e)[:200]}", file=display) from None
    except RecursionError:  # the pure-Python composer, on nesting libyaml would refuse
        raise FileError(f"nested more than {max_depth} levels deep", file=display) from None
    finally:
        loader.dispose()


# ------------------------------------------------------------------ writing


def open_append(path: str | os.PathLike[str]) -> int:
    """A file descriptor appending to `path`, created user-only (0600). Never blocks:
    a FIFO, device or socket is refused (OSError) rather than written to."""
    flags = os.O_APPEND | os.O_CREAT | _NONBLOCK | _CLOEXEC
    try:
        fd = os.open(path, os.O_RDWR | flags, 0o600)  # readable too: `append_record` checks the last byte
    except PermissionError:
        fd = os.open(path, os.O_WRONLY | flags, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a device, pipe or socket)")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def append_record(path: str | os.PathLike[str], data: bytes) -> None:
    """Append `data` (one or more whole lines) to `path`, all of it or nothing.

    Writers of the same file take turns (`fcntl.flock`); a short write is continued; a
    write that fails part-way is undone (the file is cut back to its size before), so
    the file never holds a partial record and the next one is not glued to it. A file
    left ending mid-line by someone else gets a line break first. Raises OSError.
    """
    fd = open_append(path)
    try:
        _flock(fd)
        start = os.fstat(fd).st_size
        try:
            if start and os.pread(fd, 1, start - 1) != b"\n":
                data = b"\n" + data
        except OSError:
            pass  # not readable: append as it is
        try:
            _write_all(fd, data)
        except BaseException:
            try:
                os.ftruncate(fd, start)
            except OSError:
                pass
            raise
    finally:
        os.close(fd)  # also releases the lock


def _flock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: appends are still single writes
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make a rename or a new file in the folder `path` durable (where the OS allows)."""
    try:
        fd = os.open(path, os.O_RDONLY | _CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to `fd`, continuing after short writes."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:
            raise OSError(errno.EIO, "the disk accepted no more bytes")
        view = view[n:]


def _match(fd: int, mode: int | None, model: os.stat_result | None) -> None:
    """Give the open file `mode`, else `model`'s mode and (as root) owner, else the umask's default."""
    os.fchmod(fd, mode if mode is not None else stat.S_IMODE(model.st_mode) if model else 0o666 & ~_umask())
    if model is not None and hasattr(os, "fchown") and os.geteuid() == 0:
        try:
            os.fchown(fd, model.st_uid, model.st_gid)
        except OSError:
            pass


def write_new(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None,
              like: str | os.PathLike[str] | None = None) -> None:
    """Create `path` (it must not exist, nor be a link) holding `data`; its mode is `mode`,
    else that of `like`, else the umask's default. Not fsynced: for files that a later
    step syncs (a staged knowledge base)."""
    model = os.stat(like) if like is not None else None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        _write_all(fd, data)
        _match(fd, mode, model)
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None,
                 like: str | os.PathLike[str] | None = None) -> None:
    """Replace `path` with `data` atomically (readers see the old or the new file, a
    crash leaves one of them): a temporary file beside it, written whole and fsynced,
    then renamed over it, and the folder fsynced. A symbolic link is written through
    (its target replaced, the link kept). The new file gets `mode`, else the mode and
    owner of the file it replaces (or of `like`), else the umask's default."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    model = None
    for candidate in (target, like):
        if candidate is not None and model is None:
            try:
                model = os.stat(candidate)
            except OSError:
                pass
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        try:
            _write_all(fd, data)
            _match(fd, mode, model)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(folder)


class FileLock:
    """An exclusive `fcntl.flock` on `path` (created user-only if missing), taken within
    `timeout` seconds or `FileError`. Released on exit, and by the OS if the process dies."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float, busy: str) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        self.busy = busy
        self.fd: int | None = None

    def __enter__(self) -> FileLock:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise FileError(self.busy, file=self.path) from None
                time.sleep(0.05)
            except OSError:
                os.close(fd)
                raise
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def is_locked(path: str | os.PathLike[str]) -> bool:
    """True when some live process holds a `FileLock` on `path` (False when it is missing)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)

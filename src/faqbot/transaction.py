"""Changing a knowledge base as one transaction, and reading it consistently.

A knowledge base is two folders, ``seeds/`` and ``intents/``; adding an article
changes both. A change is made like this (`Writer`):

1. **Lock.** An exclusive `fcntl.flock` on ``KB/.faqbot.lock`` for the whole change:
   a second writer waits (up to `LOCK_TIMEOUT` seconds, then a clear error).
2. **Recover.** Leftovers of a writer that died are finished or removed (below).
3. **Stage.** ``KB/.faqbot-tx-<random>/`` gets a copy of ``seeds/`` and ``intents/``:
   every file hard-linked (the same file: its mode, owner and links elsewhere kept;
   copied where links are not allowed), every symbolic link recreated as it is, every
   folder with its mode. The change is written there, each changed file as a new file
   (never into a hard-linked one), and the staged folder is validated by loading it.
4. **Commit.** Everything staged is fsynced, then the marker ``COMMITTED`` is created
   in it (and fsynced): that is the moment the change happens.
5. **Switch.** For each folder: ``KB/seeds`` is renamed to ``.faqbot-tx-*/old-seeds``
   and the staged ``seeds`` renamed to ``KB/seeds``; then ``intents`` likewise. Then
   the transaction folder is removed.

Readers (`folders`) take a committed transaction's staged folders wherever they are
still staged, so from the commit on every reader sees the new knowledge base, and
before it the old one, whatever step a crash (kill -9, power loss) stops at:

==========================  ===================================  =================
a writer dies ...           the next writer                      readers see
==========================  ===================================  =================
before the commit           removes the transaction folder        the old KB
after it                    finishes the renames, then removes    the new KB
==========================  ===================================  =================

A reader racing the switch itself could read one folder before a rename and the
other after it; `snapshot` tells it that happened, and it reads again.

A new knowledge base (`Creator`) is built in ``.faqbot-init-<random>/`` beside its
place, validated, fsynced and renamed into place in one step; a builder that died
leaves that folder, which the next `Creator` in the same parent folder removes
(it knows the builder is dead because nobody holds the lock file inside it).

`on_step` is a test hook: called with the name of each step, it lets the fault tests
kill the process at every one of them.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

from .errors import FaqbotError
from .files import FileLock, fsync_dir, inside, is_locked
from .layout import COMMITTED, FOLDERS, TX_PREFIX, folders, snapshot

__all__ = ["FOLDERS", "LOCK_NAME", "LOCK_TIMEOUT", "Creator", "Writer", "folders", "snapshot"]

LOCK_NAME = ".faqbot.lock"
INIT_PREFIX = ".faqbot-init-"
#: Seconds a second writer waits for the first before giving up.
LOCK_TIMEOUT = 60.0
#: A build folder older than this with no lock file in it is a leftover (its builder
#: died between creating the folder and the lock file).
_ORPHAN_SECONDS = 3600

#: Test hook: called with each step's name (see the fault tests).
on_step: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if on_step is not None:
        on_step(name)


# ------------------------------------------------------------------ writing


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _copy_tree(src: Path, dst: Path) -> None:
    """`dst` (new) as a copy of the folder `src`: files hard-linked (else copied with
    their mode), symbolic links recreated, folders with their mode (and owner as root)."""
    import shutil

    os.mkdir(dst, 0o700)
    with os.scandir(src) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        target = dst / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
            _chown(target, entry.stat(follow_symlinks=False), follow=False)
        elif entry.is_dir(follow_symlinks=False):
            _copy_tree(Path(entry.path), target)
        elif entry.is_file(follow_symlinks=False):
            try:
                os.link(entry.path, target, follow_symlinks=False)
            except OSError:
                shutil.copy2(entry.path, target, follow_symlinks=False)
                _chown(target, entry.stat(follow_symlinks=False), follow=False)
        else:
            raise FaqbotError(f"{entry.path} is not a file, folder or link (a device, pipe or socket); "
                              "move it out of the knowledge base first")
    info = os.stat(src)
    os.chmod(dst, stat.S_IMODE(info.st_mode))
    _chown(dst, info, follow=True)


def _chown(path: Path, like: os.stat_result, *, follow: bool) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        try:
            os.chown(path, like.st_uid, like.st_gid, follow_symlinks=follow)
        except OSError:
            pass


def _fsync_tree(top: Path) -> None:
    """fsync every regular file and folder under `top` (hard-linked files included:
    cheap when they are already on disk)."""
    for dirpath, _, filenames in os.walk(top):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        fsync_dir(dirpath)


def _live(root: Path, name: str) -> Path:
    """Where the live folder `name` is (``seeds`` may be a link to a folder inside the KB)."""
    return Path(os.path.realpath(root / name))


def _finish(root: Path, tx: Path) -> None:
    """Finish the switch of the committed transaction `tx` (any step of it may be done)."""
    import shutil

    for name in FOLDERS:
        staged = tx / name
        if not staged.is_dir():
            continue  # already switched
        live = _live(root, name)
        if os.path.lexists(live):
            os.rename(live, tx / f"old-{name}")
            _step(f"moved-old-{name}")
        os.rename(staged, live)
        fsync_dir(live.parent)
        _step(f"moved-new-{name}")
    os.unlink(tx / COMMITTED)  # no longer a committed transaction for readers
    fsync_dir(tx)
    _step("uncommitted")
    shutil.rmtree(tx, ignore_errors=True)
    fsync_dir(root)
    _step("cleaned")


def recover(root: Path) -> None:
    """Finish a committed transaction a dead writer left, remove uncommitted ones.
    Call it holding the lock only."""
    import shutil

    try:
        names = sorted(n for n in os.listdir(root) if n.startswith(TX_PREFIX))
    except OSError:
        return
    for name in names:
        tx = root / name
        if (tx / COMMITTED).exists():
            _finish(root, tx)
        else:
            shutil.rmtree(tx, ignore_errors=True)


class Writer:
    """One change of the existing knowledge base `root` (see the module docstring)::

        with Writer(root) as w:
            staged = w.stage()      # a full copy to change, then validate
            ...
            w.commit()              # the switch; without it nothing changes
    """

    def __init__(self, root: str | os.PathLike[str], *, timeout: float = LOCK_TIMEOUT) -> None:
        self.root = Path(root)
        self.timeout = timeout
        self.tx: Path | None = None
        self._lock: FileLock | None = None
        self._committed = False

    def __enter__(self) -> Writer:
        for name in FOLDERS:
            if not inside(str(_live(self.root, name)), os.path.realpath(self.root)):
                raise FaqbotError(f"{self.root / name} is a link to a folder outside the knowledge base; "
                                  "faqbot cannot change it safely")
        self._lock = FileLock(self.root / LOCK_NAME, timeout=self.timeout,
                              busy=f"another faqbot command has been changing {self.root} for "
                                   f"{self.timeout:.0f} s; try again when it has finished")
        try:
            self._lock.__enter__()
        except OSError as e:
            raise FaqbotError(f"cannot lock {self.root / LOCK_NAME}: {e.strerror or e}") from None
        _step("locked")
        recover(self.root)
        return self

    def stage(self) -> Path:
        """A new transaction folder holding a copy of the live folders; returns it (a
        knowledge-base folder of its own, to change and load)."""
        import tempfile

        self.tx = Path(tempfile.mkdtemp(prefix=TX_PREFIX, dir=self.root))
        for name in FOLDERS:
            _copy_tree(_live(self.root, name), self.tx / name)
        _step("staged")
        return self.tx

    def commit(self) -> None:
        """Make the staged folders the knowledge base."""
        assert self.tx is not None
        _fsync_tree(self.tx)
        _step("synced")
        fd = os.open(self.tx / COMMITTED, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_dir(self.tx)
        self._committed = True
        _step("committed")
        try:
            _finish(self.root, self.tx)
        except OSError as e:  # the change is made (readers see it): only the tidying failed
            raise FaqbotError(f"the change to {self.root} is made, but moving its folders into place failed "
                              f"({e.strerror or e}); the next faqbot init on it finishes the move") from None

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        import shutil

        try:
            if self.tx is not None and not self._committed:
                shutil.rmtree(self.tx, ignore_errors=True)
        finally:
            if self._lock is not None:
                self._lock.__exit__()


class Creator:
    """A new knowledge base built aside and renamed into `out` (missing or an empty
    folder) in one step::

        with Creator(out) as c:
            ... write c.tmp/seeds, c.tmp/intents; validate ...
            c.commit()
    """

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.out = Path(out)
        self.tmp: Path | None = None
        self._lock: FileLock | None = None

    def __enter__(self) -> Creator:
        import tempfile

        parent = Path(os.path.abspath(self.out)).parent
        parent.mkdir(parents=True, exist_ok=True)
        _clean_builds(parent)
        self.tmp = Path(tempfile.mkdtemp(prefix=INIT_PREFIX, dir=parent))
        self._lock = FileLock(self.tmp / LOCK_NAME, timeout=0, busy="busy")
        self._lock.__enter__()
        (self.tmp / "seeds").mkdir()
        (self.tmp / "intents").mkdir()
        _step("created")
        return self

    def commit(self) -> None:
        """Rename the finished build into place (raises FileExistsError when `out` is
        a non-empty folder by now: another command created it meanwhile)."""
        assert self.tmp is not None
        mode = 0o777 & ~_umask()
        try:
            mode = stat.S_IMODE(os.stat(self.out).st_mode)  # an empty folder given: keep its mode
        except OSError:
            pass
        for name in FOLDERS:
            os.chmod(self.tmp / name, 0o777 & ~_umask())
        os.chmod(self.tmp, mode)
        _fsync_tree(self.tmp)
        _step("synced")
        try:
            os.rename(self.tmp, self.out)  # replaces an empty folder in the same step
        except OSError as e:
            if e.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise FileExistsError(str(self.out)) from None
            raise
        self.tmp = None
        fsync_dir(Path(os.path.abspath(self.out)).parent)
        _step("renamed")

    def __exit__(self, *exc: object) -> None:
        import shutil

        try:
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            if self._lock is not None:
                self._lock.__exit__()


def _clean_builds(parent: Path) -> None:
    """Remove the build folders of `Creator`s that died in `parent`."""
    import shutil
    import time

    try:
        names = [n for n in os.listdir(parent) if n.startswith(INIT_PREFIX)]
    except OSError:
        return
    for name in names:
        path = parent / name
        lock = path / LOCK_NAME
        try:
            if lock.exists():
                if is_locked(lock):
                    continue  # its builder is alive
            elif time.time() - path.stat().st_mtime < _ORPHAN_SECONDS:
                continue  # just created: its lock file may be next
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)

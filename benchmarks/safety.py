"""Re-run the rows of issue 13 ("nothing lost, nothing leaked") against a faqbot.

    python benchmarks/safety.py [--json] [--python PY] [--src DIR] [--only ROW ...] [--heavy]

Each row plays one scenario of the issue as a user (or an attacker) would, through
the `faqbot` command, and prints what happened: exit status, time, peak memory
(children's max RSS), and whether the knowledge base still loads, a secret leaked,
a line was lost. --python and --src pick the faqbot under test (default: this
checkout), so the same script measures a before and an after. Kill tests here are
timed (a kill after a delay), as a user's kill is; the unit tests kill at every
step with a hook instead (tests/test_safety.py). --heavy adds the rows that take
minutes and gigabytes on an unprotected faqbot (1.5 MB alias file, 100k intents);
their memory is capped at 4 GiB. Needs root for the full-disk row (a tmpfs).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "tests" / "articles" / "riverton-library-late-hours.md"
DEA = ROOT / "seeds" / "dea-la-immigration-enforcement.txt"
SECRET = "root:SECRET-HASH:0:0:secret line"
MEMORY_CAP = 4 << 30


class Faqbot:
    def __init__(self, python: str, src: str | None, tmp: Path) -> None:
        self.python = python
        self.env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"), NO_COLOR="1")
        self.env.pop("FAQBOT_NO_CACHE", None)
        if src:
            self.env["PYTHONPATH"] = src

    def run(self, *args: str, timeout: float = 60, stdin: str | None = None, env: dict | None = None,
            code: str | None = None, cap: bool = False) -> dict:
        cmd = [self.python, "-c", code, *args] if code else [self.python, "-m", "faqbot", *args]

        def limit() -> None:
            if cap:
                resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

        start = time.monotonic()
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin,
                               env={**self.env, **(env or {})}, preexec_fn=limit, errors="replace")
            out = {"exit": p.returncode, "stdout": p.stdout, "stderr": p.stderr}
        except subprocess.TimeoutExpired as e:
            out = {"exit": "timeout", "stdout": str(e.stdout or ""), "stderr": str(e.stderr or "")}
        out["seconds"] = round(time.monotonic() - start, 2)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        out["max_rss_mb"] = round(rss / 1024) if rss > before else None
        return out

    def loads(self, kb: Path) -> bool:
        return self.run("check", "--kb", str(kb), "--json")["exit"] in (0,)


def _short(r: dict) -> str:
    err = r["stderr"].strip().splitlines()
    first = err[-1][:140] if err else ""
    lines = len(err)
    rss = f", {r['max_rss_mb']} MB" if r.get("max_rss_mb") else ""
    return f"exit {r['exit']} in {r['seconds']} s{rss}; stderr {lines} line(s): {first}"


def _kb(fb: Faqbot, where: Path, article: Path = LIBRARY) -> Path:
    r = fb.run("init", str(article), "--out", str(where))
    if r["exit"] != 0:
        raise SystemExit(f"cannot make a knowledge base: {r['stderr']}")
    return where


def _leftovers(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if p.name.startswith((".faqbot-tx-", ".faqbot-init-")))


# ------------------------------------------------------------------ rows


def _long_article(tmp: Path) -> Path:
    """A 100 KB article: its add writes hundreds of files (the issue saw 490 orphans)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from check_speed import article

    path = tmp / "long-article.md"
    path.write_text(article(), encoding="utf-8")
    return path


def row_kill_add(fb: Faqbot, tmp: Path, sig: int = signal.SIGKILL) -> str:
    base = _kb(fb, tmp / "base")
    files_before = sum(1 for _ in base.rglob("*"))
    full = tmp / "full"
    shutil.copytree(base, full, symlinks=True)
    long = _long_article(tmp)
    start = time.monotonic()
    fb.run("init", str(long), "--out", str(full))
    duration = time.monotonic() - start
    broken = orphans = 0
    runs = 12
    for n in range(runs):
        kb = tmp / f"kill{n}"
        shutil.copytree(base, kb, symlinks=True)
        proc = subprocess.Popen([fb.python, "-m", "faqbot", "init", str(long), "--out", str(kb)], env=fb.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * (0.5 + 0.5 * n / runs))
        proc.send_signal(sig)
        proc.wait()
        if not fb.loads(kb):
            broken += 1
            orphans += max(sum(1 for _ in kb.rglob("*")) - files_before, 0)
    # and killed as soon as the add starts writing (polled, no hook): the window that matters
    early = 0
    for n in range(4):
        kb = tmp / f"early{n}"
        shutil.copytree(base, kb, symlinks=True)
        names = {p for p in kb.rglob("*")}
        proc = subprocess.Popen([fb.python, "-m", "faqbot", "init", str(long), "--out", str(kb)], env=fb.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None:
            now = [p for p in kb.rglob("*") if p not in names]
            if len(now) > 20 * (n + 1) // 4 + 1:
                proc.send_signal(sig)
                break
        proc.wait()
        if not fb.loads(kb):
            early += 1
    return (f"timed: {broken}/{runs} knowledge bases left unloadable by {signal.Signals(sig).name} during an add "
            f"({orphans} orphan files in them); at the first writes: {early}/4 unloadable")


def row_full_disk(fb: Faqbot, tmp: Path) -> str:
    if os.geteuid() != 0:
        return "skipped (needs root for a tmpfs)"
    mnt = tmp / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)]).returncode:
        return "skipped (cannot mount a tmpfs)"
    try:
        kb = _kb(fb, mnt / "kb")
        free = shutil.disk_usage(mnt).free
        with open(mnt / "filler", "wb") as f:
            try:
                f.write(b"x" * max(free - 20_000, 0))
            except OSError:
                pass
        r = fb.run("init", str(DEA), "--out", str(kb))
        (mnt / "filler").unlink()
        sizes = sorted(p.stat().st_size for p in kb.rglob("*.yaml"))
        return f"{_short(r)}; loads after: {fb.loads(kb)}; smallest intents file {sizes[0]} bytes"
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


def row_two_adds(fb: Faqbot, tmp: Path) -> str:
    lost = 0
    runs = 6
    third = tmp / "third.md"
    third.write_text(LIBRARY.read_text(encoding="utf-8").replace("Riverton", "Millbrook"), encoding="utf-8")
    codes = []
    for n in range(runs):
        kb = _kb(fb, tmp / f"two{n}")
        procs = [subprocess.Popen([fb.python, "-m", "faqbot", "init", str(a), "--out", str(kb)], env=fb.env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for a in (DEA, third)]
        codes.append(tuple(p.wait() for p in procs))
        text = (kb / "seeds" / "sources.yaml").read_text(encoding="utf-8")
        added = sum(1 for sid in ("dea-la-immigration-enforcement", "third") if f"id: {sid}" in text)
        lost += sum(1 for c in codes[-1] if c == 0) - added
    return f"{lost} successful adds (exit 0) lost in {runs} runs of two at once; exits {codes}"


def row_dead_build(fb: Faqbot, tmp: Path) -> str:
    parent = tmp / "dead"
    parent.mkdir()
    proc = subprocess.Popen([fb.python, "-m", "faqbot", "init", str(DEA), "--out", str(parent / "kb")], env=fb.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(p.name.startswith(".faqbot-init-") for p in parent.iterdir()):
        time.sleep(0.002)
    proc.kill()
    proc.wait()
    left = _leftovers(parent)
    fb.run("init", str(LIBRARY), "--out", str(parent / "other"))
    return f"{left} build folder(s) left by kill -9; after the next init there: {_leftovers(parent)}"


_REJECT = """
import sys
from faqbot import knowledge, errors
real = knowledge.load
calls = []
def load(*a, **k):
    calls.append(1)
    if len(calls) == 2:
        raise errors.KnowledgeBaseError("simulated rejection")
    return real(*a, **k)
knowledge.load = load
from faqbot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def row_rejected_add(fb: Faqbot, tmp: Path) -> str:
    kb = _kb(fb, tmp / "rej")
    real = kb / "seeds" / "meta.yaml"
    (kb / "seeds" / "sources.yaml").rename(real)
    (kb / "seeds" / "sources.yaml").symlink_to("meta.yaml")
    real.chmod(0o600)
    r = fb.run("init", str(DEA), "--out", str(kb), code=_REJECT)
    link = (kb / "seeds" / "sources.yaml").is_symlink()
    mode = oct((kb / "seeds" / "sources.yaml").stat().st_mode & 0o777)
    return f"{_short(r)}; sources.yaml still a link: {link}; its mode {mode} (was 0o600)"


def _fixture(tmp: Path, name: str) -> Path:
    kb = tmp / name
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", kb)
    return kb


def row_link_intents(fb: Faqbot, tmp: Path) -> str:
    secret = tmp / "passwd"
    secret.write_text(SECRET + "\nsecond:line\n", encoding="utf-8")
    kb = _fixture(tmp, "link1")
    (kb / "intents" / "x.yaml").symlink_to(secret)
    outs = [fb.run(*a, "--kb", str(kb)) for a in (["ask", "hello"], ["check"])]
    leaked = any("SECRET" in o["stdout"] + o["stderr"] for o in outs)
    return f"secret printed: {leaked}; ask: {_short(outs[0])}"


def row_link_seed(fb: Faqbot, tmp: Path) -> str:
    secret = tmp / "secret.txt"
    secret.write_text("The launch code is 0000 SECRET. " * 3 + "\nMore SECRET text here.\n", encoding="utf-8")
    kb = _fixture(tmp, "link2")
    (kb / "seeds" / "extra.txt").symlink_to(secret)
    sources = kb / "seeds" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8") + "  - id: extra\n    file: extra.txt\n", encoding="utf-8")
    outs = [fb.run("check", "--kb", str(kb), "--verbose"), fb.run("ask", "--kb", str(kb), "what is the launch code"),
            fb.run("check", "--kb", str(kb))]
    leaked = [o["stdout"].count("SECRET") + o["stderr"].count("SECRET") for o in outs]
    return f"secret lines printed by check / ask: {leaked[0] + leaked[2]} / {leaked[1]}; ask: {_short(outs[1])}"


def _bomb_yaml(questions: int, intents: int) -> str:
    """One list of questions, written once, reused by every intent through an alias."""
    qs = "[" + ", ".join(f"question {n}" for n in range(questions)) + "]"
    body = "".join(f"  - {{id: i{n}, kind: smalltalk, answer: hi, questions: *q}}\n" for n in range(1, intents))
    return f"topic: t\nintents:\n  - {{id: i0, kind: smalltalk, answer: hi, questions: &q {qs}}}\n" + body


def row_alias(fb: Faqbot, tmp: Path, size: str) -> str:
    kb = _fixture(tmp, f"alias-{size}")
    text = _bomb_yaml(300, 650) if size == "37KB" else _bomb_yaml(2000, 26_000)
    (kb / "intents" / "bomb.yaml").write_text(text, encoding="utf-8")
    r = fb.run("ask", "--kb", str(kb), "hello", env={"FAQBOT_NO_CACHE": "1"}, timeout=300, cap=True)
    return f"{len(text.encode()) // 1000} KB file: {_short(r)}"


def row_many_intents(fb: Faqbot, tmp: Path) -> str:
    kb = _fixture(tmp, "many")
    for f in range(20):
        body = "".join(f"  - {{id: f{f}-i{n}, kind: smalltalk, answer: hi, questions: [hello number {n} of {f}]}}\n"
                       for n in range(5000))
        (kb / "intents" / f"many{f}.yaml").write_text("topic: t\nintents:\n" + body, encoding="utf-8")
    r = fb.run("ask", "--kb", str(kb), "hello", env={"FAQBOT_NO_CACHE": "1"}, timeout=300, cap=True)
    return f"100k intents in 20 files: {_short(r)}"


def row_device(fb: Faqbot, tmp: Path, command: str, kind: str) -> str:
    if kind == "fifo":
        path = tmp / f"{command}-fifo.yaml"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    args = ["init", str(path), "--out", str(tmp / f"{command}-{kind}-kb")] if command == "init" else ["eval", str(path)]
    r = fb.run(*args, timeout=10, cap=True)
    return f"{command} {path.name}: {_short(r)}"


_SHORT_WRITE = """
import os, sys
real = os.write
state = {"n": 0}
def write(fd, data):
    state["n"] += 1
    if state["n"] == 1 and len(data) > 200:
        return real(fd, bytes(data[:105]))
    return real(fd, data)
os.write = write
from faqbot.cli import main
code = main(sys.argv[1:])
sys.exit(code)
"""


def row_short_write(fb: Faqbot, tmp: Path) -> str:
    log = tmp / "unanswered.jsonl"
    r = fb.run("ask", "--log-unanswered", str(log), "-", stdin="zzqx wibble one\nzzqx wibble two\n", code=_SHORT_WRITE)
    good = bad = 0
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            json.loads(line)
            good += 1
        except ValueError:
            bad += 1
    return f"2 questions, first write cut at 105 bytes: {good} whole line(s), {bad} broken; warning: " \
           f"{'cannot write' in r['stderr']}"


def row_log_fifo(fb: Faqbot, tmp: Path) -> str:
    fifo = tmp / "log.fifo"
    os.mkfifo(fifo)
    r = fb.run("ask", "--log-unanswered", str(fifo), "zzqx wibble", timeout=5)
    return f"{_short(r)}; answer printed: {bool(r['stdout'].strip())}"


def row_stale_link(fb: Faqbot, tmp: Path) -> str:
    kb = _fixture(tmp, "stale")
    (kb / "articles").mkdir()
    (kb / "seeds" / "pets.txt").rename(kb / "articles" / "pets.txt")
    (kb / "seeds" / "sub").symlink_to("../articles")
    sources = kb / "seeds" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("file: pets.txt", "file: sub/pets.txt"), "utf-8")
    first = fb.run("ask", "--kb", str(kb), "how much do cats sleep")
    article = kb / "articles" / "pets.txt"
    article.write_text(article.read_text(encoding="utf-8").replace("sleep", "nap"), encoding="utf-8")
    cached = fb.run("ask", "--kb", str(kb), "how much do cats sleep")
    fresh = fb.run("ask", "--kb", str(kb), "how much do cats sleep", env={"FAQBOT_NO_CACHE": "1"})
    return (f"before the edit exit {first['exit']}; after it, cache on: exit {cached['exit']}, cache off: exit "
            f"{fresh['exit']} (the same means no stale answer)")


def row_nesting(fb: Faqbot, tmp: Path) -> str:
    out = []
    for depth in (500, 998):
        kb = _fixture(tmp, f"nest{depth}")
        (kb / "intents" / "deep.yaml").write_text("topic: t\nintents: " + "[" * depth + "]" * depth + "\n", "utf-8")
        r = fb.run("ask", "--kb", str(kb), "hi", env={"FAQBOT_NO_CACHE": "1"})
        out.append(f"{depth}: {_short(r)}")
    return " | ".join(out)


_PLANT = """
import os, pickle, sys
from pathlib import Path
from faqbot import FAQBot, cache
kb = sys.argv[1]
FAQBot.load(kb)
class Boom:
    def __reduce__(self):
        return (os.system, ("touch " + sys.argv[2],))
payload = pickle.dumps(Boom())
path = cache.cache_file(kb, FAQBot)
if hasattr(cache, "_checksum"):  # the pickle cache
    data = cache._MAGIC + cache.key(kb, FAQBot) + cache._checksum(payload) + payload
else:  # the marshal cache: the same header, a pickle where its payload goes
    import zlib
    data = (cache._MAGIC + cache.code_stamp() + cache.key(kb, FAQBot) + len(payload).to_bytes(8, "little")
            + zlib.crc32(payload).to_bytes(4, "little") + payload)
Path(path).write_bytes(data)
"""


def row_cache_code(fb: Faqbot, tmp: Path) -> str:
    kb = _fixture(tmp, "planted")
    marker = tmp / "code-ran"
    fb.run(str(kb), str(marker), code=_PLANT)
    r = fb.run("ask", "--kb", str(kb), "how much do cats sleep")
    return f"a cache file with a valid header and a code-running pickle: code ran: {marker.exists()}; {_short(r)}"


ROWS = {
    "1-kill9-add": row_kill_add,
    "1-sigterm-add": lambda fb, tmp: row_kill_add(fb, tmp, signal.SIGTERM),
    "1-full-disk-add": row_full_disk,
    "1-two-adds": row_two_adds,
    "1-dead-build": row_dead_build,
    "1-rejected-add": row_rejected_add,
    "2-link-intents": row_link_intents,
    "2-link-seed": row_link_seed,
    "3-alias-37KB": lambda fb, tmp: row_alias(fb, tmp, "37KB"),
    "4-init-dev-zero": lambda fb, tmp: row_device(fb, tmp, "init", "device"),
    "4-init-fifo": lambda fb, tmp: row_device(fb, tmp, "init", "fifo"),
    "4-eval-dev-zero": lambda fb, tmp: row_device(fb, tmp, "eval", "device"),
    "4-eval-fifo": lambda fb, tmp: row_device(fb, tmp, "eval", "fifo"),
    "5-short-write-log": row_short_write,
    "5-log-fifo": row_log_fifo,
    "7-stale-linked-seeds": row_stale_link,
    "8-nesting": row_nesting,
    "9-cache-runs-code": row_cache_code,
}
HEAVY = {
    "3-alias-1.5MB": lambda fb, tmp: row_alias(fb, tmp, "1.5MB"),
    "3-100k-intents": row_many_intents,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that has the faqbot to test")
    parser.add_argument("--src", help="put this folder first on PYTHONPATH (a checkout's src/)")
    parser.add_argument("--only", nargs="*", help="run only these rows")
    parser.add_argument("--heavy", action="store_true", help="add the rows that take minutes and gigabytes unprotected")
    args = parser.parse_args(argv)
    rows = {**ROWS, **(HEAVY if args.heavy else {})}
    results = {}
    for name, fn in rows.items():
        if args.only and name not in args.only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            fb = Faqbot(args.python, args.src, Path(tmp))
            start = time.monotonic()
            try:
                outcome = fn(fb, Path(tmp))
            except Exception as e:  # noqa: BLE001 - a row that cannot run says so
                outcome = f"could not run: {type(e).__name__}: {e}"
            results[name] = {"outcome": outcome, "seconds": round(time.monotonic() - start, 1)}
        if not args.json:
            print(f"{name:22} {results[name]['outcome']}", flush=True)
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

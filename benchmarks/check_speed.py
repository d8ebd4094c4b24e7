"""How long `faqbot check` takes on the knowledge base drafted from a 100 KB article.

    python benchmarks/check_speed.py [--json] [--rounds N] [--kb DIR]

Writes a deterministic article of about 100 KB (sections of sentences built from
the bundled article's words, seeded), drafts its knowledge base with `faqbot init`
into a temporary folder, then runs `faqbot check --kb DIR` as a whole process:
once cold (no cache: the matcher is built and the report stored; the bytecode compiled
beforehand, as an installed package has it) and `--rounds` times warm
(the bot comes from the cache), and prints the median. Target: warm <= 1 s.
With --kb, checks that folder instead of drafting one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0


def article(size: int = 100_000, seed: int = 13) -> str:
    """A Markdown article of about `size` bytes: headings, paragraphs of sentences."""
    rng = random.Random(seed)
    source = (ROOT / "seeds" / "dea-la-immigration-enforcement.txt").read_text("utf-8")
    words = sorted(set(re.findall(r"[A-Za-z]{3,}", source)))
    out = ["# A long article about many things", "", "By Test Writer", ""]
    n = 0
    while sum(len(x) + 1 for x in out) < size:
        n += 1
        out += [f"## Section {n}: {' '.join(rng.sample(words, 3))}", ""]
        for _ in range(rng.randint(3, 6)):
            sentences = []
            for _ in range(rng.randint(2, 5)):
                s = " ".join(rng.choice(words) for _ in range(rng.randint(8, 20)))
                sentences.append(s[0].upper() + s[1:] + ".")
            out += [" ".join(sentences), ""]
    return "\n".join(out)


def _faqbot(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "faqbot", *args], capture_output=True, text=True, env=env, timeout=600)
    return time.perf_counter() - start, proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--rounds", type=int, default=5, help="warm runs (default 5)")
    parser.add_argument("--kb", help="check this knowledge base instead of drafting one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"), PYTHONPYCACHEPREFIX=os.path.join(tmp, "pyc"))
        env.pop("FAQBOT_NO_CACHE", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode is written once, as an install has it
        if args.kb:
            kb = args.kb
            size = None
        else:
            path = Path(tmp) / "long-article.md"
            path.write_text(article(), encoding="utf-8")
            size = path.stat().st_size
            kb = os.path.join(tmp, "kb")
            _, proc = _faqbot("init", str(path), "--out", kb, env=env)
            if proc.returncode:
                sys.stderr.write(proc.stderr)
                return 2
        # bytecode of every module `check` imports compiled before timing (the bundled
        # knowledge base: another one, so nothing of this one is cached)
        _faqbot("check", env=env)
        cold, proc = _faqbot("check", "--kb", kb, env=env)
        warm = [_faqbot("check", "--kb", kb, env=env)[0] for _ in range(args.rounds)]
        kb_bytes = sum(p.stat().st_size for p in Path(kb).rglob("*") if p.is_file())
    result = {
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "python": platform.python_version(), "load": os.getloadavg()[0]},
        "article_bytes": size, "kb_bytes": kb_bytes, "exit": proc.returncode,
        "summary": proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "",
        "output_lines": len(proc.stdout.splitlines()),
        "cold_s": round(cold, 3), "warm_median_s": round(statistics.median(warm), 3),
        "warm_min_s": round(min(warm), 3), "target_s": TARGET_SECONDS,
        "met": statistics.median(warm) <= TARGET_SECONDS,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"faqbot check on a {size or 0:,}-byte article's knowledge base ({kb_bytes:,} bytes of files)")
        print(f"  {result['summary']}  ({result['output_lines']} lines printed, exit {proc.returncode})")
        print(f"  cold (builds and caches the matcher): {cold:.2f} s")
        print(f"  warm, median of {args.rounds}: {result['warm_median_s']:.2f} s (min {result['warm_min_s']:.2f} s)"
              f"  [{'met' if result['met'] else 'MISSED'}: target <= {TARGET_SECONDS:.1f} s]")
    return 0


if __name__ == "__main__":
    sys.exit(main())

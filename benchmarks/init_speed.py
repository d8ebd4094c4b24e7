"""How long `faqbot init` takes on big and awkward articles, and whether what it drafts loads.

    python benchmarks/init_speed.py [--json] [--quick] [--size BYTES]

Each case is a generated article (seeded, deterministic) of about `--size` bytes
(default 1,000,000, the largest article `init` takes), drafted and written with
`faqbot.scaffold.scaffold_kb` into a temporary folder, which loads it back with
`faqbot.knowledge.load` before it returns (as `faqbot init` does):

prose      paragraphs of 3-8 sentences, separated by blank lines, under a `##` heading every 12
lines      one short sentence per line, no blank lines (each line is a paragraph)
headings   short lines without a closing period (each one could be a heading)
paragraph  one single paragraph
repeated   the same short paragraph again and again (every passage alike)
hostile    prose with DEL, C1 controls, U+FFFE, U+FFFF, U+2028 and U+0085 in its text

For each: the seconds `draft` takes (pure), the seconds `scaffold_kb` takes (draft,
write, load), the intents drafted, the files written, the largest intents file
against the loader's limit (`knowledge.MAX_FILE_BYTES`), and whether it loaded.
It also times `draft` at 1/8, 1/4, 1/2 and all of the `lines` case and prints the
exponent of time in size (log-log slope; 1 is linear, 2 quadratic).
Target: every case under 10 s on a 2-core machine, exponent < 1.3, everything loads.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
try:
    import faqbot  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

from faqbot import knowledge  # noqa: E402
from faqbot.drafting import draft  # noqa: E402
from faqbot.errors import FaqbotError  # noqa: E402
from faqbot.scaffold import scaffold_kb  # noqa: E402

_WORDS = ("council library budget river school mayor hospital nurse bridge election vote city county "
          "street park museum harbor festival tax plan report study survey residents officials police "
          "court judge law fire station train bus road market farm water power energy oil price year").split()
_NAMES = ["Ann Lee", "Marcus Bell", "Tanya Ortiz", "Leo Park", "Wallace H. Smith", "Dr. Ana Ruiz", "Gov. Henry Ames"]
_VERBS = ["approved", "said", "will study", "rejected", "opened", "closed", "paid for", "reported", "asked for"]


def _sentence(rng: random.Random, n: int) -> str:
    who = rng.choice(_NAMES) if rng.random() < 0.3 else f"The {rng.choice(_WORDS)} {rng.choice(_WORDS)}"
    what = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 6)))
    extra = rng.choice(["", f" on Jan. {rng.randint(1, 28)}", f" for ${rng.randint(1, 999)},000",
                        f" with {rng.randint(2, 900)} residents", " in the U.S. capital", " at 8 p.m."])
    return f"{who} {rng.choice(_VERBS)} the {what} {n}{extra}."


def _prose(rng: random.Random, size: int, hostile: bool = False) -> str:
    parts, total, n = ["# A Long Report\n"], 0, 0
    while total < size:
        n += 1
        if n % 12 == 0:
            parts.append(f"## Part {n // 12} on the {rng.choice(_WORDS)}\n")
        sentences = [_sentence(rng, n * 10 + i) for i in range(rng.randint(3, 8))]
        if hostile:
            sentences[0] = sentences[0].replace(" ", rng.choice(["\x7f", " \x80 ", "\ufffe", "\uffff", "\u2028", "\x85"]), 1)
        parts.append(" ".join(sentences) + "\n")
        total += len(parts[-1]) + 1
    return "\n".join(parts)


def _lines(rng: random.Random, size: int, punct: str = ".") -> str:
    out, total, n = [], 0, 0
    while total < size:
        n += 1
        line = _sentence(rng, n)[:-1] + punct
        out.append(line)
        total += len(line) + 1
    return "\n".join(out) + "\n"


def _paragraph(rng: random.Random, size: int) -> str:
    return _lines(rng, size).replace("\n", " ")


def _repeated(rng: random.Random, size: int) -> str:
    block = "The council met on Monday. It voted to open the library late.\n\n"
    return block * (size // len(block))


CASES = {
    "prose": lambda rng, size: _prose(rng, size),
    "lines": lambda rng, size: _lines(rng, size),
    "headings": lambda rng, size: _lines(rng, size, punct=""),
    "paragraph": _paragraph,
    "repeated": _repeated,
    "hostile": lambda rng, size: _prose(rng, size, hostile=True),
}


def _fit(text: str, size: int) -> str:
    data = text.encode("utf-8")[: size - 1]
    return data.decode("utf-8", "ignore")


def run_case(name: str, size: int) -> dict[str, object]:
    text = _fit(CASES[name](random.Random(name), size), size)
    started = time.perf_counter()
    d = draft(text, file_name=f"{name}.md")
    drafted = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / f"{name}.md"
        article.write_text(text, encoding="utf-8", newline="\n")
        started = time.perf_counter()
        error = ""
        try:
            scaffold_kb(article, Path(tmp) / "kb")
        except FaqbotError as e:
            error = str(e)
        scaffolded = time.perf_counter() - started
        files = sorted((Path(tmp) / "kb" / "intents").glob("*.yaml")) if not error else []
        largest = max((f.stat().st_size for f in files), default=0)
        loaded = False
        if not error:
            try:
                knowledge.load(Path(tmp) / "kb")
                loaded = True
            except FaqbotError as e:
                error = str(e)
    return {"case": name, "bytes": len(text.encode("utf-8")), "draft_s": round(drafted, 3),
            "init_s": round(scaffolded, 3), "intents": len(d.intents), "files": len(files),
            "largest_file_bytes": largest, "limit_bytes": knowledge.MAX_FILE_BYTES, "loads": loaded,
            "error": error}


def scaling(size: int) -> dict[str, object]:
    points = []
    for part in (8, 4, 2, 1):
        text = _fit(_lines(random.Random("lines"), size // part), size // part)
        started = time.perf_counter()
        draft(text, file_name="lines.md")
        points.append((len(text), time.perf_counter() - started))
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(t, 1e-6)) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return {"points": [{"bytes": n, "draft_s": round(t, 3)} for n, t in points], "exponent": round(slope, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="a smoke run on 100 KB articles")
    parser.add_argument("--size", type=int, default=1_000_000, help="article size in bytes (default 1,000,000)")
    args = parser.parse_args()
    size = 100_000 if args.quick else args.size
    results = [run_case(name, size) for name in CASES]
    scale = scaling(size)
    report = {"machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
              "size": size, "cases": results, "scaling": scale}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"faqbot init on {size:,}-byte articles ({report['machine']})")
        print(f"{'case':10s} {'draft s':>8s} {'init s':>8s} {'intents':>8s} {'files':>6s} {'largest file':>13s}  loads")
        for r in results:
            print(f"{r['case']:10s} {r['draft_s']:8.2f} {r['init_s']:8.2f} {r['intents']:8,d} {r['files']:6d} "
                  f"{r['largest_file_bytes']:13,d}  {'yes' if r['loads'] else 'NO: ' + str(r['error'])[:80]}")
        pts = ", ".join(f"{p['bytes']:,} B {p['draft_s']:.2f} s" for p in scale["points"])
        print(f"scaling (lines): {pts}; exponent {scale['exponent']}")
    ok = all(r["loads"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

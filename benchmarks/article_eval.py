"""faqbot on its own labelled questions about the article (tests/eval/article.yaml).

A thin wrapper over the library (`faqbot.evaluate`), for runs beside the CLINC150
benchmark; `faqbot eval FILE` prints the full report with the misses.

    python benchmarks/article_eval.py [--file PATH] [--kb DIR] [--json]

Prints the headline figures (in-scope accuracy, out-of-scope decline rate, per
kind, calibration, latency) against the CI targets of issue 4, or with --json one
line: {"in_scope_accuracy", "oos_decline", "clarify_rate", "top1_accuracy", "ece",
"p50_ms", "p95_ms", "by_kind": {kind: accuracy}, "questions"} (fractions in 0..1).
Exit status: 0 when both targets are met, 1 when not, 2 on an error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from faqbot import FAQBot, FaqbotError
from faqbot.evaluate import evaluate, load_items

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "tests" / "eval" / "article.yaml"
#: The CI targets of issue 4.
TARGET_ACCURACY, TARGET_DECLINE = 0.95, 0.90


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default=str(DEFAULT_FILE), help="labelled questions (default: %(default)s)")
    parser.add_argument("--kb", help="knowledge base folder (default: the bundled one)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    try:
        rep = evaluate(FAQBot.load(args.kb), load_items(args.file))
    except FaqbotError as e:
        print(f"article_eval: error: {e}", file=sys.stderr)
        return 2
    missed = rep.failures(min_accuracy=TARGET_ACCURACY, min_decline=TARGET_DECLINE)
    if args.json:
        print(json.dumps({
            "in_scope_accuracy": rep.in_scope.share,
            "oos_decline": rep.out_of_scope.share,
            "clarify_rate": rep.clarify.share,
            "top1_accuracy": rep.top1.share,
            "ece": rep.ece,
            "p50_ms": round(rep.median_ms, 3),
            "p95_ms": round(rep.p95_ms, 3),
            "by_kind": {k: r.share for k, r in rep.by_kind},
            "questions": len(rep.outcomes),
        }))
        return 1 if missed else 0

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:5.1f}%"

    print(f"{args.file}: {len(rep.outcomes)} questions")
    print(f"  in-scope accuracy      {pct(rep.in_scope.share)}  (target >= {100 * TARGET_ACCURACY:.0f}%)")
    print(f"  out-of-scope declined  {pct(rep.out_of_scope.share)}  (target >= {100 * TARGET_DECLINE:.0f}%)")
    print(f"  clarify rate           {pct(rep.clarify.share)}")
    print(f"  matcher top-1          {pct(rep.top1.share)}")
    print("  by kind                " + ", ".join(f"{k} {pct(r.share).strip()}" for k, r in rep.by_kind))
    print("  calibration            " + ", ".join(
        f"{b.label}: {b.count} at {pct(b.share).strip()}" for b in rep.calibration
    ) + ("" if rep.ece is None else f"; ECE {rep.ece:.3f}"))
    print(f"  latency                median {rep.median_ms:.2f} ms, p95 {rep.p95_ms:.2f} ms")
    print("  targets                " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

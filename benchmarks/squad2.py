"""faqbot on SQuAD 2.0 articles: `faqbot init` with no hand edits, then every crowd question.

    python benchmarks/squad2.py [--data FILE] [--cli] [--articles N] [--misses N] [--json]

The procedure of ../shared/benchmarks/squad2/README.md:

1. each article becomes one Markdown file: ``# Title``, then its paragraphs separated by blank lines;
2. ``faqbot init ARTICLE --out KB`` with no hand edits;
3. every question is asked (in-process through the library by default, which is what
   ``faqbot ask --kb KB --json -`` calls; ``--cli`` runs that very command instead);
4. an answerable question is right when the status is ``answered`` or ``passage`` and the
   answer text or a cited quote contains one of the gold answers (case- and
   whitespace-insensitive); an unanswerable one is right when the status is neither.

Prints, per article and overall: answerable right, unanswerable declined, their mean over
all questions, init and ask times; beside them the reference of a plain BM25 ranking of
the article's sentences (is the gold answer in its first sentence? in its top 3?), computed
here from the same sentences faqbot splits (`Source.sentences()`). `--json` prints one JSON
object with the same figures.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks" / "squad2" / "dev-half-a.json"
ANSWERING = ("answered", "passage")


def _fold(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.casefold().split())


def article_markdown(article: dict) -> str:
    title = article["title"].replace("_", " ")
    return f"# {title}\n\n" + "\n\n".join(p["context"].strip() for p in article["paragraphs"]) + "\n"


def reply_right(reply: dict, qa: dict) -> bool:
    if qa["is_impossible"]:
        return reply["status"] not in ANSWERING
    if reply["status"] not in ANSWERING:
        return False
    texts = [_fold(reply.get("answer") or "")] + [_fold(c["quote"]) for c in reply.get("citations", ())]
    golds = {_fold(a["text"]) for a in qa["answers"]}
    return any(g in t for g in golds for t in texts)


# ------------------------------------------------------------------ BM25 reference

_WORD = re.compile(r"\w+")
_STOP = frozenset("the a an of in on at to and or is was were are be by for with as from that this what which "
                  "who whom when where why how did does do".split())


def _terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOP]


def bm25_reference(sentences: list[str], qas: list[dict], k1: float = 1.2, b: float = 0.75) -> tuple[int, int, int]:
    """(answerable questions, gold answer in BM25's first sentence, in its top 3)."""
    docs = [Counter(_terms(s)) for s in sentences]
    n = len(docs)
    avg = sum(sum(d.values()) for d in docs) / max(n, 1)
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    total = top1 = top3 = 0
    for qa in qas:
        if qa["is_impossible"]:
            continue
        total += 1
        q = set(_terms(qa["question"]))
        scores = []
        for k, d in enumerate(docs):
            length = sum(d.values())
            s = 0.0
            for t in q:
                f = d.get(t, 0)
                if f:
                    idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                    s += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * length / avg))
            scores.append((-s, k))
        ranked = [sentences[k] for _, k in sorted(scores)[:3]]
        golds = {_fold(a["text"]) for a in qa["answers"]}
        hits = [any(g in _fold(s) for g in golds) for s in ranked]
        top1 += hits[0] if hits else 0
        top3 += any(hits)
    return total, top1, top3


# ------------------------------------------------------------------ running faqbot


def ask_all(kb: Path, questions: list[str], cli: bool) -> list[dict]:
    if cli:
        proc = subprocess.run(
            [sys.executable, "-m", "faqbot", "ask", "--kb", str(kb), "--json", "-"],
            input="\n".join(q.replace("\n", " ") for q in questions) + "\n",
            capture_output=True, text=True, check=False,
        )
        if proc.returncode not in (0, 1):
            raise SystemExit(f"squad2: faqbot ask failed: {proc.stderr.strip()}")
        return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    from faqbot.bot import FAQBot
    from faqbot.knowledge import load

    bot = FAQBot(load(kb))
    return [bot.ask(q).to_dict() for q in questions]


def run_article(article: dict, work: Path, cli: bool, misses: list) -> dict:
    from faqbot.knowledge import load
    from faqbot.scaffold import scaffold_kb

    name = article["title"]
    md = work / f"{name}.md"
    md.write_text(article_markdown(article), encoding="utf-8")
    kb = work / f"{name}-kb"
    t0 = time.perf_counter()
    scaffold_kb(md, kb)
    init_s = time.perf_counter() - t0
    qas = [qa for p in article["paragraphs"] for qa in p["qas"]]
    t0 = time.perf_counter()
    replies = ask_all(kb, [qa["question"] for qa in qas], cli)
    ask_s = time.perf_counter() - t0
    ans = [r for r, qa in zip(replies, qas) if not qa["is_impossible"]]
    counts = Counter()
    for reply, qa in zip(replies, qas):
        ok = reply_right(reply, qa)
        key = "unans" if qa["is_impossible"] else "ans"
        counts[key] += 1
        counts[key + "_right"] += ok
        if not qa["is_impossible"]:
            counts["ans_status_" + reply["status"]] += 1
        if not ok:
            misses.append((name, qa, reply))
    sentences = [src.text[s.start : s.end] for src in load(kb).sources.values() for s in src.sentences()]
    total, top1, top3 = bm25_reference(sentences, qas)
    return {
        "article": name, "answerable": counts["ans"], "answerable_right": counts["ans_right"],
        "unanswerable": counts["unans"], "unanswerable_declined": counts["unans_right"],
        "answerable_declined": counts["ans"] - counts["ans_status_answered"] - counts["ans_status_passage"],
        "bm25_top1": top1, "bm25_top3": top3, "init_s": round(init_s, 3), "ask_s": round(ask_s, 3),
        "ask_ms_per_question": round(1000 * ask_s / max(len(qas), 1), 3),
        "passages_used": sum(1 for r in ans if r["status"] == "passage"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="a SQuAD 2.0 JSON file (default: %(default)s)")
    parser.add_argument("--cli", action="store_true", help="ask through `faqbot ask --kb KB --json -`")
    parser.add_argument("--articles", type=int, help="only the first N articles")
    parser.add_argument("--misses", type=int, default=0, help="print N misses of each kind")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    data = json.loads(Path(args.data).read_text(encoding="utf-8"))["data"][: args.articles]
    misses: list = []
    with tempfile.TemporaryDirectory(prefix="faqbot-squad2-") as tmp:
        rows = [run_article(a, Path(tmp), args.cli, misses) for a in data]
    tot = {k: sum(r[k] for r in rows) for k in rows[0] if k != "article"}
    ans_rate = tot["answerable_right"] / tot["answerable"]
    unans_rate = tot["unanswerable_declined"] / tot["unanswerable"]
    mean = (tot["answerable_right"] + tot["unanswerable_declined"]) / (tot["answerable"] + tot["unanswerable"])
    summary = {
        "answerable_right": round(ans_rate, 4), "unanswerable_declined": round(unans_rate, 4),
        "mean_over_questions": round(mean, 4),
        "bm25_top1": round(tot["bm25_top1"] / tot["answerable"], 4),
        "bm25_top3": round(tot["bm25_top3"] / tot["answerable"], 4),
        "init_s_total": round(tot["init_s"], 2), "ask_ms_per_question": round(1000 * tot["ask_s"] / (
            tot["answerable"] + tot["unanswerable"]), 3),
        "questions": tot["answerable"] + tot["unanswerable"], "articles": rows,
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"{'article':24} {'answerable':>16} {'unanswerable':>16} {'bm25@1':>7} {'bm25@3':>7} {'init s':>7} {'ms/q':>6}")
    for r in rows:
        print(f"{r['article'][:24]:24} {r['answerable_right']:5}/{r['answerable']:<4} {100 * r['answerable_right'] / r['answerable']:5.1f}%"
              f" {r['unanswerable_declined']:5}/{r['unanswerable']:<4} {100 * r['unanswerable_declined'] / r['unanswerable']:5.1f}%"
              f" {100 * r['bm25_top1'] / r['answerable']:6.1f}% {100 * r['bm25_top3'] / r['answerable']:6.1f}%"
              f" {r['init_s']:7.2f} {r['ask_ms_per_question']:6.2f}")
    print(f"\nanswerable right     {100 * ans_rate:5.1f}%  (BM25 first sentence {100 * summary['bm25_top1']:.1f}%, "
          f"top 3 {100 * summary['bm25_top3']:.1f}%)")
    print(f"unanswerable declined {100 * unans_rate:5.1f}%")
    print(f"mean over questions  {100 * mean:5.1f}%   ({summary['questions']} questions)")
    print(f"answerable declined  {tot['answerable_declined']}, answered from a passage {tot['passages_used']}")
    if args.misses:
        for want in (False, True):
            shown = [m for m in misses if m[1]["is_impossible"] is want][: args.misses]
            print(f"\n--- misses: {'unanswerable answered' if want else 'answerable missed'} ({len(shown)} shown)")
            for name, qa, reply in shown:
                gold = "" if want else " | gold: " + qa["answers"][0]["text"]
                quote = reply["citations"][0]["quote"][:110] if reply.get("citations") else ""
                print(f"[{name[:12]}] {qa['question']}{gold}\n    -> {reply['status']} {reply.get('intent')} "
                      f"{reply['confidence']:.2f} {quote}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

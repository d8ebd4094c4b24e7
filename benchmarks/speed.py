"""Speed and scale of faqbot, each figure beside its baseline measured in the same run.

    python benchmarks/speed.py [--json] [--profile] [--quick] [--full] [--only PART]

cold   `faqbot ask "What is Special Order 40?"` as a whole process (cache hit, and
       with FAQBOT_NO_CACHE=1) against `python -c "import rapidfuzz, yaml"`, same
       interpreter, runs interleaved, median. Target: ratio <= 1.3 (issue 12). Bytecode is
       written to a temporary PYTHONPYCACHEPREFIX (as an installed package has it)
       and the answer cache to a temporary XDG_CACHE_HOME. Also checks, with
       `-X importtime`, that prompt_toolkit, numpy and (on a cache hit) yaml are not
       imported.
warm   `bot.ask(q)` on the article knowledge base against one
       `rapidfuzz.process.extractOne(q, examples, scorer=fuzz.WRatio)` pass over
       all its example questions, per question, median. Target: ratio <= 3.
scale  synthetic knowledge bases of 100, 1,000 and 10,000 intents x 10 examples
       (seeded, deterministic; a Zipf-distributed vocabulary of real words from the
       article plus generated pronounceable words; queries are perturbed examples
       and unrelated questions), through the public `Matcher` API, each built in a
       fresh process: build time (wall and CPU), process RSS before, at the peak of
       and after the build (garbage collected), then the build again under
       tracemalloc (its peak, and what the matcher keeps), per-question median and
       p95, Matcher.to_state() size and Matcher.from_state() time, and the exponent
       of the per-question cost in the number of examples (log-log slope).
       Targets at 10,000 intents: build <= 4 s, peak <= 300 MiB (tracemalloc and
       RSS), RSS after the build < 200 MiB, < 5 ms median; exponent < 1; a
       1,000-intent matcher from its state in <= 10 ms.
long   `Matcher.match` on 60 questions of 300-990 characters (article sentences
       then a question; several evaluation questions run together) against one
       extractOne(WRatio) pass over the article's example questions, fastest of 7
       rounds each. Target: median per-question ratio <= 1.5.
refine build time and RSS peak at 200, 400 and 800 intents x 10 as a knowledge
       base gets them by default, without the refinement and with
       MatcherConfig(refine=True). Target: default <= 2 x unrefined (no cliff).
batch  `faqbot ask --json -` answering 10,000 generated questions in one process:
       questions per second.

--json prints one JSON object; --profile adds cProfile listings of the warm and
10,000-intent paths; --quick uses fewer repetitions (a smoke run); --only PART
runs one part (repeatable).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import gc
import io
import json
import math
import os
import platform
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
try:
    import faqbot
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))
    import faqbot

from rapidfuzz import fuzz, process

from faqbot import FAQBot, Matcher

QUESTION = "What is Special Order 40?"
SIZES = (100, 1_000, 10_000)
EXAMPLES_PER_INTENT = 10
FORBIDDEN = ("prompt_toolkit", "numpy")
PARTS = ("cold", "warm", "scale", "long", "refine", "batch")


# ---------------------------------------------------------------- helpers


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = None
    import rapidfuzz

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "load_average_1min": load,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "faqbot": faqbot.__version__,
        "rapidfuzz": rapidfuzz.__version__,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _faqbot_command() -> list[str]:
    """The installed `faqbot` script next to this interpreter, else `python -m faqbot`."""
    script = Path(sys.executable).with_name("faqbot")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "faqbot"]


# ---------------------------------------------------------------- cold start


def _run(cmd: list[str], env: dict[str, str], stdin: bytes | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, env=env, capture_output=True)
    return time.perf_counter() - t0, proc


def cold(tmp: Path, rounds: int) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONUNBUFFERED", None)
    env.pop("FAQBOT_NO_CACHE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env["XDG_CACHE_HOME"] = str(tmp / "xdg-cache")
    no_cache = dict(env, FAQBOT_NO_CACHE="1")
    fb = _faqbot_command()
    cmds = {
        "python -c pass": ([sys.executable, "-c", "pass"], env),
        "python -c 'import rapidfuzz, yaml'": ([sys.executable, "-c", "import rapidfuzz, yaml"], env),
        "faqbot ask (cache hit)": ([*fb, "ask", QUESTION], env),
        "faqbot ask (FAQBOT_NO_CACHE=1)": ([*fb, "ask", QUESTION], no_cache),
    }
    for cmd, e in cmds.values():  # write bytecode and the answer cache; check the answer
        for _ in range(2):
            _, proc = _run(cmd, e)
            if proc.returncode != 0:
                raise SystemExit(f"speed: {' '.join(cmd)} failed: {proc.stderr.decode(errors='replace')}")
    _, proc = _run(cmds["faqbot ask (cache hit)"][0], env)
    answer_ok = "Special Order 40" in proc.stdout.decode("utf-8", "replace")
    times: dict[str, list[float]] = {k: [] for k in cmds}
    names = list(cmds)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:  # rotate the order
            cmd, e = cmds[name]
            dt, _ = _run(cmd, e)
            times[name].append(dt * 1000)
    # what the one-shot path imports
    script = fb if len(fb) == 1 else ["-m", "faqbot"]
    _, proc = _run([sys.executable, "-X", "importtime", *script, "ask", QUESTION], env)
    imported = sorted(
        {line.split("|")[-1].strip() for line in proc.stderr.decode(errors="replace").splitlines() if "|" in line}
        - {"imported package"}
    )
    top = {m.split(".")[0] for m in imported}
    base = statistics.median(times["python -c 'import rapidfuzz, yaml'"])
    rows = {
        name: {"median_ms": round(statistics.median(v), 2), "min_ms": round(min(v), 2),
               "ratio_to_baseline": round(statistics.median(v) / base, 3)}
        for name, v in times.items()
    }
    return {
        "rounds": rounds,
        "commands": rows,
        "ratio": rows["faqbot ask (cache hit)"]["ratio_to_baseline"],
        "answer_ok": answer_ok,
        "imports_forbidden": sorted(top & set(FORBIDDEN)),
        "imports_yaml_on_hit": "yaml" in top,
        "modules_imported": len(imported),
    }


# ---------------------------------------------------------------- warm


def _article_questions() -> list[str]:
    questions: list[str] = []
    for path in sorted((ROOT / "tests" / "eval").glob("*.yaml")):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        questions += [item["q"] for item in data if isinstance(item, dict) and isinstance(item.get("q"), str)]
    return questions or [QUESTION, "who leads the dea in la", "what is the weather tomorrow"]


def warm(rounds: int, profile: bool) -> tuple[dict, str]:
    from faqbot.knowledge import load

    bot = FAQBot(load())  # built here: the steady state of a long-running process
    examples = [q for intent in bot.kb.intents for q in intent.questions]
    questions = _article_questions()
    for q in questions[:20]:
        bot.ask(q)
        process.extractOne(q, examples, scorer=fuzz.WRatio)
    ask_t: list[float] = []
    ref_t: list[float] = []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            bot.ask(q)
            t1 = time.perf_counter()
            process.extractOne(q, examples, scorer=fuzz.WRatio)
            t2 = time.perf_counter()
            ask_t.append((t1 - t0) * 1e6)
            ref_t.append((t2 - t1) * 1e6)
    listing = ""
    if profile:
        listing = _profile(lambda: [bot.ask(q) for q in questions for _ in range(3)], "warm: bot.ask on the article eval set x3")
    med_ask, med_ref = statistics.median(ask_t), statistics.median(ref_t)
    return {
        "questions": len(questions),
        "examples": len(examples),
        "rounds": rounds,
        "ask_median_us": round(med_ask, 1),
        "ask_p95_us": round(_pct(ask_t, 0.95), 1),
        "ask_mean_us": round(statistics.fmean(ask_t), 1),
        "extractone_median_us": round(med_ref, 1),
        "extractone_p95_us": round(_pct(ref_t, 0.95), 1),
        "extractone_mean_us": round(statistics.fmean(ref_t), 1),
        "ratio": round(med_ask / med_ref, 3),
        "ratio_of_means": round(statistics.fmean(ask_t) / statistics.fmean(ref_t), 3),
    }, listing


# ---------------------------------------------------------------- synthetic knowledge bases

_ONSETS = ("b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sc sh sk sl sm sn sp "
           "st str sw t th tr v w wh y z").split()
_NUCLEI = "a e i o u a e i o ai ea ee oo ou io".split()
_CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "st", "ck", "ng", "rt", "ss", "ll"]
_SUFFIXES = ["", "", "", "", "s", "ing", "ed", "er", "tion", "ment", "ly", "ity", "al", "ness"]
_FRAMES = [
    "what is {a} {b}", "how do i {a} the {b}", "can you tell me about {a} {b} {c}",
    "where can i find {a} for {b}", "why does the {a} {b}", "when will the {a} {b} {c}",
    "{a} {b}", "{a} {b} {c}", "is there a {a} {b} in {c}", "how many {a} does the {b} have",
    "who is responsible for {a} {b}", "i need help with my {a} {b}", "what happens if my {a} {b}",
    "how long does {a} {b} take", "please explain {a} and {b}", "do you know about the {a} {b}",
    "what are the rules for {a} {b} {c}", "how can i change my {a} {b}",
]


def _pseudo_words(rng: random.Random, n: int, avoid: set[str]) -> list[str]:
    out: list[str] = []
    seen = set(avoid)
    while len(out) < n:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_NUCLEI) for _ in range(rng.choice((1, 2, 2, 3))))
        word += rng.choice(_CODAS) + rng.choice(_SUFFIXES)
        if 3 <= len(word) <= 14 and word not in seen:
            seen.add(word)
            out.append(word)
    return out


def _real_words() -> list[str]:
    """Distinct words of the article and its example questions (the head of the vocabulary)."""
    from faqbot.text import STOPWORDS, tokenize

    text = (ROOT / "seeds" / "dea-la-immigration-enforcement.txt").read_text(encoding="utf-8")
    for path in sorted((ROOT / "intents").glob("*.yaml")):
        text += "\n" + path.read_text(encoding="utf-8")
    words = sorted({w for w in tokenize(text) if w.isalpha() and len(w) >= 3 and w not in STOPWORDS})
    return words


class _Zipf:
    def __init__(self, rng: random.Random, words: list[str], s: float = 1.0) -> None:
        self.rng = rng
        self.words = words
        cum, total = [], 0.0
        for rank in range(1, len(words) + 1):
            total += 1.0 / rank**s
            cum.append(total)
        self.cum = cum
        self.total = total

    def __call__(self) -> str:
        import bisect

        return self.words[bisect.bisect_left(self.cum, self.rng.random() * self.total)]


def synthetic_kb(n_intents: int, seed: int = 7) -> tuple[dict[str, list[str]], list[str], list[tuple[str, str | None]]]:
    """(intents, held-out words, queries as (text, expected intent or None)); deterministic."""
    rng = random.Random(seed)
    real = _real_words()
    vocab_size = max(2_000, min(40_000, n_intents * 4))
    pseudo = _pseudo_words(rng, vocab_size - len(real) + 3_000, set(real))
    held_out = pseudo[-3_000:]  # never in the knowledge base: for unrelated questions
    vocab = real + pseudo[:-3_000]
    rng.shuffle(vocab)
    zipf = _Zipf(rng, vocab, 0.9)
    intents: dict[str, list[str]] = {}
    for i in range(n_intents):
        topic = [zipf() for _ in range(3)]
        examples: list[str] = []
        seen: set[str] = set()
        while len(examples) < EXAMPLES_PER_INTENT:
            slots = rng.sample(topic, 2) + [rng.choice(topic) if rng.random() < 0.5 else zipf()]
            rng.shuffle(slots)
            q = rng.choice(_FRAMES).format(a=slots[0], b=slots[1], c=slots[2])
            if q not in seen:
                seen.add(q)
                examples.append(q)
        intents[f"intent-{i:05d}"] = examples
    return intents, held_out, _queries(rng, intents, held_out)


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("drop", "swap", "replace", "insert"))
    if op == "drop":
        return word[:i] + word[i + 1:]
    if op == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1:]
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if op == "replace":
        return word[:i] + letter + word[i + 1:]
    return word[:i] + letter + word[i:]


def _perturb(rng: random.Random, text: str) -> str:
    words = text.split()
    if len(words) > 3 and rng.random() < 0.3:
        del words[rng.randrange(len(words))]
    long = [k for k, w in enumerate(words) if len(w) >= 5]
    if long:
        k = rng.choice(long)
        words[k] = _typo(rng, words[k])
    out = " ".join(words)
    return out.capitalize() + "?" if rng.random() < 0.5 else out


def _queries(rng: random.Random, intents: dict[str, list[str]], held_out: list[str],
             n_related: int = 200, n_unrelated: int = 100) -> list[tuple[str, str | None]]:
    ids = list(intents)
    out: list[tuple[str, str | None]] = []
    for _ in range(n_related):
        iid = rng.choice(ids)
        out.append((_perturb(rng, rng.choice(intents[iid])), iid))
    for _ in range(n_unrelated):
        words = [rng.choice(held_out) for _ in range(3)]
        out.append((rng.choice(_FRAMES).format(a=words[0], b=words[1], c=words[2]), None))
    rng.shuffle(out)
    return out


#: The build under tracemalloc (several times slower) is skipped when the plain build
#: took longer than this, to keep the whole run near 3 minutes (--full: always).
TRACEMALLOC_MAX_BUILD_S = 12.0
#: Knowledge-base sizes (intents x 10 examples) from where the refinement used to
#: switch on by itself (2,000 examples) to where it made a build 14 times slower.
REFINE_SIZES = (200, 400, 800)


def _status_kib(field: str) -> int | None:
    """A field of /proc/self/status in KiB (VmRSS: resident now, VmHWM: resident peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+), so the peak is the build's own."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def _config(refine: str):
    """Matcher keyword arguments for a refinement mode: default (what a knowledge base
    gets without asking), on (MatcherConfig(refine=True)), off."""
    from faqbot import matcher as fm

    if refine == "default":
        return {}
    return {"config": fm.MatcherConfig(refine=refine == "on")}


def _child(spec: dict) -> dict:
    """One knowledge base, built in this (fresh) process: time, memory, queries, state."""
    n = spec["intents"]
    intents, _, queries = synthetic_kb(n)
    kwargs = _config(spec.get("refine", "default"))
    gc.collect()
    rss_before = _status_kib("VmRSS")
    reset = _reset_peak_rss()
    t0, c0 = time.perf_counter(), time.process_time()
    matcher = Matcher(intents, **kwargs)
    build_s, build_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rss_peak = _status_kib("VmHWM") if reset else None
    gc.collect()
    rss_after = _status_kib("VmRSS")
    row: dict = {
        "intents": n,
        "examples": sum(len(v) for v in intents.values()),
        "refine": spec.get("refine", "default"),
        "refined": bool(getattr(matcher, "_refined", False)),
        "build_s": round(build_s, 3),
        "build_cpu_s": round(build_cpu_s, 3),  # what the build had of the CPU (a busy machine)
        "rss_before_mib": _mib(rss_before),
        "rss_peak_mib": _mib(rss_peak),
        "rss_after_mib": _mib(rss_after),
    }
    if spec.get("queries"):
        for q, _ in queries[:20]:
            matcher.match(q + " ", limit=5)  # warm-up (other strings than the timed ones)
        times: list[float] = []
        right = related = declined = unrelated = 0
        for q, expected in queries:
            t0 = time.perf_counter()
            found = matcher.match(q, limit=5)
            times.append((time.perf_counter() - t0) * 1000)
            if expected is None:
                unrelated += 1
                declined += not found or found[0].confidence < 0.5
            else:
                related += 1
                right += bool(found) and found[0].intent == expected
        row.update({
            "median_ms": round(statistics.median(times), 3),
            "p95_ms": round(_pct(times, 0.95), 3),
            "mean_ms": round(statistics.fmean(times), 3),
            "queries": len(queries),
            "top1_related": round(right / related, 3) if related else None,
            "unrelated_below_0.5": round(declined / unrelated, 3) if unrelated else None,
        })
    if spec.get("state"):
        t0 = time.perf_counter()
        state = matcher.to_state()
        to_ms = (time.perf_counter() - t0) * 1000
        loads = []
        for _ in range(5):
            t0 = time.perf_counter()
            Matcher.from_state(state)
            loads.append((time.perf_counter() - t0) * 1000)
        row.update({"to_state_ms": round(to_ms, 2), "from_state_ms": round(min(loads), 2),
                    "state_mib": round(_state_bytes(state) / 2**20, 2)})
    if spec.get("profile"):
        row["profile"] = _profile(lambda: [matcher.match(q, limit=5) for q, _ in queries],
                                  f"scale: Matcher.match, {n:,} intents x {EXAMPLES_PER_INTENT}, {len(queries)} queries")
    del matcher
    gc.collect()
    if spec.get("tracemalloc") and (spec.get("full") or build_s <= TRACEMALLOC_MAX_BUILD_S):
        tracemalloc.start()
        matcher = Matcher(intents, **kwargs)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        row.update({"peak_mib": round(peak / 2**20, 1), "retained_mib": round(current / 2**20, 1)})
    else:
        row.update({"peak_mib": None, "retained_mib": None})
    return row


def _state_bytes(value: object) -> int:
    if isinstance(value, (bytes, str)):
        return len(value)
    if isinstance(value, dict):
        return sum(_state_bytes(k) + _state_bytes(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_state_bytes(v) for v in value)
    return 8


def _in_child(spec: dict) -> dict:
    """`_child(spec)` in a fresh interpreter, so that its RSS is its own."""
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {spec} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def scale(sizes: tuple[int, ...], profile: bool, full: bool = False) -> tuple[dict, str]:
    rows = []
    listing = ""
    for n in sizes:
        row = _in_child({"intents": n, "queries": True, "state": True, "tracemalloc": True, "full": full,
                         "profile": profile and n == max(sizes)})
        listing = row.pop("profile", listing)
        rows.append(row)
    return {"rows": rows, "exponent_median": _slope(rows, "median_ms"), "exponent_p95": _slope(rows, "p95_ms"),
            "exponent_build": _slope(rows, "build_s")}, listing


def refine_cost(sizes: tuple[int, ...]) -> dict:
    """Build time and memory as a knowledge base gets them by default, without the
    refinement, and with it (MatcherConfig(refine=True)), each in a fresh process."""
    rows = []
    for n in sizes:
        default = _in_child({"intents": n, "refine": "default"})
        off = _in_child({"intents": n, "refine": "off"})
        on = _in_child({"intents": n, "refine": "on"})
        rows.append({"intents": n, "examples": default["examples"], "refined_by_default": default["refined"],
                     "default_s": default["build_s"], "default_rss_peak_mib": default["rss_peak_mib"],
                     "unrefined_s": off["build_s"], "unrefined_rss_peak_mib": off["rss_peak_mib"],
                     "refined_s": on["build_s"], "refined_rss_peak_mib": on["rss_peak_mib"],
                     "cliff": round(default["build_s"] / off["build_s"], 2),
                     "refine_cost": round(on["build_s"] / off["build_s"], 2)})
    return {"rows": rows, "max_cliff": max(r["cliff"] for r in rows)}


# ---------------------------------------------------------------- long questions


def long_questions(n: int = 60, seed: int = 3) -> list[str]:
    """Questions of 300 to 990 characters, lengths spread evenly, of two kinds in turn:
    article sentences as context, then a question (words the knowledge base mostly
    knows); and several questions of the evaluation sets run together, in and out of
    scope (many words it does not know, so typo repair works harder)."""
    import re

    rng = random.Random(seed)
    text = (ROOT / "seeds" / "dea-la-immigration-enforcement.txt").read_text(encoding="utf-8")
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 20]
    asks = _article_questions()
    out: list[str] = []
    for k in range(n):
        target = 300 + (990 - 300) * k // max(n - 1, 1)
        if k % 2:
            parts: list[str] = []
            while len(" ".join(parts)) < target:
                parts.append(rng.choice(asks))
            out.append(" ".join(parts)[:990])
            continue
        ask = rng.choice(sorted(asks, key=len)[-80:])
        context: list[str] = []
        while len(" ".join([*context, ask])) < target:
            context.append(rng.choice(sentences))
        q = " ".join([*context, ask])
        while len(q) > 990 and context:  # drop sentences from the front until it fits
            context.pop(0)
            q = " ".join([*context, ask])
        out.append(q[:990])
    return out


def long(rounds: int) -> dict:
    """`Matcher.match` on questions of 300-990 characters against one extractOne(WRatio)
    pass over the article knowledge base's examples, each question timed `rounds` times
    (the fastest of each kept: the machine's noise only ever adds), the two calls side
    by side. Each round adds a space to the questions, so no call is served from the
    matcher's small cache of recent questions."""
    from faqbot.knowledge import load

    kb = load(ROOT)
    intents = {i.id: list(i.questions) for i in kb.intents}
    matcher = Matcher(intents, synonyms=kb.synonyms)
    examples = [q for qs in intents.values() for q in qs]
    questions = long_questions()
    for q in questions[:5]:
        matcher.match(q + "?")  # warm-up (other strings than the timed ones)
        process.extractOne(q, examples, scorer=fuzz.WRatio)
    match_t = [math.inf] * len(questions)
    ref_t = [math.inf] * len(questions)
    for r in range(rounds):
        for n, q in enumerate(questions):
            q = q + " " * (r + 1)  # a new string each round (the same words)
            t0 = time.perf_counter()
            matcher.match(q)
            t1 = time.perf_counter()
            process.extractOne(q, examples, scorer=fuzz.WRatio)
            t2 = time.perf_counter()
            match_t[n] = min(match_t[n], t1 - t0)
            ref_t[n] = min(ref_t[n], t2 - t1)
    ratios = [a / b for a, b in zip(match_t, ref_t)]
    return {
        "questions": len(questions),
        "chars": [min(map(len, questions)), max(map(len, questions))],
        "rounds": rounds,
        "match_median_us": round(statistics.median(match_t) * 1e6, 1),
        "extractone_median_us": round(statistics.median(ref_t) * 1e6, 1),
        "ratio": round(statistics.median(ratios), 3),
        "ratio_of_totals": round(sum(match_t) / sum(ref_t), 3),
        "ratio_p95": round(_pct(ratios, 0.95), 3),
    }


def _slope(rows: list[dict], key: str) -> float | None:
    pts = [(math.log(r["examples"]), math.log(r[key])) for r in rows if r[key] > 0]
    if len(pts) < 2:
        return None
    mx = statistics.fmean(x for x, _ in pts)
    my = statistics.fmean(y for _, y in pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return round(sum((x - mx) * (y - my) for x, y in pts) / den, 3) if den else None


# ---------------------------------------------------------------- batch


def batch_questions(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    bot_examples = [q for intent in FAQBot.load().kb.intents for q in intent.questions]
    evals = _article_questions()
    _, held_out, _ = synthetic_kb(10, seed=seed)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            out.append(_perturb(rng, rng.choice(bot_examples)))
        elif r < 0.8:
            out.append(rng.choice(evals))
        else:
            words = [rng.choice(held_out) for _ in range(3)]
            out.append(rng.choice(_FRAMES).format(a=words[0], b=words[1], c=words[2]))
    return out


def batch(tmp: Path, n: int) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONUNBUFFERED", None)  # buffered output, as for most users
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env["XDG_CACHE_HOME"] = str(tmp / "xdg-cache")
    questions = batch_questions(n)
    data = ("\n".join(questions) + "\n").encode("utf-8")
    elapsed, proc = _run([*_faqbot_command(), "ask", "--json", "-"], env, stdin=data)
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    ok = proc.returncode == 0 and len(lines) == n and all(json.loads(lines[k])["question"] == questions[k]
                                                        for k in (0, n // 2, n - 1))
    return {"questions": n, "seconds": round(elapsed, 3), "questions_per_s": round(n / elapsed, 1),
            "ms_per_question": round(elapsed * 1000 / n, 3), "ok": ok}


# ---------------------------------------------------------------- profiles and report


def _profile(fn, title: str, top: int = 18) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    text = buf.getvalue()
    body = text[text.find("   ncalls"):] if "   ncalls" in text else text
    return f"== profile ({title}), by own time ==\n" + body.replace(str(ROOT) + "/", "")


def targets(result: dict) -> list[dict]:
    out = []

    def add(name: str, value, limit, ok: bool) -> None:
        out.append({"target": name, "value": value, "limit": limit, "met": bool(ok)})

    c = result.get("cold")
    if c:
        add("cold start / import rapidfuzz, yaml", c["ratio"], 1.3, c["ratio"] <= 1.3)
        add("prompt_toolkit, numpy not imported by faqbot ask", c["imports_forbidden"] or "none", "none",
            not c["imports_forbidden"])
    w = result.get("warm")
    if w:
        add("bot.ask / extractOne(WRatio) per question", w["ratio"], 3.0, w["ratio"] <= 3.0)
    lq = result.get("long")
    if lq:
        add("Matcher.match, 300-990 characters / extractOne(WRatio)", lq["ratio"], 1.5, lq["ratio"] <= 1.5)
    s = result.get("scale")
    if s:
        big = [r for r in s["rows"] if r["intents"] == 10_000]
        if big:
            r = big[0]
            add("10,000 intents: median ms per question", r["median_ms"], 5.0, r["median_ms"] < 5.0)
            add("10,000 intents: build s", r["build_s"], 4.0, r["build_s"] <= 4.0)
            if r["peak_mib"] is not None:
                add("10,000 intents: build peak MiB (tracemalloc)", r["peak_mib"], 300, r["peak_mib"] <= 300)
            if r["rss_peak_mib"] is not None:
                add("10,000 intents: process RSS peak MiB", r["rss_peak_mib"], 300, r["rss_peak_mib"] <= 300)
            if r["rss_after_mib"] is not None:
                add("10,000 intents: process RSS MiB after the build", r["rss_after_mib"], 200, r["rss_after_mib"] < 200)
        mid = [r for r in s["rows"] if r["intents"] == 1_000 and "from_state_ms" in r]
        if mid:
            add("1,000 intents: Matcher.from_state ms", mid[0]["from_state_ms"], 10.0, mid[0]["from_state_ms"] <= 10.0)
        if s["exponent_median"] is not None:
            add("per-question cost exponent (median)", s["exponent_median"], 1.0, s["exponent_median"] < 1.0)
    rc = result.get("refine")
    if rc:
        add("default build / build without refinement (worst size)", rc["max_cliff"], 2.0, rc["max_cliff"] <= 2.0)
    b = result.get("batch")
    if b:
        add("batch: 10,000 answered in one process", b["questions_per_s"], "q/s", b["ok"])
    return out


def fig(value: float | None, fmt: str = ".1f") -> str:
    return "-" if value is None else format(value, fmt)


def render_table(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"faqbot {m['faqbot']} speed — {m['date']}",
        f"machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['python']}, "
        f"rapidfuzz {m['rapidfuzz']}, load average {m['load_average_1min']}",
        "",
    ]
    c = result.get("cold")
    if c:
        lines.append(f"cold start (whole process, median of {c['rounds']} interleaved runs)")
        lines.append(f"  {'command':42s} {'median ms':>10s} {'min ms':>8s} {'x baseline':>11s}")
        for name, row in c["commands"].items():
            lines.append(f"  {name:42s} {row['median_ms']:10.1f} {row['min_ms']:8.1f} {row['ratio_to_baseline']:11.2f}")
        lines.append(f"  answer right: {c['answer_ok']}; forbidden imports: {', '.join(c['imports_forbidden']) or 'none'}; "
                     f"yaml imported on a cache hit: {c['imports_yaml_on_hit']}; modules imported: {c['modules_imported']}")
        lines.append("")
    w = result.get("warm")
    if w:
        lines.append(f"warm (article KB: {w['examples']} examples, {w['questions']} questions x {w['rounds']})")
        lines.append(f"  {'per question':42s} {'median us':>10s} {'p95 us':>8s} {'mean us':>8s}")
        lines.append(f"  {'bot.ask':42s} {w['ask_median_us']:10.1f} {w['ask_p95_us']:8.1f} {w['ask_mean_us']:8.1f}")
        lines.append(f"  {'extractOne(q, examples, scorer=WRatio)':42s} {w['extractone_median_us']:10.1f} "
                     f"{w['extractone_p95_us']:8.1f} {w['extractone_mean_us']:8.1f}")
        lines.append(f"  ratio (medians) {w['ratio']:.2f}, ratio (means) {w['ratio_of_means']:.2f}")
        lines.append("")
    lq = result.get("long")
    if lq:
        lines.append(f"long questions ({lq['questions']} of {lq['chars'][0]}-{lq['chars'][1]} characters x {lq['rounds']}, "
                     f"article KB)")
        lines.append(f"  Matcher.match median {lq['match_median_us']:.1f} us, extractOne(q, examples, scorer=WRatio) "
                     f"median {lq['extractone_median_us']:.1f} us (fastest of the rounds)")
        lines.append(f"  per-question ratio: median {lq['ratio']:.2f}, p95 {lq['ratio_p95']:.2f}; "
                     f"ratio of the totals {lq['ratio_of_totals']:.2f}")
        lines.append("")
    s = result.get("scale")
    if s:
        lines.append("scale (synthetic KBs through Matcher, each built in a fresh process; one core)")
        lines.append(f"  {'intents':>8s} {'examples':>9s} {'build s':>8s} {'trace':>7s} {'kept':>7s} {'RSS0':>6s} "
                     f"{'RSSpk':>6s} {'RSS1':>6s} {'median':>7s} {'p95':>6s} {'top1':>5s} {'unrel':>5s} "
                     f"{'state':>6s} {'load':>7s}")
        for r in s["rows"]:
            lines.append(f"  {r['intents']:8,d} {r['examples']:9,d} {r['build_s']:8.2f} {fig(r['peak_mib']):>7s} "
                         f"{fig(r['retained_mib']):>7s} {fig(r['rss_before_mib'], '.0f'):>6s} "
                         f"{fig(r['rss_peak_mib'], '.0f'):>6s} {fig(r['rss_after_mib'], '.0f'):>6s} "
                         f"{r['median_ms']:7.3f} {r['p95_ms']:6.3f} {r['top1_related']:5.2f} "
                         f"{r['unrelated_below_0.5']:5.2f} {fig(r.get('state_mib'), '.2f'):>6s} "
                         f"{fig(r.get('from_state_ms'), '.2f'):>7s}")
        lines.append("  trace/kept: tracemalloc peak during the build and what the matcher keeps, MiB; RSS0/RSSpk/RSS1:")
        lines.append("  process RSS before, at the peak of, and after the build (garbage collected), MiB; median/p95: ms")
        lines.append("  per question; state: Matcher.to_state() MiB; load: Matcher.from_state() ms")
        lines.append(f"  exponent of per-question cost vs examples: median {s['exponent_median']}, "
                     f"p95 {s['exponent_p95']} (build: {s['exponent_build']})")
        lines.append("")
    rc = result.get("refine")
    if rc:
        lines.append("refinement (numpy softmax): build seconds and RSS peak MiB, each in a fresh process")
        lines.append(f"  {'intents':>8s} {'examples':>9s} {'default':>9s} {'RSS':>5s} {'unrefined':>10s} {'RSS':>5s} "
                     f"{'refine=True':>12s} {'RSS':>5s} {'default/unref':>14s} {'refined/unref':>14s}")
        for r in rc["rows"]:
            default = f"{r['default_s']:.2f}{'*' if r['refined_by_default'] else ''}"
            lines.append(f"  {r['intents']:8,d} {r['examples']:9,d} {default:>9s} "
                         f"{fig(r['default_rss_peak_mib'], '.0f'):>5s} {r['unrefined_s']:10.2f} "
                         f"{fig(r['unrefined_rss_peak_mib'], '.0f'):>5s} {r['refined_s']:12.2f} "
                         f"{fig(r['refined_rss_peak_mib'], '.0f'):>5s} {r['cliff']:14.2f} {r['refine_cost']:14.2f}")
        lines.append("  * refined by default")
        lines.append("")
    b = result.get("batch")
    if b:
        lines.append(f"batch: faqbot ask --json - with {b['questions']:,} questions: {b['seconds']:.2f} s, "
                     f"{b['questions_per_s']:,.0f} questions/s ({b['ms_per_question']:.3f} ms each), output ok: {b['ok']}")
        lines.append("")
    lines.append("targets")
    for t in result["targets"]:
        mark = "met " if t["met"] else "MISS"
        lines.append(f"  [{mark}] {t['target']}: {t['value']} (limit {t['limit']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--profile", action="store_true", help="add cProfile listings (warm, 10,000 intents)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, smaller sizes (a smoke run)")
    parser.add_argument("--full", action="store_true",
                        help=f"always measure peak memory (by default skipped when a build takes over "
                             f"{TRACEMALLOC_MAX_BUILD_S:.0f} s)")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one scale measurement, in a fresh process
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return 0
    parts = set(args.only or PARTS)
    result: dict = {"machine": machine()}
    listings: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="faqbot-speed-"))
    try:
        if "cold" in parts:
            result["cold"] = cold(tmp, rounds=6 if args.quick else 30)
        if "warm" in parts:
            result["warm"], text = warm(rounds=1 if args.quick else 3, profile=args.profile)
            listings.append(text)
        if "scale" in parts:
            result["scale"], text = scale((100, 1_000) if args.quick else SIZES, args.profile, args.full)
            listings.append(text)
        if "long" in parts:
            result["long"] = long(rounds=2 if args.quick else 7)
        if "refine" in parts:
            result["refine"] = refine_cost(REFINE_SIZES[:1] if args.quick else REFINE_SIZES)
        if "batch" in parts:
            result["batch"] = batch(tmp, 1_000 if args.quick else 10_000)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["targets"] = targets(result)
    if args.json:
        if args.profile:
            result["profiles"] = [t for t in listings if t]
        print(json.dumps(result))
    else:
        print(render_table(result))
        for text in listings:
            if text:
                print("\n" + text)
    return 0 if all(t["met"] for t in result["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Load on `faqbot serve`, on loopback only: requests/s, latency percentiles, errors,
and worker memory over a sustained run.

    python benchmarks/serve_load.py [--json] [--quick] [--client wrk|asyncio]
        [--requests N] [--time-cap S] [--soak S]

For 1 and 2 workers, a real `faqbot serve --workers W` on 127.0.0.1 is sent POST
/v1/ask by 1, 16 and 64 concurrent clients (keep-alive connections, each sending
its next request when the last is answered), each run bounded by a request count
and a time cap. Half the requests start a conversation (a mix of answered, declined
and clarified questions), half are follow-ups that carry a conversation token
("why?", "2", "and ICE?", "tell me more", ...), so the token is verified and the
session restored and re-signed on every second request.

The client: wrk (Debian's `wrk`, C, epoll) by default. It shares the machine's 2
cores with the server, so the lighter the client the more of them the server gets:
wrk spends about 0.05 ms of CPU per request (a tenth of the server's 0.5 ms), the
asyncio client below (on uvloop) about 0.09 ms. wrk's follow-ups carry tokens minted
by real first turns before the run (its Lua cannot chain them cheaply); `--client
asyncio` (used when wrk is missing) is a Python asyncio client whose follow-ups carry
the token of that client's own previous reply: truly chained conversations.

Each run also reports the server's CPU time per request (its workers' user + system
time over the run, from /proc): unlike requests/s and latency, it hardly moves when
other work on the machine competes for the cores.

Then a soak: 2 workers, 64 clients, `--soak` seconds (60), the workers' resident
memory sampled every 5 s: flat means it grows by less than 5 % after the first sample.

Targets (2 cores): >= 1,000 answered requests/s with 2 workers; p99 <= 50 ms at 64
clients with 2 workers (one worker cannot: 64 requests queued on one core at about
0.5 ms each already make 30 ms on average); 0 errors; memory flat over 60 s. An error is any response other than a 200
carrying a reply, or a socket error. Latency is per request, as the closed-loop client
sees it (no coordinated-omission correction).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET = "serve-load-benchmark-secret-0123456789"

#: Conversation starters: answered, declined (not in the article) and ambiguous ones.
NEW = [
    "What is Special Order 40?", "Who leads the DEA's Los Angeles field division?", "Is Los Angeles a sanctuary city?",
    "What did the DEA announce?", "When can the LAPD assist federal immigration authorities?",
    "What does DHS stand for?", "what does trumps crackdown include", "how did the announcement become public",
    "who won the football game last night", "What is the mayor's phone number?", "what is the weather in LA",
    "cops and ICE", "sanctuary", "can lapd ask about immigration status", "what app was deactivated", "hello",
]
#: (first turn, follow-up): the follow-up leans on the first turn's conversation.
FOLLOW_UPS = [
    ("What is Special Order 40?", "are there any exceptions?"), ("When can the LAPD assist federal immigration "
                                                                  "authorities?", "why?"),
    ("What does DHS stand for?", "and ICE?"), ("Is Los Angeles a sanctuary city?", "when was it adopted?"),
    ("What did the DEA announce?", "how did it become public?"), ("What is Special Order 40?", "2"),
    ("Who leads the DEA's Los Angeles field division?", "tell me more"), ("what is the weather in LA", "1"),
]

_LUA = r"""
-- Globals, not locals: done() reads each thread's through thread:get().
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } faqbot_ts; int clock_gettime(int, faqbot_ts *); ]]
local ts = ffi.new("faqbot_ts")
local function now() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9 end

bodies, count, limit, bad, id, first, last = {}, 0, 0, 0, 0, 0, 0
local threads = {}
local n = 0

function setup(thread)
  n = n + 1
  thread:set("id", n)
  table.insert(threads, thread)
end

function init(args)
  limit = tonumber(args[2])
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  if first == 0 then first = now() end
  local i = ((id * 7919 + count) % #bodies) + 1
  return wrk.format(nil, nil, nil, bodies[i])
end

function response(status, headers, body)
  count = count + 1
  last = now()
  if status ~= 200 or not string.find(body, '"conversation":"', 1, true) then bad = bad + 1 end
  if count >= limit then wrk.thread:stop() end
end

-- wrk's own duration is the -d it slept; the run's is first request to last response.
function done(summary, latency, requests)
  local total, errors, t0, t1 = 0, 0, math.huge, 0
  for _, t in ipairs(threads) do
    total = total + t:get("count")
    errors = errors + t:get("bad")
    if t:get("first") > 0 then t0 = math.min(t0, t:get("first")) end
    t1 = math.max(t1, t:get("last"))
  end
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "seconds": %.6f, "bad": %d, "socket_errors": %d, ' ..
    '"p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f}\n',
    total, t1 - t0, errors, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(url + "/v1/ask", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback only
        return json.loads(r.read())


@contextlib.contextmanager
def server(workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`faqbot serve --workers N` on a free loopback port, until the block ends."""
    port = _free_port()
    env = {**os.environ, "FAQBOT_SECRET": SECRET, "XDG_STATE_HOME": tempfile.mkdtemp(prefix="faqbot-load-")}
    proc = subprocess.Popen([sys.executable, "-m", "faqbot", "serve", "--port", str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"faqbot serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(url + "/readyz", timeout=2) as r:  # noqa: S310
                    if r.status == 200 and len(_workers(proc.pid)) >= workers:
                        break
            if time.monotonic() > deadline:
                raise SystemExit("faqbot serve did not become ready in 60 s")
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _workers(pid: int) -> list[int]:
    """The worker processes of the server `pid` (itself when it has no children)."""
    kids: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids += [int(k) for k in (task / "children").read_text().split()]
    # uvicorn's multiprocess supervisor may also run a resource tracker: keep the python workers
    workers = [k for k in kids if _rss_kib(k) > 20_000]
    return workers or [pid]


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server's workers."""
    total = 0
    for w in _workers(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def bodies(url: str) -> list[str]:
    """Request bodies, new and follow-up turns alternating; follow-ups carry tokens
    minted by real first turns."""
    out: list[str] = []
    tokens = [(_post(url, {"question": first})["conversation"], follow) for first, follow in FOLLOW_UPS]
    for i in range(max(len(NEW), len(tokens)) * 4):
        out.append(json.dumps({"question": NEW[i % len(NEW)], "conversation": None}))
        token, follow = tokens[i % len(tokens)]
        out.append(json.dumps({"question": follow, "conversation": token}))
    return out


def run_wrk(url: str, clients: int, requests: int, cap: float, body_file: Path, script: Path) -> dict[str, Any]:
    threads = 1 if clients == 1 else 2
    cap = max(1.0, round(cap))  # wrk takes whole seconds, and sleeps all of them even when done sooner
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{cap:.0f}s", "--timeout", "10s", "-s", str(script),
         url + "/v1/ask", "--", str(body_file), str(max(1, requests // threads))],
        capture_output=True, text=True, timeout=cap + 60,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {out.stdout}\n{out.stderr}")
    r = json.loads(line[len("RESULT "):])
    r["client_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return r


async def _async_client(host: str, port: int, n: int, deadline: float, results: list[float],
                        failures: list[int], seed: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    token: str | None = None
    i = seed
    try:
        for _ in range(n):
            if time.perf_counter() > deadline:
                break
            if token is not None and i % 2:
                question, conversation = FOLLOW_UPS[(i // 2) % len(FOLLOW_UPS)][1], token
            else:
                question, conversation = NEW[(i // 2) % len(NEW)], None
            i += 1
            payload = json.dumps({"question": question, "conversation": conversation}).encode()
            start = time.perf_counter()
            writer.write(b"POST /v1/ask HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (host.encode(), len(payload), payload))
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for h in head.split(b"\r\n"):
                if h.lower().startswith(b"content-length:"):
                    length = int(h.split(b":", 1)[1])
            body = await reader.readexactly(length)
            results.append((time.perf_counter() - start) * 1000)
            if not head.startswith(b"HTTP/1.1 200"):
                failures.append(1)
                token = None
                continue
            token = json.loads(body).get("conversation")
            if i % 8 == 0:
                token = None  # start a new conversation now and then
    except (OSError, asyncio.IncompleteReadError):
        failures.append(1)
    finally:
        writer.close()


def run_asyncio(url: str, clients: int, requests: int, cap: float) -> dict[str, Any]:
    host, port = "127.0.0.1", int(url.rsplit(":", 1)[1])
    latencies: list[float] = []
    failures: list[int] = []
    before = resource.getrusage(resource.RUSAGE_SELF)

    async def main() -> float:
        deadline = time.perf_counter() + cap
        start = time.perf_counter()
        per = max(1, requests // clients)
        await asyncio.gather(*(_async_client(host, port, per, deadline, latencies, failures, c)
                               for c in range(clients)))
        return time.perf_counter() - start

    try:
        import uvloop  # type: ignore[import-not-found]

        seconds = uvloop.run(main())
    except ImportError:
        seconds = asyncio.run(main())
    after = resource.getrusage(resource.RUSAGE_SELF)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else 0.0

    return {"requests": len(latencies), "seconds": seconds, "bad": len(failures), "socket_errors": 0,
            "p50": pct(50), "p95": pct(95), "p99": pct(99), "max": latencies[-1] if latencies else 0.0,
            "client_cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)}


def soak(url: str, proc: subprocess.Popen[bytes], seconds: float, client: str, body_file: Path,
         script: Path) -> dict[str, Any]:
    """64 clients for `seconds`, sampling the workers' memory every 5 s."""
    samples: list[tuple[float, int]] = []
    workers = _workers(proc.pid)
    if client == "wrk":
        load = subprocess.Popen(
            ["wrk", "-t", "2", "-c", "64", "-d", f"{seconds:.0f}s", "--timeout", "10s", "-s", str(script),
             url + "/v1/ask", "--", str(body_file), "100000000"], stdout=subprocess.PIPE, text=True)
        start = time.monotonic()
        while load.poll() is None:
            samples.append((round(time.monotonic() - start, 1), sum(_rss_kib(w) for w in workers)))
            time.sleep(5)
        out = load.stdout.read() if load.stdout else ""
        line = next((x for x in out.splitlines() if x.startswith("RESULT ")), "RESULT {}")
        result = json.loads(line[len("RESULT "):])
    else:
        import threading

        box: dict[str, Any] = {}
        t = threading.Thread(target=lambda: box.update(run_asyncio(url, 64, 10**9, seconds)))
        start = time.monotonic()
        t.start()
        while t.is_alive():
            samples.append((round(time.monotonic() - start, 1), sum(_rss_kib(w) for w in workers)))
            time.sleep(5)
        result = box
    first = samples[1][1] if len(samples) > 1 else samples[0][1]  # after the first 5 s of warm-up
    last, peak = samples[-1][1], max(s for _, s in samples)
    return {"seconds": seconds, "workers": len(workers), "rss_mib": [(t, round(k / 1024, 1)) for t, k in samples],
            "growth_pct": round(100 * (last - first) / first, 2),
            "peak_growth_pct": round(100 * (peak - first) / first, 2),
            "flat": (peak - first) / first < 0.05, **{k: result.get(k) for k in ("requests", "bad", "socket_errors")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few requests, short soak")
    parser.add_argument("--client", choices=["wrk", "asyncio"], default=None, help="the load client (default: wrk)")
    parser.add_argument("--requests", type=int, default=None, help="requests per run (default 20,000; 1 client 4,000)")
    parser.add_argument("--time-cap", type=float, default=20.0, help="seconds per run at most (default 20)")
    parser.add_argument("--soak", type=float, default=None, help="seconds of the memory run (default 60; 0: none)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated (default 1,2)")
    parser.add_argument("--clients", default="1,16,64", help="client counts, comma-separated (default 1,16,64)")
    args = parser.parse_args()
    client = args.client or ("wrk" if shutil.which("wrk") else "asyncio")
    if client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (or --client asyncio)")
    soak_s = args.soak if args.soak is not None else (6.0 if args.quick else 60.0)
    cap = min(args.time_cap, 2.0) if args.quick else args.time_cap
    worker_counts = [int(w) for w in args.workers.split(",")]
    client_counts = [int(c) for c in args.clients.split(",")]

    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "client": client, "runs": [], "soak": None,
        # other work on the machine steals the cores the server and client share: say how much there was
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    tmp = Path(tempfile.mkdtemp(prefix="faqbot-load-"))
    script = tmp / "ask.lua"
    script.write_text(_LUA)
    for workers in worker_counts:
        with server(workers) as (url, proc):
            body_file = tmp / f"bodies-{workers}.jsonl"
            body_file.write_text("\n".join(bodies(url)) + "\n")
            warm = run_wrk if client == "wrk" else None
            if warm is not None:  # warm up: caches, allocator, branch predictors
                warm(url, 16, 500 if args.quick else 3000, 1 if args.quick else 3, body_file, script)
            else:
                run_asyncio(url, 16, 500 if args.quick else 3000, 1 if args.quick else 3)
            for clients in client_counts:
                n = args.requests or ((300 if clients == 1 else 2000) if args.quick else
                                      (4000 if clients == 1 else 20000))
                busy = _cpu_s(proc.pid)
                if client == "wrk":
                    r = run_wrk(url, clients, n, cap, body_file, script)
                else:
                    r = run_asyncio(url, clients, n, cap)
                r.update(workers=workers, clients=clients,
                         answered_per_s=round((r["requests"] - r["bad"]) / r["seconds"], 1) if r["seconds"] else 0.0,
                         server_cpu_ms_per_request=round(1000 * (_cpu_s(proc.pid) - busy) / max(1, r["requests"]), 3))
                report["runs"].append(r)
                if not args.json:
                    print(f"workers {workers}  clients {clients:>2}: {r['answered_per_s']:>7.0f} answered/s  "
                          f"p50 {r['p50']:6.2f} ms  p95 {r['p95']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
                          f"errors {r['bad'] + r['socket_errors']}  ({r['requests']} requests in {r['seconds']:.1f} s; "
                          f"server CPU {r['server_cpu_ms_per_request']:.2f} ms/request; "
                          f"client CPU {r['client_cpu_s']:.1f} s)", flush=True)
            if workers == max(worker_counts) and soak_s > 0:
                s = soak(url, proc, soak_s, client, body_file, script)
                report["soak"] = s
                if not args.json:
                    print(f"soak 2 workers, 64 clients, {soak_s:.0f} s: {s['requests']} requests, "
                          f"errors {(s['bad'] or 0) + (s['socket_errors'] or 0)}; worker RSS (MiB) "
                          + ", ".join(f"{t:.0f}s {m}" for t, m in s["rss_mib"])
                          + f"; growth {s['growth_pct']} % (peak {s['peak_growth_pct']} %): "
                          + ("flat" if s["flat"] else "NOT flat"), flush=True)
    two = [r["answered_per_s"] for r in report["runs"] if r["workers"] == 2]
    at64 = [r["p99"] for r in report["runs"] if r["clients"] == 64 and r["workers"] == 2]
    soaked = report["soak"]
    report["targets"] = {
        "answered_per_s_2_workers": {"target": 1000, "got": max(two, default=None),
                                     "met": bool(two) and max(two) >= 1000},
        "p99_ms_64_clients_2_workers": {"target": 50, "got": max(at64, default=None),
                                        "met": bool(at64) and max(at64) <= 50},
        "errors": {"target": 0, "got": sum(r["bad"] + r["socket_errors"] for r in report["runs"]),
                   "met": sum(r["bad"] + r["socket_errors"] for r in report["runs"]) == 0},
        "memory_flat": {"target": "< 5 % growth", "got": soaked and soaked["peak_growth_pct"],
                        "met": bool(soaked and soaked["flat"])},
    }
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"load average (1, 5, 15 min) before {report['load_average_before']}, "
              f"after {report['load_average_after']} (2 cores: above ~0.5 before, other work competed)")
        print("targets: " + "; ".join(f"{k} {v['got']} ({'met' if v['met'] else 'MISSED'}, target {v['target']})"
                                       for k, v in report["targets"].items()))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

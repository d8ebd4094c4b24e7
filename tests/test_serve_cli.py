"""`faqbot serve` as a command: its options and errors, and real servers with one
and two worker processes."""

from __future__ import annotations

import json
import re
import time
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from faqbot.cli import main
from tests.serve_support import SECRET, live_server, need

need("starlette", "uvicorn", "prometheus_client")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["serve", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "--port 0: use a port from 1 to 65535"),
        (["--port", "70000"], "--port 70000: use a port from 1 to 65535"),
        (["--workers", "0"], "--workers 0: use 1 to 64"),
        (["--cors-origin", "news.example"], "--cors-origin 'news.example': give an origin such as"),
        (["--cors-origin", "https://news.example/path"], "no path"),
        (["--port", "eighty"], "argument --port: invalid int value: 'eighty'"),
    ],
)
def test_bad_options_are_one_line(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, err = run(capsys, *args)
    assert code == 2 and err.startswith("faqbot: error: ") and message in err and err.count("\n") == 1


def test_a_broken_kb_stops_before_listening(capsys: pytest.CaptureFixture[str], make_kb: Any) -> None:
    kb = make_kb(intents="intents:\n  - id: x\n    title: [unclosed\n")
    code, err = run(capsys, "--kb", str(kb), "--port", "1")
    assert code == 2 and err.count("\n") == 1 and "pets.yaml" in err


def test_a_port_in_use(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQBOT_SECRET", SECRET)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = run(capsys, "--port", str(port))
    assert code == 2 and err == f"faqbot: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_a_short_secret_is_refused(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQBOT_SECRET", "short")
    code, err = run(capsys, "--port", "1")
    assert code == 2 and "FAQBOT_SECRET is too short" in err


def test_serve_is_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    from faqbot.cli import _parser

    assert "serve" in _parser().format_help()
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    help_text = capsys.readouterr().out
    for option in ("--kb", "--host", "--port", "--workers", "--cors-origin", "--log-unanswered", "--log-feedback"):
        assert option in help_text


def test_ask_does_not_import_the_web_stack() -> None:
    code = ("import sys, io; from faqbot.cli import main; sys.stdout = io.StringIO(); "
            "main(['ask', '--json', 'What is Special Order 40?']); sys.stdout = sys.__stdout__; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'prometheus_client', 'faqbot.serve') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "[]\n"


# ------------------------------------------------------------------ real servers


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def test_two_workers_share_conversations_and_metrics(tmp_path: Path) -> None:
    with live_server(tmp_path, workers=2) as server:
        assert len(_children(server.process.pid)) >= 2  # the worker processes (uvicorn's supervisor is the parent)
        turns = 0
        for _ in range(12):  # new connections each time: the kernel spreads them over both workers
            first = server.ask("What does DHS stand for?")
            second = server.ask("and ICE?", first["conversation"])
            third = server.ask("1", second["conversation"])
            turns += 3
            assert first["intent"] == "acronym-dhs" and second["intent"] == "acronym-ice"
            assert third["intent"] == (second["suggestions"] or second["follow_ups"])[0]["intent"]
        counted = None
        for _ in range(40):  # a request is counted as its response ends: the last may lag a moment
            status, text = server.request("GET", "/metrics")
            assert status == 200
            served = re.search(r'faqbot_http_requests_total\{method="POST",route="/v1/ask",status="200"\} (\S+)', text)
            counted = float(served.group(1)) if served else None
            if counted == turns:
                break
            time.sleep(0.05)
        assert counted == turns  # both workers' counts, added up
        server.process.send_signal(2)  # SIGINT: stops cleanly
        assert server.process.wait(timeout=15) == 0
    err = server.stderr.read_text()
    assert "Traceback" not in err and "(2 workers;" in err and "warning" not in err


def test_without_a_secret_it_warns_and_its_workers_still_agree(tmp_path: Path) -> None:
    with live_server(tmp_path, workers=2, secret=None) as server:
        for _ in range(6):
            first = server.ask("What does DHS stand for?")
            assert server.ask("and ICE?", first["conversation"])["intent"] == "acronym-ice"
    err = server.stderr.read_text()
    assert "warning: FAQBOT_SECRET is not set" in err and "replicas" in err


def test_log_options_reach_the_workers(tmp_path: Path) -> None:
    unanswered, feedback = tmp_path / "unanswered.jsonl", tmp_path / "feedback.jsonl"
    with live_server(tmp_path, "--log-unanswered", str(unanswered), "--log-feedback", str(feedback)) as server:
        reply = server.ask("who won the football game last night")
        status, body = server.request("POST", "/v1/feedback", {"helpful": False, "conversation": reply["conversation"]})
        assert (status, body) == (202, {"recorded": True})
    assert "who won the football game last night" in unanswered.read_text()
    assert '"question": "who won the football game last night"' in feedback.read_text()


def test_the_load_benchmark_runs() -> None:
    """A smoke run of benchmarks/serve_load.py (its figures are the benchmark's
    business, not a test's): it drives a real two-worker server and every request
    gets its reply."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "serve_load.py"), "--quick", "--soak", "0", "--workers", "2",
         "--clients", "16", "--json"], capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(out.stdout)
    assert report["client"] in ("wrk", "asyncio")
    (run_,) = report["runs"]
    assert run_["workers"] == 2 and run_["clients"] == 16 and run_["requests"] >= 100
    assert run_["bad"] == 0 and run_["socket_errors"] == 0 and report["targets"]["errors"]["met"]
    assert 0 < run_["p50"] <= run_["p95"] <= run_["p99"] <= run_["max"]

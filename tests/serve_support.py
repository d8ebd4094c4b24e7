"""Helpers for the tests of `faqbot serve`: the extra's modules, and real servers.

Outside CI a test whose extra (``pip install -e '.[serve-test]'``) or browser is
missing is skipped; in CI (``CI`` set, as `.ci/run` does) it fails instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

IN_CI = bool(os.environ.get("CI"))
SECRET = "test-secret-0123456789-abcdefghij"


def need(*modules: str) -> None:
    """Import `modules`, or skip (outside CI) / fail (in CI) the calling test module."""
    for module in modules:
        if IN_CI:
            __import__(module)  # an ImportError here fails the run: CI must have the extra
        else:
            pytest.importorskip(module, reason=f"needs {module}: pip install -e '.[serve-test]'")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A `faqbot serve` process on 127.0.0.1."""

    url: str
    process: subprocess.Popen[str]
    stderr: Path

    def request(self, method: str, path: str, body: Any = None, *, timeout: float = 10) -> tuple[int, Any]:
        """(status, parsed JSON body) of one request."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 - loopback only
                raw = response.read()
                status = response.status
                kind = response.headers.get("content-type", "")
        except urllib.error.HTTPError as e:
            raw, status, kind = e.read(), e.code, e.headers.get("content-type", "")
        return status, json.loads(raw) if "json" in kind else raw.decode()

    def ask(self, question: str, conversation: str | None = None) -> dict[str, Any]:
        status, reply = self.request("POST", "/v1/ask", {"question": question, "conversation": conversation})
        assert status == 200, reply
        return reply


@contextlib.contextmanager
def live_server(tmp: Path, *args: str, workers: int = 1, secret: str | None = SECRET,
                env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Run ``faqbot serve`` on a free loopback port until the block ends."""
    port = free_port()
    stderr = tmp / f"serve-{port}.err"
    environ = {**os.environ, **(env or {})}
    environ.pop("FAQBOT_SECRET", None)
    if secret is not None:
        environ["FAQBOT_SECRET"] = secret
    cmd = [sys.executable, "-m", "faqbot", "serve", "--port", str(port), "--workers", str(workers), *args]
    with open(stderr, "w") as err:
        process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
                                   env=environ, text=True)
    server = LiveServer(f"http://127.0.0.1:{port}", process, stderr)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"faqbot serve exited with {process.returncode}: {stderr.read_text()}")
            with contextlib.suppress(OSError):
                if server.request("GET", "/readyz", timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"faqbot serve did not become ready: {stderr.read_text()}")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

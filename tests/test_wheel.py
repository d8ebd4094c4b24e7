"""The wheel carries the knowledge base: install it into a fresh venv and ask from elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

from .conftest import ROOT


def test_installed_wheel_answers_from_any_directory(tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(dist.glob("faqbot-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    result = subprocess.run(
        [env_dir / "bin" / "faqbot", "ask", "--json", "What is Special Order 40?"],
        cwd=elsewhere, capture_output=True, timeout=60, env=env,
    )
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["intent"] == "special-order-40"
    # the knowledge base inside the installed package, not this checkout
    where = subprocess.run(
        [python, "-c", "import faqbot.knowledge as k; print(k.bundled_path())"],
        cwd=elsewhere, capture_output=True, text=True, check=True, env=env,
    ).stdout.strip()
    assert "site-packages" in where and (Path(where) / "seeds" / "sources.yaml").exists()
    # `pip install faqbot` does not pull the web stack; the page ships in the wheel,
    # and `faqbot serve` without the extra says what to install, on one line
    probe = ("import importlib.util, faqbot.serve as s, pathlib; "
             "print([importlib.util.find_spec(m) is None for m in ('starlette', 'uvicorn', 'prometheus_client')]); "
             "print(sorted(p.name for p in (pathlib.Path(s.__file__).parent / 'static').iterdir()))")
    out = subprocess.run([python, "-c", probe], cwd=elsewhere, capture_output=True, text=True, check=True,
                         env=env).stdout.splitlines()
    assert out == ["[True, True, True]", "['chat.css', 'chat.js', 'index.html', 'widget.js']"]
    serve = subprocess.run([env_dir / "bin" / "faqbot", "serve"], cwd=elsewhere, capture_output=True, text=True,
                           timeout=60, env=env)
    assert serve.returncode == 2
    assert serve.stderr == ("faqbot: error: faqbot serve needs starlette, uvicorn, prometheus_client: "
                            "pip install 'faqbot[serve]'\n")

"""The README's examples still run and still print what the README shows.

`python -m tests.test_readme --update` rewrites the README's console and output
blocks from real runs (then read the diff before committing it).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys

import pytest

from .conftest import ROOT

README = ROOT / "README.md"
# ```console blocks: "$ command" lines, each followed by its exact output
_CONSOLE = re.compile(r"```console\n(.*?)```", re.S)
# a ```python block directly followed by a ```text block holding what it prints
_PYTHON = re.compile(r"```python\n(.*?)```\n+(?:Output:\n+)?```text\n(.*?)```", re.S)


def console_examples(text: str) -> list[tuple[str, str]]:
    out = []
    for block in _CONSOLE.findall(text):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            out.append((command, output))
    return out


def run_command(command: str) -> str:
    argv = shlex.split(command)
    assert argv[0] == "faqbot", f"README console examples run faqbot only: {command}"
    stdin = None
    if "<<<" in argv:  # faqbot ask - <<< "question": a here-string on stdin
        at = argv.index("<<<")
        stdin, argv = argv[at + 1] + "\n", argv[:at]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "88"}
    result = subprocess.run(
        [sys.executable, "-m", "faqbot", *argv[1:]], input=stdin, capture_output=True, text=True,
        timeout=60, env=env,
    )
    return result.stdout + result.stderr


def run_python(code: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})  # noqa: S102 - our own README
    return buffer.getvalue()


def test_readme_has_examples():
    text = README.read_text(encoding="utf-8")
    assert len(console_examples(text)) >= 4
    assert len(_PYTHON.findall(text)) >= 1


@pytest.mark.parametrize(("command", "expected"), console_examples(README.read_text(encoding="utf-8")))
def test_console_example(command, expected):
    assert run_command(command) == expected


@pytest.mark.parametrize(("code", "expected"), _PYTHON.findall(README.read_text(encoding="utf-8")))
def test_python_example(code, expected):
    assert run_python(code) == expected


def _update() -> None:
    text = README.read_text(encoding="utf-8")

    def console(m: re.Match[str]) -> str:
        parts = []
        for command, _ in console_examples(m.group(0)):
            parts.append(f"$ {command}\n{run_command(command)}")
        return "```console\n" + "".join(parts) + "```"

    def python(m: re.Match[str]) -> str:
        return m.group(0).replace(f"```text\n{m.group(2)}```", f"```text\n{run_python(m.group(1))}```")

    text = _PYTHON.sub(python, _CONSOLE.sub(console, text))
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__" and "--update" in sys.argv:
    _update()

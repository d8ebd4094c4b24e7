"""`faqbot ask`: text and JSON output, batch mode, exit codes, --help and --version."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from faqbot import __version__
from faqbot.cli import main


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command, as a user runs it (python -m faqbot is the same program)."""
    return subprocess.run(
        [sys.executable, "-m", "faqbot", *args], input=stdin, capture_output=True, timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_ask_prints_answer_then_each_quote_with_its_location(capsys):
    assert main(["ask", "What is Special Order 40?"]) == 0
    out = capsys.readouterr().out
    answer, quote = out.split("\n\n")[:2]
    assert "Special Order 40" in answer
    assert quote.startswith("  > “Additionally, the LAPD follows Special Order 40")
    assert "— Los Angeles’ Sanctuary City Policies, paragraph 9" in quote
    assert "\x1b[" not in out  # not a terminal: no colour


def test_ask_json_contract(capsys):
    assert main(["ask", "--json", "What did the DEA announce?"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    reply = json.loads(lines[0])
    assert reply["question"] == "What did the DEA announce?"
    assert reply["status"] == "answered" and reply["intent"] == "dea-announcement"
    assert isinstance(reply["confidence"], float) and 0 <= reply["confidence"] <= 1
    assert isinstance(reply["answer"], str) and isinstance(reply["suggestions"], list)
    from faqbot.knowledge import load

    text = load().sources["dea-la"].text
    for c in reply["citations"]:
        assert set(c) == {"source", "section", "paragraph", "start", "end", "quote"}
        assert text[c["start"] : c["end"]] == c["quote"]


@pytest.mark.parametrize(
    ("question", "status", "code"),
    [("hi there", "smalltalk", 0), ("how do I bake sourdough bread?", "unknown", 1), ("What is Special Order 40?", "answered", 0)],
)
def test_exit_codes_follow_the_status(capsys, question, status, code):
    assert main(["ask", "--json", question]) == code
    assert json.loads(capsys.readouterr().out)["status"] == status


def test_unknown_json_offers_up_to_three_suggestions(capsys):
    main(["ask", "--json", "how do I bake sourdough bread?"])
    reply = json.loads(capsys.readouterr().out)
    assert reply["intent"] is None and reply["citations"] == []
    assert 1 <= len(reply["suggestions"]) <= 3
    assert all(set(s) == {"intent", "question", "confidence"} for s in reply["suggestions"])


def test_batch_json_one_line_per_question_in_order_even_for_bad_lines():
    stdin = "What is Special Order 40?\n\n\xff\xfe not utf-8\nhello\n".encode("latin-1")
    result = run("ask", "--json", "-", stdin=stdin)
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["status"] for r in replies] == ["answered", "unknown", "unknown", "smalltalk"]
    assert replies[2]["question"] == "\ufffd\ufffd not utf-8"


def test_batch_text_one_line_per_question():
    result = run("ask", "-", stdin=b"so 40\nthanks\n")
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 2 and result.returncode == 0
    assert lines[0].startswith("answered\tspecial-order-40\t")
    assert lines[1].startswith("smalltalk\tthanks\t")


def test_kb_option_uses_another_knowledge_base(make_kb, capsys):
    assert main(["ask", "--json", "--kb", str(make_kb()), "how much do cats sleep"]) == 0
    assert json.loads(capsys.readouterr().out)["intent"] == "cat-sleep"


def test_broken_kb_is_one_line_and_exit_2(make_kb):
    kb = make_kb(intents="intents: [\n")
    result = run("ask", "--kb", str(kb), "hello")
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.startswith("faqbot: error: intents/pets.yaml:") and err.count("\n") == 1
    assert "Traceback" not in err and result.stdout == b""


def test_usage_errors_are_one_line_and_exit_2():
    result = run("ask")
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1 and "QUESTION" in result.stderr.decode()
    assert run("frobnicate").returncode == 2


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.decode().strip() == f"faqbot {__version__}"


@pytest.mark.parametrize("command", [[], ["ask"], ["chat"], ["eval"], ["check"], ["init"], ["review"]])
def test_help_on_every_subcommand(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: faqbot" in capsys.readouterr().out


def test_no_color_and_colour_on_a_terminal(monkeypatch):
    from faqbot import terminal

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert terminal.use_color(Tty())
    assert not terminal.use_color(Tty(), no_color=True)  # --no-color
    assert not terminal.use_color(object())  # not a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    assert not terminal.use_color(Tty())


def test_explain_shows_candidates_margin_and_reason(capsys):
    assert main(["ask", "--explain", "What is Special Order 40?"]) == 0
    out = capsys.readouterr().out
    assert "Decision: answered (special-order-40)" in out
    assert "margin over the runner-up" in out
    main(["ask", "--json", "--explain", "What is Special Order 40?"])
    explain = json.loads(capsys.readouterr().out)["explain"]
    assert explain["candidates"][0]["intent"] == "special-order-40"
    assert explain["candidates"][0]["example"] and "confidence" in explain["reason"]


def test_a_clarification_asks_once(capsys):
    from faqbot import FAQBot, Thresholds, render

    bot = FAQBot(FAQBot.load().kb, thresholds=Thresholds(margin=1.01, clarify=0.0, wording=1.01))
    reply = bot.ask("what is special order 40")
    assert reply.status == "clarify" and reply.answer.endswith("?")
    text = render.to_text(reply)
    assert text.startswith(reply.answer + "\n\n  • What is Special Order 40?\n")  # the list right under its question
    assert "Did you mean:" not in text
    unknown = bot.ask("how do I bake sourdough bread?")
    assert "\n\nYou could ask:\n  • " in render.to_text(unknown)  # a list after a statement keeps its heading


def test_no_import_cycle_through_the_command_line_modules():
    """cli, chat, render and terminal import the library and each other one way only
    (chat reads lines with terminal, not cli): no cycle passes through them, counting
    imports inside functions too."""
    import ast
    from pathlib import Path

    import faqbot

    package = Path(faqbot.__file__).parent
    graph = {}
    for path in package.glob("*.py"):
        name = path.stem
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    deps.add(node.module.split(".")[0])
                else:
                    deps.update(a.name for a in node.names)
        graph[name] = deps & {p.stem for p in package.glob("*.py")}

    def reaches(start, goal):
        todo, seen = [start], set()
        while todo:
            for dep in graph[todo.pop()] - seen:
                if dep == goal:
                    return True
                seen.add(dep)
                todo.append(dep)
        return False

    assert "cli" in graph["__main__"] and "render" in graph["cli"]  # the graph was read
    for module in ("cli", "chat", "render", "terminal"):
        assert not reaches(module, module), f"{module} imports itself through {sorted(graph[module])}"


def test_module_level_imports_of_the_package_have_no_cycle():
    """The layers of the README's import graph: among the package's modules, the imports
    at module level never lead back to where they started (an import inside a function,
    such as `FAQBot.session` importing `faqbot.session`, is a deliberate late binding)."""
    import ast
    from pathlib import Path

    import faqbot

    package = Path(faqbot.__file__).parent
    names = {p.stem for p in package.glob("*.py")}
    graph = {}
    for path in package.glob("*.py"):
        deps = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                deps |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("faqbot."):
                deps.add(node.module.split(".")[1])
        graph[path.stem] = deps & names

    assert "matcher" in graph["bot"] and "text" in graph["question"]  # the graph was read
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for dep in sorted(graph[module]):
            assert state.get(dep) != "open", "import cycle: " + " -> ".join([*path, module, dep])
            if dep not in state:
                visit(dep, [*path, module])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])

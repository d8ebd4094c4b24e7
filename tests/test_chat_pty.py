"""End to end: the real `faqbot chat` process in a pseudo-terminal (pexpect)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

FAQBOT = Path(sys.executable).parent / "faqbot"
PROMPT = "faqbot>"  # the space after it is drawn as a cursor move


def spawn(tmp_path: Path, *args: str, **env: str):  # type: ignore[no-untyped-def]
    environ = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "TERM": "xterm-256color",
               "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "100", "LINES": "40", **env}
    environ.pop("FAQBOT_DEBUG", None)
    child = pexpect.spawn(str(FAQBOT), list(args), env=environ, encoding="utf-8", timeout=20,
                          dimensions=(40, 100))
    return child


def test_chat_in_a_terminal(tmp_path: Path) -> None:
    child = spawn(tmp_path, "chat", NO_COLOR="1")
    try:
        child.expect("You could start with:")
        child.expect_exact(PROMPT)
        child.sendline("What is Special Order 40?")
        child.expect("bars officers")
        child.expect("Related questions:")
        child.expect_exact(PROMPT)
        child.sendline("are there any exceptions?")  # a follow-up, read against Special Order 40
        child.expect("violent felonies")
        child.expect_exact(PROMPT)
        child.sendline("/help")
        child.expect("/sources")
        child.expect_exact(PROMPT)
        child.send("something half typed")
        child.sendcontrol("c")  # clears the line, the chat goes on
        child.expect_exact(PROMPT)
        child.sendline("1")
        child.expect("↳ What is the exception for people convicted of violent felonies?")
        child.expect_exact(PROMPT)
        child.sendcontrol("d")
        child.expect("Bye.")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    history = tmp_path / "state" / "faqbot" / "history"
    assert "What is Special Order 40?" in history.read_text()
    assert "something half typed" not in history.read_text()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert "Traceback" not in (child.before or "")


def test_bare_faqbot_on_a_terminal_is_the_chat_and_no_color_is_honoured(tmp_path: Path) -> None:
    child = spawn(tmp_path, NO_COLOR="1")
    try:
        child.expect("You could start with:")
        child.expect_exact(PROMPT)
        child.sendline("/quit")
        child.expect(pexpect.EOF)
        seen = child.before or ""
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "\x1b[36m" not in seen and "\x1b[32m" not in seen  # no colours

    seen, status = _ask_and_quit(tmp_path, "bars officers", "chat", "--no-color")
    assert status == 0
    assert "bars officers" in seen and "\x1b[36m" not in seen  # no colours


def _ask_and_quit(tmp_path: Path, expected: str, *args: str) -> tuple[str, int | None]:
    """Ask "What is Special Order 40?" in a real chat, wait for `expected`, then /quit:
    what the screen showed after the answer's first match, and the exit status."""
    child = spawn(tmp_path, *args)
    try:
        child.expect_exact(PROMPT)
        child.sendline("What is Special Order 40?")
        child.expect(expected)
        child.expect_exact(PROMPT)
        seen = child.before or ""
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    return seen, child.exitstatus


def test_colours_on_a_terminal(tmp_path: Path) -> None:
    seen, status = _ask_and_quit(tmp_path, "Related questions:", "chat")
    assert status == 0
    assert "\x1b[" in seen and "36m" in seen  # the numbered questions in cyan


def test_unwritable_history_warns_once(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "faqbot").write_text("a file where the folder should be")
    child = spawn(tmp_path, "chat", NO_COLOR="1")
    rest = _warned_then_answered(child, "history will not be saved")
    assert child.exitstatus == 0
    assert "history will not be saved" not in rest


def _warned_then_answered(child, warning: str) -> str:  # type: ignore[no-untyped-def]
    """Wait for `warning`, ask a question, /quit: what the screen showed after the answer."""
    try:
        child.expect(warning)
        child.expect_exact(PROMPT)
        child.sendline("What is Special Order 40?")
        child.expect("bars officers")
        child.expect_exact(PROMPT)
        child.sendline("/quit")
        child.expect(pexpect.EOF)
        return child.before or ""
    finally:
        child.close()


def _lflag(child) -> int:  # type: ignore[no-untyped-def]
    import termios

    return termios.tcgetattr(child.child_fd)[3]


@pytest.mark.parametrize(("name", "status"), [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_signal_ends_the_chat_and_gives_the_terminal_back(tmp_path: Path, name: str, status: int) -> None:
    import signal
    import termios

    child = spawn(tmp_path, "chat", NO_COLOR="1")
    try:
        child.expect_exact(PROMPT)
        child.send("half typed")
        child.expect_exact("half typed")
        assert not _lflag(child) & termios.ICANON  # the prompt reads keys one by one
        child.kill(getattr(signal, name))
        child.expect(pexpect.EOF)
        lflag = _lflag(child)  # the terminal the shell gets back: lines and echo again
        seen = child.before or ""
    finally:
        child.close()
    assert lflag & termios.ICANON and lflag & termios.ECHO
    assert "\x1b[?2004l" in seen  # bracketed paste off again
    assert child.exitstatus == status and "Traceback" not in seen and "error" not in seen


def test_a_closed_terminal_ends_the_chat_quietly(tmp_path: Path) -> None:
    """The terminal goes away (the kernel sends SIGHUP): the chat ends with 129 and
    nothing on stderr, although every write to the terminal now fails."""
    err = tmp_path / "stderr"
    environ = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "TERM": "xterm-256color",
               "PROMPT_TOOLKIT_NO_CPR": "1", "NO_COLOR": "1"}
    child = pexpect.spawn("/bin/sh", ["-c", f'exec "{FAQBOT}" chat 2>"{err}"'], env=environ, encoding="utf-8",
                          timeout=20, dimensions=(30, 100))
    child.expect_exact(PROMPT)
    os.close(child.child_fd)  # hang up
    child.child_fd = -1
    _, status = os.waitpid(child.pid, 0)
    child.closed = True
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 129
    assert err.read_text() == ""


def test_no_home_directory_chats_without_history(tmp_path: Path) -> None:
    """No HOME and no password entry (simulated: Path.home() fails as it then does):
    one warning, and the chat works."""
    code = ("import pathlib, sys\n"
            "def no_home(): raise RuntimeError('Could not determine home directory.')\n"
            "pathlib.Path.home = staticmethod(no_home)\n"
            "from faqbot.cli import main\n"
            "sys.exit(main(['chat']))\n")
    environ = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_STATE_HOME", "FAQBOT_DEBUG")}
    environ.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-c", code], env=environ, encoding="utf-8", timeout=20, dimensions=(30, 100))
    rest = _warned_then_answered(child, "history will not be saved: no home directory")
    assert child.exitstatus == 0
    assert "history will not be saved" not in rest and "Traceback" not in rest


def test_tab_completes_answered_questions_and_topics_open_by_number(tmp_path: Path) -> None:
    child = spawn(tmp_path, "chat", NO_COLOR="1")
    try:
        child.expect_exact(PROMPT)
        child.send("special ord\t")
        child.expect_exact("What is Special Order 40?")  # the menu, best first
        menu = child.before or ""
        child.expect_exact("What Special Order 40 is")  # with its intent's title
        child.sendcontrol("c")
        child.expect_exact(PROMPT)
        child.sendline("/topics")
        child.expect("Type a number to see a topic's questions.")
        listing = child.before or ""
        child.expect_exact(PROMPT)
        child.sendline("5")
        child.expect(r"1\. When can the LAPD assist federal immigration authorities\?")
        child.expect_exact(PROMPT)
        child.sendline("1")
        child.expect("↳ When can the LAPD assist federal immigration authorities?")
        child.expect_exact(PROMPT)
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert "History and origins" not in menu  # a question the article does not answer
    assert "5. Exceptions to LA's sanctuary protections · 4 questions" in listing
    assert child.exitstatus == 0

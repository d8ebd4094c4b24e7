"""The on-disk cache of built bots: used only when valid, rebuilt when anything changes,
never trusted when corrupt, and never needed (an unwritable cache folder still works).
Plus the one-shot path's imports: no prompt_toolkit, no numpy, and no yaml on a hit."""

from __future__ import annotations

import json
import marshal
import os
import pickle
import shutil
import stat
import zlib
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

import faqbot
from faqbot import FAQBot, Thresholds, cache
from faqbot import bot as bot_module
from faqbot import knowledge
from faqbot.replies import Reply

from .conftest import TINY_SOURCE

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "What is Special Order 40?", "when can lapd call ice", "who runs the dea in la", "whats the wether in paris",
    "is LA a sanctuary city", "hello", "so 40", "How many people were arrested?", "", "dea dhs",
    "birthright citizenship", "What did the CBP One app do?", "\x1b[31mwhat is so 40", "x" * 3000,
]


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test here gets its own empty cache folder, with the cache turned on."""
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("FAQBOT_NO_CACHE", raising=False)
    return home / "faqbot"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The knowledge bases actually parsed (a cache hit parses none)."""
    seen: list[Path] = []
    real = bot_module._load_kb

    def counting(path):
        seen.append(Path(path))
        return real(path)

    monkeypatch.setattr(bot_module, "_load_kb", counting)
    return seen


def snapshot(reply: Reply) -> tuple:
    """Everything a reply says, its evidence included."""
    return (json.dumps(reply.to_dict(), sort_keys=True, ensure_ascii=False), reply.candidates, reply.reason)


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("kb-*.cache")) if folder.is_dir() else []


# ------------------------------------------------------------------ hits


def test_a_cache_hit_answers_exactly_like_a_fresh_build(cache_home: Path, builds: list[Path]):
    first = FAQBot.load()  # builds, then stores
    assert len(builds) == 1 and len(cache_files(cache_home)) == 1
    cached = FAQBot.load()  # from the cache: nothing parsed
    assert len(builds) == 1
    fresh = FAQBot(knowledge.load())
    eval_questions = [item["q"] for item in yaml.safe_load((ROOT / "tests" / "eval" / "article.yaml").read_text("utf-8"))]
    assert len(eval_questions) > 100
    for q in QUESTIONS + eval_questions:
        assert snapshot(cached.ask(q)) == snapshot(fresh.ask(q)) == snapshot(first.ask(q)), q
    assert cached.kb == fresh.kb and cached.kb.path == fresh.kb.path
    assert cached.thresholds == fresh.thresholds


def test_a_cached_bot_is_safe_to_share_between_threads(make_kb, builds: list[Path]):
    kb = make_kb()
    FAQBot.load(kb)
    bot = FAQBot.load(kb)
    assert len(builds) == 1
    questions = ["how much do cats sleep", "why is my dog barking", "dgo brking", "cats", "weather", ""] * 40
    fresh = FAQBot(knowledge.load(kb))
    sequential = [snapshot(fresh.ask(q)) for q in questions]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda q: snapshot(bot.ask(q)), questions))
    assert parallel == sequential


def test_thresholds_apply_to_a_cached_bot_without_changing_the_cache(make_kb, builds: list[Path]):
    kb = make_kb()
    FAQBot.load(kb)
    strict = FAQBot.load(kb, thresholds=Thresholds(answer=0.999, agree=0.999))
    assert strict.thresholds.answer == 0.999
    assert strict.ask("how much do cats sleep").status != "answered"
    again = FAQBot.load(kb)
    assert again.thresholds == Thresholds()
    assert again.ask("how much do cats sleep").status == "answered"
    assert len(builds) == 1


def test_the_cache_file_is_private_and_written_whole(cache_home: Path, make_kb):
    FAQBot.load(make_kb())
    (path,) = cache_files(cache_home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_home.stat().st_mode) == 0o700
    assert [p.name for p in cache_home.iterdir()] == [path.name]  # no temporary file left behind


def test_the_cache_lives_under_xdg_cache_home_or_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache.cache_dir() == str(tmp_path / "x" / "faqbot")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid per the spec: ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == str(tmp_path / "home" / ".cache" / "faqbot")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == str(tmp_path / "home" / ".cache" / "faqbot")


def test_a_relative_path_is_kept_as_given(make_kb, monkeypatch: pytest.MonkeyPatch, builds: list[Path]):
    kb = make_kb()
    monkeypatch.chdir(kb.parent)
    assert FAQBot.load("kb").kb.path == Path("kb")
    assert FAQBot.load(kb).kb.path == kb  # the same folder named differently: its own entry
    assert FAQBot.load("kb").kb.path == Path("kb")
    assert len(builds) == 2


# ------------------------------------------------------------------ invalidation


@pytest.mark.parametrize(
    ("file", "edit"),
    [
        ("intents/pets.yaml", lambda t: t.replace("Cats sleep most of the day.\n", "Cats nap all day long.\n", 1)),
        ("seeds/pets.txt", lambda t: t + "Birds sing at dawn. Birds fly south in winter.\n"),
        ("seeds/sources.yaml", lambda t: t.replace("A tiny article about pets", "Pets, briefly")),
        ("intents/synonyms.yaml", lambda t: "synonyms:\n  cat: [kitty]\n"),
    ],
)
def test_a_changed_knowledge_base_file_is_picked_up(make_kb, builds: list[Path], file: str, edit):
    kb = make_kb()
    before = FAQBot.load(kb)
    path = kb / file
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(edit(text), encoding="utf-8")
    after = FAQBot.load(kb)
    assert len(builds) == 2
    fresh = FAQBot(knowledge.load(kb))
    assert after.kb == fresh.kb
    assert [s.title for s in after.kb.sources.values()] == [s.title for s in fresh.kb.sources.values()]
    assert [s.text for s in after.kb.sources.values()] == [s.text for s in fresh.kb.sources.values()]
    assert after.kb.synonyms == fresh.kb.synonyms
    for q in ["how much do cats sleep", "kitty sleep", "birds"]:
        assert snapshot(after.ask(q)) == snapshot(fresh.ask(q))
    if file == "intents/pets.yaml":
        assert after.ask("how much do cats sleep").answer == "Cats nap all day long."
        assert before.ask("how much do cats sleep").answer == "Cats sleep most of the day."
    FAQBot.load(kb)
    assert len(builds) == 2  # and the new build is cached in its turn


def test_a_broken_knowledge_base_is_reported_not_served_from_the_cache(make_kb):
    kb = make_kb()
    FAQBot.load(kb)
    (kb / "intents" / "pets.yaml").write_text("topic: [unclosed\n", encoding="utf-8")
    with pytest.raises(faqbot.KnowledgeBaseError):
        FAQBot.load(kb)


def test_the_key_covers_the_faqbot_version_and_source_code(make_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    kb = make_kb()
    base = cache.key(kb, FAQBot)
    assert cache.key(kb, FAQBot) == base  # deterministic
    monkeypatch.setattr(faqbot, "__version__", "999.0")
    assert cache.key(kb, FAQBot) != base
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    package = tmp_path / "pkg"
    package.mkdir()
    source = Path(cache.__file__).parent
    for py in source.rglob("*.py"):  # subpackages (faqbot.serve) too, with their modification times
        (package / py.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(py, package / py.relative_to(source))
    monkeypatch.setattr(cache, "_PACKAGE", str(package))
    assert cache.key(kb, FAQBot) == base  # the same code elsewhere
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.pyc").write_bytes(b"not source")
    assert cache.key(kb, FAQBot) == base  # bytecode is not source
    with open(package / "matcher.py", "a", encoding="utf-8") as f:
        f.write("\n# a change\n")
    assert cache.key(kb, FAQBot) != base


# ------------------------------------------------------------------ broken caches


def _valid_header(kb: Path, payload: bytes) -> bytes:
    """A cache file with a right header (key, length, checksum) around `payload`."""
    return (cache._MAGIC + cache.code_stamp() + cache.key(kb, FAQBot) + len(payload).to_bytes(8, "little")
            + zlib.crc32(payload).to_bytes(4, "little") + payload)


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch /tmp/faqbot-cache-pwned",))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda kb, data: b"", id="empty"),
        pytest.param(lambda kb, data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda kb, data: b"\x00garbage" * 100, id="garbage"),
        pytest.param(lambda kb, data: data[:-10] + bytes(b ^ 0xFF for b in data[-10:]), id="flipped-bytes"),
        # still a valid payload, with a different answer in it: only the checksum can tell
        pytest.param(lambda kb, data: data.replace(b"Cats sleep most", b"Cats zzzzz most"), id="silent-change"),
        pytest.param(lambda kb, data: data + b"more", id="longer"),
        pytest.param(lambda kb, data: _valid_header(kb, b"\xffnot marshal at all"), id="bad-payload"),
        pytest.param(lambda kb, data: _valid_header(kb, marshal.dumps({"not": "a bot"})), id="wrong-shape"),
        pytest.param(lambda kb, data: _valid_header(kb, marshal.dumps(("faqbot.bot.FAQBot", {"kb": 1}))), id="bad-state"),
        pytest.param(lambda kb, data: _valid_header(kb, marshal.dumps(("faqbot.bot.FAQBot", (lambda: 1).__code__))),
                     id="code-object"),
        pytest.param(lambda kb, data: _valid_header(kb, pickle.dumps(_Boom())), id="pickle-that-runs-code"),
    ],
)
def test_a_corrupt_cache_file_is_ignored_and_rebuilt(cache_home: Path, make_kb, builds: list[Path], damage):
    kb = make_kb()
    expected = snapshot(FAQBot.load(kb).ask("how much do cats sleep"))
    (path,) = cache_files(cache_home)
    Path("/tmp/faqbot-cache-pwned").unlink(missing_ok=True)
    path.write_bytes(damage(kb, path.read_bytes()))
    assert snapshot(FAQBot.load(kb).ask("how much do cats sleep")) == expected
    assert len(builds) == 2
    assert not Path("/tmp/faqbot-cache-pwned").exists()  # a cache file is data: nothing in it runs
    FAQBot.load(kb)  # rewritten: a hit again
    assert len(builds) == 2


def test_the_cache_module_imports_no_private_module_and_no_pickle():
    source = Path(cache.__file__).read_text(encoding="utf-8")
    imported = {m for line in source.splitlines() for m in line.split()[1:2]
                if line.strip().startswith(("import ", "from "))}
    assert not {m for m in imported if (m.startswith("_") and m != "__future__") or m in ("pickle", "hashlib")}, imported
    assert "__class__" not in source


def test_a_cache_file_others_can_write_is_never_loaded(cache_home: Path, make_kb, builds: list[Path]):
    kb = make_kb()
    FAQBot.load(kb)
    (path,) = cache_files(cache_home)
    path.chmod(0o666)
    FAQBot.load(kb)
    assert len(builds) == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # replaced by a private one


def test_an_unreadable_cache_entry_is_worked_around(cache_home: Path, make_kb, builds: list[Path]):
    kb = make_kb()
    FAQBot.load(kb)
    (path,) = cache_files(cache_home)
    path.unlink()
    path.mkdir()  # neither readable nor replaceable as a file
    for _ in range(2):
        assert FAQBot.load(kb).ask("why is my dog barking").intent == "dog-bark"
    assert len(builds) == 3


def test_an_unwritable_cache_folder_still_works(make_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, builds):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))  # cannot be created, even by root
    kb = make_kb()
    for _ in range(2):
        assert FAQBot.load(kb).ask("how much do cats sleep").intent == "cat-sleep"
    assert len(builds) == 2
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_no_home_at_all_still_works(make_kb, monkeypatch: pytest.MonkeyPatch, builds: list[Path]):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(cache, "cache_dir", lambda: None)
    assert FAQBot.load(make_kb()).ask("how much do cats sleep").intent == "cat-sleep"


def test_faqbot_no_cache_turns_the_cache_off(cache_home: Path, make_kb, monkeypatch: pytest.MonkeyPatch, builds):
    kb = make_kb()
    monkeypatch.setenv("FAQBOT_NO_CACHE", "1")
    FAQBot.load(kb)
    assert cache_files(cache_home) == []  # nothing written
    monkeypatch.delenv("FAQBOT_NO_CACHE")
    FAQBot.load(kb)
    assert len(cache_files(cache_home)) == 1
    monkeypatch.setenv("FAQBOT_NO_CACHE", "1")
    FAQBot.load(kb)  # a valid cache file is not read either
    assert len(builds) == 3
    monkeypatch.setenv("FAQBOT_NO_CACHE", "0")  # "0" means on
    FAQBot.load(kb)
    assert len(builds) == 3


def _entry(folder: Path, name: str, head: bytes, age_days: float) -> Path:
    path = folder / name
    path.write_bytes(head + b"x" * 100)
    when = 2_000_000_000 - age_days * 86_400
    os.utime(path, (when, when))
    return path


def test_the_cache_is_pruned_of_what_can_never_be_read_or_has_not_been_used(
        cache_home: Path, make_kb, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cache, "_now", lambda: 2_000_000_000)
    cache_home.mkdir(parents=True)
    mine = f"kb-{cache._install_tag()}-"
    current = cache._MAGIC + cache.code_stamp()
    kept = [_entry(cache_home, f"{mine}{n:032x}.cache", current, n) for n in range(3)]  # this code: readable
    other_install = _entry(cache_home, f"kb-00000000-{1:032x}.cache", cache._MAGIC + b"\0" * 8, 5)  # may be readable
    dead = [
        _entry(cache_home, f"{mine}{99:032x}.cache", cache._MAGIC + b"\0" * 8, 1),  # older code of this installation
        _entry(cache_home, f"kb-00000000-{2:032x}.cache", current, cache.MAX_AGE_DAYS + 1),  # unused for long
        _entry(cache_home, f"kb-{3:024x}.pickle", b"old layout", 0),  # the pickles of earlier versions
    ]
    left_over = _entry(cache_home, ".kb-x.cache.1.abc.tmp", b"crashed writer", 1)
    kb = make_kb()
    FAQBot.load(kb)
    assert all(p.exists() for p in [*kept, other_install])
    assert not any(p.exists() for p in [*dead, left_over])
    assert Path(cache.cache_file(kb, FAQBot)).exists()


def test_the_cache_is_bounded_in_files_and_bytes_least_recently_used_first(
        cache_home: Path, make_kb, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cache, "_now", lambda: 2_000_000_000)
    cache_home.mkdir(parents=True)
    current = cache._MAGIC + cache.code_stamp()
    entries = [_entry(cache_home, f"kb-{cache._install_tag()}-{n:032x}.cache", current, n / 10)
               for n in range(cache.MAX_FILES + 8)]
    kb = make_kb()
    FAQBot.load(kb)
    assert len(cache_files(cache_home)) == cache.MAX_FILES
    assert Path(cache.cache_file(kb, FAQBot)).exists()
    assert all(p.exists() for p in entries[: cache.MAX_FILES - 1]) and not any(p.exists() for p in entries[cache.MAX_FILES - 1:])
    monkeypatch.setattr(cache, "MAX_TOTAL_BYTES", 1)
    FAQBot.load(make_kb(source=TINY_SOURCE_2))
    assert cache_files(cache_home) == [Path(cache.cache_file(kb, FAQBot))]  # the entry just written always stays


TINY_SOURCE_2 = "Cats\nCats sleep most of the day. They purr.\nDogs\nDogs bark at the U.S. mail carrier every day.\n"


def test_a_hit_marks_the_entry_used(cache_home: Path, make_kb, monkeypatch: pytest.MonkeyPatch):
    kb = make_kb()
    FAQBot.load(kb)
    (path,) = cache_files(cache_home)
    os.utime(path, (1_000_000, 1_000_000))
    FAQBot.load(kb)
    assert path.stat().st_mtime > 1_000_000 + 86_400


# ------------------------------------------------------------------ the state


def test_each_cached_class_round_trips_through_plain_data(make_kb):
    from faqbot.knowledge import load

    bot = FAQBot(load(make_kb()))
    state = bot.to_state()
    plain = (str, int, float, bool, type(None), bytes)

    def check(value, depth=0):
        assert depth < 20
        if isinstance(value, (list, tuple)):
            for v in value:
                check(v, depth + 1)
        elif isinstance(value, dict):
            for k, v in value.items():
                check(k, depth + 1)
                check(v, depth + 1)
        else:
            assert type(value) in plain, type(value)

    check(state)
    again = FAQBot.from_state(marshal.loads(marshal.dumps(state)))
    assert again.kb == bot.kb and again.kb.sources == bot.kb.sources and again.kb.synonyms == bot.kb.synonyms
    for q in ["how much do cats sleep", "dog barking", "what about goldfish", "cats purr when?"]:
        assert snapshot(again.ask(q)) == snapshot(bot.ask(q))


def test_dates_in_the_provenance_survive_the_cache(make_kb, builds: list[Path]):
    kb = make_kb(sources="sources:\n  - id: pets\n    file: pets.txt\n    provenance: {published: 2026-03-03}\n")
    fresh = FAQBot.load(kb)
    cached = FAQBot.load(kb)
    assert len(builds) == 1
    assert cached.kb.sources["pets"].provenance == fresh.kb.sources["pets"].provenance
    assert type(cached.kb.sources["pets"].provenance["published"]).__name__ == "date"


def test_an_article_in_a_linked_subfolder_is_in_the_key(make_kb, builds: list[Path]):
    kb = make_kb(sources="sources:\n  - id: pets\n    file: sub/pets.txt\n")
    (kb / "articles").mkdir()
    (kb / "articles" / "pets.txt").write_text(TINY_SOURCE, encoding="utf-8")
    (kb / "seeds" / "sub").symlink_to("../articles")  # inside the knowledge base: allowed
    assert FAQBot.load(kb).ask("how much do cats sleep").intent == "cat-sleep"
    (kb / "articles" / "pets.txt").write_text(TINY_SOURCE.replace("when happy", "when they are fed"), encoding="utf-8")
    again = FAQBot.load(kb)
    assert len(builds) == 2  # the edit is seen: not served stale
    assert "when they are fed" in again.kb.sources["pets"].text


# ------------------------------------------------------------------ imports


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "proc-cache"))
    env.pop("FAQBOT_NO_CACHE", None)
    return env


def test_faqbot_ask_never_imports_prompt_toolkit_or_numpy_nor_yaml_on_a_hit(tmp_path: Path):
    script = textwrap.dedent("""
        import contextlib, io, sys
        import faqbot.cli
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = faqbot.cli.main(["ask", "What is Special Order 40?"])
        heavy = sorted({m.split(".")[0] for m in sys.modules} & {"prompt_toolkit", "numpy", "yaml"})
        print(status, "Special Order 40" in out.getvalue(), ",".join(heavy) or "-")
    """)
    env = _env(tmp_path)
    miss = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert miss.stdout.split() == ["0", "True", "yaml"], miss.stderr  # a build parses YAML, nothing more
    for _ in range(3):  # a hit; again if the package's code changed meanwhile (a new key)
        hit = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
        if hit.stdout.split()[-1:] == ["-"]:
            break
    assert hit.stdout.split() == ["0", "True", "-"], hit.stderr


def test_importtime_of_python_m_faqbot_ask_lists_no_heavy_module(tmp_path: Path):
    cmd = [sys.executable, "-X", "importtime", "-m", "faqbot", "ask", "--json", "What is Special Order 40?"]
    env = _env(tmp_path)
    for _ in range(4):  # the first run builds; then a hit (again if the code changed meanwhile)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        modules = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
        if "yaml" not in modules:
            break
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["intent"] == "special-order-40"
    assert "faqbot.cli" in modules and "faqbot.cache" in modules  # the listing is real
    assert not {m for m in modules if m.split(".")[0] in ("prompt_toolkit", "numpy", "yaml")}
    # the start-up budget (issue 12): a hit restores records, it does not load files
    assert not modules & {"pathlib", "dataclasses", "faqbot.knowledge", "faqbot.files", "faqbot.transaction"}


def test_import_faqbot_is_light_and_the_api_loads_on_first_use():
    script = textwrap.dedent("""
        import sys
        import faqbot
        light = sorted(m for m in sys.modules if m.startswith("faqbot"))
        from faqbot import FAQBot, Matcher, Reply
        try:
            faqbot.NoSuchThing
        except AttributeError:
            missing = "AttributeError"
        print(",".join(light), FAQBot.__module__, Matcher.__module__, Reply.__module__, missing,
              sorted(faqbot.__all__) == faqbot.__all__, set(faqbot.__all__) <= set(dir(faqbot)))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["faqbot,faqbot.errors", "faqbot.bot", "faqbot.matcher", "faqbot.replies",
                                  "AttributeError", "True", "True"], out.stderr


def test_the_console_script_exits_fast_without_losing_output(tmp_path: Path):
    """`faqbot ask` through the console script, buffered as for most users: every line
    and every log record is out when it exits."""
    script = Path(sys.executable).with_name("faqbot")
    if not script.is_file():
        pytest.skip("the faqbot console script is not installed next to this Python")
    questions = [f"what is special order {n} about" if n % 3 else f"zzqx wibble {n}" for n in range(1500)]
    log = tmp_path / "unanswered.jsonl"
    env = _env(tmp_path)
    env.pop("PYTHONUNBUFFERED", None)  # buffered output, as for most users
    proc = subprocess.run([str(script), "ask", "--json", "--log-unanswered", str(log), "-"], env=env,
                          input="\n".join(questions) + "\n", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [json.loads(line)["question"] for line in lines] == questions
    logged = [json.loads(line)["question"] for line in log.read_text(encoding="utf-8").splitlines()]
    assert logged == [json.loads(line)["question"] for line in lines if json.loads(line)["status"] in ("unknown", "clarify")]
    assert logged
    one = subprocess.run([str(script), "ask", "What is Special Order 40?"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert one.returncode == 0 and one.stdout.endswith("\n") and "Special Order 40" in one.stdout


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_a_cache_path_that_is_not_a_plain_file_is_not_read(cache_home: Path, make_kb, builds: list[Path], kind):
    kb = make_kb()
    FAQBot.load(kb)
    (path,) = cache_files(cache_home)
    real = path.with_name("elsewhere.bin")
    path.rename(real)
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    else:
        path.symlink_to(real)  # a valid cache file, but reached through a link
    assert FAQBot.load(kb).ask("how much do cats sleep").intent == "cat-sleep"
    assert len(builds) == 2
    assert path.is_file() and not path.is_symlink()  # replaced by a plain file of our own


def test_processes_building_at_once_all_answer_and_leave_one_valid_file(cache_home: Path, make_kb, tmp_path: Path):
    kb = make_kb()
    script = textwrap.dedent(f"""
        from faqbot import FAQBot
        print(FAQBot.load({str(kb)!r}).ask("why is my dog barking").intent)
    """)
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home.parent))
    env.pop("FAQBOT_NO_CACHE", None)
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(6)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [out.strip() for out, _ in results] == ["dog-bark"] * 6, [err for _, err in results]
    assert [p.name for p in cache_home.iterdir()] == [Path(cache.cache_file(kb, FAQBot)).name]  # no temporary left
    assert cache._read(cache.cache_file(kb, FAQBot), cache.key(kb, FAQBot), FAQBot) is not None

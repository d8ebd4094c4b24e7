"""Shared fixtures: the bundled bot, and tiny knowledge bases written to tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from faqbot import FAQBot

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "seeds" / "dea-la-immigration-enforcement.txt"

TINY_SOURCE = "Cats\nCats sleep most of the day. They purr when happy.\nDogs\nDogs bark at the U.S. mail carrier every day.\n"

TINY_SOURCES = """\
sources:
  - id: pets
    file: pets.txt
    title: A tiny article about pets
"""

TINY_INTENTS = """\
topic: Pets
intents:
  - id: cat-sleep
    title: How much cats sleep
    questions: [how much do cats sleep, do cats nap a lot, cat sleeping hours]
    answer: Cats sleep most of the day.
    citations:
      - source: pets
        quote: Cats sleep most of the day.
    follow_ups: [dog-bark]
  - id: dog-bark
    title: What dogs bark at
    questions: [what do dogs bark at, why is my dog barking, dog barking mail]
    answer: Dogs bark at the mail carrier every day.
    citations:
      - source: pets
        quote: Dogs bark at the U.S. mail carrier every day.
"""


@pytest.fixture(scope="session", autouse=True)
def _private_xdg_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests (and the processes they start) use their own cache and state folders,
    never the real ~/.cache/faqbot or ~/.local/state/faqbot."""
    import os

    base = tmp_path_factory.mktemp("xdg")
    os.environ["XDG_CACHE_HOME"] = str(base / "cache")
    os.environ["XDG_STATE_HOME"] = str(base / "state")


@pytest.fixture(scope="session")
def bot() -> FAQBot:
    return FAQBot.load()


@pytest.fixture
def make_kb(tmp_path: Path) -> Callable[..., Path]:
    """Write a tiny knowledge base; keyword arguments replace its files' text
    (`intents=` for intents/pets.yaml, `sources=`, `source=`, or any `name=` under intents/)."""

    def make(*, intents: str = TINY_INTENTS, sources: str = TINY_SOURCES, source: str = TINY_SOURCE,
             extra: dict[str, str] | None = None) -> Path:
        kb = tmp_path / "kb"
        (kb / "intents").mkdir(parents=True, exist_ok=True)
        (kb / "seeds").mkdir(exist_ok=True)
        (kb / "seeds" / "sources.yaml").write_text(textwrap.dedent(sources), encoding="utf-8")
        (kb / "seeds" / "pets.txt").write_text(source, encoding="utf-8")
        (kb / "intents" / "pets.yaml").write_text(textwrap.dedent(intents), encoding="utf-8")
        for name, text in (extra or {}).items():
            (kb / "intents" / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return kb

    return make

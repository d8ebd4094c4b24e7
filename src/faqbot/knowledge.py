"""Loading and validating a knowledge base.

Layout of a knowledge base directory::

    DIR/seeds/sources.yaml     the sources: id, file, title, provenance
    DIR/seeds/*.txt            their text (UTF-8)
    DIR/intents/*.yaml         one file per topic: `topic:` and `intents:`
    DIR/intents/synonyms.yaml  optional `synonyms:` {canonical term: [variants]}

Everything is checked at load, and every quote is located in its source. The
first problem found raises `KnowledgeBaseError`, whose one-line message names
the file, the line and the intent.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import KnowledgeBaseError
from .replies import Citation
from .sources import Source

__all__ = ["Intent", "KnowledgeBase", "Topic", "bundled_path", "load"]

#: A knowledge-base file larger than this is refused (a KB file is a few KB).
MAX_FILE_BYTES = 2_000_000
#: Intent kinds: `answer` is answered from its citations, `gap` says honestly that
#: the article does not answer it (reply status ``unknown``), `smalltalk` is chat.
KINDS = ("answer", "gap", "smalltalk")
MIN_QUESTIONS = 1

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: `review: true` marks a draft (written by `faqbot init`) that no person has reviewed yet
#: (`Intent.draft`; `faqbot check` lists the drafts).
_INTENT_KEYS = {"id", "title", "kind", "questions", "answer", "citations", "follow_ups", "tags", "review"}
_FILE_KEYS = {"topic", "intents", "synonyms", "vocabulary"}
_SOURCE_KEYS = {"id", "file", "title", "provenance"}


@dataclass(frozen=True)
class Intent:
    """One question the knowledge base answers, with its example wordings."""

    id: str
    title: str
    kind: str
    questions: tuple[str, ...]
    answer: str
    citations: tuple[Citation, ...]
    follow_ups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    topic: str = ""
    file: str = ""
    line: int = 0
    #: a draft no person has reviewed (`review: true`): its example questions were generated,
    #: so the bot trusts the article's sentences over them (see `FAQBot.answer`)
    draft: bool = False

    @property
    def status(self) -> str:
        """The reply status this intent gives."""
        return {"answer": "answered", "gap": "unknown", "smalltalk": "smalltalk"}[self.kind]


@dataclass(frozen=True)
class Topic:
    """An intents file: its topic name and the intents it holds, in order."""

    name: str
    file: str
    intents: tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    """A loaded, validated knowledge base."""

    path: Path
    sources: dict[str, Source] = field(compare=False)
    intents: tuple[Intent, ...]
    topics: tuple[Topic, ...] = ()
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    #: reader vocabulary: a word of the knowledge base -> words readers use for it ("prohibit":
    #: ["forbid", "ban"]); tells the answerability check a reader's word is not off-topic
    vocabulary: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def intent(self, intent_id: str) -> Intent:
        return self._by_id[intent_id]

    @property
    def _by_id(self) -> dict[str, Intent]:
        cache = self.__dict__.get("_by_id_cache")
        if cache is None:
            cache = {i.id: i for i in self.intents}
            object.__setattr__(self, "_by_id_cache", cache)
        return cache


def bundled_path() -> Path:
    """The knowledge base that ships with faqbot.

    In a wheel it is the package's ``kb/`` folder; in a source checkout (editable
    install) it is the repository's top folder, which holds ``intents/`` and ``seeds/``.
    """
    here = Path(__file__).resolve().parent
    packaged = here / "kb"
    if (packaged / "intents").is_dir():
        return packaged
    return here.parent.parent


# ---------------------------------------------------------------- YAML with lines
# PyYAML is imported on first use: a bot loaded from the cache (faqbot.cache) never needs it.


class _Map(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers the line of each key."""

    line: int = 0
    lines: dict[Any, int]


_LOADER: list[Any] = []


def _line_loader() -> Any:
    """A safe loader whose mappings remember their lines and reject duplicate keys."""
    if not _LOADER:
        import yaml

        class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            pass

        _LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
        _LOADER.append(_LineLoader)
    return _LOADER[0]


def _construct_map(loader: Any, node: Any) -> Any:
    import yaml

    data = _Map()
    data.line = node.start_mark.line + 1
    data.lines = {}
    yield data
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in data:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = key_node.start_mark.line + 1


def _read_text(path: Path, display: str) -> str:
    try:
        info = path.stat()
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):  # a FIFO would block, /dev/zero never end
            raise KnowledgeBaseError("is not a regular file (a device, pipe or socket)", file=display)
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise KnowledgeBaseError(
                f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for knowledge-base files",
                file=display,
            )
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # bounded, should it grow meanwhile
        if len(data) > MAX_FILE_BYTES:
            raise KnowledgeBaseError(
                f"file is over the {MAX_FILE_BYTES:,}-byte limit for knowledge-base files", file=display
            )
    except KnowledgeBaseError:
        raise
    except FileNotFoundError:
        raise KnowledgeBaseError("file not found", file=display) from None
    except IsADirectoryError:
        raise KnowledgeBaseError("is a directory, not a file", file=display) from None
    except OSError as e:
        raise KnowledgeBaseError(f"cannot read file: {e.strerror or e}", file=display) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise KnowledgeBaseError(f"not valid UTF-8 (byte {e.start})", file=display, line=line) from None
    return text[1:] if text.startswith("\ufeff") else text


def _parse_yaml(path: Path, display: str) -> Any:
    import yaml

    text = _read_text(path, display)
    try:
        return yaml.load(text, Loader=_line_loader())  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "invalid YAML"
        raise KnowledgeBaseError(
            f"YAML error: {problem}", file=display, line=mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as e:
        raise KnowledgeBaseError(f"YAML error: {e}", file=display) from None


# ------------------------------------------------------------------ validation


class _Checker:
    """Field checks for one mapping, raising errors that name file, line, intent."""

    def __init__(self, data: Any, display: str, line: int, intent: str | None = None) -> None:
        self.data = data
        self.display = display
        self.line = line
        self.intent = intent

    def fail(self, message: str, key: str | None = None) -> KnowledgeBaseError:
        line = self.line
        if key is not None and isinstance(self.data, _Map):
            line = self.data.lines.get(key, line)
        return KnowledgeBaseError(message, file=self.display, line=line, intent=self.intent)

    def keys(self, allowed: set[str], what: str) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(
                    f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})", key
                )

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        if key not in self.data or self.data[key] is None:
            if required:
                raise self.fail(f"missing required field '{key}'")
            return default
        value = self.data[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"field '{key}' must be a non-empty string, not {_kind(value)}", key)
        return value

    def text_list(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        if key not in self.data or self.data[key] is None:
            if required:
                raise self.fail(f"missing required field '{key}'")
            return ()
        value = self.data[key]
        if not isinstance(value, list):
            raise self.fail(f"field '{key}' must be a list, not {_kind(value)}", key)
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"every item of '{key}' must be a non-empty string, not {_kind(item)}", key)
        return tuple(value)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    return {dict: "a mapping", _Map: "a mapping", list: "a list", str: "a string", bool: "true/false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _load_sources(root: Path) -> dict[str, Source]:
    display = "seeds/sources.yaml"
    data = _parse_yaml(root / "seeds" / "sources.yaml", display)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list) or not data["sources"]:
        raise KnowledgeBaseError("expected a mapping with a non-empty 'sources:' list", file=display, line=1)
    sources: dict[str, Source] = {}
    for entry in data["sources"]:
        line = getattr(entry, "line", 1)
        if not isinstance(entry, dict):
            raise KnowledgeBaseError(f"each source must be a mapping, not {_kind(entry)}", file=display, line=line)
        check = _Checker(entry, display, line)
        check.keys(_SOURCE_KEYS, "a source")
        sid = check.text("id")
        if sid in sources:
            raise check.fail(f"duplicate source id '{sid}'", "id")
        file = check.text("file")
        provenance = entry.get("provenance") or {}
        if not isinstance(provenance, dict):
            raise check.fail("field 'provenance' must be a mapping", "provenance")
        path = root / "seeds" / file
        if Path(file).is_absolute() or ".." in Path(file).parts:
            raise check.fail(f"source file '{file}' must be a plain name inside seeds/", "file")
        text = _read_text(path, f"seeds/{file}")
        sources[sid] = Source.from_text(
            sid, text, title=check.text("title", required=False, default=sid), file=file,
            provenance={str(k): v for k, v in provenance.items()},
        )
    return sources


def _load_synonyms(data: Any, display: str, line: int, into: dict[str, tuple[str, ...]], key: str = "synonyms") -> None:
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"'{key}' must be a mapping {{term: [variants]}}", file=display, line=line)
    for term, variants in data.items():
        at = data.lines.get(term, line) if isinstance(data, _Map) else line
        if not isinstance(term, str) or not term.strip():
            raise KnowledgeBaseError(f"synonym term {term!r} must be a non-empty string", file=display, line=at)
        if isinstance(variants, str):
            variants = [variants]
        if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
            raise KnowledgeBaseError(
                f"{key} of '{term}' must be a list of non-empty strings", file=display, line=at
            )
        if term in into:
            raise KnowledgeBaseError(f"{key} term '{term}' is defined twice", file=display, line=at)
        into[term] = tuple(variants)


def _load_intent(
    entry: Any, display: str, topic: str, sources: dict[str, Source]
) -> tuple[Intent, dict[str, int]]:
    line = getattr(entry, "line", 1)
    if not isinstance(entry, dict):
        raise KnowledgeBaseError(f"each intent must be a mapping, not {_kind(entry)}", file=display, line=line)
    check = _Checker(entry, display, line)
    raw_id = entry.get("id")
    if isinstance(raw_id, str):
        check.intent = raw_id
    intent_id = check.text("id")
    if not _ID.match(intent_id):
        raise check.fail(f"id '{intent_id}' must be a kebab-case slug (a-z, 0-9, single dashes)", "id")
    check.keys(_INTENT_KEYS, "an intent")
    kind = check.text("kind", required=False, default="answer")
    if kind not in KINDS:
        raise check.fail(f"kind '{kind}' is not one of: {', '.join(KINDS)}", "kind")
    questions = check.text_list("questions")
    if len(questions) < MIN_QUESTIONS:
        raise check.fail("needs at least one example question", "questions")
    answer = check.text("answer")
    citations: list[Citation] = []
    raw_citations = entry.get("citations")
    if raw_citations is None:
        raw_citations = []
    if not isinstance(raw_citations, list):
        raise check.fail(f"field 'citations' must be a list, not {_kind(raw_citations)}", "citations")
    for item in raw_citations:
        item_check = _Checker(item, display, getattr(item, "line", line), intent_id)
        if not isinstance(item, dict):
            raise item_check.fail(f"each citation must be a mapping {{source, quote}}, not {_kind(item)}")
        item_check.keys({"source", "quote"}, "a citation")
        source_id = item_check.text("source")
        quote = item_check.text("quote")
        source = sources.get(source_id)
        if source is None:
            raise item_check.fail(
                f"citation names unknown source '{source_id}' (known: {', '.join(sorted(sources))})", "source"
            )
        citation = source.locate(quote)
        if citation is None:
            raise item_check.fail(_quote_error(quote, source), "quote")
        citations.append(citation)
    if kind == "answer" and not citations:
        raise check.fail("an answer intent needs at least one citation", "citations")
    if kind == "smalltalk" and citations:
        raise check.fail("a smalltalk intent takes no citations", "citations")
    follow_ups = check.text_list("follow_ups", required=False)
    tags = check.text_list("tags", required=False)
    title = check.text("title", required=False, default=questions[0])
    intent = Intent(
        id=intent_id, title=title, kind=kind, questions=questions, answer=" ".join(answer.split()),
        citations=tuple(citations), follow_ups=follow_ups, tags=tags, topic=topic, file=display, line=line,
        draft=entry.get("review") is True,
    )
    lines = {"follow_ups": entry.lines.get("follow_ups", line) if isinstance(entry, _Map) else line}
    return intent, lines


def _quote_error(quote: str, source: Source) -> str:
    """Why a quote is refused; for a near miss (whitespace, quote marks, dashes or case),
    the exact source text to paste instead, as a YAML double-quoted string."""
    import json  # only for this error message: not on the path of every start

    message = f"quote is not an exact slice of source '{source.id}': {_shorten(quote)!r}"
    near = source.locate_loosely(quote)
    if near is None:
        return message
    # JSON's string syntax is YAML's double-quoted one; whitespace other than single
    # spaces is escaped too, so the one-line error keeps the text exact.
    exact = re.sub(r"(?<= ) |[^\S ]", lambda m: f"\\u{ord(m.group()):04x}", json.dumps(near.quote, ensure_ascii=False))
    return f"{message}; it differs only in whitespace, quote marks or case: paste the exact source text instead: quote: {exact}"


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load(path: str | Path | None = None, *, errors: list[KnowledgeBaseError] | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base in `path` (the bundled one when None).

    The first problem raises `KnowledgeBaseError`. With `errors` (a list; `faqbot check`
    passes one), a problem in an intents file or an intent is appended to it instead and
    loading goes on without that file or intent (problems with the folder or the sources
    still raise): the knowledge base returned is then incomplete.
    """

    def report(error: KnowledgeBaseError) -> None:
        if errors is None:
            raise error
        errors.append(error)

    root = Path(path) if path is not None else bundled_path()
    if not root.is_dir():
        raise KnowledgeBaseError(f"knowledge base folder not found: {root}")
    intents_dir = root / "intents"
    if not intents_dir.is_dir():
        raise KnowledgeBaseError("no intents/ folder in the knowledge base", file=str(root))
    sources = _load_sources(root)
    intents: list[Intent] = []
    topics: list[Topic] = []
    synonyms: dict[str, tuple[str, ...]] = {}
    vocabulary: dict[str, tuple[str, ...]] = {}
    seen: dict[str, Intent] = {}
    follow_up_lines: dict[str, int] = {}
    broken: set[str] = set()  # ids of intents left out (with `errors`)
    files = sorted(p for p in intents_dir.iterdir() if p.suffix in (".yaml", ".yml"))
    for file in files:
        display = f"intents/{file.name}"
        try:
            data = _parse_yaml(file, display)
            if data is None:
                continue  # an empty file holds nothing
            if not isinstance(data, dict):
                raise KnowledgeBaseError(
                    f"expected a mapping with 'topic:' and 'intents:', not {_kind(data)}", file=display, line=1
                )
            check = _Checker(data, display, 1)
            check.keys(_FILE_KEYS, "an intents file")
            if "synonyms" in data:
                _load_synonyms(data["synonyms"], display, data.lines.get("synonyms", 1), synonyms)
            if "vocabulary" in data:
                _load_synonyms(data["vocabulary"], display, data.lines.get("vocabulary", 1), vocabulary, "vocabulary")
            if "intents" not in data:
                if "synonyms" in data or "vocabulary" in data:
                    continue
                raise check.fail("missing 'intents:' list")
            topic = check.text("topic", required=False, default=file.stem.replace("-", " ").replace("_", " "))
            entries = data["intents"]
            if not isinstance(entries, list):
                raise check.fail(f"'intents' must be a list, not {_kind(entries)}", "intents")
        except KnowledgeBaseError as e:
            report(e)
            continue
        ids: list[str] = []
        for entry in entries:
            try:
                intent, lines = _load_intent(entry, display, topic, sources)
                if intent.id in seen:
                    other = seen[intent.id]
                    raise KnowledgeBaseError(
                        f"duplicate id (first defined in {other.file}:{other.line})",
                        file=display, line=intent.line, intent=intent.id,
                    )
            except KnowledgeBaseError as e:
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    broken.add(entry["id"])
                report(e)
                continue
            seen[intent.id] = intent
            follow_up_lines[intent.id] = lines["follow_ups"]
            intents.append(intent)
            ids.append(intent.id)
        topics.append(Topic(topic, display, tuple(ids)))
    if not intents and not errors:
        raise KnowledgeBaseError("the knowledge base has no intents", file="intents/")
    for intent in intents:
        for target in intent.follow_ups:
            if target not in seen and target not in broken:
                report(KnowledgeBaseError(
                    f"follow-up to missing intent '{target}'",
                    file=intent.file, line=follow_up_lines[intent.id], intent=intent.id,
                ))
    return KnowledgeBase(root, sources, tuple(intents), tuple(topics), synonyms, vocabulary)

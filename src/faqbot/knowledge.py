"""Loading and validating a knowledge base.

Layout of a knowledge base directory::

    DIR/seeds/sources.yaml     the sources: id, file, title, provenance
    DIR/seeds/*.txt            their text (UTF-8)
    DIR/intents/*.yaml         one file per topic: `topic:` and `intents:`
    DIR/intents/synonyms.yaml  optional `synonyms:` {canonical term: [variants]}

Everything is checked at load, and every quote is located in its source. The
first problem found raises `KnowledgeBaseError`, whose one-line message names
the file, the line and the intent.

The loader reads only regular files inside the knowledge-base folder (a symbolic
link that leads out of it is refused, naming the link), quotes user content in its
errors only as a short escaped excerpt, and bounds its work whatever the files hold:
`MAX_FILE_BYTES` per file and `MAX_TOTAL_BYTES` in all, `MAX_YAML_NODES` YAML values
with aliases expanded, and at most `MAX_INTENT_FILES` intents files, `MAX_SOURCES`
sources, `MAX_INTENTS` intents, `MAX_QUESTIONS` example questions per intent and
`MAX_EXAMPLES` in all. A knowledge base being changed by `faqbot init` reads as
before or after the change, never a mix (`faqbot.transaction`).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from . import layout
from .errors import KnowledgeBaseError
from .files import FileError, LineDict, YamlBudget, excerpt, load_yaml, read_text
from .kb import Intent, KnowledgeBase, Topic
from .layout import bundled_path
from .replies import Citation
from .sources import Source

__all__ = ["Intent", "KnowledgeBase", "Topic", "bundled_path", "load"]

# the records live in faqbot.kb (a cold `faqbot ask` reads them from the cache without
# this loader); they are named here too, where a knowledge base is loaded


#: A knowledge-base file larger than this is refused (a KB file is a few KB).
MAX_FILE_BYTES = 2_000_000
#: All the files of a knowledge base together (a 1 MB article drafts about 3 MB).
MAX_TOTAL_BYTES = 32_000_000
#: YAML values (aliases expanded) in all the YAML files together: 10,000 intents of
#: ten examples are about 300,000.
MAX_YAML_NODES = 1_000_000
#: Caps that keep loading (and building the matcher) within seconds: a knowledge base
#: over one of them is refused with a one-line error saying which.
MAX_INTENT_FILES = 1_000
MAX_SOURCES = 200
MAX_INTENTS = 20_000
_INTENT_LINE = re.compile(rb"^[ \t]*-[ \t]+id[ \t]*:", re.M)
MAX_QUESTIONS = 1_000
MAX_EXAMPLES = 200_000
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


# ---------------------------------------------------------------- reading files
# PyYAML is imported on first use (by faqbot.files): a bot loaded from the cache never needs it.

_Map = LineDict  # a YAML mapping that remembers the line of each key


class _Reader:
    """Reads the files of one knowledge base within its limits: inside `root`, and at
    most `MAX_TOTAL_BYTES` and `MAX_YAML_NODES` in all."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.left = MAX_TOTAL_BYTES
        self.budget = YamlBudget(MAX_YAML_NODES)

    def text(self, path: Path, display: str) -> str:
        try:
            text = read_text(path, limit=min(MAX_FILE_BYTES, self.left), display=display, root=self.root,
                             what="knowledge-base file", container="the knowledge base")
        except FileError as e:
            if "-byte limit" in e.message and self.left < MAX_FILE_BYTES:
                raise KnowledgeBaseError(f"the knowledge base's files are over {MAX_TOTAL_BYTES:,} bytes in all",
                                         file=display) from None
            raise KnowledgeBaseError(e.message, file=display, line=e.line) from None
        self.left -= len(text.encode("utf-8", "surrogatepass"))
        return text

    def yaml(self, path: Path, display: str) -> Any:
        text = self.text(path, display)
        try:
            return load_yaml(text, display=display, budget=self.budget)
        except FileError as e:
            raise KnowledgeBaseError(e.message, file=display, line=e.line) from None


# ------------------------------------------------------------------ validation


class _Checker:
    """Field checks for one mapping, raising errors that name file, line, intent."""

    def __init__(self, data: Any, display: str, line: int, intent: str | None = None) -> None:
        self.data = data
        self.display = display
        self.line = line
        self.intent = intent

    def line_of(self, key: str) -> int:
        """The line of `key` in this mapping (its own line when unknown)."""
        return self.data.lines.get(key, self.line) if isinstance(self.data, _Map) else self.line

    def fail(self, message: str, key: str | None = None) -> KnowledgeBaseError:
        line = self.line
        if key is not None and isinstance(self.data, _Map):
            line = self.data.lines.get(key, line)
        return KnowledgeBaseError(message, file=self.display, line=line, intent=self.intent)

    def keys(self, allowed: set[str], what: str) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(
                    f"unknown key {excerpt(key)} in {what} (allowed: {', '.join(sorted(allowed))})", key
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
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return {str: "a string", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def _load_sources(reader: _Reader, seeds: Path) -> dict[str, Source]:
    display = "seeds/sources.yaml"
    data = reader.yaml(seeds / "sources.yaml", display)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list) or not data["sources"]:
        raise KnowledgeBaseError("expected a mapping with a non-empty 'sources:' list", file=display, line=1)
    if len(data["sources"]) > MAX_SOURCES:
        raise KnowledgeBaseError(f"more than {MAX_SOURCES} sources", file=display, line=getattr(data, "line", 1))
    sources: dict[str, Source] = {}
    for entry in data["sources"]:
        line = getattr(entry, "line", 1)
        if not isinstance(entry, dict):
            raise KnowledgeBaseError(f"each source must be a mapping, not {_kind(entry)}", file=display, line=line)
        check = _Checker(entry, display, line)
        check.keys(_SOURCE_KEYS, "a source")
        sid = check.text("id")
        if sid in sources:
            raise check.fail(f"duplicate source id {excerpt(sid)}", "id")
        file = check.text("file")
        provenance = entry.get("provenance") or {}
        if not isinstance(provenance, dict):
            raise check.fail("field 'provenance' must be a mapping", "provenance")
        path = seeds / file
        if Path(file).is_absolute() or ".." in Path(file).parts or "\0" in file:
            raise check.fail(f"source file {excerpt(file)} must be a plain name inside seeds/", "file")
        text = reader.text(path, f"seeds/{file}")
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
            raise KnowledgeBaseError(f"synonym term {excerpt(term)} must be a non-empty string", file=display, line=at)
        if isinstance(variants, str):
            variants = [variants]
        if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
            raise KnowledgeBaseError(
                f"{key} of {excerpt(term)} must be a list of non-empty strings", file=display, line=at
            )
        if term in into:
            raise KnowledgeBaseError(f"{key} term {excerpt(term)} is defined twice", file=display, line=at)
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
        check.intent = raw_id if _ID.match(raw_id) and len(raw_id) <= 100 else excerpt(raw_id)[1:-1]
    intent_id = check.text("id")
    if not _ID.match(intent_id):
        raise check.fail(f"id {excerpt(intent_id)} must be a kebab-case slug (a-z, 0-9, single dashes)", "id")
    check.keys(_INTENT_KEYS, "an intent")
    kind = check.text("kind", required=False, default="answer")
    if kind not in KINDS:
        raise check.fail(f"kind {excerpt(kind)} is not one of: {', '.join(KINDS)}", "kind")
    questions = check.text_list("questions")
    if len(questions) < MIN_QUESTIONS:
        raise check.fail("needs at least one example question", "questions")
    if len(questions) > MAX_QUESTIONS:
        raise check.fail(f"has {len(questions):,} example questions, over the limit of {MAX_QUESTIONS:,}", "questions")
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
            known = ", ".join(sorted(sources)[:10]) + (", …" if len(sources) > 10 else "")
            raise item_check.fail(f"citation names unknown source {excerpt(source_id)} (known: {known})", "source")
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

    message = f"quote is not an exact slice of source '{source.id}': {excerpt(quote, 60)}"
    near = source.locate_loosely(quote)
    if near is None or len(near.quote) > 500:
        return message
    # JSON's string syntax is YAML's double-quoted one; whitespace other than single
    # spaces is escaped too, so the one-line error keeps the text exact.
    exact = re.sub(r"(?<= ) |[^\S ]", lambda m: f"\\u{ord(m.group()):04x}", json.dumps(near.quote, ensure_ascii=False))
    return (f"{message}; it differs only in whitespace, quote marks or case: "
            f"paste the exact source text instead: quote: {exact}")


def load(path: str | Path | None = None, *, errors: list[KnowledgeBaseError] | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base in `path` (the bundled one when None).

    The first problem raises `KnowledgeBaseError`. With `errors` (a list; `faqbot check`
    passes one), a problem in an intents file or an intent is appended to it instead and
    loading goes on without that file or intent (problems with the folder or the sources
    still raise): the knowledge base returned is then incomplete.
    """
    return _load(path, errors=errors)


def _load(path: str | Path | None, *, errors: list[KnowledgeBaseError] | None = None,
          documents: dict[str, Any] | None = None) -> KnowledgeBase:
    """`load`; with `documents`, also the parsed intents files (display name -> data,
    with lines: `faqbot check` reads the line of each example there)."""
    root = Path(path if path is not None else bundled_path())
    if not root.is_dir():
        raise KnowledgeBaseError(f"knowledge base folder not found: {root}")
    for attempt in range(5):
        # A reader racing `faqbot init` adding to this knowledge base could read one of
        # its folders before the switch and the other after it: read again then.
        before = layout.snapshot(root)
        found: list[KnowledgeBaseError] = []
        docs: dict[str, Any] = {}
        try:
            kb = _load_once(root, found if errors is not None else None, docs)
        except KnowledgeBaseError:
            if layout.snapshot(root) != before and attempt < 4:
                continue
            raise
        if layout.snapshot(root) != before and attempt < 4:
            continue
        if errors is not None:
            errors.extend(found)
        if documents is not None:
            documents.update(docs)
        return kb
    raise AssertionError("unreachable")  # pragma: no cover


def _load_once(root: Path, errors: list[KnowledgeBaseError] | None, documents: dict[str, Any]) -> KnowledgeBase:
    def report(error: KnowledgeBaseError) -> None:
        if errors is None:
            raise error
        errors.append(error)

    seeds_dir, intents_dir = map(Path, layout.folders(root))
    if not intents_dir.is_dir():
        raise KnowledgeBaseError("no intents/ folder in the knowledge base", file=str(root))
    reader = _Reader(root)
    sources = _load_sources(reader, seeds_dir)
    intents: list[Intent] = []
    topics: list[Topic] = []
    synonyms: dict[str, tuple[str, ...]] = {}
    vocabulary: dict[str, tuple[str, ...]] = {}
    seen: dict[str, Intent] = {}
    follow_up_lines: dict[str, int] = {}
    broken: set[str] = set()  # ids of intents left out (with `errors`)
    examples = 0
    try:
        files = []
        with os.scandir(intents_dir) as it:
            for entry in it:
                if entry.name.endswith((".yaml", ".yml")) and not entry.name.startswith("."):
                    files.append(Path(entry.path))
                    if len(files) > MAX_INTENT_FILES:
                        raise KnowledgeBaseError(f"more than {MAX_INTENT_FILES:,} intents files", file="intents/")
    except OSError as e:
        raise KnowledgeBaseError(f"cannot list the folder: {e.strerror or e}", file="intents/") from None
    files.sort()
    try:  # refused before any is parsed: the sizes are known
        listed = sum(os.stat(f).st_size for f in files if not f.is_symlink())
    except OSError:
        listed = 0
    if listed > MAX_TOTAL_BYTES:
        raise KnowledgeBaseError(f"the knowledge base's files are over {MAX_TOTAL_BYTES:,} bytes in all "
                                 f"({listed:,} in intents/)", file="intents/")
    # a quick count of the lines that open an intent ("- id: ..."), before any file is
    # parsed: 100,000 intents are refused in a moment, not after minutes of parsing (the
    # exact count, after parsing, still applies to what this line-count lets through)
    opened = 0
    for file in files:
        try:  # never follows a link, never waits on a FIFO: the reader refuses those, with its rules
            fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                with os.fdopen(os.dup(fd), "rb") as f:
                    opened += len(_INTENT_LINE.findall(f.read(MAX_FILE_BYTES + 1)))
        except OSError:
            pass  # the reader reports it
        finally:
            os.close(fd)
        if opened > MAX_INTENTS:
            raise KnowledgeBaseError(f"more than {MAX_INTENTS:,} intents", file=f"intents/{file.name}")
    for file in files:
        display = f"intents/{file.name}"
        try:
            data = reader.yaml(file, display)
            if data is None:
                continue  # an empty file holds nothing
            if not isinstance(data, dict):
                raise KnowledgeBaseError(
                    f"expected a mapping with 'topic:' and 'intents:', not {_kind(data)}", file=display, line=1
                )
            documents[display] = data
            check = _Checker(data, display, 1)
            check.keys(_FILE_KEYS, "an intents file")
            if "synonyms" in data:
                _load_synonyms(data["synonyms"], display, check.line_of("synonyms"), synonyms)
            if "vocabulary" in data:
                _load_synonyms(data["vocabulary"], display, check.line_of("vocabulary"), vocabulary, "vocabulary")
            if "intents" not in data:
                if "synonyms" in data or "vocabulary" in data:
                    continue
                raise check.fail("missing 'intents:' list")
            topic = check.text("topic", required=False, default=file.stem.replace("-", " ").replace("_", " "))
            entries = data["intents"]
            if not isinstance(entries, list):
                raise check.fail(f"'intents' must be a list, not {_kind(entries)}", "intents")
        except KnowledgeBaseError as e:
            if "limit" in e.message or "in all" in e.message or "aliases" in e.message:
                raise  # over a limit: nothing after it can be trusted to be bounded
            report(e)
            continue
        if len(seen) + len(broken) + len(entries) > MAX_INTENTS:
            raise KnowledgeBaseError(f"more than {MAX_INTENTS:,} intents", file=display, line=check.line_of("intents"))
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
            examples += len(intent.questions)
            if examples > MAX_EXAMPLES:
                raise KnowledgeBaseError(f"more than {MAX_EXAMPLES:,} example questions in all",
                                         file=display, line=intent.line)
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
                    f"follow-up to missing intent {excerpt(target)}",
                    file=intent.file, line=follow_up_lines[intent.id], intent=intent.id,
                ))
    return KnowledgeBase(root, sources, tuple(intents), tuple(topics), synonyms, vocabulary)

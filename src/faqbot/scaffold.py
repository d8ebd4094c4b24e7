"""`faqbot init`: a knowledge base drafted from a new article, checked and ready to ask.

``scaffold(article, out)`` writes::

    OUT/seeds/<id>.md|.txt      the article, normalized (see below)
    OUT/seeds/sources.yaml      its id (from the file name), title and provenance
    OUT/intents/overview.yaml   the lede: "what is the article about", and the byline
    OUT/intents/<section>.yaml  one file per section, one draft intent per passage
    OUT/intents/smalltalk.yaml  greeting, thanks, help, goodbye, about-source
    OUT/intents/synonyms.yaml   acronyms the article spells out ("Drug Enforcement Administration (DEA)")

The drafts (see `faqbot.drafting` for how they are made) are marked ``review: true``
(a draft, not yet reviewed by a person), and every one of them is valid as written:
the knowledge base is loaded and validated before `scaffold` returns, so
``faqbot check``, ``faqbot ask`` and ``faqbot chat`` work on it at once. A new
folder is built beside its place and renamed into it, so a failure leaves nothing.

The article file is stored *normalized*: Windows (CRLF) and old Mac (CR) line endings
become LF, a byte order mark is removed (UTF-16 becomes UTF-8), and nothing else
changes (curly quotes, Markdown and spacing are kept). Citation offsets are offsets
into that stored file, so they stay exact for every reader of ``seeds/``; the
provenance records what was converted.

With `--out` naming an existing knowledge base, the article is added to it as one
more source (its intents get files and ids that do not clash). Both ways are
transactions (`faqbot.transaction`): the new knowledge base is built and validated
aside, then switched in with atomic renames, under a lock that makes a second
writer wait; a crash at any step leaves the old or the new knowledge base, and the
leftovers of a crashed run are cleaned up by the next one. A failure writes nothing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import layout, transaction
from .drafting import MIN_QUESTIONS, Draft, DraftIntent, draft, slug
from .errors import FaqbotError, KnowledgeBaseError, UsageError
from .files import FileError, atomic_write, read_bytes, write_new

__all__ = ["MIN_QUESTIONS", "Draft", "DraftIntent", "Result", "draft", "read_article", "run", "scaffold",
           "scaffold_kb", "slug"]

#: Articles larger than this are refused (the knowledge-base loader's own limit is 2 MB).
MAX_ARTICLE_BYTES = 1_000_000

_REVIEW_NOTE = (
    "# Drafted by `faqbot init` from seeds/{file}. Each intent marked `review: true` is a draft:\n"
    "# check its questions (add the words your readers use) and its answer, then delete the marker.\n"
)


# ------------------------------------------------------------------ reading the article


def read_article(path: str | Path) -> tuple[str, tuple[str, ...]]:
    """The article's text, normalized (LF line endings, no byte order mark), and what
    was converted. Raises `UsageError` for a missing, empty, huge or non-UTF-8 file,
    and for anything but a regular file (a FIFO or device is never read)."""
    path = Path(path)
    try:
        data = read_bytes(path, limit=MAX_ARTICLE_BYTES, what="article")
    except FileError as e:
        if e.message == "file not found":
            raise UsageError(f"article not found: {path}") from None
        if e.message.startswith("is a folder"):
            raise UsageError(f"{path} is a folder; give the article's file") from None
        raise
    conversions: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise UsageError(f"{path} starts like UTF-16 text but is not; save it as UTF-8 and try again") from None
        conversions.append("UTF-16 to UTF-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise UsageError(
                f"{path} is not UTF-8 text (line {line}, byte {e.start}); save it as UTF-8 and try again"
            ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
        conversions.append("byte order mark removed")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        conversions.append("Windows line endings converted to LF")
    if "\x00" in text:
        raise UsageError(f"{path} holds NUL characters: it is not a text file")
    if not text.strip():
        raise UsageError(f"{path} is empty")
    return text, tuple(conversions)


# ------------------------------------------------------------------ writing YAML


def _q(text: str) -> str:
    """`text` as a YAML double-quoted scalar (JSON's string syntax is YAML's). Every
    character a YAML stream cannot hold as it is (DEL, C1 controls, surrogates, U+FFFE,
    U+FFFF) or would read as a line break (U+0085, U+2028, U+2029) is escaped: the scalar
    still reads back as `text` exactly, so a quote stays an exact slice of its article."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


#: What YAML 1.1 does not allow in a stream (its printable set is \t \n \r, 0x20-0x7E, 0x85,
#: 0xA0-0xD7FF, 0xE000-0xFFFD and the astral planes), plus its line breaks 0x85, 0x2028, 0x2029.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _plain_id(text: str) -> str:
    """An id or file name as it is when YAML reads it back as the same string, else quoted
    ("1", "yes" and "null" would not be strings)."""
    import yaml

    return text if re.fullmatch(r"[a-z0-9][a-z0-9.-]*", text) and yaml.safe_load(text) == text else _q(text)


def _intents_yaml(intents: list[DraftIntent], source_id: str, source_file: str) -> str:
    lines = [_REVIEW_NOTE.format(file=source_file).rstrip("\n"), f"topic: {_q(intents[0].topic)}", "intents:"]
    for intent in intents:
        lines += [f"  - id: {_plain_id(intent.id)}", f"    title: {_q(intent.title)}", f"    kind: {intent.kind}"]
        if intent.kind != "smalltalk":
            lines.append("    review: true")
        lines.append("    questions:")
        lines += [f"      - {_q(q)}" for q in intent.questions]
        lines.append(f"    answer: {_q(intent.answer)}")
        if intent.quotes:
            lines.append("    citations:")
            for quote in intent.quotes:
                lines += [f"      - source: {_plain_id(source_id)}", f"        quote: {_q(quote)}"]
        if intent.follow_ups:
            lines.append(f"    follow_ups: [{', '.join(_plain_id(i) for i in intent.follow_ups)}]")
        lines.append("")
    return "\n".join(lines)


def _source_entry(d: Draft, indent: str = "  ") -> str:
    lines = [f"{indent}- id: {_plain_id(d.source_id)}", f"{indent}  file: {_plain_id(d.file_name)}",
             f"{indent}  title: {_q(d.title)}",
             f"{indent}  provenance:"]
    lines += [f"{indent}    {k}: {_q(str(v))}" for k, v in d.provenance.items()]
    return "\n".join(lines) + "\n"


def _synonyms_yaml(synonyms: dict[str, tuple[str, ...]]) -> str:
    lines = ["# Acronyms the article spells out (drafted by faqbot init): term -> the words people type", "synonyms:"]
    lines += [f"  {_q(k)}: [{', '.join(_q(v) for v in vs)}]" for k, vs in sorted(synonyms.items())]
    return "\n".join(lines) + "\n"


def _eval_yaml(d: Draft) -> str:
    """The starter evaluation set, in the format of `faqbot eval` (q, intent or oos, kind)."""
    lines = [
        f"# A starter evaluation set drafted by `faqbot init` from seeds/{d.file_name}: check each question",
        "# and its label, then add the questions your readers ask (never copy them into intents/).",
        "# Run it with: faqbot eval --kb DIR DIR/eval.yaml",
    ]
    for q, intent, kind in d.evaluation:
        label = f"intent: {_plain_id(intent)}" if intent else "oos: true"
        lines.append(f"- {{q: {_q(q)}, {label}, kind: {kind}}}")
    return "\n".join(lines) + "\n"


def _write_files(root: Path, d: Draft, *, like: Path | None = None) -> list[Path]:
    """Write the draft's article and intents files under `root` (refusing to overwrite);
    new files get the mode of `like` (the knowledge base's sources.yaml) when given."""
    written: list[Path] = []

    def put(path: Path, text: str) -> None:
        try:
            write_new(path, text.encode("utf-8"), like=like)
        except FileExistsError:
            raise UsageError(f"{path.relative_to(root)} already exists; not overwriting it") from None
        written.append(path)
        transaction._step(f"wrote {path.relative_to(root)}")

    put(root / "seeds" / d.file_name, d.text)
    for name in d.files:
        put(root / "intents" / f"{name}.yaml",
            _intents_yaml([i for i in d.intents if i.file == name], d.source_id, d.file_name))
    if d.synonyms:
        name = "synonyms.yaml" if not (root / "intents" / "synonyms.yaml").exists() else f"{d.source_id}-synonyms.yaml"
        put(root / "intents" / name, _synonyms_yaml(d.synonyms))
    return written


# ------------------------------------------------------------------ scaffold


@dataclass(frozen=True)
class Result:
    """What `scaffold_kb` did: the folder, the draft, and whether it was added to an existing KB."""

    path: Path
    draft: Draft
    added: bool


def scaffold(article_path: str | Path, out_dir: str | Path, title: str | None = None) -> Path:
    """Create (or add to) the knowledge base in `out_dir` from the article; returns its path.
    The result is validated with `faqbot.knowledge.load` before this returns."""
    return scaffold_kb(article_path, out_dir, title=title).path


def scaffold_kb(article_path: str | Path, out_dir: str | Path, *, title: str | None = None) -> Result:
    article = Path(article_path)
    out = Path(out_dir)
    text, conversions = read_article(article)
    try:
        seeds, intents = map(Path, layout.folders(out))  # mid-change after a crash: the new folders
        if (seeds / "sources.yaml").is_file() and intents.is_dir():
            return _add_to(out, article, text, conversions, title)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UsageError(f"{out} exists and is neither an empty folder nor a knowledge base; choose a new folder")
        try:
            return _create(out, article, text, conversions, title)
        except FileExistsError:  # another `faqbot init` created it meanwhile: add to it
            return _add_to(out, article, text, conversions, title)
    except OSError as e:
        where = f" {e.filename}" if getattr(e, "filename", None) else ""
        raise FaqbotError(f"cannot write the knowledge base {out}{where}: {e.strerror or e}; "
                          "nothing was changed") from None


def _create(out: Path, article: Path, text: str, conversions: tuple[str, ...], title: str | None) -> Result:
    """A new knowledge base in `out` (missing or an empty folder), built aside."""
    d = draft(text, file_name=_name(article), title=title, conversions=conversions)
    with transaction.Creator(out) as build:
        assert build.tmp is not None
        _write_files(build.tmp, d)
        write_new(build.tmp / "eval.yaml", _eval_yaml(d).encode("utf-8"))  # a starter set: `faqbot eval` works at once
        write_new(build.tmp / "seeds" / "sources.yaml",
                  ("# The sources this knowledge base answers from (drafted by faqbot init)\nsources:\n"
                   + _source_entry(d)).encode("utf-8"))
        transaction._step("wrote seeds/sources.yaml")
        _validate(build.tmp)
        transaction._step("validated")
        build.commit()
    return Result(out, d, False)


def _name(path: Path) -> str:
    """The file's name as text (bytes that were not UTF-8 become U+FFFD)."""
    try:
        return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return path.name.encode("utf-8", "replace").decode("utf-8")


def _validate(root: Path) -> None:
    from . import knowledge

    try:
        knowledge.load(root)
    except KnowledgeBaseError as e:  # a bug here, not the user's: say so plainly
        raise FaqbotError(f"the drafted knowledge base does not load ({e}); please report this") from None


def _add_to(out: Path, article: Path, text: str, conversions: tuple[str, ...], title: str | None) -> Result:
    """Add the article to the existing knowledge base `out` as one more source."""
    from . import knowledge

    with transaction.Writer(out) as change:
        try:
            kb = knowledge.load(out)
        except KnowledgeBaseError as e:
            raise UsageError(f"{out} is a knowledge base with errors; "
                             f"fix them first (faqbot check --kb {out}): {e}") from None
        files = {p.stem for p in Path(layout.folders(out)[1]).iterdir() if p.suffix in (".yaml", ".yml")}
        talk = {"greeting", "thanks", "help", "goodbye", "about-source"}
        d = draft(text, file_name=_name(article), title=title, taken_ids={i.id for i in kb.intents}, taken_files=files,
                  smalltalk=not talk & {i.id for i in kb.intents}, taken_synonyms=set(kb.synonyms),
                  conversions=conversions)
        if d.source_id in kb.sources:
            raise UsageError(f"{out} already has a source '{d.source_id}'; rename the article file to add it again")
        if os.path.lexists(os.path.join(layout.folders(out)[0], d.file_name)):
            raise UsageError(f"{out / 'seeds' / d.file_name} already exists; not overwriting it")
        staged = change.stage()
        sources_file = _sources_target(staged, out)
        before = sources_file.read_text(encoding="utf-8")
        after = _with_source(before, d, out)
        _write_files(staged, d, like=sources_file)
        atomic_write(sources_file, after.encode("utf-8"))  # a new file: mode and owner of the old one
        transaction._step("wrote seeds/sources.yaml")
        _validate(staged)
        transaction._step("validated")
        change.commit()
    return Result(out, d, True)


def _sources_target(staged: Path, out: Path) -> Path:
    """The staged file that holds seeds/sources.yaml: itself, or the file it links to
    (written through, the link kept) when that is inside the staged seeds/ folder."""
    path = staged / "seeds" / "sources.yaml"
    real = Path(os.path.realpath(path))
    if not str(real).startswith(os.path.realpath(staged / "seeds") + os.sep):
        raise UsageError(f"{out / 'seeds' / 'sources.yaml'} is a link to a file outside seeds/; "
                         "faqbot cannot add to it in one step: replace the link with the file")
    return real


def _with_source(before: str, d: Draft, out: Path) -> str:
    """sources.yaml's text with the draft's source appended to its list (comments kept)."""
    import yaml

    indent = re.search(r"^(\s*)- ", before, re.M)
    after = before.rstrip("\n") + "\n" + _source_entry(d, indent.group(1) if indent else "  ")
    old = yaml.safe_load(before)["sources"]  # already loaded once within the loader's limits
    parsed = yaml.safe_load(after)
    listed = parsed.get("sources", []) if isinstance(parsed, dict) else []
    if not listed or listed[:-1] != old or listed[-1]["id"] != d.source_id:
        raise UsageError(f"cannot add a source to {out / 'seeds' / 'sources.yaml'}: "
                         "its 'sources:' list is not the last thing in it")
    return after


# ------------------------------------------------------------------ the command


def run(article: str | Path, out: str | Path, *, title: str | None = None) -> str:
    """`faqbot init ARTICLE --out DIR [--title TITLE]`: create (or add to) the knowledge
    base and return the summary to print."""
    from .render import clean

    result = scaffold_kb(article, out, title=title)
    d = result.draft
    out = str(out).rstrip("/\\")
    answers = [i for i in d.intents if i.kind == "answer"]
    talk = [i for i in d.intents if i.kind == "smalltalk"]
    files = [f"intents/{f}.yaml" for f in d.files]
    words = len(d.text.split())
    stated = [f"{k}: {d.provenance[k]}" for k in ("author", "published", "url") if d.provenance[k] != "unknown"]
    unknown = [k for k in ("author", "published", "url") if d.provenance[k] == "unknown"]
    lines = [
        f"{'Added' if result.added else 'Created'} the source '{d.source_id}' "
        f"{'to' if result.added else 'in'} {out}/ from {Path(article).name}:",
        f"  title     {d.title}",
        f"  article   seeds/{d.file_name} ({words} words, {len(d.sections)} sections"
        + (f"; {', '.join(d.conversions)}" if d.conversions else "") + ")",
        "  stated    " + ("; ".join(stated) if stated else "nothing (no byline)")
        + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
        f"  intents   {len(answers)} drafts with verified citations, "
        f"{len(d.intents) - len(answers) - len(talk)} gap, {len(talk)} small talk, in {len(files)} files",
    ]
    if d.synonyms:
        lines.append(f"  synonyms  {', '.join(sorted(d.synonyms))}")
    lines += [
        "Every draft is marked `review: true`: read it, improve its questions and answer, then delete the marker.",
        "Next:",
        f"  faqbot check --kb {out}",
        f"  faqbot chat --kb {out}",
    ]
    return "\n".join(clean(line) for line in lines) + "\n"

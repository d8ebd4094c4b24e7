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
more source (its intents get files and ids that do not clash), and the whole
knowledge base is validated before anything is kept (else it is restored).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .drafting import MIN_QUESTIONS, Draft, DraftIntent, draft, slug
from .errors import FaqbotError, KnowledgeBaseError, UsageError

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
    was converted. Raises `UsageError` for a missing, empty, huge or non-UTF-8 file."""
    path = Path(path)
    try:
        if path.is_dir():
            raise UsageError(f"{path} is a folder; give the article's file")
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise UsageError(f"{path} is {size:,} bytes; an article must be under {MAX_ARTICLE_BYTES:,}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"article not found: {path}") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
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
    lines = [f"{indent}- id: {_plain_id(d.source_id)}", f"{indent}  file: {_plain_id(d.file_name)}", f"{indent}  title: {_q(d.title)}",
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


def _write_files(root: Path, d: Draft) -> list[Path]:
    """Write the draft's article and intents files under `root` (refusing to overwrite)."""
    written: list[Path] = []

    def put(path: Path, text: str) -> None:
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
        written.append(path)

    try:
        put(root / "seeds" / d.file_name, d.text)
        for name in d.files:
            put(root / "intents" / f"{name}.yaml",
                _intents_yaml([i for i in d.intents if i.file == name], d.source_id, d.file_name))
        if d.synonyms:
            name = "synonyms.yaml" if not (root / "intents" / "synonyms.yaml").exists() else f"{d.source_id}-synonyms.yaml"
            put(root / "intents" / name, _synonyms_yaml(d.synonyms))
    except FileExistsError as e:
        for path in written:
            path.unlink(missing_ok=True)
        raise UsageError(f"{e.filename} already exists; not overwriting it") from None
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
    from .knowledge import load

    article = Path(article_path)
    out = Path(out_dir)
    text, conversions = read_article(article)
    if (out / "seeds" / "sources.yaml").is_file() and (out / "intents").is_dir():
        return _add_to(out, article, text, conversions, title)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is neither an empty folder nor a knowledge base; choose a new folder")
    d = draft(text, file_name=_name(article), title=title, conversions=conversions)
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".faqbot-init-", dir=parent))
    except OSError as e:
        raise UsageError(f"cannot create {out}: {e.strerror or e}") from None
    try:
        (tmp / "seeds").mkdir()
        (tmp / "intents").mkdir()
        _write_files(tmp, d)
        (tmp / "eval.yaml").write_text(_eval_yaml(d), encoding="utf-8")  # a starter set: `faqbot eval` works at once
        (tmp / "seeds" / "sources.yaml").write_text(
            "# The sources this knowledge base answers from (drafted by faqbot init)\nsources:\n" + _source_entry(d),
            encoding="utf-8",
        )
        _validate(load, tmp)
        os.chmod(tmp, 0o755 & ~_umask())
        if out.exists():
            out.rmdir()
        os.rename(tmp, out)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(f"cannot create {out}: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Result(out, d, False)


def _name(path: Path) -> str:
    """The file's name as text (bytes that were not UTF-8 become U+FFFD)."""
    try:
        return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return path.name.encode("utf-8", "replace").decode("utf-8")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _validate(load: Any, root: Path) -> None:
    try:
        load(root)
    except KnowledgeBaseError as e:  # a bug here, not the user's: say so plainly
        raise FaqbotError(f"the drafted knowledge base does not load ({e}); please report this") from None


def _add_to(out: Path, article: Path, text: str, conversions: tuple[str, ...], title: str | None) -> Result:
    """Add the article to the existing knowledge base `out` as one more source."""
    import yaml

    from .knowledge import load

    try:
        kb = load(out)
    except KnowledgeBaseError as e:
        raise UsageError(f"{out} is a knowledge base with errors; fix them first (faqbot check --kb {out}): {e}") from None
    files = {p.stem for p in (out / "intents").iterdir() if p.suffix in (".yaml", ".yml")}
    talk = {"greeting", "thanks", "help", "goodbye", "about-source"}
    d = draft(text, file_name=_name(article), title=title, taken_ids={i.id for i in kb.intents}, taken_files=files,
              smalltalk=not talk & {i.id for i in kb.intents}, taken_synonyms=set(kb.synonyms),
              conversions=conversions)
    if d.source_id in kb.sources:
        raise UsageError(f"{out} already has a source '{d.source_id}'; rename the article file to add it again")
    sources_file = out / "seeds" / "sources.yaml"
    before = sources_file.read_text(encoding="utf-8")
    indent = re.search(r"^(\s*)- ", before, re.M)
    after = before.rstrip("\n") + "\n" + _source_entry(d, indent.group(1) if indent else "  ")
    old = yaml.safe_load(before)["sources"]
    parsed = yaml.safe_load(after)
    if not isinstance(parsed, dict) or parsed.get("sources", [])[:-1] != old or parsed["sources"][-1]["id"] != d.source_id:
        raise UsageError(f"cannot add a source to {sources_file}: its 'sources:' list is not the last thing in it")
    if (out / "seeds" / d.file_name).exists():
        raise UsageError(f"{out / 'seeds' / d.file_name} already exists; not overwriting it")
    written = _write_files(out, d)
    try:
        _replace(sources_file, after)
        _validate(load, out)
    except BaseException:
        _replace(sources_file, before)
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return Result(out, d, True)


def _replace(path: Path, text: str) -> None:
    """Write `path` atomically: a temporary file beside it, then a rename (no half-written file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------ the command


def run(args: argparse.Namespace) -> int:
    """`faqbot init ARTICLE --out DIR [--title TITLE]`."""
    from .render import clean

    result = scaffold_kb(args.article, args.out, title=args.title)
    d = result.draft
    out = str(args.out).rstrip("/\\")
    answers = [i for i in d.intents if i.kind == "answer"]
    talk = [i for i in d.intents if i.kind == "smalltalk"]
    files = [f"intents/{f}.yaml" for f in d.files]
    words = len(d.text.split())
    stated = [f"{k}: {d.provenance[k]}" for k in ("author", "published", "url") if d.provenance[k] != "unknown"]
    unknown = [k for k in ("author", "published", "url") if d.provenance[k] == "unknown"]
    lines = [
        f"{'Added' if result.added else 'Created'} the source '{d.source_id}' "
        f"{'to' if result.added else 'in'} {out}/ from {Path(args.article).name}:",
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
    sys.stdout.write("\n".join(clean(line) for line in lines) + "\n")
    return 0

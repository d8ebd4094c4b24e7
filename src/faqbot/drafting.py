"""Drafting the intents of a knowledge base from an article's text (pure: no I/O).

Used by `faqbot init` (see `faqbot.scaffold`). Everything is deterministic: no
model, no network; the same text gives the same draft.

- Metadata: the title, author, date and URL the article states (YAML front matter,
  a byline "By NAME | ... | DATE", a dateline, a "Source: URL" line), never guessed.
- Passages: each paragraph of prose, with the list that follows it; a paragraph of
  more than `LONG_PARAGRAPH` sentences is split into chunks of `CHUNK` sentences.
  Pictures, tables, code, HTML and rules are not prose and are left out; a byline is
  metadata, cited by its own intent ("who wrote the article?").
- One intent per passage. The first passage of a section answers its heading; the
  article's first passage answers "what is the article about?"; the others are named
  by their most distinctive key phrase (a name, a quoted phrase, or a run of content
  words after a determiner, found in the fewest passages).
- Questions: at least `MIN_QUESTIONS`, from templates over the heading and the key
  phrases ("What does the article say about X?", "X?", "Tell me about X", "What is X?"
  or "Who is X?", and keyword forms).
- Answer: the passage's first sentence (two when the first is short; a list's items
  when the sentence introduces one), with Markdown marks removed: verbatim-derived,
  so it says only what the quote says.
- Citations: the passage itself (its sentences as one exact slice, and each list
  item), so every sentence of prose is cited somewhere.
- Follow-ups: the next passage, the section's first passage and the previous one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError
from .sources import Source, Span
from .text import STOPWORDS, normalize

__all__ = ["CHUNK", "LONG_PARAGRAPH", "MIN_QUESTIONS", "SHORT_SENTENCE", "Draft", "DraftIntent", "draft", "slug"]

#: Every draft intent gets at least this many example questions (`faqbot check` warns below 6).
MIN_QUESTIONS = 6
#: A paragraph with more sentences than this is split into passages of `CHUNK` sentences.
LONG_PARAGRAPH = 4
CHUNK = 3
#: An answer made of the first sentence takes the second too when the first is shorter than this.
SHORT_SENTENCE = 90
_SLUG_WORDS = 6


@dataclass(frozen=True)
class DraftIntent:
    """One intent to write: `quotes` are exact slices of the source text."""

    id: str
    title: str
    kind: str
    questions: tuple[str, ...]
    answer: str
    quotes: tuple[str, ...] = ()
    follow_ups: tuple[str, ...] = ()
    file: str = ""  # the intents file's stem
    topic: str = ""


@dataclass(frozen=True)
class Draft:
    """A knowledge base drafted from one article (nothing written yet)."""

    source_id: str
    file_name: str
    title: str
    text: str
    provenance: dict[str, Any]
    intents: tuple[DraftIntent, ...]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sections: tuple[str, ...] = ()
    conversions: tuple[str, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.file for i in self.intents))


def slug(text: str, *, words: int = _SLUG_WORDS) -> str:
    """A kebab-case id from `text`: ``"DEA’s Role in Immigration"`` -> ``dea-role-in-immigration``."""
    parts = normalize(text).split()
    parts = [p for p in parts if p.isascii() and p.isalnum()]
    return "-".join(parts[:words])



# ------------------------------------------------------------------ metadata

_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DATE = re.compile(rf"\b(?:{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b")
_BYLINE = re.compile(r"^\W*By\s+(?P<name>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|del|da|la|and))*)")
_DATELINE = re.compile(r"^\W*(?:Published|Posted|Updated|Date)\b", re.I)
_URL = re.compile(r"https?://[^\s)>\]\"”]+")
_URL_LINE = re.compile(r"^\W*(?:Source|URL|Link|Originally published|Read more|Published)\b", re.I)


@dataclass(frozen=True)
class _Meta:
    """What the article states about itself: `found` (title, author, published, url),
    the lines that state them (`cited`), and the paragraphs that are metadata, not text."""

    found: dict[str, str]
    cited: tuple[Span, ...]
    skip: frozenset[int]


def _metadata(source: Source) -> _Meta:
    """Title, author, date and URL the article states: in YAML front matter, a byline or
    dateline near its top, or a "Source: URL" line."""
    text = source.text
    found: dict[str, str] = {}
    cited: list[Span] = []
    skip: set[int] = set()
    front = _FRONT_MATTER.match(text)
    if front:  # "---\ntitle: ...\nauthor: ...\ndate: ...\n---"
        for m in re.finditer(r"^(\w+):[ \t]*(.*?)[ \t]*$", front.group(1), re.M):
            field_ = _FRONT_KEYS.get(m.group(1).lower())
            value = m.group(2).strip("\"'")
            if field_ and value and field_ not in found:
                found[field_] = value
                if field_ != "title":
                    cited.append(Span(front.start(1) + m.start(), front.start(1) + m.end()))
        skip |= {b.paragraph for b in source.paragraphs if b.start < front.end()}
    for block in source.paragraphs[:4]:
        line = text[block.start : block.end]
        if block.paragraph in skip or "\n" in line.strip() or len(line) > 200:
            continue
        byline = _BYLINE.match(line)
        if byline and not _is_byline(line, byline.group("name")):
            byline = None
        date = _DATE.search(line)
        if byline or (date and _DATELINE.match(line)):
            skip.add(block.paragraph)
            cited.append(Span(block.start + len(line) - len(line.lstrip()), block.start + len(line.rstrip())))
            if byline and "author" not in found:
                found["author"] = byline.group("name").strip(" .,")
            if date and "published" not in found:
                found["published"] = date.group()
            url = _URL.search(line)
            if url and "url" not in found:
                found["url"] = url.group().rstrip(".,;")
    for block in source.paragraphs:
        line = text[block.start : block.end]
        url = _URL.search(line)
        if url and _URL_LINE.match(line) and "url" not in found and len(line) < 300:
            found["url"] = url.group().rstrip(".,;")
    return _Meta(found, tuple(cited), frozenset(skip))


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.S)
_FRONT_KEYS = {"title": "title", "author": "author", "authors": "author", "by": "author", "date": "published",
               "published": "published", "url": "url", "link": "url", "source": "url"}


def _is_byline(line: str, name: str) -> bool:
    """"By Priya Raman | Riverton Ledger" is a byline; "By Monday, the council will vote." is not:
    a byline names 2-6 capitalized words, none a day or month, and is no sentence (no closing period)."""
    words = [w for w in name.split() if w[:1].isupper()]
    return (2 <= len(words) <= 6 and not any(w.lower() in _CALENDAR for w in words)
            and not re.search(r"[.!?][\"”’)]*\s*$", line.strip()) and len(line) <= 150)


def _acronyms(text: str) -> dict[str, tuple[str, ...]]:
    """Acronyms the article spells out: "Drug Enforcement Administration (DEA)"."""
    out: dict[str, tuple[str, ...]] = {}
    for m in re.finditer(r"\(([A-Z]{2,6})\)", text):
        acronym = m.group(1)
        words = re.findall(r"[\w’'.-]+", text[max(0, m.start() - 200) : m.start()])
        # the words before it whose initials spell it (skipping small words like "of")
        initials: list[str] = []
        taken = 0
        for word in reversed(words):
            taken += 1
            if word[0].isupper():
                initials.insert(0, word[0])
            elif word.lower() not in ("of", "and", "for", "the", "on", "in", "de"):
                break
            if "".join(initials) == acronym:
                full = " ".join(words[len(words) - taken :])
                key = acronym.lower()
                if key not in out and normalize(full) != key:
                    out[key] = (normalize(full),)
                break
            if len(initials) >= len(acronym):
                break
    return out


# ------------------------------------------------------------------ passages


@dataclass(frozen=True)
class _Passage:
    section: str | None
    sentences: tuple[Span, ...]  # contiguous sentences of one paragraph
    items: tuple[Span, ...]  # list items that follow (their text without the marker)

    def quotes(self, text: str) -> list[str]:
        out = []
        if self.sentences:
            out.append(text[self.sentences[0].start : self.sentences[-1].end])
        out.extend(text[s.start : s.end] for s in self.items)
        return out

    def sentence_texts(self, text: str) -> list[str]:
        return [text[s.start : s.end] for s in (*self.sentences, *self.items)]

    def body(self, text: str) -> str:
        return " ".join(self.quotes(text))


def _passages(source: Source, skip: set[int]) -> list[_Passage]:
    """The article's passages, in order: paragraphs (long ones in chunks), each with the
    list that directly follows it; a list with no paragraph before it in its section
    is a passage of its own. Blocks numbered in `skip` (the byline) are left out."""
    text = source.text
    paragraphs = source.paragraphs
    starts = [b.start for b in paragraphs]
    by_block: dict[int, list[Span]] = {}
    for span in source.sentences():  # each sentence to its paragraph (a bisection: articles can be long)
        at = bisect_right(starts, span.start) - 1
        if at >= 0 and span.start < paragraphs[at].end:
            by_block.setdefault(paragraphs[at].paragraph, []).append(span)
    out: list[_Passage] = []
    for block in paragraphs:
        spans = by_block.get(block.paragraph, [])
        if block.paragraph in skip or not spans or not _is_prose(text[block.start : block.end]):
            continue
        if _LIST_ITEM.match(text, block.start, block.end):
            item = Span(spans[0].start, spans[-1].end)
            if out and out[-1].section == block.section:
                prev = out[-1]
                out[-1] = _Passage(prev.section, prev.sentences, (*prev.items, item))
            else:
                out.append(_Passage(block.section, (), (item,)))
            continue
        chunks = [spans]
        if len(spans) > LONG_PARAGRAPH:
            chunks = [spans[i : i + CHUNK] for i in range(0, len(spans), CHUNK)]
            if len(chunks[-1]) == 1:  # no lone last sentence: it joins the chunk before
                last = chunks.pop()
                chunks[-1] = chunks[-1] + last
        out.extend(_Passage(block.section, tuple(chunk), ()) for chunk in chunks)
    return out


_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•]|\d+[.)])[ \t]+")
_NOT_PROSE = re.compile(r"\s*(?:[-*_=]{3,}\s*$|\||```|~~~|<!--|<[a-zA-Z/]|!\[)")


def _is_prose(block: str) -> bool:
    """False for what a Markdown article holds besides text: rules, tables, code, HTML,
    pictures; and for anything without a word."""
    return not _NOT_PROSE.match(block) and bool(re.search(r"[^\W\d_]{2,}", _plain(block)))


# ------------------------------------------------------------------ key phrases

_WORD = re.compile(r"(?:[A-Za-z]\.){2,}|\$?\d[\d,.]*\d%?|\$?\d%?|[^\W\d_][\w’'-]*[\w]|[^\W\d_]")
_CONNECT = {"of", "for", "de", "del", "von", "van"}
#: Words that do not make a key phrase (beyond `text.STOPWORDS`): function words,
#: common verbs and adverbs. A key phrase is a name or a run of the other words.
_FILLER = frozenset("""
    during after before until since without within among between through across over under against
    per via instead rather cannot could might must shall said says told asked according whether though
    although because however also already only just still even ever never not all both each every
    either neither own same such least less few several well off out up down away back again further
    once now today yesterday tomorrow meant made make makes take took keep kept got went come came
    use used using able way ways lot lots thing things first last next new year years day days time
    times people percent including include includes included per almost nearly about around someone
    anyone everyone something anything everything nobody nothing
""".split())
#: Days and months: a poor name for a passage on their own.
_CALENDAR = frozenset("""
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
""".split())
#: Words that come before a person's name ("Library Director Marcus Bell").
_TITLE_WORDS = frozenset("""
    director mayor chief officer president agent council member senator governor judge sheriff
    commissioner charge deputy secretary minister professor dr mr ms mrs spokesperson spokeswoman
    spokesman manager chair chairman chairwoman representative rep sen gov lt sgt capt
""".split())
_TITLES = r"(?:Director|Mayor|Chief|Officer|President|Agent|Dr\.|Mr\.|Ms\.|Mrs\.|member|Council member|Senator|Governor|Judge|Sheriff|Commissioner|spokesperson|spokeswoman|spokesman)"


def _clean_word(word: str) -> str:
    return re.sub(r"[’']s$", "", word)


def _candidates(sentence: str) -> list[tuple[str, int]]:
    """Key-phrase candidates of one sentence, each with a kind rank (lower is better):
    0 a name of 2+ capitalized words, 1 a quoted phrase, 2 and 3 three and two content
    words after a determiner ("the library survey"), 4 one capitalized word (not the
    first), 5 one noun ("the nurse"), 6 any other run of content words, a day or a month."""
    out: list[tuple[str, int]] = []
    for m in re.finditer(r"[“\"]([^”\"]{3,60})[”\"]", sentence):
        phrase = m.group(1).strip(" .,;:!?")
        if 1 <= len(phrase.split()) <= 5:
            out.append((phrase, 1))
    words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(sentence)]
    # runs of capitalized words ("Riverton General Hospital", "Department of Homeland Security",
    # "Special Order 40"), not across punctuation
    run: list[str] = []
    first = 0  # index of the run's first word
    for n, (word, begin, _) in enumerate([*words, ("", len(sentence) + 1, 0)]):
        joined = n > 0 and not sentence[words[n - 1][2] : begin].strip()
        nxt = words[n + 1][0] if n + 1 < len(words) else ""
        capital = bool(word) and word[0].isupper() and not (n == 0 and word.lower() in STOPWORDS)
        connect = word.lower() in _CONNECT or (word == "and" and len(run) >= 2)
        if run and joined and (capital or (connect and nxt[:1].isupper()) or (word[:1].isdigit() and len(run) >= 2)):
            run.append(_clean_word(word))
            continue
        _close_run(run, first, out)
        run, first = ([_clean_word(word)], n) if capital else ([], n)
    return out + _content_runs(sentence)


def _close_run(run: list[str], first: int, out: list[tuple[str, int]]) -> None:
    while run and run[-1].lower() in _CONNECT | {"and"}:
        run.pop()
    if run and run[0].lower() in ("the", "a", "an"):
        run.pop(0)
        first += 1
    titled = [i for i, w in enumerate(run) if w.lower().rstrip(".") in _TITLE_WORDS and len(run) - i > 2]
    if titled:  # "Library Director Marcus Bell" -> "Marcus Bell"
        del run[: titled[-1] + 1]
    if len(run) >= 2:
        out.append((" ".join(run), 0))
    elif len(run) == 1 and first > 0 and len(run[0]) > 2:
        out.append((run[0], 6 if run[0].lower().rstrip(".") in _CALENDAR else 4))


def _content_runs(sentence: str) -> list[tuple[str, int]]:
    """Runs of 1-3 content words, not across punctuation. A run right after a
    determiner or a preposition ("the library survey", "of new hires") is likely a
    noun phrase and ranks first; one starting after another word ("officers may
    assist") ranks last."""
    out: list[tuple[str, int]] = []
    for piece in re.split(r"[,;:.!?]+(?=\s|$)|[()“”\"—–]+", sentence):
        tokens = [_clean_word(m.group()) for m in _WORD.finditer(piece)]
        content: list[str] = []
        before = ""  # the word before the run
        for tok in [*tokens, ""]:
            low = tok.lower()
            if (tok and low not in STOPWORDS and low not in _FILLER and (len(low) > 2 or low[:1].isdigit())
                    and not tok[:1].isupper()):
                content.append(low)
                continue
            noun = before in _DETERMINERS
            for size, rank in ((3, 2), (2, 3), (1, 5)):
                for i in range(len(content) - size + 1):
                    words = content[i : i + size]
                    if size == 1 and (len(words[0]) <= 3 or words[0][:1].isdigit() or not noun or i > 0):
                        continue  # a lone word only as a noun ("the nurse"), not "likely" or "supported"
                    out.append((" ".join(words), rank if noun and i == 0 else 6))
            content = []
            before = low
    return out


_DETERMINERS = frozenset("""
    the a an its their his her our your this these those that of for in on at from with by about
    into over after before during under between among per
""".split())


def _key_phrases(passages: list[_Passage], text: str, headings: tuple[str, ...] = (), limit: int = 3) -> list[list[str]]:
    """For each passage, up to `limit` phrases that tell it apart from the others:
    phrases found in the fewest passages first, then names, quoted phrases and longer
    runs of words, then the earliest."""
    # in how many passages each run of up to _MAX_GRAM words occurs
    df: Counter[tuple[str, ...]] = Counter()
    for body in [*(p.body(text) for p in passages), *headings]:  # a heading's words are its section's
        words = normalize(body).split()
        df.update({tuple(words[i : i + n]) for n in range(1, _MAX_GRAM + 1) for i in range(len(words) - n + 1)})
    out: list[list[str]] = []
    for passage in passages:
        seen: dict[str, tuple[int, bool, int, int, str]] = {}
        answer = " " + normalize(_answer(passage, text)) + " "
        for order, (phrase, rank) in enumerate(
            c for q in passage.sentence_texts(text) for c in _candidates(q)
        ):
            key = normalize(phrase)
            if not key or key in seen or key in STOPWORDS or _SMALLTALK_WORDS & set(key.split()):
                continue
            found = df.get(tuple(key.split()), 1)
            seen[key] = (min(found, 3), f" {key} " not in answer, rank, order, phrase)
        chosen: list[str] = []
        for *_, phrase in sorted(seen.values()):
            key = normalize(phrase)
            if any(key in normalize(c) or normalize(c) in key for c in chosen):
                continue
            chosen.append(phrase)
            if len(chosen) == limit:
                break
        out.append(chosen)
    return out


_MAX_GRAM = 8


#: Words of the small-talk examples: a key phrase holding one would pull "help" or
#: "thanks" away from small talk.
_SMALLTALK_WORDS = frozenset("help thanks thank bye goodbye source menu quit hello greetings cheers".split())


def _the(phrase: str) -> str:
    """"the library survey" for a common-noun phrase; names and numbers as they are."""
    return phrase if phrase[:1].isupper() or phrase[:1].isdigit() or phrase[:1] == "$" else f"the {phrase}"


def _is_person(phrase: str, text: str) -> bool:
    if not re.fullmatch(r"[A-Z][\w’'-]+(?: [A-Z][\w’'.-]+){1,2}", phrase):
        return False
    p = re.escape(phrase)
    return bool(re.search(rf"{p},? (?:said|says|told|added|who|a |an )|(?:said|says) {p}|{_TITLES} {p}", text))


# ------------------------------------------------------------------ questions and answers

_WH = re.compile(r"^(?:what|who|how|why|when|where|which|can|is|are|does|do|will|should)\b", re.I)
_EMBEDDED = re.compile(r"^\w+\s+(?:the|this|that|these|those|it|we|they|he|she|a|an|to)\b", re.I)
_MD_INLINE = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url), ![alt](src)
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"^(?:>\s*)+"), ""),  # a blockquote's marker
]


def _plain(text: str) -> str:
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return " ".join(text.split())


def _unique(questions: list[str]) -> list[str]:
    out: list[str] = []
    keys: set[str] = set()
    for q in questions:
        q = " ".join(q.split())
        key = normalize(q)
        if q and key and key not in keys:
            keys.add(key)
            out.append(q)
    return out


def _about(phrase: str, text: str) -> list[str]:
    """Questions about one key phrase."""
    if _is_person(phrase, text):
        what = f"Who is {phrase}?"
    else:
        plural = phrase[-1:] == "s" and phrase[-2:] != "ss" and not phrase[:1].isupper()
        what = f"What {'are' if plural else 'is'} {_the(phrase)}?"
    return [f"What does the article say about {_the(phrase)}?", what, f"Tell me about {_the(phrase)}", f"{phrase}?"]


def _keywords(text: str) -> str:
    return " ".join(w for w in normalize(text).split() if w not in STOPWORDS)


def _sentence_case(heading: str, text: str) -> str:
    """A Title Case heading in the case its words have in a sentence: a word keeps its
    capital when the article writes it so inside a sentence (a name), or is all capitals."""
    words = heading.split()
    if sum(w[:1].isupper() for w in words) < max(2, len(words) // 2 + 1):
        return heading[0].lower() + heading[1:] if words and words[0].lower() in STOPWORDS else heading
    out = []
    for word in words:
        core = re.sub(r"[’']s$", "", word.strip("“”\"'’(),:;!?."))
        if core.isupper() and len(core) > 1 or not core[:1].isupper():
            out.append(word)
        elif re.search(rf"(?:[\w,;] |[“\"‘(]){re.escape(core)}\b", text):  # capitalized inside a sentence
            out.append(word)
        else:
            out.append(word[0].lower() + word[1:])
    return " ".join(out)


def _questions_for_heading(heading: str, phrases: list[str], text: str) -> list[str]:
    h = _plain(heading).rstrip(" ?.:!")
    lower = _sentence_case(h, text)
    if _WH.match(h) and not _EMBEDDED.match(h):  # "Who Asked for Later Hours": a question already
        first = [f"{h}?", f"What does the article say about {lower}?", f"Tell me {lower}"]
    elif _WH.match(h):  # "What the Night Owl Hours Include": a clause, not a question
        first = [f"What does the article say about {lower}?", f"Tell me {lower}", f"{h}?"]
    else:
        first = [f"What does the article say about {lower}?", f"What is {lower}?", f"Tell me about {lower}", f"{h}?"]
    out = [*first, _keywords(h)]
    for phrase in phrases[:2]:
        out += [f"What about {_the(phrase)}?", phrase.lower()]
    return _pad(_unique(out), h)


def _questions_for_phrases(phrases: list[str], text: str, fallback: str) -> list[str]:
    out: list[str] = []
    if phrases:
        out += _about(phrases[0], text)
    for phrase in phrases[1:]:
        out += [f"What about {_the(phrase)}?", phrase.lower()]
    if phrases:
        out.append(phrases[0].lower())
    return _pad(_unique(out), phrases[0] if phrases else fallback)


def _pad(questions: list[str], subject: str) -> list[str]:
    for extra in (f"More about {subject}", f"Explain {subject}", f"{subject} details",
                  f"What happened with {subject}?", f"Anything on {subject}?", f"{subject} info"):
        if len(questions) >= MIN_QUESTIONS:
            break
        questions = _unique([*questions, extra])
    return questions


_NUMBER = r"(?<![$\d,.])(?:\d+(?:[,.]\d+)*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens|hundreds|thousands)"
_HOW_MANY = re.compile(rf"\b{_NUMBER}\s+((?:[a-z][a-z-]+\s){{0,2}}[a-z][a-z-]*[^s\W]s)\b")
_COST = re.compile(r"\b(?:[Tt]he|[Ii]ts|[Tt]heir)\s+((?:(?!will\b|would\b)[a-z][a-z-]+\s){0,2}(?!will\b|would\b)[a-z][a-z-]+)"
                   r"\s+(?:will\s+|would\s+)?costs?\s+\$")


def _fact_questions(sentences: list[str], text: str, limit: int = 4) -> list[str]:
    """Questions a sentence answers, from a few fixed patterns: "The pilot will cost $4"
    -> "How much will the pilot cost?", "2,300 residents" -> "How many residents?",
    "Tanya Ortiz ... said" -> "What did Tanya Ortiz say?"."""
    out: list[str] = []
    for sentence in sentences:
        for m in _COST.finditer(sentence):
            out.append(f"How much will the {m.group(1)} cost?")
        for m in _HOW_MANY.finditer(sentence):
            words = [w for w in m.group(1).split() if w not in _FILLER]
            if words and not any(w in STOPWORDS for w in words):  # "4 new part-time positions", not "5 paid from"
                out.append(f"How many {' '.join(words)}?")
        if re.search(r"\b(?:said|says|told|added)\b", sentence):
            for phrase, rank in _candidates(sentence):
                if rank == 0 and _is_person(phrase, text):
                    out.append(f"What did {phrase} say?")
                    break
    return _unique(out)[:limit]


def _item(text: str) -> str:
    """A list item inside a sentence: its closing period dropped (not the one of "p.m.")."""
    text = _plain(text).rstrip(" ;,")
    return text[:-1] if text.endswith(".") and not re.search(r"\b\w\.\w\.$", text) else text


def _answer(passage: _Passage, text: str) -> str:
    sentences = [text[s.start : s.end] for s in passage.sentences]
    items = [_item(text[s.start : s.end]) for s in passage.items]
    listed = "; ".join(items) + ("" if items and items[-1].endswith(".") else ".")
    if not sentences:
        return listed
    answer = sentences[0]
    if answer.rstrip().endswith(":") and items and len(sentences) == 1:
        return _plain(answer) + " " + listed
    if len(answer) < SHORT_SENTENCE and len(sentences) > 1 and not sentences[1].rstrip().endswith(":"):
        answer += " " + sentences[1]
    return _plain(answer)


# ------------------------------------------------------------------ drafting


def draft(
    text: str, *, file_name: str, title: str | None = None, taken_ids: set[str] | frozenset[str] = frozenset(),
    taken_files: set[str] | frozenset[str] = frozenset(), smalltalk: bool = True,
    taken_synonyms: set[str] | frozenset[str] = frozenset(), conversions: tuple[str, ...] = (),
) -> Draft:
    """Draft a knowledge base for the article `text` (pure: no I/O).

    `taken_ids`, `taken_files` and `taken_synonyms` are those of a knowledge base the
    article is added to: the draft avoids them. `smalltalk` adds the small-talk intents.
    """
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    source_id = slug(stem, words=8) or "article"
    source = Source.from_text(source_id, text, file=file_name)
    blocks = source.blocks
    info = _metadata(source)
    meta = dict(info.found)
    # the title is the first heading when no text comes before it (but metadata, pictures, rules)
    lead = [b for b in blocks if b.heading or (b.paragraph not in info.skip and _is_prose(text[b.start : b.end]))]
    top_heading = lead[0].section if lead and lead[0].heading else None
    title = " ".join(title.split()) if title and title.strip() else (
        meta.pop("title", None) or (_plain(top_heading) if top_heading else
                                    _capital(stem.replace("-", " ").replace("_", " ").strip() or file_name))
    )
    meta.pop("title", None)
    provenance: dict[str, Any] = {
        "original_file": file_name,
        "author": meta.get("author", "unknown"),
        "published": meta.get("published", "unknown"),
        "url": meta.get("url", "unknown"),
        "note": "Drafted by faqbot init. Author, published and url are 'unknown' unless the article states them.",
    }
    if conversions:
        provenance["converted"] = "; ".join(conversions)

    passages = _passages(source, set(info.skip))
    if not passages:
        raise UsageError(f"{file_name} holds no paragraph of text to answer from (only headings or a byline)")
    body_text = "\n".join(text[b.start : b.end] for b in source.paragraphs)  # no headings
    phrases = _key_phrases(passages, text, tuple(s for s in source.sections if s))
    ids: set[str] = set(taken_ids)
    files: set[str] = set(taken_files)
    file_of: dict[str | None, str] = {}

    def new_id(base: str) -> str:
        base = base or "passage"
        candidate = base
        if candidate in ids:
            candidate = f"{base}-{source_id}" if taken_ids else base
        n = 2
        while candidate in ids:
            candidate = f"{base}-{n}"
            n += 1
        ids.add(candidate)
        return candidate

    def file_for(section: str | None) -> str:
        if section not in file_of:
            overview = section is None or section == top_heading
            base = "overview" if overview else (slug(section or "", words=5) or "section")
            name = base
            if name in files or name in ("smalltalk", "synonyms"):
                name = f"{source_id}-{base}"
            n = 2
            while name in files:
                name = f"{source_id}-{base}-{n}"
                n += 1
            files.add(name)
            file_of[section] = name
        return file_of[section]

    if not any(b.heading for b in blocks):
        file_of[None] = source_id if source_id not in files else f"{source_id}-article"
        files.add(file_of[None])

    # with several sources, "the article" is ambiguous: name it ("the Riverton Public Library article")
    article = "article" if not taken_ids or not phrases or not phrases[0] else f"{phrases[0][0]} article"
    answers: list[DraftIntent] = []
    heads: dict[str | None, str] = {}
    seen_sections: set[str | None] = set()
    for n, passage in enumerate(passages):
        section = passage.section
        quotes = tuple(passage.quotes(text))
        body = passage.body(text)
        topic = title if section is None or section == top_heading else _plain(section)
        if n == 0:
            intent_id = new_id("overview")
            intent_title = "What the article is about" if not taken_ids else f"What “{title}” is about"
            questions = _unique([
                *(q.format(article=article) for q in _OVERVIEW),
                *(f"What does the article say about {_the(p)}?" for p in phrases[n][:1]),
            ])
        elif section not in seen_sections and section is not None and section != top_heading:
            intent_id = new_id(slug(section))
            intent_title = _plain(section)
            questions = _questions_for_heading(section, phrases[n], body_text)
        else:
            subject = phrases[n][0] if phrases[n] else " ".join(_plain(body).split()[:4])
            intent_id = new_id(slug(subject, words=5))
            intent_title = subject[:1].upper() + subject[1:]  # "Library survey", "Marcus Bell"
            questions = _questions_for_phrases(phrases[n], text, subject)
        seen_sections.add(section)
        heads.setdefault(section, intent_id)
        questions = _unique([*questions, *_fact_questions(passage.sentence_texts(text), body_text)])
        answers.append(DraftIntent(
            intent_id, intent_title, "answer", tuple(questions), _answer(passage, text), quotes,
            file=file_for(section), topic=topic,
        ))

    # follow-ups: the next passage, the section's first one, the previous one
    linked: list[DraftIntent] = []
    for n, intent in enumerate(answers):
        section = passages[n].section
        near = [answers[n + 1].id if n + 1 < len(answers) else None, heads.get(section),
                answers[n - 1].id if n > 0 else None]
        follow = tuple(dict.fromkeys(i for i in near if i and i != intent.id))[:3]
        linked.append(DraftIntent(intent.id, intent.title, intent.kind, intent.questions, intent.answer,
                                  intent.quotes, follow, intent.file, intent.topic))

    extra: list[DraftIntent] = []
    overview_file = answers[0].file
    byline = [text[s.start : s.end] for s in info.cited]
    author_questions = tuple(q.format(article=article) for q in _AUTHOR)
    if byline:
        extra.append(DraftIntent(
            new_id("byline"), "Who wrote the article, and when", "answer", author_questions,
            "The article's byline reads: " + " ".join(_plain(b) for b in byline), tuple(byline),
            tuple(i.id for i in linked[:1]), overview_file, title,
        ))
    else:
        extra.append(DraftIntent(
            new_id("author-and-date"), "Who wrote the article, and when", "gap", author_questions,
            "The article does not say who wrote it, who published it or when.", (),
            tuple(i.id for i in linked[:1]), overview_file, title,
        ))
    sections = tuple(s for s in source.sections if s and s != top_heading)
    talk = _smalltalk(title, provenance, linked, sections, new_id) if smalltalk else []
    synonyms = {k: v for k, v in _acronyms(text).items() if k not in taken_synonyms}
    suffix = ".md" if Path(file_name).suffix.lower() in (".md", ".markdown") else ".txt"  # never .yaml
    return Draft(source_id, f"{source_id}{suffix}", title, text, provenance,
                 tuple([*linked, *extra, *talk]), synonyms, sections, conversions)


_OVERVIEW = ("What is the {article} about?", "What is this {article} about?", "What is the news in the {article}?",
             "Summarize the {article}", "the gist of the {article}", "{article} summary",
             "What is the main point of the {article}?")
_AUTHOR = ("Who wrote the {article}?", "Who is the author of the {article}?", "When was the {article} published?",
           "What is the publication date of the {article}?", "{article} byline", "who wrote this {article}",
           "when was the {article} written", "which newspaper published the {article}")


# The small-talk examples (the same as the bundled knowledge base's: they say nothing about the article).
_GREETING = ["hello", "hi", "hey there", "good morning", "hi faqbot", "howdy", "Hello, is anyone there?", "greetings",
             "good evening", "hi there", "hello there"]
_THANKS = ["thanks", "thank you", "thx", "thanks a lot", "much appreciated", "cheers", "that was helpful, thanks",
           "Great, thank you so much for explaining.", "ty", "thanks so much", "thank you very much"]
_HELP = ["help", "what can you do?", "what can I ask you?", "how does this work", "what topics do you cover", "menu",
         "what do you know about", "I'm not sure what to ask. Can you give me some options?",
         "what kind of questions can you answer", "can you help me", "help me", "what questions can I ask",
         "how do i use this"]
_GOODBYE = ["bye", "goodbye", "see you", "see ya later", "that's all for now, bye", "i'm done", "bye for now",
            "Have a good day, I'm finished here.", "quit", "ok bye", "goodbye for now", "see you later"]
_ABOUT = ["What is your source?", "which article are you using", "where does your information come from", "source",
          "what article is this based on", "are your answers from a news article", "what are you reading from",
          "Is this based on a real news story, and which one?", "where do you get your answers",
          "what source are your answers based on", "which news article is your source"]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _smalltalk(
    title: str, provenance: dict[str, Any], answers: list[DraftIntent], sections: tuple[str, ...], new_id: Any
) -> list[DraftIntent]:
    topics = list(sections[:5]) or [i.title for i in answers[1:5]]
    covers = f" It covers: {'; '.join(_plain(t) for t in topics)}." if topics else ""
    example = f" Try asking: “{answers[0].questions[0]}”" if answers else ""
    stated = [f"{k} {provenance[k]}" for k in ("author", "published") if provenance.get(k, "unknown") != "unknown"]
    origin = (f" The article states: {', '.join(stated)}." if stated
              else " Its author, publisher and publication date are not stated in it.")
    file = "smalltalk"
    rows: list[tuple[str, str, list[str], str]] = [
        ("greeting", "Greeting", _GREETING,
         f"Hi! I answer questions about one article, “{title}”, using only what it says. What would you like to know?"),
        ("thanks", "Thanks", _THANKS, "You're welcome! Ask me anything else about the article."),
        ("help", "What I can do", _HELP,
         f"I answer questions about one article, “{title}”, quoting the passages I rely on.{covers}{example}"),
        ("goodbye", "Goodbye", _GOODBYE, "Goodbye! Come back any time with more questions about the article."),
        ("about-source", "What my source is", _ABOUT, f"My only source is one article, “{title}”.{origin}"),
    ]
    return [DraftIntent(new_id(i), t, "smalltalk", tuple(q), a, file=file, topic="Small talk") for i, t, q, a in rows]

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import UsageError
from .sources import BYLINE, DATE, LIST_MARK, URL, Source, Span
from .text import STOPWORDS, normalize, stem
from .wording import Article, fact_questions, heading_question, is_noun_phrase, subject

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
    #: a starter evaluation set: (question, intent id or "" for one to decline, kind)
    evaluation: tuple[tuple[str, str, str], ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.file for i in self.intents))


def slug(text: str, *, words: int = _SLUG_WORDS) -> str:
    """A kebab-case id from `text`: ``"DEA’s Role in Immigration"`` -> ``dea-role-in-immigration``."""
    parts = normalize(text).split()
    parts = [p for p in parts if p.isascii() and p.isalnum()]
    return "-".join(parts[:words])



# ------------------------------------------------------------------ metadata

@dataclass(frozen=True)
class _Meta:
    """What the article states about itself: `found` (title, author, published, url, ...),
    the lines that state who wrote it and when (`cited`), and the paragraphs that are
    metadata, not text (`skip`)."""

    found: dict[str, str]
    cited: tuple[Span, ...]
    skip: frozenset[int]


def _metadata(source: Source) -> _Meta:
    """Title, author, date, URL, photo credits and dateline the article states: in YAML
    front matter, or in the lines `Source` marks as metadata (see `metadata_kind`)."""
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
    credits: list[str] = []
    for block in source.paragraphs:
        if block.lead and "dateline" not in found:
            found["dateline"] = text[block.start : block.start + block.lead].strip(" —–-:")
        if not block.meta or block.paragraph in skip:
            continue
        skip.add(block.paragraph)
        at = block.start
        for line in text[block.start : block.end].split("\n"):
            stripped = line.strip()
            begin = text.find(stripped, at) if stripped else at
            at += len(line) + 1
            if block.meta == "credit":
                credits.append(_plain(stripped))
                continue
            if block.meta == "boilerplate" or not stripped:
                continue
            cited.append(Span(begin, begin + len(stripped)))
            byline = BYLINE.match(stripped)
            if block.meta == "byline" and byline:
                found.setdefault("author", byline.group("name").strip(" .,"))
            date = DATE.search(stripped)
            if date and block.meta in ("byline", "date"):
                found.setdefault("published", date.group())
            if block.meta == "updated":
                found.setdefault("updated", re.sub(r"^\W*(?:Last\s+)?Updated\b\s*:?\s*", "", stripped, flags=re.I))
            url = URL.search(stripped)
            if url:
                found.setdefault("url", url.group().rstrip(".,;"))
            elif block.meta == "url":
                found.setdefault("source", re.sub(r"^\W*Sources?\s*:\s*", "", stripped))
    if credits:
        found["credits"] = "; ".join(credits)
    return _Meta(found, tuple(cited), frozenset(skip))


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.S)
_FRONT_KEYS = {"title": "title", "author": "author", "authors": "author", "by": "author", "date": "published",
               "published": "published", "url": "url", "link": "url", "source": "url"}


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
    sentences: tuple[Span, ...]  # contiguous sentences of one paragraph (or of several: see `_bounded`)
    items: tuple[Span, ...]  # list items that follow (their text without the marker)
    parts: int = 1  # how many passages were drafted together

    def quotes(self, text: str) -> list[str]:
        """Its sentences as one exact slice per paragraph (one slice in all for passages
        drafted together, see `_bounded`), then each list item."""
        out = []
        run: list[Span] = []
        for span in self.sentences:
            if run and self.parts == 1 and "\n" in text[run[-1].end : span.start]:
                out.append(text[run[0].start : run[-1].end])
                run = []
            run.append(span)
        if run:
            out.append(text[run[0].start : run[-1].end])
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
        if LIST_MARK().match(text, block.start, block.end):
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


_NOT_PROSE = re.compile(r"\s*(?:[-*_=]{3,}\s*$|\||```|~~~|<!--|<[a-zA-Z/]|!\[)")


def _is_prose(block: str) -> bool:
    """False for what a Markdown article holds besides text: rules, tables, code, HTML,
    pictures; and for anything without a word."""
    return not _NOT_PROSE.match(block) and bool(re.search(r"[^\W\d_]{2,}", _plain(block)))


# ------------------------------------------------------------------ key phrases

_WORD = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Z]\.(?= [A-Z])|(?:Mr|Mrs|Ms|Dr|Rep|Sen|Gov|St|Lt|Gen|Prof)\."
                   r"|\$?\d[\d,.]*\d%?|\$?\d%?|[^\W\d_][\w’'-]*[\w]|[^\W\d_]")
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
    anyone everyone something anything everything nobody nothing another other others any
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
    """Runs of 1-3 content words right after a determiner or a preposition ("the
    library survey", "of new hires"), not across punctuation, not inside quotation
    marks (what someone said is no name for a passage): likely noun phrases."""
    out: list[tuple[str, int]] = []
    sentence = re.sub(r"“[^”]*”|\"[^\"]*\"", " | ", sentence)
    for piece in re.split(r"[,;:.!?|]+(?=\s|$)|[()“”\"—–|]+", sentence):
        tokens = [m.group() for m in _WORD.finditer(piece)]
        content: list[str] = []
        before = ""  # the word before the run
        for tok in [*tokens, ""]:
            low = tok.lower()
            if (tok and low not in STOPWORDS and low not in _FILLER and (len(low) > 2 or low[:1].isdigit())
                    and not tok[:1].isupper() and not (not content and low.endswith("ly"))):
                content.append(low)
                continue
            if before in _DETERMINERS and content:
                content[-1] = _clean_word(content[-1])
                for size, rank in ((3, 2), (2, 3), (1, 5)):
                    words = content[:size]
                    if len(words) == size and not (size == 1 and (len(words[0]) <= 3 or words[0][:1].isdigit())):
                        out.append((" ".join(words), rank))
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
            c for q in passage.sentence_texts(text)[:_PHRASE_SENTENCES] for c in _candidates(q)
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


_MAX_GRAM = 5
#: Key phrases are looked for in the first sentences of a passage only (bounded work).
_PHRASE_SENTENCES = 6


#: Words of the small-talk examples: a key phrase holding one would pull "help" or
#: "thanks" away from small talk.
_SMALLTALK_WORDS = frozenset("help thanks thank bye goodbye source menu quit hello greetings cheers".split())


def _the(phrase: str) -> str:
    """"the library survey" for a common-noun phrase; names and numbers as they are."""
    if re.match(r"(?:the|a|an|its|their|his|her) ", phrase):
        return phrase
    return phrase if phrase[:1].isupper() or phrase[:1].isdigit() or phrase[:1] == "$" else f"the {phrase}"


# ------------------------------------------------------------------ questions and answers

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


def _keywords(text: str) -> str:
    return " ".join(w for w in normalize(text).split() if w not in STOPWORDS)


def _sentence_case(heading: str, article: Article) -> str:
    """A Title Case heading in the case its words have in a sentence: a run of words keeps
    its capitals when the article writes it so inside a sentence (a name: "What the Night
    Owl Hours Include" keeps "Night Owl Hours"), and so does a word in all capitals."""
    words = heading.split()
    if sum(w[:1].isupper() for w in words) < max(2, len(words) // 2 + 1):
        return heading[0].lower() + heading[1:] if words and words[0].lower() in STOPWORDS else heading
    out: list[str] = []
    i = 0
    while i < len(words):
        core = [re.sub(r"[’']s$", "", w.strip("“”\"'’(),:;!?.")) for w in words]
        j = next((j for j in range(len(words), i, -1) if " ".join(core[i:j]) in article.names), i)
        if j > i:
            out += words[i:j]
            i = j
            continue
        word = words[i]
        keep = (core[i].isupper() and len(core[i]) > 1 or not core[i][:1].isupper()
                or core[i] in article.capitalized and core[i].lower() not in article.lower)  # "Trump’s"
        out.append(word if keep else word[0].lower() + word[1:])
        i += 1
    return " ".join(out)



def _about(phrase: str, article: Article) -> list[str]:
    """The questions a reader asks about a noun phrase of the passage: "What does the
    article say about the library survey?", "Who is Tanya Ortiz?", and the phrase alone."""
    bare = re.sub(r"^(?:the|a|an) ", "", phrase)
    out = [f"What does the article say about {_the(phrase)}?", f"Tell me about {_the(phrase)}"]
    if article.is_person(bare):
        out.insert(0, f"Who is {bare}?")
    out.append(bare if bare[:1].isupper() else bare.lower())
    return out


#: Nouns that live in set phrases ("on your behalf", "in addition", "for the sake of"): alone,
#: no topic a reader asks about.
_IDIOM_NOUNS = frozenset("""behalf sake regard regards respect terms means addition order part fact case course instance
    example general particular way manner lieu accordance spite view favor favour aid account""".split())


def _good_phrase(phrase: str) -> bool:
    """A key phrase a question can be about: a noun phrase, no number, day or month alone,
    no noun of a set phrase alone ("the behalf")."""
    words = phrase.lower().split()
    content = [w for w in words if w not in ("the", "a", "an")]
    return (is_noun_phrase(phrase) and not phrase[:1].isdigit() and not phrase.startswith("$")
            and not _CALENDAR & set(words) and not (len(content) == 1 and content[0] in _IDIOM_NOUNS))


def _questions(passage: _Passage, n: int, text: str, article: Article, phrases: list[str],
               heading: str | None) -> tuple[str, list[str]]:
    """The title and the example questions of the draft intent of a passage: the
    questions its sentences answer (who, when, where, how many, what is), then what a
    reader asks about its subject and key phrases. At most `MAX_QUESTIONS`, none a
    template filled with a phrase that names nothing."""
    sentences = [_plain(t) for t in passage.sentence_texts(text)]
    facts = [q for sentence in sentences[:4] for q in fact_questions(sentence, article)]
    subjects = [x for x in (subject(t, article) for t in sentences[:2]) if x]
    named = [p for p in phrases if _good_phrase(p)]
    if heading is not None:  # the first passage of a section answers its heading
        h = _plain(heading).rstrip(" ?.:!")
        lower = _sentence_case(h, article)
        asked = heading_question(h, lower)
        if asked is None and _plain(heading).rstrip().endswith("?"):  # "If my plan …, how do I appeal?"
            asked = lower[:1].upper() + lower[1:] + "?"
        if asked:  # "Who asked for later hours?"
            questions = [asked, *facts[:3]]
            if not asked.startswith(("What ", "Who ", "How ", "Why ", "When ", "Where ", "Which ")):
                questions.append(_keywords(h))  # "Can someone file for me?": also its words alone
            inner = re.match(r"\w+ ((?:the|a|an) [^?]+) \w+\?$", asked.split(" ", 1)[0] + " " + lower.split(" ", 1)[1] + "?")
            inner = inner if inner and not asked.startswith(("Who ", "What happens")) else None  # "the Night Owl Hours"
            if inner and is_noun_phrase(inner.group(1)):
                questions += _about(inner.group(1), article)
            for phrase in named[:2]:
                questions += _about(phrase, article)[::2]
        else:  # "Cost and Staffing"
            questions = [f"What does the article say about {lower}?", f"Tell me about {lower}", _keywords(h),
                         *facts[:2]]
            for phrase in named[:1]:
                questions += _about(phrase, article)[::2]
        return h, questions
    topic = subjects[0] if subjects else (named[0] if named else None)
    questions = facts[:2]
    if topic is not None:
        questions += _about(topic, article)
    for phrase in named[:2]:
        if topic is None or normalize(phrase) not in normalize(topic) and normalize(topic) not in normalize(phrase):
            questions += _about(phrase, article)
    questions += facts[2:4]
    if topic is None:
        topic = " ".join(_plain(passage.body(text)).split()[:4])
    return _title_of(topic), questions


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


#: A draft intent gets at most this many example questions: a few well-worded ones (the
#: article's sentences answer the rest, see the passage answering).
MAX_QUESTIONS = 6
#: An article of more passages than this has neighbouring passages of a section drafted
#: together (its sentences stay first-class answers): a knowledge base stays reviewable.
MAX_PASSAGES = 600
#: An intents file is kept under this many bytes (the loader refuses files over 2 MB).
MAX_FILE_BYTES = 1_000_000
#: More sections than this and neighbouring sections share an intents file.
MAX_FILES = 60
#: Drafts whose examples the matcher ranks under another intent are pruned while the
#: knowledge base has at most this many examples (beyond, `faqbot check` reports them);
#: near-duplicates, up to four times as many.
PRUNE_EXAMPLES = 1200


def draft(
    text: str, *, file_name: str, title: str | None = None, taken_ids: set[str] | frozenset[str] = frozenset(),
    taken_files: set[str] | frozenset[str] = frozenset(), smalltalk: bool = True,
    taken_synonyms: set[str] | frozenset[str] = frozenset(), conversions: tuple[str, ...] = (),
    existing: Mapping[str, Sequence[str]] | None = None,
) -> Draft:
    """Draft a knowledge base for the article `text` (pure: no I/O; linear in its length).

    `taken_ids`, `taken_files` and `taken_synonyms` are those of a knowledge base the
    article is added to: the draft avoids them; `existing` (its intents' examples, by
    id) keeps the draft's examples from clashing with them. `smalltalk` adds the
    small-talk intents.
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
        **{k: meta[k] for k in ("updated", "source", "dateline", "credits") if k in meta},
        "note": "Drafted by faqbot init. Author, published and url are 'unknown' unless the article states them.",
    }
    if conversions:
        provenance["converted"] = "; ".join(conversions)

    passages = _bounded(_passages(source, set(info.skip)), text)
    if not passages:
        raise UsageError(f"{file_name} holds no paragraph of text to answer from (only headings or a byline)")
    article = Article.of("\n".join(text[b.start : b.end] for b in source.paragraphs))  # not the headings
    phrases = _key_phrases(passages, text, tuple(s for s in source.sections if s))
    ids = _Names(taken_ids, source_id)

    # with several sources, "the article" is ambiguous: name it ("the Riverton Public Library article")
    what = "article" if not taken_ids or not phrases or not phrases[0] else f"{phrases[0][0]} article"
    answers: list[DraftIntent] = []
    seen_sections: set[str | None] = set()
    used_titles: set[str] = set()
    for n, passage in enumerate(passages):
        section = passage.section
        topic = title if section is None or section == top_heading else _plain(section)
        head = section is not None and section != top_heading and section not in seen_sections
        seen_sections.add(section)
        intent_title, questions = _questions(passage, n, text, article, phrases[n], section if head else None)
        if n and intent_title.casefold() in used_titles:
            # five passages about "the club" are not five intents titled "Club": each its own key phrase
            titles = (_title_of(p) for p in phrases[n] if _good_phrase(p))
            intent_title = next((t for t in titles if t.casefold() not in used_titles), intent_title)
        used_titles.add(intent_title.casefold())
        if n == 0:  # the lede: what the article is about
            intent_id = ids.new("overview")
            intent_title = "What the article is about" if not taken_ids else f"What “{title}” is about"
            questions = [*(q.format(article=what) for q in _OVERVIEW), *questions[:3]]
        else:
            intent_id = ids.new(slug(intent_title, words=_SLUG_WORDS if head else 5) or "passage")
        answers.append(DraftIntent(intent_id, intent_title, "answer", tuple(questions), _answer(passage, text),
                                   tuple(passage.quotes(text)), topic=topic))

    extra: list[DraftIntent] = []
    byline = [text[s.start : s.end] for s in info.cited]
    author_questions = tuple(q.format(article=what) for q in _AUTHOR)
    if byline:
        extra.append(DraftIntent(
            ids.new("byline"), "Who wrote the article, and when", "answer", author_questions,
            "The article's byline reads: " + " ".join(_plain(b) for b in byline), tuple(byline), topic=title,
        ))
    else:
        extra.append(DraftIntent(
            ids.new("author-and-date"), "Who wrote the article, and when", "gap", author_questions,
            "The article does not say who wrote it, who published it or when.", (), topic=title,
        ))
    sections = tuple(s for s in source.sections if s and s != top_heading)
    talk = _smalltalk(title, provenance, answers, sections, ids.new) if smalltalk else []
    synonyms = {k: v for k, v in _acronyms(text).items() if k not in taken_synonyms}
    drafted = [*answers, *extra]
    intents = _examples(drafted, talk, synonyms, existing or {})
    evaluation = _evaluation(drafted, intents, passages, text, article)
    intents = _linked(intents, passages)
    intents = _files(intents, passages, top_heading, source_id, set(taken_files), bool(any(b.heading for b in blocks)))
    suffix = ".md" if Path(file_name).suffix.lower() in (".md", ".markdown") else ".txt"  # never .yaml
    return Draft(source_id, f"{source_id}{suffix}", title, text, provenance, tuple(intents), synonyms, sections,
                 conversions, evaluation)


_NO_QUOTES = re.compile(r"“[^”]*”|\"[^\"]*\"")
#: Questions no article of this kind answers (a starter eval's far out-of-scope items).
_FAR = ("What will the weather be like tomorrow?", "Who won the last World Cup?", "How do I bake sourdough bread?")


def _evaluation(drafted: list[DraftIntent], final: list[DraftIntent], passages: list[_Passage], text: str,
                article: Article) -> tuple[tuple[str, str, str], ...]:
    """A starter evaluation set, none of its questions an example: for each draft, the
    key words of its answer, as a reader types them (kind "keyword"); questions about
    the people the article names that it does not answer ("How old is ...?", kind
    "near"); and a few far from it ("far")."""
    examples = {_key(q) for i in final for q in i.questions}
    out: list[tuple[str, str, str]] = []
    for intent in drafted[: len(passages) + 1]:
        words = [w for w in _keywords(_NO_QUOTES.sub(" ", intent.answer.removeprefix("The article's byline reads: "))).split()
                 if len(w) > 3 and w not in _FILLER and not w.endswith(("ed", "ing"))][:4]
        if len(words) >= 2 and _key(" ".join(words)) not in examples:
            out.append((" ".join(words), intent.id, "keyword"))
    for person in sorted(article.people)[:2]:
        if not re.search(rf"{re.escape(person)}, \d|\bage\b|years? old|\bborn\b", text):
            out.append((f"How old is {person}?", "", "near"))
    out += [(q, "", "far") for q in _FAR]
    return tuple(out)


class _Names:
    """Unique ids (or file names): "overview", then "overview-2", "overview-3", ... in
    constant time each (a counter per base, not a search)."""

    def __init__(self, taken: set[str] | frozenset[str], source_id: str = "") -> None:
        self.taken = set(taken)
        self.adding = bool(taken)
        self.source_id = source_id
        self.next: dict[str, int] = {}

    def new(self, base: str) -> str:
        candidate = base
        if candidate in self.taken and self.adding and self.source_id:
            candidate = f"{base}-{self.source_id}"
        n = self.next.get(base, 2)
        while candidate in self.taken:
            candidate = f"{base}-{n}"
            n += 1
        self.next[base] = n
        self.taken.add(candidate)
        return candidate


def _bounded(passages: list[_Passage], text: str) -> list[_Passage]:
    """At most about `MAX_PASSAGES` passages: beyond, neighbouring passages of one
    section are drafted as one (each keeps its own quotes)."""
    if len(passages) <= MAX_PASSAGES:
        return passages
    for across in (False, True):  # neighbours in a section first; then across sections, if still too many
        size = -(-len(passages) // MAX_PASSAGES)
        out: list[_Passage] = []
        for passage in passages:
            last = out[-1] if out else None
            if last is not None and (across or last.section == passage.section) and last.parts < size:
                out[-1] = _Passage(last.section, (*last.sentences, *passage.sentences), (*last.items, *passage.items),
                                   last.parts + passage.parts)
            else:
                out.append(passage)
        passages = out
        if len(passages) <= MAX_PASSAGES:
            break
    return passages


def _examples(drafts: list[DraftIntent], talk: list[DraftIntent], synonyms: dict[str, tuple[str, ...]],
              existing: Mapping[str, Sequence[str]]) -> list[DraftIntent]:
    """The drafts' example questions cleaned up: no example in two intents (the earlier
    intent keeps it), at most `MAX_QUESTIONS` each, and none that the matcher would rank
    under another intent (`faqbot check`'s misassigned-example), while the knowledge
    base is small enough to check."""
    keys: dict[str, str] = {}  # an example's key -> the intent that has it
    fixed = {**existing, **{i.id: list(i.questions) for i in talk}}
    for intent_id, questions in fixed.items():
        for q in questions:
            keys.setdefault(_key(q), intent_id)
    kept: dict[str, list[str]] = {}
    for intent in drafts:
        out: list[str] = []
        for q in _unique(list(intent.questions)):
            key = _key(q)
            if not key or keys.setdefault(key, intent.id) != intent.id:
                continue
            out.append(q)
            if len(out) >= MAX_QUESTIONS:
                break
        kept[intent.id] = out or [intent.title]
    examples = sum(map(len, kept.values())) + sum(map(len, fixed.values()))
    if examples <= 4 * PRUNE_EXAMPLES:
        _near_duplicates(kept, fixed)
    if examples <= PRUNE_EXAMPLES:
        from .matcher import Matcher

        for _ in range(2):  # pruning moves the statistics a little: a second pass settles them
            matcher = Matcher({**fixed, **kept}, synonyms=synonyms)
            for intent_id, questions in kept.items():
                good = [q for q in questions
                        if (m := matcher.match(q, limit=1, exact=False)) and m[0].intent == intent_id]
                if good:
                    kept[intent_id] = good
    return [*(replace(i, questions=tuple(kept[i.id])) for i in drafts), *talk]


def _near_duplicates(kept: dict[str, list[str]], fixed: Mapping[str, Sequence[str]]) -> None:
    """Drop, in place, an example that `faqbot check` would call a near-duplicate of an
    earlier intent's ("the favor" / "the favour", "Tibetan Buddhism" / "Buddhists")."""
    from rapidfuzz import fuzz, process

    from .check import DUPLICATE_RATIO, _same_words

    texts: list[str] = []
    owners: list[str] = []
    words: list[set[str]] = []
    for intent_id, questions in fixed.items():
        for q in questions:
            texts.append(normalize(q))
            owners.append(intent_id)
            words.append({stem(w) for w in texts[-1].split()} - {"a", "an", "the", "please"})
    for intent_id, questions in kept.items():
        out: list[str] = []
        for q in questions:
            text = normalize(q)
            mine = {stem(w) for w in text.split()} - {"a", "an", "the", "please"}
            clash = any(owners[b] != intent_id and _same_words(mine, words[b]) for _, _, b in
                        process.extract(text, texts, scorer=fuzz.ratio, score_cutoff=DUPLICATE_RATIO, limit=None))
            if clash and (out or q is not questions[-1]):
                continue  # (an intent keeps one example at least)
            out.append(q)
            texts.append(text)
            owners.append(intent_id)
            words.append(mine)
        kept[intent_id] = out


def _key(question: str) -> str:
    """Two examples with the same key are the same question to `faqbot check`: the same
    stemmed words, "the", "a" and word order aside."""
    return " ".join(sorted({stem(w) for w in normalize(question).split()} - {"a", "an", "the", "please"}))


def _linked(intents: list[DraftIntent], passages: list[_Passage]) -> list[DraftIntent]:
    """Follow-ups: the next passage, the first of its section and the previous one; the
    byline's is the overview."""
    answers = intents[: len(passages)]
    heads: dict[str | None, str] = {}
    for n, intent in enumerate(answers):
        heads.setdefault(passages[n].section, intent.id)
    out = []
    for n, intent in enumerate(intents):
        if n < len(answers):
            near = [answers[n + 1].id if n + 1 < len(answers) else None, heads.get(passages[n].section),
                    answers[n - 1].id if n > 0 else None]
        else:
            near = [answers[0].id] if intent.kind != "smalltalk" else []
        out.append(replace(intent, follow_ups=tuple(dict.fromkeys(i for i in near if i and i != intent.id))[:3]))
    return out


def _files(intents: list[DraftIntent], passages: list[_Passage], top_heading: str | None, source_id: str,
           taken: set[str], headed: bool) -> list[DraftIntent]:
    """The intents file of each draft: one per section ("overview" for the lede and the
    byline, "smalltalk"); neighbouring sections share one beyond `MAX_FILES` sections;
    a file is split before it reaches `MAX_FILE_BYTES`."""
    names = _Names(taken | {"synonyms"})
    talk_file = names.new("smalltalk" if "smalltalk" not in taken else f"{source_id}-smalltalk")
    sections = list(dict.fromkeys(p.section for p in passages if p.section not in (None, top_heading)))
    per_file = max(1, -(-len(sections) // MAX_FILES))
    base_of: dict[str | None, str] = {None: "overview" if headed else source_id, top_heading: "overview" if headed else source_id}
    for k, section in enumerate(sections):
        base_of[section] = base_of[sections[k - k % per_file]] if k % per_file else (slug(section or "", words=5) or "section")
    file_of: dict[str, str] = {}  # a base -> its current file name
    size: dict[str, int] = {}
    out = []
    for n, intent in enumerate(intents):
        if intent.kind == "smalltalk":
            out.append(replace(intent, file=talk_file))
            continue
        if n < len(passages):
            base = base_of[passages[n].section]
        else:
            base = base_of[None]
        if base not in file_of:
            name = base if base not in names.taken else (f"{source_id}-{base}" if base != source_id else f"{base}-article")
            file_of[base] = names.new(name)
            size[file_of[base]] = 500
        elif size[file_of[base]] + _yaml_size(intent) > MAX_FILE_BYTES:  # split: "overview-2"
            file_of[base] = names.new(file_of[base])
            size[file_of[base]] = 500
        size[file_of[base]] += _yaml_size(intent)
        out.append(replace(intent, file=file_of[base]))
    return out


def _yaml_size(intent: DraftIntent) -> int:
    """An upper bound of the bytes `faqbot.scaffold` writes for `intent`."""
    texts = [intent.id, intent.title, intent.answer, *intent.questions, *intent.quotes, *intent.follow_ups]
    return 200 + sum(2 * len(t.encode("utf-8")) + 40 for t in texts)


_OVERVIEW = ("What is the {article} about?", "Summarize the {article}", "What is the main point of the {article}?")
_AUTHOR = ("Who wrote the {article}?", "Who is the author of the {article}?", "When was the {article} published?",
           "which newspaper published the {article}", "{article} byline", "when was the {article} written")


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


def _title_of(phrase: str) -> str:
    """An intent's title from a noun phrase: its article dropped, capitalised."""
    return _capital(re.sub(r"^(?:the|a|an) ", "", phrase))


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

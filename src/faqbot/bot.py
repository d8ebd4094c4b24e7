"""`FAQBot`: a loaded knowledge base, its matcher, its passages, and `ask()`.

The flow of one question (each step reads the value the previous one made)::

    text -> question.analyse -> Question (answer type, focus)
         -> Matcher.match (intents)   and   PassageIndex.search (sentences)
         -> dialogue.decide: answer, clarify or decline on the matcher's confidence
            (a question worded like one sentence goes to the intent that quotes it)
         -> answerability: does the chosen candidate's cited text hold what is asked?
         -> Reply (answered | clarify | passage | unknown with `missing` | smalltalk)
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import dialogue
from .answerability import Missing, Vocabulary, describe, surface
from .dialogue import DEFAULT_THRESHOLDS, Thresholds
from .kb import Intent, KnowledgeBase
from .layout import bundled_path
from .matcher import Match, Matcher
from .passages import Passage, PassageIndex
from .question import Question, analyse, answer_type, asking_part, names_nothing
from .replies import Citation, Reply
from .text import normalize

if TYPE_CHECKING:
    from .session import Session

__all__ = ["FAQBot", "MAX_QUESTION_CHARS"]

#: Questions are cut to this many characters before matching (a question is a
#: sentence or three; anything longer is pasted text, and would only cost time).
MAX_QUESTION_CHARS = 1000
#: How deep in the matcher's ranking an intent may be and still answer by agreeing with
#: the best sentence (see `FAQBot._agreement`).
AGREE_DEPTH = 1


def _load_kb(root: str) -> KnowledgeBase:
    """The knowledge base in `root`, read from its files (the loader, with YAML and pathlib,
    is imported only when the cache cannot serve the bot)."""
    from .knowledge import load

    return load(root)


def _evidence(intent: Intent) -> str:
    """What an intent's reply shows: its quotes and its answer."""
    return "\n".join([*(c.quote for c in intent.citations), intent.answer])


def _headings(intent: Intent) -> str:
    """The section headings its quotes sit under."""
    return "\n".join(c.section or "" for c in intent.citations)


#: Question types specific enough that a "not stated" intent about another type does not
#: fit them, and the types that count as one for that (see `_gap_asks`).
_SPECIFIC = frozenset({"count", "money", "percent", "date", "duration", "name", "person", "place", "contact", "quote",
                       "vote", "manner", "reason", "condition", "consequence", "penalty"})
_ALIKE = {"duration": "date", "person": "name", "money": "count", "percent": "count"}
#: A "not stated" intent is about one type when at least this share of its questions ask for it.
GAP_TYPE_SHARE = 0.5


@lru_cache(maxsize=256)
def _gap_asks(questions: tuple[str, ...]) -> str | None:
    """The answer type most of a "not stated" intent's questions ask for (at least
    `GAP_TYPE_SHARE` of them: "when was it announced", "what date …" make a gap about
    dates), or None."""
    kinds = [answer_type(normalize(asking_part(q))) for q in questions]
    best = max(set(kinds) - {None}, key=lambda k: (kinds.count(k), k), default=None)
    return best if best in _SPECIFIC and kinds.count(best) >= GAP_TYPE_SHARE * len(kinds) else None


#: Words by which a question speaks to the bot (small talk's subject), not to the article.
_YOU = frozenset({"you", "your", "yours", "yourself"})


def _about(intent: Intent) -> str:
    """What an intent is about: its title and example questions (names the author
    wrote there, "LA cops", are what the intent answers about)."""
    return "\n".join([intent.title, *intent.questions])


class FAQBot:
    """Answers questions from a knowledge base. Safe to share between threads:
    nothing is written after construction."""

    def __init__(self, kb: KnowledgeBase, *, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.kb = kb
        self.thresholds = thresholds
        self.matcher = Matcher({i.id: list(i.questions) for i in kb.intents}, synonyms=kb.synonyms)
        self.passages = PassageIndex(kb.sources, kb.synonyms)
        answers = [i for i in kb.intents if i.kind == "answer"]
        # the words the knowledge base talks about: its sources, and what its answer and small
        # talk intents say and are asked (not its gaps' questions: those are what it lacks; and
        # of an example that tells a reader's situation first, "My cousin served prison time.
        # Could LA police …?", only the asking sentence: the situation is not what it is about)
        spoken = [i for i in kb.intents if i.kind != "gap"]
        self.vocabulary = Vocabulary(
            [*(s.text for s in kb.sources.values()),
             *(t for i in spoken for t in (*map(asking_part, i.questions), i.answer, i.title))],
            kb.synonyms, kb.vocabulary,
        )
        self.vocabulary.set_background(
            [s.text[span.start : span.end] for s in kb.sources.values() for span in s.sentences()]
        )
        # the answer intents that quote each sentence start (answer-aware matching)
        quoting: dict[tuple[str, int], list[str]] = {}
        for intent in answers:
            for c in intent.citations:
                for p in self.passages_in(c):
                    quoting.setdefault(p, []).append(intent.id)
        self._quoting = {k: tuple(v) for k, v in quoting.items()}

    def passages_in(self, citation: Citation) -> list[tuple[str, int]]:
        """The (source, sentence start) of every sentence a citation covers."""
        source = self.kb.sources.get(citation.source)
        if source is None:
            return []
        return [(source.id, s.start) for s in source.sentences() if citation.start <= s.start < citation.end]

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, *, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> FAQBot:
        """Load a knowledge base folder (the bundled one when `path` is None). The built
        bot is cached on disk and reused while no file changes (see `faqbot.cache`)."""
        from . import cache

        root = os.fspath(path) if path is not None else bundled_path()
        bot = cache.load(root, lambda: cls(_load_kb(root)), cls)
        if bot.thresholds != thresholds:
            bot.thresholds = thresholds  # this copy is our own: nothing shares it yet
        return bot

    def to_state(self) -> dict[str, object]:
        """Plain data (see `faqbot.cache`) from which `from_state` rebuilds this bot."""
        return {"kb": self.kb.to_state(), "matcher": self.matcher.to_state(), "passages": self.passages.to_state(),
                "vocabulary": self.vocabulary.to_state(), "quoting": self._quoting}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FAQBot:
        """The bot `to_state` describes, with the default thresholds."""
        bot = cls.__new__(cls)
        bot.kb = KnowledgeBase.from_state(state["kb"])
        bot.thresholds = DEFAULT_THRESHOLDS
        bot.matcher = Matcher.from_state(state["matcher"])
        bot.passages = PassageIndex.from_state(state["passages"], bot.kb.sources)
        bot.vocabulary = Vocabulary.from_state(state["vocabulary"])
        bot._quoting = {tuple(k): tuple(v) for k, v in state["quoting"].items()}
        return bot

    @property
    def intents(self) -> tuple[Intent, ...]:
        return self.kb.intents

    def session(self, state: dict[str, Any] | None = None) -> Session:
        """A conversation: follow-ups and clarifications understood against earlier turns;
        with `state` (from `Session.state()`), the conversation it was saved from."""
        from .session import Session

        return Session(self, state=state)

    def ask(self, text: str) -> Reply:
        """Answer one question, statelessly."""
        question = text
        notes: tuple[str, ...] = ()
        if len(text) > MAX_QUESTION_CHARS:
            text = text[:MAX_QUESTION_CHARS]
            notes = (f"Your question was cut to its first {MAX_QUESTION_CHARS} characters.",)
        if not text.strip():
            return Reply(
                question, "unknown", None, 0.0, dialogue.EMPTY,
                suggestions=dialogue.suggestions_for((), self.kb), notes=notes, reason="the question is empty",
            )
        q = analyse(text)
        matches = self.matcher.match(text, limit=5)
        if q.clause != normalize(text):
            # a long message: its question alone may say better what is asked than the
            # story around it ("I saw a clip online ... Which department is the DEA working with?")
            alone = self.matcher.match(q.clause, limit=5)
            if alone and (not matches or alone[0].confidence > matches[0].confidence):
                matches = alone
        return self.answer(question, q, matches, notes=notes)

    def answer(self, question: str, q: Question, matches: list[Match], *, notes: tuple[str, ...] = ()) -> Reply:
        """The reply to an analysed question, given its ranked intents."""
        t = self.thresholds
        decision = dialogue.decide(matches, self.kb, t, query=q.text, matcher=self.matcher)
        unknown = self.vocabulary.unknown(q)
        matches, decision = self._revise(q, matches, decision, unknown)
        top_kind = self.kb.intent(matches[0].intent).kind if matches else None
        if top_kind == "smalltalk" and decision.chosen:
            top = decision.chosen[0]
            off = self.vocabulary.off_topic(q, unknown) if top.confidence < t.smalltalk_sure else None
            if off is not None:  # "can you translate 'good morning' into French?" is no greeting
                return self._not_stated(question, q, Missing("mention", surface(q, off), "mention"), [], matches,
                                        notes, decision.reason + f"; but '{off}' appears nowhere in the knowledge base")
            return dialogue.intent_reply(question, self.kb.intent(top.intent), top, self.kb,
                                         candidates=matches, reason=decision.reason, notes=notes, analysis=q)
        if decision.status == "clarify":
            if unknown:
                said = Missing("mention", surface(q, unknown[0]), "mention")
                return self._not_stated(question, q, said, self.passages.search(q, limit=3), matches, notes,
                                        decision.reason + f"; but '{unknown[0]}' appears nowhere in the knowledge base")
            return Reply(
                question, "clarify", None, decision.chosen[0].confidence,
                "Your question could mean more than one thing. Did you mean one of these?",
                suggestions=tuple(dialogue.suggestion(self.kb.intent(m.intent), m.confidence) for m in decision.chosen),
                notes=notes, candidates=tuple(matches), reason=decision.reason, analysis=q,
            )
        if (decision.chosen and names_nothing(q.tokens) and self.kb.intent(decision.chosen[0].intent).kind != "smalltalk"
                and self.matcher.example_of(q.text) is None):
            # "why?", "how so?": the question names nothing, whatever its words' statistics say
            offered = [m for m in matches if self.kb.intent(m.intent).kind != "smalltalk"][:3]
            return Reply(
                question, "clarify", None, decision.chosen[0].confidence,
                "Your question could mean more than one thing. Did you mean one of these?",
                suggestions=tuple(dialogue.suggestion(self.kb.intent(m.intent), m.confidence) for m in offered),
                notes=notes, candidates=tuple(matches), analysis=q,
                reason=decision.reason + "; but the question names nothing the article is about",
            )
        if decision.chosen:
            top = decision.chosen[0]
            intent = self.kb.intent(top.intent)
            if intent.kind != "answer":  # a gap: the author's own "the article does not say" wins
                return _gap_missing(dialogue.intent_reply(question, intent, top, self.kb, candidates=matches,
                                                          reason=decision.reason, notes=notes, analysis=q), q)
            missing: Missing | None = self.vocabulary.check(q, _evidence(intent), unknown=unknown,
                                                            about=_about(intent), context=_headings(intent))
            if missing is not None and self.matcher.example_of(q.text) == intent.id:
                missing = None  # the author wrote this very question as the intent's example
            passages: list[Passage] = self.passages.search(q, limit=3) if intent.draft and missing is None else []
            if passages and not self._quotes(intent, passages[0]):
                # an unreviewed draft's examples were generated: the article's best sentence,
                # when it answers, is better evidence than they are
                reply, _ = self._passage_reply(question, q, passages, matches, notes, unknown,
                                               decision.reason + f"; but '{intent.id}' is an unreviewed draft that "
                                               "does not quote the sentence that matches the question best")
                if reply is not None and reply.status in ("passage", "answered"):
                    return reply
            if missing is None and top.confidence < t.worded_below:
                worded = self._worded_like(q, intent, matches, unknown)
                if worded is not None:
                    m, p = worded
                    m = m._replace(confidence=max(m.confidence, _passage_confidence(p)))
                    return dialogue.intent_reply(
                        question, self.kb.intent(m.intent), m, self.kb, candidates=matches, notes=notes, analysis=q,
                        reason=decision.reason + f"; but the question is worded like the sentence of paragraph "
                        f"{p.citation.paragraph} ({p.own_coverage:.0%} of its words), which '{m.intent}' quotes")
            if missing is None:
                return dialogue.intent_reply(question, intent, top._replace(confidence=calibrated(top.confidence, "intent")),
                                             self.kb, candidates=matches, reason=decision.reason, notes=notes,
                                             analysis=q)
            gap = self._gap_among(matches)
            if gap is not None:
                return _gap_missing(dialogue.intent_reply(
                    question, self.kb.intent(gap.intent), gap, self.kb, candidates=matches, notes=notes, analysis=q,
                    reason=decision.reason + f"; but {_failed(missing)}, and the 'not stated' intent '{gap.intent}' "
                    f"fits ({gap.confidence:.2f})",
                ), q)
            if missing.check != "mention":
                # the intent was the wrong pick, not the question: a sentence of the article
                # that holds the question's words, and passes the same checks, may answer it
                reply, _ = self._passage_reply(question, q, self.passages.search(q, limit=3), matches, notes,
                                               unknown, decision.reason + f"; but {_failed(missing)}")
                if reply is not None and reply.status in ("passage", "answered"):
                    return reply
            related = [Passage(c, 0.0, 0.0, 0.0, False, 0.0, c.quote) for c in intent.citations[:1]]
            return self._not_stated(question, q, missing, related, matches, notes,
                                    decision.reason + f"; but {_failed(missing)}")
        # no intent qualifies: read the reader's words as the article's ("forbid" as
        # "prohibits", from the knowledge base's reader vocabulary) and match once more; an
        # intent found so must pass the checks strictly
        reason = decision.reason
        if decision.status == "unknown" and not unknown:
            rewritten, swapped = self.vocabulary.in_article_words(q, self.matcher.knows)
            if swapped:
                again = self.matcher.match(rewritten, limit=5)
                redo = dialogue.decide(again, self.kb, t, query=rewritten, matcher=self.matcher)
                if redo.chosen and redo.status != "clarify":
                    top = redo.chosen[0]
                    intent = self.kb.intent(top.intent)
                    if intent.kind == "answer" and self.vocabulary.check(
                            q, _evidence(intent), unknown=unknown, about=_about(intent),
                            context=_headings(intent), strict=True) is None:
                        return dialogue.intent_reply(
                            question, intent, top._replace(confidence=calibrated(top.confidence, "intent")),
                            self.kb, candidates=again, notes=notes, analysis=q,
                            reason=reason + f"; read in the article's words ({', '.join(swapped)} -> "
                            f"{rewritten!r}): {redo.reason}",
                        )
        # no intent qualifies alone: the intent the matcher ranks first, when a sentence it
        # quotes is also what the article's sentences rank first (two signals agreeing)
        passages = self.passages.search(q, limit=3)
        agreed = self._agreement(q, matches, passages, unknown)
        if agreed is not None:
            match, p = agreed
            return dialogue.intent_reply(
                question, self.kb.intent(match.intent), match, self.kb, candidates=matches, notes=notes, analysis=q,
                reason=reason + f"; but the sentence of paragraph {p.citation.paragraph}, which the article's "
                f"sentences rank first for the question, is quoted by '{match.intent}' ({match.confidence:.2f})",
            )
        reply, reason = self._passage_reply(question, q, passages, matches, notes, unknown, reason)
        if reply is not None:
            return reply
        if unknown:
            missing = Missing("mention", surface(q, unknown[0]), "mention")
            return self._not_stated(question, q, missing, passages, matches, notes,
                                    reason + f"; '{unknown[0]}' appears nowhere in the knowledge base")
        return Reply(
            question, "unknown", None, 0.0,
            dialogue.DECLINE,
            suggestions=dialogue.suggestions_for(matches, self.kb, thresholds=t),
            notes=notes, candidates=tuple(matches), reason=reason, analysis=q,
        )

    def _revise(self, q: Question, matches: list[Match], decision: dialogue.Decision,
                unknown: tuple[str, ...]) -> tuple[list[Match], dialogue.Decision]:
        """The matcher's choice, revised where it picked small talk or an author's "not
        stated" intent for a question that is not theirs (the ranked matches without them,
        and the decision taken again), and where it could not choose between intents one
        of which quotes all the others quote (that one answers)."""
        t = self.thresholds
        chosen = self.kb.intent(decision.chosen[0].intent) if decision.chosen else None
        if chosen is not None and chosen.kind == "smalltalk" and decision.chosen[0].confidence < t.smalltalk_sure:
            named = self._names_article(q, chosen)
            if named is not None:
                # "where does the name Kiso come from?" is about the article's Kiso, not
                # about where the bot's information comes from: the small talk steps aside
                matches = [m for m in matches if self.kb.intent(m.intent).kind != "smalltalk"]
                decision = dialogue.decide(matches, self.kb, t, query=q.text, matcher=self.matcher)
                decision = decision._replace(reason=f"'{named}' is a name of the article, so no small talk; "
                                             + decision.reason)
                chosen = self.kb.intent(decision.chosen[0].intent) if decision.chosen else None
        if chosen is not None and chosen.kind == "gap":
            kind = _gap_asks(chosen.questions)
            # (a yes/no or a definition question does not tell)
            asks = (q.asks or "none") if q.asks in _SPECIFIC or q.asks is None else kind
            if kind is not None and asks is not None and _ALIKE.get(asks, asks) != _ALIKE.get(kind, kind):
                # "how was the announcement made public?" (or "what did the posts show?", no
                # type of its own) is no question for the author's "the article doesn't say
                # when": decided again without that intent
                matches = [m for m in matches if m.intent != chosen.id]
                decision = dialogue.decide(matches, self.kb, t, query=q.text, matcher=self.matcher)
                said = q.asks or "no particular type"
                decision = decision._replace(reason=f"'{chosen.id}' is about {kind}, the question asks for {said}; "
                                             + decision.reason)
                chosen = self.kb.intent(decision.chosen[0].intent) if decision.chosen else None
        if chosen is not None and chosen.kind == "gap":
            off = self.vocabulary.off_topic(q, unknown)
            if off is not None and not self.vocabulary.canonical(off) & self.vocabulary.canonical(_about(chosen)):
                # "what's the weather in Paris tomorrow?" is not what the author's "not stated"
                # intent is about, though it shares a word with it: declined as off-topic
                decision = decision._replace(status="unknown", chosen=(), reason=decision.reason + (
                    f"; but '{off}' appears nowhere in the knowledge base, nor in that 'not stated' intent"))
        if decision.status == "clarify":
            broad = self._covering(decision.chosen)
            if broad is not None:
                # "is the police ever allowed to talk to ICE?": the exceptions, or why they
                # exist? The answer about the exceptions quotes the other's sentence too
                decision = dialogue.Decision(self.kb.intent(broad.intent).status, (broad,), decision.reason + (
                    f"; but '{broad.intent}' quotes everything the others quote, so it answers either reading"))
        return matches, decision

    def _covering(self, chosen: tuple[Match, ...]) -> Match | None:
        """Among candidates too close to choose, the answer intent whose quotes hold every
        other's quotes (a broader answer that covers each reading), or None."""
        intents = [self.kb.intent(m.intent) for m in chosen]
        if any(i.kind != "answer" or not i.citations for i in intents):
            return None
        spans = [{(c.source, c.start, c.end) for c in i.citations} for i in intents]
        for m, own in zip(chosen, spans, strict=True):
            if all(other <= own for other in spans):
                return m
        return None

    def _names_article(self, q: Question, smalltalk: Intent) -> str | None:
        """A name of the question that the article uses and the small-talk intent's own
        questions do not ("Kiso", "LAPD"), or None."""
        if not _YOU.isdisjoint(q.tokens):
            return None  # "where does your info on the LAPD come from?" speaks to the bot
        own = self.vocabulary.canonical(_about(smalltalk))
        for name, forms in self.vocabulary.name_forms(q) if q.names else ():
            if not forms & own and self.vocabulary.knows(name):
                return name
        return None

    def _passage_reply(self, question: str, q: Question, passages: list[Passage], matches: list[Match],
                       notes: tuple[str, ...], unknown: tuple[str, ...], reason: str) -> tuple[Reply | None, str]:
        """The reply from the article's best sentence: a passage (or the intent that quotes
        it), a "not stated" when it fails the checks, or None when it holds too little of
        the question; and the reason so far."""
        t = self.thresholds
        for p in passages[:1]:
            if p.own_coverage < t.passage_coverage or p.coverage < t.passage_context:
                return None, reason + (f"; the best sentence (paragraph {p.citation.paragraph}) holds only "
                                       f"{p.own_coverage:.0%} of the question's words")
            missing = self.vocabulary.check(q, p.context, unknown=unknown, context=p.citation.section or "")
            if missing is not None:
                return self._not_stated(question, q, missing, passages, matches, notes,
                                        reason + f"; the best sentence fails: {_failed(missing)}"), reason
            confidence = _passage_confidence(p)
            owner = self._owner(p, matches)
            if owner is not None:
                intent = self.kb.intent(owner.intent)
                if self.vocabulary.check(q, _evidence(intent), unknown=unknown, about=_about(intent),
                                         context=_headings(intent), strict=True) is None:
                    return dialogue.intent_reply(
                        question, intent, owner._replace(confidence=max(owner.confidence, confidence)), self.kb,
                        candidates=matches, notes=notes, analysis=q,
                        reason=reason + f"; the sentence that answers it best (paragraph {p.citation.paragraph}, "
                        f"{p.own_coverage:.0%} of its words) is quoted by '{owner.intent}'",
                    ), reason
            cited = [p.citation]
            if len(passages) > 1 and passages[1].score >= 0.9 * p.score and passages[1].own_coverage >= t.passage_coverage:
                cited.append(passages[1].citation)
            return Reply(
                question, "passage", None, confidence, "I have no prepared answer, but the article says:",
                citations=tuple(cited), notes=notes, candidates=tuple(matches), analysis=q,
                reason=reason + f"; the sentence of paragraph {p.citation.paragraph} holds {p.own_coverage:.0%} "
                f"of the question's words and what it asks for",
            ), reason
        return None, reason

    def _agreement(self, q: Question, matches: list[Match], passages: list[Passage],
                   unknown: tuple[str, ...]) -> tuple[Match, Passage] | None:
        """An intent the matcher ranks among its first `AGREE_DEPTH` that quotes the
        sentence the article's sentences rank first for the question: both signals are
        at least weak evidence (`Thresholds.agree`, `Thresholds.agree_coverage`), and the
        intent's text passes the checks, strictly."""
        if not matches or not passages:
            return None
        p = passages[0]
        if p.own_coverage < self.thresholds.agree_coverage:
            return None
        owners = self._quoting.get((p.citation.source, p.citation.start), ())
        for m in matches[:AGREE_DEPTH]:
            intent = self.kb.intent(m.intent)
            if m.intent not in owners or intent.kind != "answer" or m.confidence < self.thresholds.agree:
                continue
            if self.vocabulary.check(q, _evidence(intent), unknown=unknown, about=_about(intent),
                                     context=_headings(intent), strict=True) is None:
                return m, p
        return None

    def check(self, q: Question, intent: Intent, *, strict: bool = False) -> Missing | None:
        """What `intent`'s reply would lack to answer `q` (see `faqbot.answerability`), or None."""
        if intent.kind != "answer":
            return None
        return self.vocabulary.check(q, _evidence(intent), about=_about(intent), context=_headings(intent),
                                     strict=strict)

    def not_stated(self, reply: Reply, missing: Missing, intent: Intent, reason: str) -> Reply:
        """`reply` turned into "the article doesn't say …", with `intent`'s first quote as
        the related passage (for a follow-up whose candidate fails the checks)."""
        related = [Passage(c, 0.0, 0.0, 0.0, False, 0.0, c.quote) for c in intent.citations[:1]]
        q = reply.analysis if reply.analysis is not None else analyse(reply.question)
        return self._not_stated(reply.question, q, missing, related, list(reply.candidates), reply.notes, reason)

    def _gap_among(self, matches: list[Match]) -> Match | None:
        """A 'not stated' (gap) intent among the leading candidates, confident enough to fit."""
        for m in matches[:3]:
            if self.kb.intent(m.intent).kind == "gap" and m.confidence >= self.thresholds.clarify:
                return m
        return None

    def _worded_like(self, q: Question, chosen: Intent, matches: list[Match],
                     unknown: tuple[str, ...]) -> tuple[Match, Passage] | None:
        """Another answer intent, when the question is worded like a sentence of the article
        (`Thresholds.worded_like` of its words are in it) that the chosen intent does not
        quote and that one does, whatever the matcher gives it: the article's own wording is better evidence than the
        examples' statistics ("What challenge does Los Angeles face as the DEA partners with
        federal agencies?" is the article's last paragraph, not the DEA's partnership). An
        example question, word for word, keeps its intent; a question of fewer than
        `Thresholds.worded_words` content words is worded like too many sentences to tell."""
        t = self.thresholds
        if len(q.focus) < t.worded_words or self.matcher.example_of(q.text) is not None:
            return None
        best = self.passages.search(q, limit=1)
        if not best or best[0].own_coverage < t.worded_like or self._quotes(chosen, best[0]):
            return None
        owners = self._quoting.get((best[0].citation.source, best[0].citation.start), ())
        # the intents quoting it, those the matcher ranks first (one it does not rank at all
        # still qualifies: the article's wording is the evidence)
        ranked = [m for m in matches if m.intent in owners]
        ranked += [Match(i, 0.0, "") for i in owners if i not in {m.intent for m in ranked}]
        for m in ranked:
            intent = self.kb.intent(m.intent)
            if intent.kind == "answer" and self.vocabulary.check(
                    q, _evidence(intent), unknown=unknown, about=_about(intent), context=_headings(intent)) is None:
                return m, best[0]
        return None

    def _quotes(self, intent: Intent, passage: Passage) -> bool:
        return intent.id in self._quoting.get((passage.citation.source, passage.citation.start), ())

    def _owner(self, passage: Passage, matches: list[Match]) -> Match | None:
        """The answer intent that quotes `passage` and that the matcher also ranks."""
        owners = self._quoting.get((passage.citation.source, passage.citation.start), ())
        for m in matches:
            if m.intent in owners and m.confidence >= self.thresholds.agree:
                return m
        return None

    def _not_stated(self, question: str, q: Question, missing: Missing, passages: list[Passage],
                    matches: list[Match], notes: tuple[str, ...], reason: str) -> Reply:
        """"The article doesn't say …", with the related passage when there is one."""
        related = tuple(p.citation for p in passages[:1] if p.own_coverage >= 0.3 or p.bm25 == 0.0)
        if related:
            answer = describe(missing) + " What it does say:"
        elif missing.check == "mention":
            answer = dialogue.DECLINE  # nothing in the article is near: no need to name the word
        else:
            answer = describe(missing)
        return Reply(
            question, "unknown", None, 0.0, answer, citations=related,
            suggestions=dialogue.suggestions_for(matches, self.kb, thresholds=self.thresholds),
            notes=notes, candidates=tuple(matches), reason=reason, missing=missing, analysis=q,
        )


def _failed(missing: Missing) -> str:
    if missing.check == "mention":
        return f"'{missing.about}' appears nowhere in the knowledge base"
    if missing.check == "about":
        return f"its cited text does not mention '{missing.about}'"
    return f"the question asks for a {missing.asks} and its cited text holds none"


def _gap_missing(reply: Reply, q: Question) -> Reply:
    """A gap intent's reply, with `missing` saying what was asked (for apps that show it)."""
    if reply.status != "unknown":
        return reply
    from .answerability import about_of

    return reply._replace(missing=Missing(q.asks or "detail", about_of(q), "gap"),
                          confidence=calibrated(reply.confidence, "gap"))


#: Reply confidence = sigmoid(a * logit(raw) + b), per way of answering, fitted (Platt
#: scaling, log loss) on the tuning sets (tests/eval/article.yaml, blind3, blind5, blind6:
#: 508 intent replies, 108 gap replies) so that a reply of confidence 0.9 is right about 9
#: times in 10. The matcher's own confidence (`Match.confidence`, what the thresholds
#: compare) is left as it is.
CALIBRATION = {"intent": (1.004, 0.348), "gap": (1.026, 2.004)}


def calibrated(raw: float, way: str) -> float:
    """A reply's confidence from the raw confidence of the way it was answered."""
    ab = CALIBRATION.get(way)
    if ab is None or raw <= 0.0:
        return raw
    p = min(max(raw, 1e-4), 1 - 1e-4)
    return round(1.0 / (1.0 + math.exp(-(ab[0] * math.log(p / (1 - p)) + ab[1]))), 4)


def _passage_confidence(p: Passage) -> float:
    """A passage's confidence in [0, 1]: mostly how much of the question it holds."""
    return round(min(1.0, 0.15 + 0.6 * p.own_coverage + 0.15 * p.coverage + (0.1 if p.typed else 0.0)), 4)

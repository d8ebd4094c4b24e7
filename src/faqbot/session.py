"""A conversation: follow-ups, clarifications and choices understood against earlier turns.

`FAQBot.ask` answers one question with no memory. A `Session` wraps it and keeps
what a conversation needs:

* **context**: the intent of the last turn that answered something. A short or
  elliptical message ("are there any exceptions?", "who leads it?", "and ICE?",
  "why?") is matched first against that intent's follow-ups and topic, with a
  matcher built from those intents only, and only then against the whole
  knowledge base. A clear, self-contained new question always wins over context.
* **offered choices**: the numbered questions shown with the last reply (the
  suggestions of a clarify/unknown reply, else the follow-ups of an answer; at
  the start, the knowledge base's central questions). ``"2"``, ``"the first
  one"``, ``"second"``, ``"the exceptions one"`` pick from them.
* **two questions in one message** ("who leads the DEA office and what is
  Special Order 40?", "What did the DEA announce? How did it become public?",
  "what did the DEA announce and why?"): split at a question mark, a semicolon
  or an " and " only when both halves start like questions and are answered
  confidently, the second as a follow-up to the first ("... and what did it
  announce?", "... and why?"). A message that one intent answers better than its
  halves stays one question.
* **acknowledgements** ("ok", "got it") ask for more and keep the choices open.

API::

    session = bot.session()
    session.ask("What is Special Order 40?")           # -> Reply
    session.ask("are there any exceptions?").intent    # 'lapd-ice-exceptions'
    session.ask("1")                                   # picks the first offered follow-up
    session.ask_all("who leads the DEA office and what is Special Order 40?")  # -> [Reply, Reply]
    session.reset()                                    # forget context and choices
    saved = session.state()                            # a small JSON-ready dict ...
    bot.session(state=saved).ask("why?")               # ... that a new Session carries on from

`ask_all(text)` returns one `Reply` per question found in the message (one,
or two). `ask(text)` returns a single `Reply`: the only one, or both answers
combined (see `combine`). Either way every question is one turn of `history`,
and `last` is the last reply. A reply's ``reason`` says when context or a
choice was used, and a note in ``notes`` tells the reader. For a pick, or for
"tell me more", ``Reply.question`` is the question actually answered.

Nothing here prints; a session is not thread-safe (one per conversation).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from . import dialogue
from .bot import MAX_QUESTION_CHARS, FAQBot
from .errors import SessionStateError
from .kb import Intent, KnowledgeBase
from .matcher import Match, Matcher
from .question import names_nothing
from .replies import Citation, Reply, Suggestion
from .text import STOPWORDS, normalize, tokenize

__all__ = ["Session", "combine"]

# The conversation's thresholds are in `faqbot.dialogue.Thresholds` (`follow_up_clear`,
# `split`, `plausible`, `short_follow_up`, `follow_ups`), with the dialogue's others.

# Generic words that point back to the previous turn (no intent-specific phrases).
_ANAPHORA = frozenset(
    "it its itself that this these those they them their theirs he him his she her hers".split()
)
_CONNECTOR = re.compile(r"^(?:and|but|also|so|then|what about|how about|what of|same for|and what about)\b")
_MORE = re.compile(
    r"^(?:(?:ok(?:ay)? |and |so )?(?:please )?(?:tell me more|tell me more about (?:it|that|this|them)|more|"
    r"more please|go on|continue|keep going|what else|anything else|say more|elaborate|more details?|"
    r"details|and then|next)(?: please)?)$"
)
# Words that carry no topic: a message made only of these (and stopwords) cannot be
# matched on its own ("why?", "tell me more", "explain that", "what does that mean?").
_CONTENTLESS = STOPWORDS | _ANAPHORA | frozenset(
    "why how come else more tell explain elaborate mean means meaning go on continue "
    "details detail again exactly really ok okay so sure right".split()
)

# Messages that acknowledge rather than ask (normalized).
_ACKNOWLEDGEMENTS = frozenset([
    "ok", "okay", "k", "cool", "great", "nice", "good", "fine", "right", "sure", "alright", "interesting",
    "wow", "hm", "hmm", "yes", "yeah", "yep", "no", "nope", "got it", "i see", "ok cool", "ok great",
    "makes sense", "that makes sense", "fair enough", "i understand", "understood",
])

_ORDINALS = {
    "one": 1, "first": 1, "1st": 1, "two": 2, "second": 2, "2nd": 2, "three": 3, "third": 3, "3rd": 3,
    "four": 4, "fourth": 4, "4th": 4, "five": 5, "fifth": 5, "5th": 5, "last": -1,
}
_PICK_FILLER = frozenset(
    "the number no num nr option choice question pick take choose please i ll d id want go with "
    "lets let s say um uh answer ok okay".split()
)
_PICK_WORDS = (
    re.compile(r"^(?:the )?(?:one|question|option|choice) (?:about|on|with|for|that says|on the) (.+)$"),
    re.compile(r"^the (.+?) (?:one|question|option)(?: please)?$"),
    re.compile(r"^(\w+(?: \w+)?) one(?: please)?$"),
)
# A second question after " and " starts like a question.
_QUESTION_START = frozenset(
    "who whom whose what when where why how which is are was were does do did can could will would "
    "should has have tell explain".split()
)
_BARE_FOLLOW_UPS = frozenset(["why", "how", "how come", "when", "where", "who"])
_SPLIT_AT = re.compile(r"\?+\s+|\s*;\s+|\s*,?\s+(?:and|&)\s+(?:also\s+)?", re.IGNORECASE)


def _choice_number(norm: str) -> int | None:
    """The choice a message names: "2", "#2", "the second one", "last" -> its number
    (-1 for "last"); None when the message is not a pick by number."""
    tokens = [t for t in norm.split() if t not in _PICK_FILLER]
    if len(tokens) == 2 and tokens[1] == "one":
        tokens = tokens[:1]
    if len(tokens) != 1:
        return None
    t = tokens[0]
    if t.isdigit() and len(t) <= 2:
        return int(t)
    return _ORDINALS.get(t)


#: The version of `Session.state()`; a state of another version is refused.
STATE_VERSION = 1

# Context matchers depend only on the (immutable) knowledge base: every session of
# one bot shares them, so a session restored from a state for each turn (the HTTP
# server) does not rebuild one per request.
_CONTEXT_MATCHERS: weakref.WeakKeyDictionary[FAQBot, dict[str, tuple[Matcher, frozenset[str]]]] = (
    weakref.WeakKeyDictionary())
_OFFERED_MATCHERS: weakref.WeakKeyDictionary[FAQBot, dict[tuple[str, ...], Matcher]] = weakref.WeakKeyDictionary()


class Session:
    """One conversation with a `FAQBot` (see the module docstring).

    `state` (from `Session.state()`, possibly of another process) carries on that
    conversation; a state naming intents this knowledge base lacks, or otherwise
    malformed, raises `SessionStateError`."""

    def __init__(self, bot: FAQBot, *, state: dict[str, Any] | None = None) -> None:
        self.bot = bot
        self._context_matchers = _CONTEXT_MATCHERS.setdefault(bot, {})
        if state is None:
            self.reset()
        else:
            self._restore(state)

    # ------------------------------------------------------------------ state

    def reset(self) -> None:
        """Forget the conversation: context, offered choices, history."""
        self._context: Intent | None = None
        self._visited: set[str] = set()
        self._history: list[Reply] = []
        self._clarifying = False  # the last reply asked which one was meant
        self._turn: dict[tuple[str, str], Any] = {}  # what this turn already computed
        self._offered: tuple[Suggestion, ...] = dialogue.suggestions_for((), self.bot.kb)

    def state(self) -> dict[str, Any]:
        """The conversation as a small JSON-serialisable dict: everything `ask` reads
        between turns (context, offered choices, intents answered, whether the last
        reply was a clarification), not the history. ``Session(bot, state=...)``
        (or ``bot.session(state=...)``) carries on from it."""
        return {
            "v": STATE_VERSION,
            "context": self._context.id if self._context is not None else None,
            "offered": [s.to_dict() for s in self._offered],
            "visited": sorted(self._visited),
            "clarify": self._clarifying,
        }

    def _restore(self, state: dict[str, Any]) -> None:
        """Set what `reset` sets, from `state` (not computing the starting choices:
        a server restores a session on every request)."""
        kb = self.bot.kb

        def intent(value: object, where: str) -> Intent:
            if not isinstance(value, str):
                raise SessionStateError(f"session state: {where} is not an intent id")
            try:
                return kb.intent(value)
            except KeyError:
                raise SessionStateError(
                    f"session state: {where} names intent '{value[:80]}', which this knowledge base does not have"
                ) from None

        self._history = []
        if not isinstance(state, dict) or state.get("v") != STATE_VERSION:
            raise SessionStateError(f"session state: not a version {STATE_VERSION} session state")
        if set(state) != {"v", "context", "offered", "visited", "clarify"}:
            raise SessionStateError("session state: wrong keys " + ", ".join(sorted(map(str, state))))
        offered, visited, clarify = state["offered"], state["visited"], state["clarify"]
        if not isinstance(offered, list) or not isinstance(visited, list) or not isinstance(clarify, bool):
            raise SessionStateError("session state: 'offered' and 'visited' must be lists, 'clarify' a boolean")
        choices = []
        for n, s in enumerate(offered, 1):
            if (not isinstance(s, dict) or set(s) != {"intent", "question", "confidence"}
                    or not isinstance(s["question"], str) or isinstance(s["confidence"], bool)
                    or not isinstance(s["confidence"], (int, float))):
                raise SessionStateError(f"session state: offered choice {n} is malformed")
            choices.append(Suggestion(intent(s["intent"], f"offered choice {n}").id, s["question"],
                                      float(s["confidence"])))
        self._context = None if state["context"] is None else intent(state["context"], "the context")
        self._visited = {intent(v, "a visited intent").id for v in visited}
        self._offered = tuple(choices)
        self._clarifying = clarify

    @property
    def last(self) -> Reply | None:
        """The last reply, or None before the first turn."""
        return self._history[-1] if self._history else None

    @property
    def history(self) -> tuple[Reply, ...]:
        """Every reply of the conversation, in order (one per question)."""
        return tuple(self._history)

    @property
    def context(self) -> Intent | None:
        """The intent follow-ups are understood against (the last one answered)."""
        return self._context

    @property
    def offered(self) -> tuple[Suggestion, ...]:
        """The numbered choices a number or "the first one" picks from."""
        return self._offered

    # ------------------------------------------------------------------ asking

    def ask(self, text: str) -> Reply:
        """Answer `text` in the conversation; two questions in it give one combined reply."""
        return combine(text, self.ask_all(text))

    def ask_all(self, text: str) -> list[Reply]:
        """Answer `text` in the conversation: one reply per question it holds (one or two)."""
        self._turn = {}  # each question is analysed and matched at most once per turn
        pick = self._pick(text)
        if pick is not None:
            return [self._record(pick)]
        whole = self._resolve(text, self._context)
        parts = self._split(text, whole)
        if parts:
            return [self._record(r) for r in parts]
        return [self._record(whole)]

    def _record(self, reply: Reply) -> Reply:
        intent = self.bot.kb.intent(reply.intent) if reply.intent else None
        if intent is not None and reply.status == "answered":
            reply = self._with_follow_ups(reply, intent)
        self._history.append(reply)
        self._clarifying = reply.status == "clarify"
        if intent is not None and intent.kind != "smalltalk":
            self._context = intent
            self._visited.add(intent.id)
        shown = reply.suggestions or reply.follow_ups
        if shown:  # a reply that shows no list leaves the last shown list current
            self._offered = shown
        return reply

    def _with_follow_ups(self, reply: Reply, intent: Intent) -> Reply:
        """Up to 3 follow-ups not yet answered in this session (else the nearest intents)."""
        seen = self._visited | {intent.id}
        kept = tuple(s for s in reply.follow_ups if s.intent not in seen)
        if not kept:
            kept = dialogue.suggestions_for(
                reply.candidates, self.bot.kb, exclude=sorted(seen), limit=self.bot.thresholds.follow_ups,
                thresholds=self.bot.thresholds,
            )
        if kept == reply.follow_ups:
            return reply
        return reply._replace(follow_ups=kept[: self.bot.thresholds.follow_ups])

    # ------------------------------------------------------------------ choices

    def _pick(self, text: str) -> Reply | None:
        """A reply when `text` picks one of the offered choices, else None."""
        offered = self._offered
        norm = normalize(text[:200])
        n = _choice_number(norm)
        if n is not None:
            if not offered:
                return Reply(text, "unknown", None, 0.0,
                             "There is no list to choose from. Please ask a question about the article.",
                             reason=f"the message picks choice {n}, but no choices were offered")
            if n == -1:
                n = len(offered)
            if 1 <= n <= len(offered):
                return self._choose(offered[n - 1], f"choice {n} of the {len(offered)} offered")
            span = "1" if len(offered) == 1 else f"a number from 1 to {len(offered)}"
            return Reply(text, "clarify", None, 0.0, f"There is no choice {n}. Please pick {span}:",
                         suggestions=offered, reason=f"choice {n} is out of range: {len(offered)} were offered")
        if not offered or not norm:
            return None
        for pattern in _PICK_WORDS:  # "the exceptions one", "the one about reentry"
            m = pattern.match(norm)
            if m and not set(m.group(1).split()) <= _CONTENTLESS:
                named = self._match_offered(m.group(1))
                if len(named) == 1:
                    return self._choose(named[0][0], f"the offered choice that best matches '{m.group(1)}' "
                                        f"(confidence {named[0][1]:.2f})")
                if named:  # it names several of them: ask again, among those only
                    return Reply(
                        text, "clarify", None, named[0][1], "That matches more than one of them. Which one?",
                        suggestions=tuple(c for c, _ in named),
                        reason=f"'{m.group(1)}' matches {len(named)} of the offered choices about equally",
                    )
        if self._clarifying:  # "the DEA", or a few words of one choice
            named = self._match_offered(text)
            if len(named) == 1 and named[0][1] >= self.bot.thresholds.answer:
                ranking = self._ranking(text)
                outside = ranking[0] if ranking else None
                offered_ids = {s.intent for s in offered}
                if outside is None or outside.intent in offered_ids or outside.confidence < self.bot.thresholds.follow_up_clear:
                    return self._choose(named[0][0], f"the clarification choice that best matches the reply "
                                        f"(confidence {named[0][1]:.2f})")
        return None

    def _match_offered(self, text: str) -> list[tuple[Suggestion, float]]:
        """The offered choices `text` names (by their question, title or examples), with
        their confidence: one when it names one clearly, several when it is a near-tie,
        none when it names none."""
        if names_nothing(tokenize(text)):
            return []  # "got it", "ok then": no choice named
        kb = self.bot.kb
        examples = {s.intent: [s.question, kb.intent(s.intent).title, *kb.intent(s.intent).questions]
                    for s in self._offered}
        offered_matchers = _OFFERED_MATCHERS.setdefault(self.bot, {})
        key = tuple(sorted(examples))
        matcher = offered_matchers.get(key)
        if matcher is None:  # built once per set of choices, shared by the bot's sessions
            matcher = offered_matchers[key] = Matcher(examples, synonyms=kb.synonyms)
        matches = matcher.match(text, limit=len(examples))
        t = self.bot.thresholds
        if not matches or matches[0].confidence < t.clarify:
            return []
        top = matches[0].confidence
        near = [m for m in matches if m is matches[0] or (top - m.confidence < t.margin and m.confidence >= t.clarify)]
        by_id = {s.intent: s for s in self._offered}
        return [(by_id[m.intent], m.confidence) for m in near]

    def _choose(self, choice: Suggestion, how: str) -> Reply:
        intent = self.bot.kb.intent(choice.intent)
        match = Match(intent=intent.id, confidence=1.0, example=choice.question)
        return dialogue.intent_reply(
            choice.question, intent, match, self.bot.kb, candidates=(match,),
            reason=f"picked '{intent.id}': {how}",
        )

    # ------------------------------------------------------------------ context

    def _context_matcher(self, context: Intent) -> tuple[Matcher, frozenset[str]]:
        """A matcher over the intents near `context`: its follow-ups, then its topic (a
        gap's topic is a list of things the article does not say, not a subject: only
        a gap's follow-ups are near it)."""
        cached = self._context_matchers.get(context.id)
        if cached is None:
            kb = self.bot.kb
            ids = [i for i in context.follow_ups if i != context.id]
            for topic in kb.topics:
                if context.id in topic.intents and context.kind == "answer":
                    ids += [i for i in topic.intents if i != context.id and i not in ids]
            near = {i: list(kb.intent(i).questions) for i in ids if kb.intent(i).kind != "smalltalk"}
            cached = (Matcher(near, synonyms=kb.synonyms), frozenset(near))
            self._context_matchers[context.id] = cached
        return cached

    def _resolve(self, text: str, context: Intent | None) -> Reply:
        """The reply to one question, given the intent of the previous turn."""
        base = self._ask(text)
        if not text.strip() or base.status == "smalltalk":
            return base
        words = text[:MAX_QUESTION_CHARS]
        tokens = tokenize(words)
        norm = " ".join(tokens)
        if norm in _ACKNOWLEDGEMENTS:  # "ok", "got it": nothing was asked
            return self._acknowledge(base, context)
        if context is None:
            if bool(tokens) and (set(tokens) <= _CONTENTLESS or _MORE.match(norm)):
                # "why?", "tell me more" with nothing said yet: ask what to explain, and offer
                # what a new conversation offers (not the intents that share the word "why")
                return Reply(
                    base.question, "clarify", None, 0.0,
                    "What would you like me to explain? Ask about something in the article, or pick a question:",
                    suggestions=dialogue.suggestions_for((), self.bot.kb), notes=base.notes, analysis=base.analysis,
                    reason="a follow-up with no words of its own, and nothing said yet to follow up on",
                )
            return base
        if _MORE.match(norm):  # "tell me more": the next related question
            return self._more(base, context)
        contentless = bool(tokens) and set(tokens) <= _CONTENTLESS  # "why?": only context can say what it means
        anaphoric = bool(_ANAPHORA.intersection(tokens))
        connector = bool(_CONNECTOR.match(norm))
        short = len(tokens) <= self.bot.thresholds.short_follow_up
        leaning = anaphoric or connector or short  # may lean on the previous turn
        if not leaning and base.status != "clarify":
            return base  # a self-contained question: context has nothing to add
        matcher, near = self._context_matcher(context)
        found = matcher.match(words, limit=5) if near else []
        decision = dialogue.decide(found, self.bot.kb, self.bot.thresholds, query=words, matcher=matcher)
        top = base.candidates[0] if base.candidates else None
        lead = f"a follow-up to '{context.id}', matched among its follow-ups and topic: "
        note = f"Understood as a follow-up to “{context.title}”."
        if decision.chosen and decision.status != "clarify" and not self._plausible(decision.chosen[0], words, base):
            decision = dialogue.Decision("unknown", (), decision.reason + ", but the whole knowledge base "
                                         "finds it implausible")
        if decision.chosen and decision.status != "clarify":
            chosen = decision.chosen[0]
            if base.intent == chosen.intent and base.status != "clarify":
                # context and the whole knowledge base agree: the reply is the plain one
                return base._replace(reason=lead + decision.reason + "; the whole knowledge base agrees: "
                                + base.reason)
            if not leaning:  # a self-contained question the knowledge base found ambiguous
                if chosen.intent not in {s.intent for s in base.suggestions}:
                    return base  # context may only break the tie
            elif not (connector or short) and top is not None and top.confidence >= self.bot.thresholds.follow_up_clear:
                return base  # a clear new question wins over context
            elif (not (anaphoric or connector or contentless) and base.intent is not None
                  and self._global_confidence(chosen.intent, words, base) < self.bot.thresholds.clarify):
                return base  # a short question the knowledge base answers, for which context is a long shot
            intent = self.bot.kb.intent(chosen.intent)
            missing = self.bot.check(base.analysis, intent) if base.analysis is not None else None
            if missing is not None:  # context found the topic; the article still does not say it
                if base.missing is not None:
                    return base
                return self.bot.not_stated(base, missing, intent, lead + decision.reason + f"; but '{intent.id}' "
                                           f"fails the check: {missing.check} ({missing.asks}, {missing.about})")
            return dialogue.intent_reply(
                base.question, intent, chosen, self.bot.kb,
                candidates=found, reason=lead + decision.reason, notes=(*base.notes, note), analysis=base.analysis,
            )
        if not leaning:
            return base
        if decision.status == "clarify" and (top is None or top.confidence < self.bot.thresholds.follow_up_clear):
            return Reply(
                base.question, "clarify", None, decision.chosen[0].confidence,
                f"Following on from “{context.title}”, your question could mean more than one thing.",
                suggestions=tuple(dialogue.suggestion(self.bot.kb.intent(m.intent), m.confidence)
                                  for m in decision.chosen),
                notes=base.notes, candidates=tuple(found), reason=lead + decision.reason,
            )
        if contentless:  # "why?" that nothing near the context answers
            return self._which(base, context)
        return base

    def _plausible(self, chosen: Match, words: str, base: Reply) -> bool:
        """Whether the whole knowledge base also sees `chosen` as a candidate for the
        question: a matcher over a few intents finds a winner in any shared word, so a
        context match must also rank among the global top 5 or reach `Thresholds.plausible`."""
        if any(m.intent == chosen.intent for m in base.candidates[:5]):
            return True
        return self._global_confidence(chosen.intent, words, base) >= self.bot.thresholds.plausible

    def _global_confidence(self, intent: str, words: str, base: Reply) -> float:
        """The whole knowledge base's confidence in `intent` for the question."""
        for m in base.candidates:
            if m.intent == intent:
                return m.confidence
        found = next((m for m in self._ranking(words) if m.intent == intent), None)
        return found.confidence if found is not None else 0.0

    def _ask(self, text: str) -> Reply:
        """`bot.ask(text)`, once per turn."""
        key = ("ask", text)
        if key not in self._turn:
            self._turn[key] = self.bot.ask(text)
        reply: Reply = self._turn[key]
        return reply

    def _ranking(self, text: str) -> list[Match]:
        """The whole knowledge base's ranking of every intent for `text`, once per turn."""
        key = ("rank", text)
        if key not in self._turn:
            self._turn[key] = self.bot.matcher.match(text, limit=None)
        ranking: list[Match] = self._turn[key]
        return ranking

    def _more(self, base: Reply, context: Intent) -> Reply:
        """"tell me more": the first follow-up (then topic intent) not yet answered."""
        kb = self.bot.kb
        _, near = self._context_matcher(context)
        order = [*context.follow_ups, *(i for i in sorted(near, key=_topic_order(kb)) if i not in context.follow_ups)]
        for intent_id in order:
            intent = kb.intent(intent_id)
            if intent.kind == "answer" and intent_id not in self._visited:
                match = Match(intent=intent.id, confidence=1.0, example=intent.questions[0])
                return dialogue.intent_reply(
                    intent.questions[0], intent, match, kb, candidates=(match,),
                    reason=f"'{base.question.strip()}' after '{context.id}': its first related question "
                    "not yet answered in this conversation",
                    notes=(*base.notes, f"More on “{context.title}”."),
                )
        return Reply(
            base.question, "unknown", None, 0.0,
            f"I have nothing more on “{context.title}”.",
            suggestions=dialogue.suggestions_for((), kb, exclude=sorted(self._visited)),
            notes=base.notes, reason=f"every question related to '{context.id}' has been answered already",
        )

    def _acknowledge(self, base: Reply, context: Intent | None) -> Reply:
        """"ok", "got it": offer the open choices again, or ask for more."""
        if self._clarifying and self._offered:
            return Reply(base.question, "clarify", None, 0.0, "Which one? Type its number, or ask another question.",
                         suggestions=self._offered, reason="an acknowledgement while a clarification is open")
        if context is None:
            return Reply(base.question, "smalltalk", None, 0.0, "Ask me anything about the article.",
                         reason="an acknowledgement: nothing to answer")
        choices = tuple(s for s in dialogue.follow_ups(context, self.bot.kb) if s.intent not in self._visited)
        return Reply(base.question, "smalltalk", None, 0.0,
                     f"Anything else about “{context.title}”? Or ask about another part of the article.",
                     follow_ups=choices, reason=f"an acknowledgement after '{context.id}': nothing to answer")

    def _which(self, base: Reply, context: Intent) -> Reply:
        """A follow-up with no words of its own that nothing near `context` answers."""
        kb = self.bot.kb
        _, near = self._context_matcher(context)
        ids = [i for i in context.follow_ups if i in near] or sorted(near, key=_topic_order(kb))
        choices = tuple(dialogue.suggestion(kb.intent(i)) for i in ids[: self.bot.thresholds.follow_ups])
        if not choices:
            return base
        return Reply(
            base.question, "clarify", None, 0.0,
            f"I am not sure what you are asking about “{context.title}”.",
            suggestions=choices, notes=base.notes, candidates=base.candidates,
            reason=f"a follow-up to '{context.id}' with no words of its own, which none of the questions "
            "related to it matches: offering them",
        )

    # ------------------------------------------------------------------ two questions

    def _split(self, text: str, whole: Reply) -> list[Reply] | None:
        """Two replies when `text` holds two questions that are each answered confidently.

        Both halves must start like questions ("who ...", "what ...", "is ..."). The
        second is read as a follow-up to the first; unless it points back ("it",
        "they") or is a bare "why?"/"how?", it must also be answered the same alone.
        A whole message answered more confidently than its halves, by an intent
        neither half has, stays one question."""
        text = text[:MAX_QUESTION_CHARS]
        for m in _SPLIT_AT.finditer(text):
            at_question_mark = m.group().startswith("?")
            left, right = text[: m.start()] + ("?" if at_question_mark else ""), text[m.end():]
            right_tokens = tokenize(right)
            elliptical = bool(right_tokens) and " ".join(right_tokens) in _BARE_FOLLOW_UPS
            left_tokens = tokenize(left)
            if len(left_tokens) < 2 or left_tokens[0] not in _QUESTION_START:
                continue  # both halves must read as questions
            if not elliptical and (len(right_tokens) < 2 or
                                   not (at_question_mark or right_tokens[0] in _QUESTION_START)):
                continue
            first = self._resolve(left, self._context)
            if not _confident(first, self.bot.thresholds.split):
                continue
            after = self.bot.kb.intent(first.intent) if first.intent else self._context
            second = self._resolve(right, after)
            if not _confident(second, self.bot.thresholds.split) or second.intent == first.intent:
                continue
            if not elliptical:
                if not _ANAPHORA.intersection(right_tokens):  # "what did it announce?" may lean on the first
                    alone = self._ask(right)
                    if alone.intent != second.intent or alone.status == "clarify":
                        continue  # a fragment that only makes sense with the first half: one question
                weakest = min(first.confidence, second.confidence)
                if (whole.status in ("answered", "smalltalk") and whole.intent not in (first.intent, second.intent)
                        and whole.confidence > weakest + 0.1):
                    continue  # the message reads better as one question
            return [first, second]
        return None


def _confident(reply: Reply, split: float) -> bool:
    return reply.intent is not None and reply.status != "clarify" and reply.confidence >= split


def _topic_order(kb: KnowledgeBase) -> Callable[[str], int]:
    """A sort key: intents in knowledge-base order."""
    order = {i.id: n for n, i in enumerate(kb.intents)}
    return order.__getitem__


def combine(question: str, replies: Sequence[Reply]) -> Reply:
    """One reply for a message that held several questions: the answers one after the
    other, all their citations, the last one's follow-ups. ``intent`` and
    ``candidates`` are the first answer's; ``status`` is ``answered`` when any part
    was answered. A single reply is returned unchanged."""
    if len(replies) == 1:
        return replies[0]
    answered = [r for r in replies if r.status == "answered"]
    seen: set[tuple[str, int]] = set()
    citations: list[Citation] = []
    for r in replies:
        for c in r.citations:
            if (c.source, c.start) not in seen:
                seen.add((c.source, c.start))
                citations.append(c)
    return Reply(
        question, "answered" if answered else replies[-1].status, replies[0].intent,
        min(r.confidence for r in replies),
        "\n\n".join(r.answer for r in replies),
        citations=tuple(citations), suggestions=replies[-1].suggestions, follow_ups=replies[-1].follow_ups,
        notes=tuple(n for r in replies for n in r.notes), candidates=replies[0].candidates,
        reason="; ".join(f"question {n}: {r.reason}" for n, r in enumerate(replies, 1)),
    )

"""Question analysis: what a question asks for, and what it is about. Pure, article-independent.

`analyse(text)` returns a `Question`, computed once per question and read by every later
step (the matcher, the passage ranker, the answerability check, the session):

* ``asks`` — the **expected answer type**, from a small table of patterns (`ANSWER_TYPES`,
  after Li & Roth's question classes, coarse where English rules cannot do better):
  ``count``, ``money``, ``percent``, ``date``, ``duration``, ``person``, ``name`` (a named
  person or organisation: "who leads …", "which agency …", "name of …"), ``place``,
  ``contact``, ``vote``, ``quote``, ``penalty`` (what befalls whoever breaks a rule),
  ``condition``, ``consequence``, ``reason``, ``manner``, ``definition``, ``yesno``,
  ``list``, or ``None``.
* ``focus`` — what it is about: the content words of the question clause (for a long
  message, its last question), without stopwords and generic words ("thing", "exactly",
  "happen"); ``names`` are the capitalised words and numbers among them, which the cited
  text must hold for the question to be answered as asked.

For each type that can be checked, a pattern says what text holds something of that type
(a number for ``count``, a date word for ``date`` …): `has_type(asks, text)`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from .text import STOPWORDS, lazy_pattern, normalize, stem, tokenize

__all__ = ["ANSWER_TYPES", "CHECKED", "GENERIC", "Question", "analyse", "asking_part", "has_type", "names_nothing"]


class Question(NamedTuple):
    """One question, analysed once (see the module docstring)."""

    text: str
    #: normalized tokens of the whole text
    tokens: tuple[str, ...]
    #: the expected answer type, or None
    asks: str | None
    #: the question clause's content words (normalized), in order
    focus: tuple[str, ...]
    #: those of them written as names or numbers ("Newsom", "2019")
    names: tuple[str, ...]
    #: the question clause (a long message's last question), normalized
    clause: str

    def to_dict(self) -> dict[str, object]:
        return {"asks": self.asks, "focus": list(self.focus), "names": list(self.names)}


# (type, pattern over the normalized question clause); the first that matches wins.
_NUM = r"(?:number|numbers|amount|total|count|figures?|statistics|stats)"
#: The nouns after "which"/"what" that ask for a name ("which agency") or a place ("which
#: neighborhood"): in the patterns below, and the words that make those patterns worth trying.
_NAME_NOUNS = ("president official officials politician judge mayor governor senator agency agencies organization "
               "organisation organizations company companies newspaper outlet department court party union church "
               "school university person king queen emperor dynasty tribe team country countries nation city cities "
               "state states member members platform platforms site website network channel").split()
_PLACE_NOUNS = ("neighborhood neighbourhood area region county district street location place town village river "
                "island continent province border").split()
_PLACES = frozenset(_PLACE_NOUNS + [n + "s" for n in _PLACE_NOUNS])
_PLACE_NAMED = lazy_pattern(r"\bnames? of (?:the |that |this |a |an )?(?:\w+ ){0,2}(?:" + "|".join(_PLACE_NOUNS) + r")s?\b")
#: Stems of words that ask about a person ("the name of the official"): a titled name answers them.
_PERSONISH = frozenset(("official offici agent officer leader president chief director head boss person man woman "
                        "spokesperson spokesman spokeswoman mayor governor judge secretary senator founder author "
                        "researcher scientist who whom whose").split())
# a word between "which"/"what" and the noun it asks about ("which other federal agency"), not a verb
# ("what does the city ..." asks about no city)
_NOT_AUX = (r"(?!(?:is|are|was|were|does|do|did|can|could|will|would|has|have|had|should|may|might|must)\b)")
_FEES = (r"dues|fees?|rent|tuition|fares?|salary|salaries|wages?|prices?|costs?|charges?|premiums?|deductibles?|"
         r"copays?|tickets?|admission")
_BREAK = ("break|breaks|breaking|broke|breach|breaches|breached|violate|violates|violating|violated|disobey|disobeys|"
          "disobeyed|ignore|ignores|ignored|defy|defies|defied")
ANSWER_TYPES: tuple[tuple[str, str], ...] = (
    # someone's own words: only when asked for explicitly ("what does the article say" is no such question)
    ("quote", r"\bword for word\b|\b(?:exact|actual|own) words\b|\b(?:direct |exact )?quotes?\b|\bquoted\b"
              r"|\bsay in (?:his|her|their|the|its|a) (?:statement|speech|post|interview|remarks)\b"),
    # how a body voted: a tally or "unanimously"
    ("vote", r"\bhow did (?:\w+ ){1,6}vote\b|\bvote (?:count|tally|breakdown|result|results)\b|\bwhat was the vote\b"
             r"|\bhow many (?:votes|voted)\b"),
    ("contact", r"\b(?:(?:phone|telephone|cell|fax) (?:number|no)|hotline|e ?mail|email address|website|web site|url|"
                r"mailing address|street address|home address|office address|contact (?:details|info|information)|"
                r"how (?:do|can|could) (?:i|we|you) (?:contact|reach|call|email|write to))\b"
                r"|\bwhat is (?:the|their|his|her|its) address\b|\baddress of\b"),
    ("money", r"\bhow much (?:money|does|do|did|will|would|is|was|are|were)\b.*\b(?:cost|costs|pay|paid|spend|spent|"
              r"worth|charge|earn|fund|funding|budget|price)\b|\b(?:cost|price|salary|budget|fine|funding)\b.*\bhow much\b"
              r"|\bhow much (?:money|funding|does it cost|did it cost)\b|\bwhat (?:is|was|are|were) the (?:cost|price|"
              r"budget|salary|fine)\b"
              # what a member, a tenant, a student, a patient pays: "how much are the dues?"
              r"|\bhow much (?:is|was|are|were|do|does|did|will|would)\b.*\b(?:" + _FEES + r")\b"
              r"|\bwhat (?:is|was|are|were) the (?:\w+ )?(?:" + _FEES + r")\b"),
    ("percent", r"\b(?:what|which) (?:percent|percentage|share|proportion|fraction)\b|\bhow many percent\b"),
    ("duration", r"\bhow long\b|\bfor how many (?:years|months|weeks|days|hours)\b"
                 r"|\bhow many (?:years|months|weeks|days|hours|minutes|decades)\b(?! ago)"
                 # a deadline is answered by a time: "within 60 days", "by March 1"
                 r"|\b(?:deadlines?|time ?frames?|time limits?)\b"),
    ("count", r"\bhow many\b|\bhow much (?!do|does|did|is|are|was|were|will|would|can|could|has|have|should)\w+"
              r"|\b(?:what|which) is the " + _NUM + r"\b|\b" + _NUM + r" of\b"
              r"|\bhow many people\b|\bpopulation of\b"
              # a size or a measure: a number ("about 2,700 light-years wide")
              # ("how big a part", "how big of a deal" are no measure)
              r"|\bhow (?:wide|tall|big|large|deep|high|heavy|fast|massive|hot|cold|bright)\b(?! (?:of )?an?\b)"),
    ("condition", r"^(?:\w+ ){0,3}(?:when|under what (?:circumstances|conditions)|in what (?:cases|situations))"
                  r" (?:can|could|may|might|should|must|would|(?:are|is) (?:\w+ ){1,3}(?:allowed|permitted|able)|do|does)\b"
                  r"|\b(?:allowed|permitted|able) to\b.*\bwhen\b"),
    # what befalls whoever breaks a rule: a penalty, which the text must name
    ("penalty", r"\bwhat (?:happens|will happen|would happen|happened) (?:to|if|when)\b.*\b(?:" + _BREAK + r")\b"
                r"|\bwhat (?:is|are|was|were) the (?:penalty|penalties|punishment|punishments)\b"
                r"|\b(?:penalty|penalties|punishment|punished|fined|disciplined) (?:for|if|when)\b"
                r"|\b(?:get|be|are|is) (?:punished|fined|disciplined|fired|suspended)\b"),
    ("consequence", r"\bwhat (?:happens|will happen|would happen|happened) (?:to|if|when)\b|\bwhat (?:is|are) the "
                    r"consequences?\b"),
    ("date", r"^(?:\w+ ){0,2}when\b|\bwhat (?:year|date|day|month|time|century|decade|season)\b|\bwhich (?:year|date|day|month|"
             r"century|decade)\b|\bsince when\b|\bhow (?:long ago|recent)\b|\bin what (?:year|month|century)\b"
             r"|\bwhat (?:year|day) (?:was|did|is)\b|\bhow old\b"),
    ("name", r"\bwho (?:is|was|are|were) the (?:\w+ ){0,2}(?:leader|head|chief|director|boss|president|mayor|governor|"
             r"secretary|judge|spokesperson|spokesman|spokeswoman|author|reporter|founder|owner|ceo|commissioner|"
             r"sheriff|senator|representative|minister|king|queen|emperor|general|commander|agent in charge)\b"
             r"|\bwho (?:leads|led|heads|headed|runs|ran|founded|wrote|signed|chairs|commands|commanded|"
             r"rules|ruled|owns|owned)\b|\b(?:name|names) (?:of|the)\b|\bwhat (?:is|was) (?:his|her|their) name\b"
             r"|\bname (?:them|it|him|her|those|these|any|some|one)\b|\bwhich (?:\w+ )?(?:groups|organizations|organisations)\b"
             r"|\b(?:which|what) (?:" + _NOT_AUX + r"\w+ ){0,2}(?:" + "|".join(_NAME_NOUNS) + r")\b"
             r"|\bby name\b|\bnamed\b"),
    # "where is it written down / spelled out" asks for a text, not a place
    ("place", r"^(?:\w+ ){0,2}where\b(?!.*\b(?:written|spelled out|spelt out|outlined|stated|described|mentioned|"
              r"codified|laid out|set out|said|reported|announced)\b)"
              r"|\b(?:which|what) part of (?:town|the city|the country|the state|la|los angeles)\b"
              r"|\b(?:which|what) (?:" + _NOT_AUX + r"\w+ ){0,2}(?:" + "|".join(_PLACE_NOUNS) + r")\b"
              r"|\bin what (?:city|state|country|area|part)\b"),
    ("person", r"^(?:\w+ ){0,2}(?:who|whom|whose)\b"),
    ("reason", r"^(?:\w+ ){0,2}why\b|\bhow come\b|\bwhat (?:is|was|are|were) the (?:reason|reasons|purpose|motive|cause)\b"
               r"|\bfor what (?:reason|purpose)\b|\bwhat (?:caused|prompted|led to)\b"),
    ("definition", r"^(?:what|whats) (?:is|are|was|were) (?:a |an |the )?\w+(?: \w+){0,3}$|\bwhat does \w+(?: \w+){0,3} "
                   r"mean\b|\bmeaning of\b|\bdefine\b|\bdefinition of\b"),
    ("manner", r"\bhow (?:did|does|do|is|was|were|are|can|could|will|would|should|has|have)\b"),
    ("list", r"\bwhat (?:are|were) (?:the|some|all)\b|\blist (?:of|the|all)\b|\bwhich (?:\w+ )?(?:are|were)\b"),
    ("yesno", r"^(?:is|are|was|were|does|do|did|can|could|will|would|has|have|had|should|shall|may|might|must)\b"),
)
#: A type's pattern is tried only when the question has one of its trigger words, so a
#: question compiles and runs a few patterns, not all of them.
_TRIGGERS: dict[str, frozenset[str]] = {
    "quote": frozenset("word words quote quotes quoted say".split()),
    "vote": frozenset("vote votes voted".split()),
    "contact": frozenset("phone telephone cell fax hotline e mail email website web site url address contact reach call "
                         "write".split()),
    "money": frozenset("much cost price budget salary fine funding dues fee fees rent tuition fare fares salaries wage "
                       "wages prices costs charge charges premium premiums deductible deductibles copay copays ticket "
                       "tickets admission".split()),
    "percent": frozenset("percent percentage share proportion fraction".split()),
    "duration": frozenset("long many deadline deadlines timeframe timeframes frame frames limit limits".split()),
    "count": frozenset("many much number numbers amount total count figure figures statistics stats population wide tall "
                       "big large deep high heavy fast massive hot cold bright".split()),
    "condition": frozenset("when under in allowed permitted able".split()),
    "penalty": frozenset(_BREAK.split("|") + "penalty penalties punishment punishments punished fined disciplined fired "
                                              "suspended".split()),
    "consequence": frozenset("happens happen happened penalty penalties punishment consequence consequences".split()),
    "date": frozenset("when year date day month time century decade season since long recent old".split()),
    # "which"/"what" alone do not make these worth trying: one of their nouns must be there too
    "name": frozenset(["who", "name", "names", "named", "groups", "organizations", "organisations", *_NAME_NOUNS]),
    "place": frozenset(["where", "in", "part", *_PLACE_NOUNS]),
    "person": frozenset("who whom whose".split()),
    "reason": frozenset("why come what for".split()),
    "definition": frozenset("what whats mean meaning define definition".split()),
    "manner": frozenset(["how"]),
    "list": frozenset("what which list".split()),
    "yesno": frozenset("is are was were does do did can could will would has have had should shall may might must".split()),
}


@cache
def _pattern(asks: str) -> re.Pattern[str]:
    return re.compile(dict(ANSWER_TYPES)[asks])

#: The types an answer must visibly hold (see `EVIDENCE`); the others cannot be checked by rules.
CHECKED = frozenset({"count", "money", "percent", "date", "duration", "name", "place", "contact", "person", "quote",
                     "vote", "penalty"})

_NUMBER_WORDS = (r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                 r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                 r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|"
                 r"twice|thrice")
_MONTHS = (r"january|february|march|april|may|june|july|august|september|october|november|december|"
           r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_UNITS = r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century|generations?"
_CAP = r"(?<![.!?]\s)\b[A-Z][\w’'-]*[A-Za-z]"
_PLACE_WORDS = (r"city|cities|state|states|country|countries|nation|neighborhood|neighbourhood|border|borders|port|"
                r"ports|street|county|region|area|areas|town|village|district|coast|river|island|capital|province|"
                r"continent|abroad|overseas|headquarters|office|north|south|east|west|northern|southern|eastern|"
                r"western|downtown|territory|valley|sea|ocean|mountains?|kingdom|empire")
_PERSON_WORDS = (r"people|person|persons|residents?|migrants?|immigrants?|individuals?|officers?|agents?|officials?|"
                 r"groups?|communit(?:y|ies)|workers?|citizens?|police|department|agenc(?:y|ies)|administration|"
                 r"president|council|leaders?|members?|famil(?:y|ies)|children|parents?|students?|voters?|"
                 r"activists?|advocates?|government|authorities|staff|employees?|volunteers?|users?|customers?|"
                 r"public|everyone|anyone|nobody|women|men|kids|soldiers|troops|army|forces|king|queen|emperor|"
                 r"rulers?|nobles?|clergy|merchants?|farmers?|settlers?|natives?|tribes?|dynasty|court|church|"
                 r"parliament|congress|senate|committee|commission|party|union|company|companies|he|she|they|"
                 r"himself|herself|themselves|who|whom")
#: A person's name after a title ("President Donald Trump", "Agent in Charge Matthew Allen"):
#: no place, whatever its capitals.
_TITLED_NAME = lazy_pattern(
    r"\b(?:President|Vice President|Secretary|Mayor|Governor|Agent|Officer|Chief|Director|Judge|Sheriff|Senator|"
    r"Sen|Representative|Rep|Mr|Mrs|Ms|Dr|Charge|Commissioner|Councilmember|Councilman|Councilwoman|Lieutenant|"
    r"Sergeant|Captain|General|Professor|Prof|Pope|Emperor|Sir)"
    r"\.?(?:\s+[A-Z][\w’'-]*)+")
#: A number word joined to a word that is no number ("two-tiered", "one-time", "four-story").
_NUMBER_COMPOUND = lazy_pattern(r"\b(?:one|" + _NUMBER_WORDS + r")-(?!(?:one|" + _NUMBER_WORDS + r")\b)[a-z]+",
                                re.IGNORECASE)
_EVIDENCE_SOURCES: dict[str, str] = {
    "quote": r"[“\"][^”\"\n]{12,}[”\"]",
    "penalty": r"\b(?:penalt\w*|punish\w*|disciplin\w*|fired|fines?|fined|sanction\w*|suspend\w*|suspension|"
               r"prosecut\w*|jail\w*|prison\w*|imprison\w*|sentenced?|terminated|dismissed|demoted|reprimand\w*|"
               r"consequences?)\b",
    "vote": r"\b\d+\s?(?:-|–|to)\s?\d+\b|\bunanimous(?:ly)?\b|\bvoted\b|\bvotes?\b",
    "count": rf"\d|\b(?:{_NUMBER_WORDS})\b|\ba (?:few|handful|couple)\b",
    "money": r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:dollars?|cents?|usd|euros?|pounds?|yen|francs?|marks?|million|billion)\b"
             r"|\b(?:million|billion|thousand|hundred) (?:dollars|euros|pounds)\b",
    "percent": r"\d\s?%|\bper ?cent\b|\bpercentage\b|\b(?:half|third|quarter|majority|minority)\b",
    "date": rf"\b(?:{_MONTHS})\b\.?|\b1\d\d\d\b|\b20\d\d\b|\b\d+(?:st|nd|rd|th)? (?:century|centuries)\b|\b\d0s\b|"
            r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight|tomorrow|"
            r"recently|currently|now|ago|then|later|earlier|once|after|before|during|until|since|when)\b|"
            r"\b(?:last|this|next|previous|that|the same) (?:year|month|week|spring|summer|fall|autumn|winter|"
            r"decade|century|time)\b|\b(?:spring|summer|fall|autumn|winter|century|decade|era|period|age|reign|"
            r"dynasty|war)\b|\b\d{1,2}(?::\d\d)?\s?(?:a\.?m\.?|p\.?m\.?)",
    "duration": rf"\b(?:\d[\d,.]*|{_NUMBER_WORDS}|a|an|many|several|few)[ -](?:{_UNITS})\b|\bsince\b|\bfor (?:years|"
                r"decades|months|weeks|centuries|a long time|long)\b|\buntil\b|\b(?:\d|1\d\d\d)\b",
    "contact": r"\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b|\b[\w.+-]+@[\w-]+\.[\w.]+\b|\bhttps?://|\bwww\.|"
               r"\b\d+ [A-Z]\w+ (?:Street|St|Avenue|Ave|Boulevard|Blvd|Road|Rd|Drive|Dr|Way|Lane|Place)\b",
    "name": rf"{_CAP}|\b[A-Z]{{2,}}\b",
    "place": rf"{_CAP}|\b[A-Z]{{2,}}\b|\b(?:{_PLACE_WORDS})\b",
    "person": rf"{_CAP}|\b[A-Z]{{2,}}\b|\b(?:{_PERSON_WORDS})\b",
}


@cache
def _evidence(asks: str) -> re.Pattern[str]:
    """The pattern of what holds an answer of type `asks`, compiled on first use (a cold
    `faqbot ask` compiles only the one its question needs)."""
    return re.compile(_EVIDENCE_SOURCES[asks], re.IGNORECASE if asks not in ("name", "place", "person", "contact") else 0)

#: Words that say nothing about *what* is asked: a focus never rests on them.  The last
#: block is English's function words (prepositions, conjunctions, quantifiers, degree and
#: frequency adverbs): "toward", "at least", "pretty narrow" are no topic a reader asks about.
GENERIC = frozenset(
    """
    thing things stuff deal exactly actually basically really literally info information detail details news story
    article piece report text says said say saying mean means meaning meant happen happens happened happening
    going gonna wanna gotta explain explained tell told know knew think thought guess wonder wondering curious
    question questions ask asking asked answer situation whole part kind sort type way lot lots bit little
    something anything everything nothing someone anyone everyone somebody anybody folks guys guy right now
    currently today still again ever even already yet okay ok yeah yes no not lol hey hi hello pls plz thanks
    thank quick quickly short brief briefly simple simply sure true false correct real whats hows whos wheres
    understand understanding heard hear read reading see seen look looking find found learn mentioned mention
    mentions according basically overall main key specific specifically particular particularly certain exact
    precise precisely generally general summary summarize summarise sum overview point points idea ideas
    context background matter matters important happening deal big new recent latest current way ways make
    makes made do does did doing done get got gets give gives given take takes took come comes came goes went
    use used using way please help case cases fact facts issue issues thing anyway else besides per via
    able allowed supposed exist exists involve involved involves regarding concerning about here there where
    freaking frickin fricking literally honestly seriously totally anymore gonna kinda sorta theyre youre were
    its im ive id dont doesnt didnt isnt arent wasnt werent cant wont shouldnt wouldnt couldnt hes shes thats
    theres heres lets whats whos hows wheres whys yall ya u ur
    long fast far soon often old after before during until wide tall heavy deep
    become becomes became becoming seem seems seemed put puts keep keeps kept start starts started begin
    begins began turn turns turned bring brings brought
    nah nope yep yup huh hmm nobody itll theyll youll thatll therell wholl whatll theyve youve weve theyd youd
    wouldve couldve shouldve hadnt hasnt havent
    describe describes described description conclusion conclude concludes concluded takeaway takeaways gist
    roughly approximately approx around nearly almost ballpark deadline deadlines timeframe timeframes
    toward towards upon within without across along among amongst against beside beyond despite except onto
    outside inside
    unlike versus vs throughout underneath whereas whether although though unless whenever wherever whatever
    whoever however whichever hence thus therefore meanwhile otherwise instead furthermore moreover nonetheless
    nevertheless pretty quite rather fairly somewhat enough least less extremely highly largely mostly mainly
    partly slightly truly always never sometimes usually forever anytime both either neither each every another
    such own same several few cuz coz cos bc well maybe perhaps probably possibly definitely surely indeed
    whereby wherein whose till til anyways somehow someday somewhere anywhere everywhere nowhere
    """.split()
)
# a sentence ends at ? or !, or at a full stop after a lower-case word ("U.S." does not end one)
_CLAUSE_SPLIT = re.compile(r"(?:(?<=[!?])|(?<=[a-z]{2}\.))\s+(?=\S)")
_TYPE_CACHE_MAX = 4096


def asking_part(text: str) -> str:
    """The question clause: in a message of several sentences, the ones that ask (end with
    "?"), else the last one; a short question is all of it."""
    parts = [p for p in _CLAUSE_SPLIT.split(text.strip()) if p.strip()]
    if len(parts) <= 1:
        return text
    asking = [p for p in parts if p.rstrip().endswith("?")]
    return " ".join(asking) if asking else parts[-1]


def names_nothing(tokens: tuple[str, ...] | list[str]) -> bool:
    """Whether a question's words are all stopwords and generic words ("why?", "got it",
    "what does that mean"): it names nothing a knowledge base could be about."""
    return all(t in STOPWORDS or t in GENERIC for t in tokens)


def answer_type(clause_norm: str) -> str | None:
    """The expected answer type of a normalized question clause (see `ANSWER_TYPES`)."""
    words = set(clause_norm.split())
    for t, _ in ANSWER_TYPES:
        if words & _TRIGGERS[t] and _pattern(t).search(clause_norm):
            return t
    return None


_NAME = re.compile(r"\b(?:[A-Z][\w’'-]*|\d[\d,.]*)")


def analyse(text: str) -> Question:
    """Analyse one question (see the module docstring). Pure: same text, same value."""
    tokens = tuple(tokenize(text))
    clause_text = asking_part(text)
    clause = normalize(clause_text)
    asks = answer_type(clause) if clause else None
    if asks == "name" and not _PLACES.isdisjoint(clause.split()) and _PLACE_NAMED().search(clause):
        asks = "place"  # "what is the name of the neighborhood" asks for a place
    words = clause_text.split()
    acronyms = {normalize(w) for w in words if len(w.strip("?.,!;:’'s")) >= 2 and w.strip("?.,!;:’'s").isupper()}
    focus = tuple(dict.fromkeys(t for t in clause.split() if _is_content(t, short_ok=t in acronyms)))
    names: list[str] = []
    for n, w in enumerate(words):
        m = _NAME.match(w.strip("\"“”'‘’(["))
        if not m:
            continue
        tok = normalize(w)
        if not tok or not _is_content(tok.split()[0], short_ok=tok in acronyms):
            continue
        if w[0].isdigit() or (n > 0 and not words[n - 1].endswith((".", "?", "!", ":"))) or tok in acronyms:
            names.extend(t for t in tok.split() if _is_content(t, short_ok=t in acronyms))
    return Question(text, tokens, asks, focus, tuple(dict.fromkeys(names)), clause)


def _is_content(token: str, *, short_ok: bool = False) -> bool:
    if token.isdigit():
        return True
    long_enough = len(token) > 2 or (short_ok and len(token) == 2)
    return long_enough and token not in STOPWORDS and token not in GENERIC and stem(token) not in GENERIC


_SENTENCES = re.compile(r"(?:^|(?<=[.!?:;])\s+|\n+)")
_NAMED_NUMBER = re.compile(r"\b[A-Z][\w’'-]* (?:No\. )?\d[\d,.]*\b|\b[A-Z][A-Za-z]+ One\b")


def _new(found: str, given: frozenset[str], setting: frozenset[str]) -> bool:
    """Whether the words of `found` say something the question (`given`, stems) does not;
    a name must also be more than the article's `setting`."""
    known = given | setting if found.strip()[:1].isupper() else given
    return any(stem(t) not in known for t in tokenize(found))


def has_type(asks: str | None, text: str, given: frozenset[str] = frozenset(),
             setting: frozenset[str] = frozenset()) -> bool:
    """Whether `text` holds something of type `asks` (True for types that cannot be checked).

    A number that is part of a name ("Special Order 40", "CBP One") is not a count, and
    a capital at the start of a sentence is not a name. For a name, place or person, a
    word whose stem is `given` (the question's own words) is no answer, nor a name whose
    stem is the article's `setting`: "which Los Angeles neighborhood" is not answered by
    "a Los Angeles neighborhood"."""
    if asks not in CHECKED:
        return True
    pattern = _evidence(asks)
    if asks == "duration" and has_type("date", text):
        return True  # "since last year" answers "how long"
    if asks in ("count", "duration", "money", "percent"):
        # "Special Order 40" names, "a two-tiered system" describes: neither counts anything
        # (but "a three-year term" says how long)
        text = _NAMED_NUMBER.sub(" ", text)
        return pattern.search(text if asks == "duration" else _NUMBER_COMPOUND().sub(" ", text)) is not None
    if asks in ("name", "place", "person"):
        if asks == "place" or (asks == "name" and given.isdisjoint(_PERSONISH)):
            text = _TITLED_NAME().sub(" ", text)  # "which site did the DEA use" is not "President Trump"
        for sentence in _SENTENCES.split(text):
            words = sentence.strip().split(" ", 1)
            if len(words) == 2 and any(_new(m.group(), given, setting) for m in pattern.finditer(" " + words[1])):
                return True
            if words and words[0].isupper() and len(words[0].strip(".,;:’'s")) >= 2 and _new(words[0], given, setting):
                return True  # an acronym opening the sentence is a name
        return False
    return pattern.search(text) is not None

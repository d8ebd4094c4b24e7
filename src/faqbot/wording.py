"""Questions a reader would ask about a passage, worded from the passage itself.

Used by `faqbot.drafting` (pure, deterministic, no model): a light reading of one
sentence finds its subject, its verb and what follows, and words the question that
the sentence answers, with the question word fitted to what it holds:

- a date or a year: "The City Council approved the plan on February 24." -> "When did
  the City Council approve the plan?"
- a person: "a registry proposed by state Rep. Wallace H. Smith" -> "Who proposed the
  registry?"; "Marcus Bell said ..." -> "What did Marcus Bell say?"
- a number: "The pilot will cost $412,000" -> "How much will the pilot cost?";
  "2,300 residents were surveyed" -> "How many residents were surveyed?"
- a place: "Normandy, a region in France" -> "Where is Normandy?"
- a definition: "The Normans were the people who ..." -> "Who were the Normans?"

A sentence whose shape is not one of these gives no question (never a half-filled
template). Everything is linear in the length of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sources import DATE

__all__ = ["Article", "fact_questions", "heading_question", "is_noun_phrase", "lemma", "subject"]

_TITLES = (r"(?:Director|Mayor|Chief|Officer|President|Agent|Dr\.|Mr\.|Ms\.|Mrs\.|Rep\.|Sen\.|Gov\.|Prof\.|"
           r"Representative|Senator|Governor|Judge|Sheriff|Commissioner|Superintendent|Chair|Chairman|"
           r"Chairwoman|Secretary|Minister|Lt\.|Gen\.|Sgt\.|Capt\.|spokesperson|spokeswoman|spokesman|member)")
_NAME = r"[A-Z][\w’'-]+(?: (?:[A-Z]\.|[A-Z][\w’'-]+)){1,3}"
_SPEECH = r"(?:said|says|told|added|explained|argued|noted|wrote|stated)"


@dataclass(frozen=True)
class Article:
    """What is known about the whole article, read once: the people it names (a name
    that says, is titled, or is described: "Tanya Ortiz, a nurse") and the words it
    capitalizes inside sentences (names, so they keep their capital in a question)."""

    people: frozenset[str]
    capitalized: frozenset[str]
    lower: frozenset[str] = frozenset()  # words the article writes in lower case
    names: frozenset[str] = frozenset()  # runs of capitalized words inside sentences: "Night Owl Hours"

    @classmethod
    def of(cls, text: str) -> Article:
        people: set[str] = set()
        for m in re.finditer(rf"(?P<n>{_NAME}),? (?:{_SPEECH}|who |an? [a-z]+)|{_SPEECH} (?P<m>{_NAME})"
                             rf"|{_TITLES} (?P<t>{_NAME})", text):
            name = _strip_title(m.group("n") or m.group("m") or m.group("t"))
            if name.split()[-1] not in _ORGANISATIONS:
                people.add(name)
        names = {m.group() for m in re.finditer(r"(?:(?<=[\w,;] )|(?<=\b[A-Z]\. )|(?<=[“\"‘(]))[A-Z][\w’'-]*"
                                                r"(?: (?:of |and |the |de )?[A-Z][\w’'-]*)*", text)}
        capitalized = {w for name in names for w in name.split() if w[:1].isupper()}
        lower = set(re.findall(r"\b[a-z][a-z’'-]*\b", text))
        return cls(frozenset(people), frozenset(capitalized), frozenset(lower), frozenset(names))

    def is_person(self, phrase: str) -> bool:
        """A person the article names, or the surname of one ("Smith" after "Wallace H. Smith")."""
        return phrase in self.people or " " not in phrase and any(p.endswith(" " + phrase) for p in self.people)


_TITLE_WORDS = frozenset("""
    director mayor chief officer president agent member senator governor judge sheriff commissioner deputy
    secretary minister professor dr mr ms mrs spokesperson spokeswoman spokesman manager chair chairman
    chairwoman representative rep sen gov lt sgt capt superintendent state
""".split())


_ORGANISATIONS = frozenset("""
    Hospital University College School Council Department Library Church Company Inc Corp Center Centre Office
    Agency Association Party Court Committee Board Commission City County State Street Park Bank Group Times Post
    News Institute Foundation Administration Service Services Union Club Museum Airport Station Government Army
""".split())


def _strip_title(name: str) -> str:
    """"Library Director Marcus Bell" -> "Marcus Bell"; "state Rep. Wallace H. Smith" -> "Wallace H. Smith"."""
    words = name.split()
    titled = [i for i, w in enumerate(words) if w.lower().rstrip(".") in _TITLE_WORDS and len(words) - i > 2]
    titled += [i for i, w in enumerate(words) if w.lower().rstrip(".") in _TITLE_WORDS and len(words) - i == 2
               and words[-1][:1].isupper() and words[-2][:1].isupper() is False]
    return " ".join(words[max(titled) + 1 :]) if titled else name


# ------------------------------------------------------------------ words

_DETERMINERS = frozenset("the a an this that these those its their his her our your my".split())
_PRONOUNS = frozenset("he she it they we i you this that these those there which who what some many most all "
                      "one each both another others such".split())
_AUX = {"is": "is", "are": "are", "was": "was", "were": "were", "has": "has", "have": "have", "had": "had",
        "will": "will", "would": "would", "can": "can", "could": "could", "may": "may", "might": "might",
        "must": "must", "should": "should", "does": "does", "do": "do", "did": "did"}
_COPULA = frozenset("is are was were".split())
#: Irregular past tenses: past -> (base, past participle).
_IRREGULAR = {
    "said": ("say", "said"), "made": ("make", "made"), "took": ("take", "taken"), "gave": ("give", "given"),
    "went": ("go", "gone"), "came": ("come", "come"), "became": ("become", "become"), "began": ("begin", "begun"),
    "led": ("lead", "led"), "held": ("hold", "held"), "left": ("leave", "left"), "met": ("meet", "met"),
    "found": ("find", "found"), "built": ("build", "built"), "brought": ("bring", "brought"),
    "bought": ("buy", "bought"), "fought": ("fight", "fought"), "won": ("win", "won"), "lost": ("lose", "lost"),
    "sent": ("send", "sent"), "spent": ("spend", "spent"), "kept": ("keep", "kept"), "told": ("tell", "told"),
    "thought": ("think", "thought"), "saw": ("see", "seen"), "knew": ("know", "known"), "grew": ("grow", "grown"),
    "rose": ("rise", "risen"), "fell": ("fall", "fallen"), "wrote": ("write", "written"), "ran": ("run", "run"),
    "paid": ("pay", "paid"), "sold": ("sell", "sold"), "stood": ("stand", "stood"), "drew": ("draw", "drawn"),
    "chose": ("choose", "chosen"), "spoke": ("speak", "spoken"), "broke": ("break", "broken"),
    "sought": ("seek", "sought"), "taught": ("teach", "taught"), "caught": ("catch", "caught"),
    "heard": ("hear", "heard"), "felt": ("feel", "felt"), "withdrew": ("withdraw", "withdrawn"),
    "overthrew": ("overthrow", "overthrown"), "undertook": ("undertake", "undertaken"), "arose": ("arise", "arisen"),
    "struck": ("strike", "struck"), "drove": ("drive", "driven"), "forbade": ("forbid", "forbidden"),
    "laid": ("lay", "laid"), "meant": ("mean", "meant"), "dealt": ("deal", "dealt"), "wore": ("wear", "worn"),
    "understood": ("understand", "understood"), "shook": ("shake", "shaken"), "became ": ("become", "become"),
    "flew": ("fly", "flown"), "threw": ("throw", "thrown"), "fled": ("flee", "fled"), "hid": ("hide", "hidden"),
    "ate": ("eat", "eaten"), "swore": ("swear", "sworn"), "bore": ("bear", "borne"), "lay": ("lie", "lain"),
    "sank": ("sink", "sunk"), "spread": ("spread", "spread"), "split": ("split", "split"),
    "set": ("set", "set"), "put": ("put", "put"), "cut": ("cut", "cut"), "let": ("let", "let"),
}
_PARTICIPLES = {p: base for base, p in _IRREGULAR.values()} | {"born": "bear", "known": "know"}
#: -ed words that are no verbs.
_NOT_VERBS = frozenset("need seed bed red shed speed feed breed greed creed hundred sacred naked wicked kindred "
                       "bred wed indeed united limited aged deed reed weed heed sped".split())
#: Present-tense verbs common in articles ("The plan includes ...").
_PRESENT = frozenset("""
    says has includes include requires require allows allow means remains shows makes takes gives plans wants
    needs calls holds runs serves covers contains consists lies becomes seems appears describes refers uses
    provides offers supports opposes leads represents lists states argues estimates expects hopes believes notes
    adds operates controls owns faces lets helps keeps sets puts costs pays sells hosts houses features
    sits stands meets works lives gets goes comes looks speaks continues remains exists varies depends differs
    involves occurs applies begins ends follows happens matters belongs concerns emerges grows increases reflects
    results seeks suggests tends becomes
""".split())
_ADVERBS = frozenset("also then still now soon already again first later never not only just even eventually "
                     "probably likely finally once thus therefore thereafter often sometimes always".split())
#: Verbs after which a place follows ("settled in Normandy" -> "Where did ... settle?").
_PLACE_VERBS = frozenset("settled lived born held located based built founded died moved fled worked stayed "
                         "buried raised grew landed arrived".split())
#: Prepositions and words that end an object ("approved the plan on February 24").
_STOP = frozenset("""
    on in at by for with from to of into onto over under after before during since until as than because
    while when where which who whom whose that if and or but nor so about against between through without
    within among including despite following per via amid toward towards upon across behind beyond
""".split())
_FRONT = frozenset("""
    in on at after before during by since following from under with despite although while when as for between
    throughout until within over upon because if once soon whereas unless though
""".split())
_PERSONAL = frozenset("""
    people person man woman men women king queen duke duchess prince princess leader ruler emperor empress
    director mayor nurse officer president chief agent author writer poet painter scientist historian general
    soldier member founder owner minister senator governor judge sheriff commissioner spokesperson bishop pope
    priest monk saint lord lady knight explorer inventor engineer teacher student resident residents citizens
""".split())
_PLACES = frozenset("""
    region city town village country province state county island river area district port capital kingdom
    duchy territory colony peninsula valley lake mountain neighborhood neighbourhood suburb borough
""".split())
_STREETS = r"(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Boulevard|Blvd\.|Drive|Lane|Way|Square|Plaza|Place|Park)"
_YEAR = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b")
_WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_WHEN = re.compile(rf"{DATE.pattern}|\b(?:on|by|until|in|since|from|before|after) (?:{_WEEKDAYS}|"
                   r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
                   r"(?: \d{1,2})?|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\. \d{1,2}"
                   r"|the (?:\d{1,2}(?:st|nd|rd|th)|early|late|mid)[\w -]{0,20}centur(?:y|ies))\b"
                   r"|\b(?:1[0-9]{3}|20[0-9]{2})s?\b")
#: Word endings of adjectives and adverbs: a noun phrase does not end with one.
_NOT_NOUN_END = re.compile(r"(?:ly|al|ous|ive|ic|ful|less|able|ible|ed|ing|est|ern|ish)$")
#: Words in -ing that are nouns ("the new building"), not a clause ("conquered England killing ...").
_ING_NOUNS = frozenset("""
    building meeting funding housing training hearing ruling spending parking planning opening beginning setting
    offering ending feeling crossing landing painting wedding warning finding rating filing shooting bombing
    uprising ceiling evening morning clothing dwelling being thing king ring spring string wing sibling reading ruling
    gathering recording proceeding listing screening hearing briefing outing sitting
""".split())
_NAME_PARTICLES = frozenset("de van von del da la le du di al bin ibn".split())
_CONJUNCTIONS = frozenset("and or but nor so yet also since although though however".split())
#: Verbs that need no object in "When did X ...?" ("When did the crisis begin?").
_INTRANSITIVE = frozenset("begin end start die arrive occur happen open close fall rise leave return flee collapse "
                          "win lose meet retire resign emerge erupt break surrender".split())
#: Nouns too general to name a passage on their own.
_GENERIC = frozenset("""
    portion part parts set number way ways kind kinds type types lot lots area side rest end place thing things
    fact case cases point use form forms one ones time times year years day days group groups matter change
    changes issue issues term terms example examples result results amount level levels order role
""".split())


def lemma(verb: str) -> str:
    """The base form of a past-tense verb: "approved" -> "approve", "stopped" -> "stop",
    "carried" -> "carry", "led" -> "lead" (rules and a list of irregular verbs)."""
    v = verb.lower()
    if v in _IRREGULAR:
        return _IRREGULAR[v][0]
    if not v.endswith("ed") or len(v) < 4:
        return v
    stem = v[:-2]
    if v.endswith("ied"):
        return v[:-1] if len(v) <= 5 else v[:-3] + "y"  # "died" -> "die", "carried" -> "carry"
    if v.endswith("eed"):
        return v[:-1]
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiouslfzwxy":
        return stem if stem in ("add", "err", "boycott") else stem[:-1]
    if stem.endswith("ll"):
        return stem[:-1] if stem[:-1] in _DROP_L else stem
    if stem in _ADD_E or stem.endswith("creat"):
        return stem + "e"
    if re.search(r"(?:[vczu]|[iu]b|[nrdl]g|[^aeiou][bdgkptz]l|[^e]at|ut|[^o]ot|iz|is|ys|[^s]us|[aiu]d|[^e]ad|[aiou]g|[^aeo]ag|"
                 r"[bcdfgkpt]r?ang|[aiu]m|[^aeiouy]om|[aiyo]p|[aio]k|[iu]l|[^e]al|[aio]r|ur|in|[^eo]ar|[aeiouy]s|rs)$",
                 stem) and not re.search(r"(?:ead|oad|eak|ook|ail|eal|oil|ain|oin|eer|oor|eat|oat|oot|ear|air|"
                                          r"ssim|orm|arm|eem|oom|aim|[^aeiou]h)$", stem):
        if stem in _NO_E:
            return stem
        return stem + "e"
    return stem


_DROP_L = frozenset("control compel expel propel patrol cancel travel label model fuel signal total level repel "
                    "excel rebel annul dispel impel".split())
_ADD_E = frozenset("unit invit cit excit incit ignit recit writ quot not vot".split())
_NO_E = frozenset("""
    belong long wrong bang hang clang ring
    visit limit edit credit exhibit inhabit inherit prohibit deposit profit audit solicit honor color favor labor
    sponsor censor mirror monitor anchor author tailor mentor harbor armor tutor doctor factor flavor humor rumor
    endeavor neighbor focus develop envelop gallop open happen listen threaten strengthen return turn warn earn learn
    sign design join gain explain remain contain maintain obtain own govern question position mention condition
    reason summon abandon pardon beckon begin order answer offer consider enter deliver cover gather suffer alter
    differ wonder murder render surrender remember register conquer discover recover empower consult result insist
    resist exist assist consist persist list request protest contest suggest arrest test invest attempt adopt
    accept except expect elect select collect connect protect reject inject project act react enact extract
    attract contract subtract distract conduct construct instruct obstruct interrupt shift lift start want grant
    plant report support import export resort comfort exhort escort assert insert convert invert revert divert
    count mount amount account hunt point appoint disappoint paint faint print
    claim aim proclaim acclaim exclaim reclaim form perform inform transform reform conform confirm affirm harm
    alarm warm arm seem deem redeem doom bloom boom loom
""".split())


def _is_past(word: str, before: str) -> bool:
    w = word.lower()
    if w in _IRREGULAR:
        return True
    return len(w) >= 4 and w.endswith("ed") and w not in _NOT_VERBS and before not in _DETERMINERS


def _participle(word: str) -> str:
    """The past participle of the past tense `word`: "took" -> "taken", "approved" -> "approved"."""
    w = word.lower()
    return _IRREGULAR[w][1] if w in _IRREGULAR else w


# ------------------------------------------------------------------ reading a sentence


@dataclass(frozen=True)
class _Clause:
    fronted: str  # "In 1066," (without the comma)
    subject: str  # "The City Council"
    verb: str  # "approved", "will", "is"
    rest: tuple[str, ...]  # the words after the verb, punctuation attached


def _words(sentence: str) -> list[str]:
    # parentheses, footnote marks and [who?] notes are left out: "The Normans (Norman: ...) were"
    sentence = re.sub(r"\s*(?:\([^()]{0,200}\)|\[[^\[\]]{0,40}\])", "", sentence)
    return sentence.replace("—", " — ").split()


def _clause(sentence: str) -> _Clause | None:
    words = _words(sentence)
    if len(words) < 3:
        return None
    i = 0
    fronted = ""
    if words[0].lower().strip(",") in _FRONT:
        for j in range(min(len(words), 12)):
            if words[j].endswith(","):
                fronted = " ".join(words[: j + 1]).rstrip(",")
                i = j + 1
                break
        else:
            return None
    if i < len(words) and re.fullmatch(r"[A-Z][a-z]+ly,?", words[i]):
        i += 1  # "Initially the Normans maintained ..."
    subject: list[str] = []
    k = i
    while k < len(words) and len(subject) <= 8:
        word = words[k]
        bare = word.strip("“”\"‘’(),;:").lower()
        before = words[k - 1].lower() if k > i else ""
        if subject and word[:1].islower() and "-" not in bare and (
                bare in _AUX or bare in _PRESENT or _is_past(bare, before)):
            break
        if subject and (bare in _ADVERBS or bare.endswith("ly") and word.islower()):
            k += 1  # "the Normans thereafter adopted": the adverb is no part of the subject
            continue
        if word.endswith(","):  # an appositive: "Tanya Ortiz, a nurse at ..., said"
            subject.append(word[:-1])
            end = next((m for m in range(k + 1, min(len(words), k + 16)) if words[m].endswith(",")), None)
            if end is None:
                return None
            k = end + 1
            break
        if not re.fullmatch(r"[\w’'$%.,&-]+", word):
            return None
        subject.append(word)
        k += 1
    if not subject or k >= len(words) or len(subject) > 8:
        return None
    verb = words[k].strip(",;:").lower()
    before = words[k - 1].lower()
    if not (verb in _AUX or verb in _PRESENT or _is_past(verb, before)):
        return None
    return _Clause(fronted, " ".join(subject), verb, tuple(words[k + 1 :]))


def _np(subject: str, article: Article) -> str | None:
    """The subject as it reads inside a question ("the City Council", "Marcus Bell"), or
    None when it is no noun phrase a question can be about (a pronoun, a clause)."""
    words = subject.split()
    first = words[0].lower()
    if first in _PRONOUNS or not words:
        return None
    if first in _DETERMINERS:
        if len(words) == 1:
            return None
        words[0] = first
    elif words[0][:1].isupper():
        second = words[1] if len(words) > 1 else ""
        if not second[:1].isupper() and (words[0].lower() in article.lower or words[0] not in article.capitalized
                                         and second.lower() not in _NAME_PARTICLES):
            words[0] = words[0].lower()  # "Residents" -> "residents"; not "Roussel de Bailleul"
    elif not words[0][:1].isdigit():
        return None
    np = " ".join(words).strip(" ,;:")
    last = re.sub(r"[’']s$", "", words[-1]).strip(".,;:").lower()
    if not last or _NOT_NOUN_END.search(last) and not words[-1][:1].isupper() and last not in _PERSONAL | _ING_NOUNS:
        return None
    return np if is_noun_phrase(_head(np)) else None


def _head(np: str) -> str:
    """The noun phrase before its first preposition: "the Central Library on Fifth
    Street" -> "the Central Library" ("of" and "and" stay: "the Department of State")."""
    words = np.split()

    def named(i: int) -> bool:  # "the Campaign for a Scottish Assembly": a preposition inside a name
        after = next((w for w in words[i + 1 :] if w.lower() not in _DETERMINERS), "")
        return words[i - 1][:1].isupper() and after[:1].isupper()

    cut = next((i for i, w in enumerate(words) if i > 0 and w.lower() in _STOP and w.lower() not in ("of", "and")
                and not named(i)), None)
    return " ".join(words[:cut]) if cut is not None else np


def _object(rest: tuple[str, ...], limit: int = 5) -> str:
    """The words after a verb up to a preposition, a comma, a number or a date."""
    out: list[str] = []
    for n, word in enumerate(rest):
        if out and re.fullmatch(r"[A-Z]\.", word):  # an initial: "William E. Simon"
            out.append(word)
            continue
        bare = word.strip("“”\"‘’").lower().rstrip(".,;:")
        named = bare == "of" and out and n + 1 < len(rest) and rest[n + 1][:1].isupper()  # "the Kingdom of Sicily"
        if (bare in _STOP and not named or bare[:1].isdigit() or bare.startswith("$") or len(out) >= limit or not bare
                or out and bare.endswith("ing") and word[:1].islower() and out[-1].lower() not in _DETERMINERS
                and bare not in _ING_NOUNS):
            break
        if not re.fullmatch(r"[\w’'-]+[.,;:]?", word.strip("“”\"‘’")):
            break
        out.append(word.strip("“”\"‘’").rstrip(".,;:"))
        if word.endswith((",", ";", ":", ".")):
            break
    return " ".join(out)


def _plural(np: str) -> bool:
    last = np.split()[-1].lower()
    return last.endswith("s") and not last.endswith(("ss", "us", "is")) and not np[:1].isupper() or " and " in np


def fact_questions(sentence: str, article: Article) -> list[str]:
    """The questions `sentence` answers, best first (none when its shape is not recognised)."""
    out: list[str] = []
    text = " ".join(_words(sentence))
    for m in re.finditer(rf"(?P<np>(?:[Tt]he|[Tt]his|[Ii]ts) [\w’' -]{{2,60}}?),? (?:led|headed|run|chaired|directed) by "
                         rf"(?:[a-z]+ )?(?:{_TITLES} )*(?P<name>{_NAME})", text):
        out.append(f"Who leads {_lower_the(m.group('np'))}?")
    for m in re.finditer(rf"\b(?P<np>(?:[Tt]he|[Aa]n?) (?:(?!(?:is|are|was|were|been|be|has|had|have) )[\w’'-]+ ){{0,3}}"
                         rf"[\w’'-]+) (?:(?:is|are|was|were|has been|have been|had been) )?(?P<verb>[a-z]+ed) by "
                         rf"(?:[a-z]+ )?(?:{_TITLES} )*(?P<name>{_NAME})", text):
        np = m.group("np").split(" ", 1)[1]
        if np.split()[-1] in _AUX:
            continue
        if not _NOT_NOUN_END.search(np.split()[-1]) or np.split()[-1] in _PERSONAL:
            out.append(f"Who {m.group('verb')} the {np}?")
    for m in re.finditer(rf"\b(?P<name>[A-Z][\w’'-]+(?: [A-Z][\w’'-]+)*), an? (?:[a-z]+ )?(?:{'|'.join(_PLACES)}) "
                         r"(?:in|of|on|near)\b", text):
        out.append(f"Where is {m.group('name')}?")
    for m in re.finditer(rf"\b(?P<np>the (?:[A-Z][\w’'-]+ ){{1,3}}[\w’'-]+) (?:on|at) [A-Z][\w’'-]+ {_STREETS}", text):
        out.append(f"Where is {m.group('np')}?")
    for m in re.finditer(r"\b(?P<what>survey|poll|study|census|sample) of (?:about |nearly |more than )?[\d,]+ "
                         r"(?P<who>[a-z]+s)\b", text):
        out.append(f"How many {m.group('who')} were in the {m.group('what')}?")
    clause = _clause(sentence)
    if clause is not None:
        out += _from_clause(clause, text, article)
    if not out:
        for m in re.finditer(rf"(?P<n>{_NAME}),? {_SPEECH}\b|\b{_SPEECH} (?P<m>{_NAME})", text):
            name = _strip_title(m.group("n") or m.group("m"))
            if article.is_person(name):
                out.append(f"What did {name} say?")
                break
    return list(dict.fromkeys(out))


def _lower_the(np: str) -> str:
    return "the" + np[3:] if np.startswith("The ") else "this" + np[4:] if np.startswith("This ") else np


def _from_clause(c: _Clause, text: str, article: Article) -> list[str]:
    out: list[str] = []
    subject = c.subject
    counted = re.fullmatch(r"(?:(?:about|nearly|almost|over|more than|some|at least) )?[\d,.]+ (?P<n>(?:[a-z-]+ ){0,2}[a-z-]+s)",
                           subject, re.I)
    rest = list(c.rest)
    dated = bool(_WHEN.search(" ".join(rest))) or bool(_WHEN.search(c.fronted))
    if counted and c.verb in ("were", "are", "will", "have", "had") or counted and _is_past(c.verb, ""):
        words = " ".join([c.verb, *rest[:1]]) if c.verb in _AUX else c.verb
        if c.verb in _AUX and rest and (_is_past(rest[0].strip(".,"), "") or rest[0].strip(".,") in _PARTICIPLES):
            return [f"How many {counted.group('n')} {c.verb} {rest[0].strip('.,;:')}?"]
        return [f"How many {counted.group('n')} {words.strip('.,;:')}?"] if c.verb not in _AUX else []
    np = _np(subject, article)
    if np is None:
        return out
    name = _strip_title(subject) if subject[:1].isupper() else subject
    person = article.is_person(name) or bool(re.search(rf"\b{_TITLES}$", subject.split(",")[0]))
    who = name if person else np
    verb = c.verb
    nxt = rest[0].strip("“”\"‘’.,;:") if rest else ""
    if verb in ("said", "says", "told", "added") and person:
        out.append(f"What did {who} say?")
        return out
    if verb in _COPULA:
        if nxt and (_is_past(nxt, "") or nxt in _PARTICIPLES):  # passive: "was approved"
            agent = re.search(rf"\bby (?:[a-z]+ )?(?:{_TITLES} )*(?P<n>{_NAME})", " ".join(rest))
            if dated:
                out.append(f"When {verb} {np} {nxt}?")
            if agent and article.is_person(_strip_title(agent.group("n"))):
                past = next((p for p, (b, pp) in _IRREGULAR.items() if pp == nxt), nxt)
                out.append(f"Who {past} {np}?")
            if nxt in _PLACE_VERBS and re.search(r"\b(?:in|at|near) [A-Z]", " ".join(rest[1:4])):
                out.append(f"Where {verb} {np} {nxt}?")
            return out
        if nxt.lower() in ("a", "an", "the", "one") and len(rest) > 1 and is_noun_phrase(np):
            head = " ".join(rest[1:4]).lower()
            personal = person or any(w.strip(".,;") in _PERSONAL for w in head.split())
            if personal or nxt.lower() in ("a", "an"):  # "was a great fief", "were the people who"
                out.append(f"{'Who' if personal else 'What'} {verb} {np}?")
            return out
        if re.match(rf"{_STREETS}|located|based|situated", nxt):
            out.append(f"Where {verb} {np}?")
        return out
    if verb in ("will", "would", "can", "could", "may", "might", "must", "should"):
        while rest and (rest[0].lower() in _ADVERBS or rest[0].lower().endswith("ly")):
            rest = rest[1:]  # "will also extend", "would then vote"
        if not rest:
            return out
        nxt = rest[0].strip("“”\"‘’.,;:")
        base = nxt.lower()
        if not re.fullmatch(r"[a-z]+", base) or base in ("be", "not", "also", "have"):
            if base == "be" and len(rest) > 1 and dated:
                return [f"When {verb} {np} be {rest[1].strip('.,;:')}?"]
            return out
        if base == "cost" and re.search(r"\$\d", " ".join(rest[1:3])):
            return [f"How much {verb} {np} cost?"]
        obj = _object(tuple(rest[1:]))
        if dated:
            out.append(f"When {verb} {np} {base}{' ' + obj if obj else ''}?")
        elif base in ("include", "offer", "provide", "require", "allow", "change", "cover", "replace", "add", "need"):
            out.append(f"What {verb} {np} {base}?")
        return out
    if verb in _PRESENT and verb.endswith("s"):
        base = verb[:-2] if verb.endswith(("ches", "shes", "sses", "xes")) else "have" if verb == "has" else verb[:-1]
        if verb == "costs" and re.search(r"\$\d", " ".join(rest[:2])):
            return [f"How much does {np} cost?"]
        if dated and base in _INTRANSITIVE:  # "The meeting begins at 6 p.m. on March 10"
            out.append(f"When does {np} {base}?")
        if base in ("include", "offer", "provide", "require", "allow", "cover", "contain", "mean", "show", "list",
                    "describe", "feature", "house", "host", "need", "want", "plan", "propose", "support", "oppose"):
            out.append(f"What does {np} {base}?")
        return out
    if _is_past(verb, ""):
        base = lemma(verb)
        obj = _object(tuple(rest))
        if re.match(r"\$[\d,.]+", nxt):
            out.append(f"How much did {who} {base}{' for' if base in ('pay', 'ask') else ''}?")
        counted_obj = re.match(r"[\d,.]+$", nxt) and len(rest) > 1 and re.fullmatch(r"[a-z-]+s[.,;:]?", rest[1])
        if counted_obj:
            out.append(f"How many {rest[1].strip('.,;:')} did {who} {base}?")
        if dated and (obj or base in _INTRANSITIVE or nxt.lower() in ("in", "on", "at", "from", "after")):
            out.append(f"When did {who} {base}{' ' + obj if obj else ''}?")
        if verb in _PLACE_VERBS and re.search(r"\b(?:in|at|near|on) [A-Z]", " ".join(rest[:4])):
            out.append(f"Where did {who} {base}?")
        if person and obj and not dated:
            out.append(f"Who {verb} {obj}?")
    return out


def subject(sentence: str, article: Article) -> str | None:
    """The noun phrase a sentence is about (its subject), as it reads inside a question,
    when it is a good name for a passage: "the City Council", "Marcus Bell"."""
    clause = _clause(sentence)
    if clause is None:
        return None
    np = _np(clause.subject, article)
    if np is None:
        return None
    name = _head(_strip_title(np))
    if name.split()[0] in ("its", "their", "his", "her", "our", "my", "your", "this", "these", "those", "that", "a",
                           "an"):
        return None  # "its populations", "a distinction": about something named elsewhere, or anything
    return name if is_noun_phrase(name) else None


def is_noun_phrase(phrase: str) -> bool:
    """Whether `phrase` can name what a passage is about: it ends with a noun-like word,
    holds a word that is not too general ("the portion"), is not a clause."""
    words = [w.strip(".,;:“”\"") for w in phrase.split()]
    words = [w for w in words if w]
    if not words or len(words) > 7:
        return False
    if words[0].lower() in _STOP or words[0].lower() in _CONJUNCTIONS:
        return False  # "And deputies", "Since September 2004"
    content = [w for w in words if w.lower() not in _DETERMINERS and w.lower() not in _STOP]
    if not content or all(w.lower() in _GENERIC for w in content):
        return False
    last = re.sub(r"[’']s$", "", words[-1])
    if last[:1].isupper() or last[:1].isdigit():
        return True
    low = last.lower()
    if any(w.endswith("ing") and w[:1].islower() and w not in _ING_NOUNS for w in words[:-1]):
        return False  # "the aiding federal immigration", "cases involving individuals"
    prev = words[-2] if len(words) > 1 else ""
    if prev[:1].islower() and prev.endswith("s") and not prev.endswith(("ss", "us", "is")) and not low.endswith("s"):
        return False  # "the measures aim", "local communities remain": a plural noun, then a verb
    if low in _STOP or low in _AUX or low in _PRESENT or low in _IRREGULAR or low in _ADVERBS:
        return False
    return not _NOT_NOUN_END.search(low) or low in _PERSONAL or low in _ING_NOUNS


#: The words a yes/no question starts with ("Can I appeal?", "Do I need a lawyer?").
_AUXILIARIES = frozenset("can could do does did is are was were will would should shall may might must has have had".split())


def heading_question(heading: str, in_sentence: str) -> str | None:
    """A heading worded as the question it answers: "Who Asked for Later Hours" -> "Who
    asked for later hours?"; "What the Night Owl Hours Include" -> "What do the Night
    Owl Hours include?"; "How the Plan Works" -> "How does the plan work?"; "Can Someone
    File for Me" -> "Can someone file for me?". None for a
    heading that is no question ("Cost and Staffing"). `in_sentence` is the heading in
    the case its words have inside a sentence."""
    words = in_sentence.rstrip(" ?.:!").split()
    if len(words) >= 3 and words[0].lower() in _AUXILIARIES:  # "Can someone file an appeal for me": asked as is
        return f"{words[0][:1].upper()}{words[0][1:].lower()} {' '.join(words[1:])}?"
    if len(words) < 2 or words[0].lower() not in ("what", "who", "how", "why", "when", "where", "which"):
        return None
    wh = words[0][:1].upper() + words[0][1:].lower()
    if words[1].lower() in _DETERMINERS and len(words) >= 3:  # "What the X Include": an embedded question
        verb = words[-1]
        np = " ".join(words[1:-1])
        low = verb.lower()
        if not verb[:1].islower() or any(w.lower() in _STOP or w.lower() in _PRESENT for w in words[2:-1]):
            return None  # "What This Means for Los Angeles": the verb is not last
        if _is_past(low, ""):
            return f"{wh} did {np} {lemma(low)}?"
        if low.endswith("s") and not low.endswith("ss"):
            base = low[:-2] if low.endswith(("ches", "shes", "sses", "xes", "oes")) else low[:-1]
            return f"{wh} does {np} {base}?"
        if re.fullmatch(r"[a-z]+", low) and not _NOT_NOUN_END.search(low) and _plural(np):
            return f"{wh} do {np} {low}?"
        return None
    return f"{wh} {' '.join(words[1:])}?"

"""Who a speaker phrase is: the article's names and short names, and the speakers so far.

:class:`Context` learns from the whole article first (full names behind "Mr Corbyn", the
genders titles tell, "the Board" as "the Board of Deputies") and then follows the article
paragraph by paragraph, resolving pronouns and definite references to earlier speakers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from newsbot.attribution.lexicon import lexicon
from newsbot.attribution.phrases import (
    CLAUSE_STOPS,
    POSSESSIVE_RE,
    Phrase,
    Tok,
    article_for,
    is_name_token,
    is_plain_name,
    noun_class,
    phrase_after,
    starts_sentence,
    title_of,
    tokenize,
)
from newsbot.domain import NARRATOR, Speaker, SpeakerKind

_SURNAME_CUTOFF = 0.8
# The organisation a spokesperson speaks for, named: "a spokeswoman for Northshire Water".
SPOKEN_FOR = re.compile(r"\bfor (?:the )?([A-Z][\w'’&-]*(?: [A-Z][\w'’&-]*)*)$")
_OF_NAME_RE = re.compile(r"\b([A-Z][a-z]+) of (?:the )?([A-Z][a-z]+(?: [A-Z][a-z]+)*)")


@dataclass(frozen=True)
class TrackedSpeaker:
    """A speaker as the rules follow it through the article."""

    label: str
    category: str  # person | group | anonymous | org | statement | narrator | unknown
    head: str = ""  # source-noun class of an anonymous speaker
    plural: bool = False
    gender: str = ""  # "m", "f" or ""
    joint: bool = False  # a statement issued jointly

    def public(self) -> Speaker:
        """The speaker as the rest of newsbot knows it: its label and its kind."""
        return Speaker(self.label, _KINDS[self.category] if not self.joint else SpeakerKind.JOINT_STATEMENT)


NARRATOR_SPEAKER = TrackedSpeaker(NARRATOR, "narrator")
_KINDS = {
    "person": SpeakerKind.PERSON,
    "group": SpeakerKind.PERSON,  # named people ("Anna Berg and Tom Lee")
    "org": SpeakerKind.ORGANISATION,
    "statement": SpeakerKind.ORGANISATION,  # a body's own statement, letter or report
    "anonymous": SpeakerKind.ANONYMOUS,
    "unknown": SpeakerKind.ANONYMOUS,  # "an unnamed speaker"
    "narrator": SpeakerKind.NARRATION,
}
Mention = tuple[int, TrackedSpeaker]


def _noun_gender(noun: str) -> str:
    """The gender a noun for a person says ("spokeswoman": "f", "spokesman": "m", "wife": "f"), else ""."""
    if gender := lexicon().noun_genders.get(noun.lower(), ""):
        return gender
    if noun.endswith("woman"):
        return "f"
    return "m" if noun.endswith("man") else ""


def _name_mentions(toks: list[Tok]) -> list[tuple[int, str, tuple[str, ...]]]:
    """Personal-name mentions: (position, title or "", name words)."""
    found: list[tuple[int, str, tuple[str, ...]]] = []
    n = len(toks)

    def flush(seg: list[int]) -> None:
        cut = 0
        for k, ti in enumerate(seg):
            if not is_plain_name(toks[ti].text):
                cut = k + 1
        tail = seg[cut:]
        if not tail:
            return
        at_sentence_start = tail[0] == 0 or toks[tail[0] - 1].text in CLAUSE_STOPS
        if at_sentence_start and len(tail) == 3:
            tail = tail[1:]
        follows = toks[tail[-1] + 1].low if tail[-1] + 1 < n else ""
        if 2 <= len(tail) <= 3 and follows != "of":
            found.append((toks[tail[0]].start, "", tuple(toks[t].bare for t in tail)))

    i = 0
    while i < n:
        if not (is_name_token(toks[i]) or title_of(toks[i].text) is not None):
            i += 1
            continue
        run: list[int] = []
        while i < n and (is_name_token(toks[i]) or title_of(toks[i].text) is not None):
            run.append(i)
            i += 1
        seg: list[int] = []
        k = 0
        while k < len(run):
            title = title_of(toks[run[k]].text)
            if title is None:
                seg.append(run[k])
                k += 1
                continue
            flush(seg)
            seg = []
            names: list[str] = []
            k += 1
            while (
                k < len(run)
                and len(names) < 3
                and title_of(toks[run[k]].text) is None
                and is_plain_name(toks[run[k]].text)
            ):
                names.append(toks[run[k]].bare)
                k += 1
            if names:
                found.append((toks[run[k - len(names) - 1]].start, title, tuple(names)))
        flush(seg)
    return found


class Context:
    """Article-wide knowledge plus the running speaker history."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        lex = lexicon()
        self.surnames: dict[str, str] = {}
        self.genders: dict[str, str] = {}
        self.expansions: dict[str, str] = {}
        self.history: list[TrackedSpeaker] = []
        self.mentions: list[list[Mention]] = []
        # The words the article capitalises where no sentence starts: names ("Labour sources").
        self.capitalised: set[str] = set()
        titled: list[tuple[str, tuple[str, ...]]] = []
        for para in paragraphs:
            toks = tokenize(para)
            self.capitalised.update(
                tok.text for i, tok in enumerate(toks) if tok.text[:1].isupper() and not starts_sentence(toks, i)
            )
            for _, title, names in _name_mentions(toks):
                if len(names) >= 2:
                    self.surnames.setdefault(names[-1], " ".join(names))
                if title:
                    titled.append((title, names))
        for title, names in titled:
            gender = lex.titles[title]
            if gender:
                self.genders.setdefault(self.person_label(title, names), gender)
        ambiguous: set[str] = set()
        for para in paragraphs:
            for m in _OF_NAME_RE.finditer(para):
                short = m.group(1)
                if short in lex.function_caps or short in lex.titles:
                    continue
                full = f"{short} of {m.group(2)}"
                if self.expansions.setdefault(short, full) != full:
                    ambiguous.add(short)
        for short in ambiguous:
            del self.expansions[short]

    # -- labels ------------------------------------------------------------

    def person_label(self, title: str, names: tuple[str, ...]) -> str:
        if len(names) >= 2:
            return " ".join(names)
        surname = names[0]
        full = self.surnames.get(surname)
        if full is None:
            close = difflib.get_close_matches(surname, list(self.surnames), n=1, cutoff=_SURNAME_CUTOFF)
            if close:
                full = self.surnames[close[0]]
        if full is not None:
            return full
        return f"{title} {surname}" if title else surname

    def person(self, title: str, names: tuple[str, ...]) -> TrackedSpeaker:
        label = self.person_label(title, names)
        gender = lexicon().titles.get(title, "") or self.genders.get(label, "")
        return TrackedSpeaker(label, "person", gender=gender)

    def org_label(self, det: str, words: Sequence[str]) -> str:
        out: list[str] = []
        for i, word in enumerate(words):
            nxt = words[i + 1].lower() if i + 1 < len(words) else ""
            out.append(self.expansions.get(word, word) if nxt != "of" else word)
        body = " ".join(out)
        return f"{det} {body}" if det else body

    def _person_from_words(self, det: str, words: Sequence[str]) -> TrackedSpeaker | None:
        if det:
            return None
        titles = [i for i, w in enumerate(words) if title_of(w) is not None]
        if titles:
            t = titles[-1]
            names = tuple(POSSESSIVE_RE.sub("", w) for w in words[t + 1 :] if is_plain_name(w))
            if names:
                return self.person(title_of(words[t]) or "", names)
        tail: list[str] = []
        for word in reversed(words):
            if not is_plain_name(word):
                break
            tail.insert(0, POSSESSIVE_RE.sub("", word))
        if 2 <= len(tail) <= 3:
            return self.person("", tuple(tail))
        if len(words) == 1 and len(tail) == 1:
            surname = tail[0]
            if surname in self.surnames or difflib.get_close_matches(
                surname, list(self.surnames), n=1, cutoff=_SURNAME_CUTOFF
            ):
                return self.person("", (surname,))
        return None

    def name_speaker(self, phrase: Phrase) -> TrackedSpeaker:
        words = list(phrase.pre)
        if not phrase.det and any(w.lower() == "and" for w in words):
            parts: list[list[str]] = [[]]
            for word in words:
                if word.lower() == "and":
                    parts.append([])
                else:
                    parts[-1].append(word)
            people = [self._person_from_words("", part) for part in parts]
            if all(p is not None for p in people):
                label = " and ".join(p.label for p in people if p is not None)
                return TrackedSpeaker(label, "group", plural=True)
        person = self._person_from_words(phrase.det, words)
        if person is not None:
            return person
        if len(words) == 1 and words[0].lower() in lexicon().org_nouns and not phrase.det:
            return TrackedSpeaker(words[0].lower(), "org", plural=True)  # "Police said"
        if len(words) == 1 and is_plain_name(words[0]) and not phrase.det:
            return TrackedSpeaker(POSSESSIVE_RE.sub("", words[0]), "person")
        return TrackedSpeaker(self.org_label(phrase.det, words), "org", plural=True)

    def anonymous_label(self, phrase: Phrase) -> str:
        lex = lexicon()
        # "senior party sources", but "a Department for Education spokesperson": a name keeps its capitals.
        mods = [m.lower() if m.lower() in lex.modifiers and not (i and phrase.pre[i - 1].lower() in ("of", "for"))
                else m for i, m in enumerate(phrase.pre)]  # fmt: skip
        if mods and not phrase.det and not mods[0].isupper() and mods[0] not in self.capitalised:
            mods[0] = mods[0].lower()  # "Shift workers say ...": the capital is the sentence's
        body = " ".join([*mods, phrase.head, *phrase.post])
        if phrase.det in lex.indefinite_singular:
            return f"{article_for(body)} {body}"
        if phrase.det:
            return f"{phrase.det} {body}"
        return body

    # -- resolution --------------------------------------------------------

    def _latest(self, pred: Callable[[TrackedSpeaker], bool]) -> TrackedSpeaker | None:
        for speaker in reversed(self.history):
            if pred(speaker):
                return speaker
        return None

    def resolve_pronoun(self, pronoun: str, cue_pos: int, here: list[Mention]) -> TrackedSpeaker:
        if pronoun in ("he", "she"):
            gender = "m" if pronoun == "he" else "f"

            def compatible(s: TrackedSpeaker) -> bool:
                known = s.gender or self.genders.get(s.label, "")
                # One unnamed person is "he" or "she" too: "A spokesman said ... He added ...".
                one = s.category == "person" or (s.category == "anonymous" and not s.plural)
                return one and known in ("", gender)

            found = self._resolve_person(compatible, cue_pos, here)
            if found is None:
                return TrackedSpeaker("an unnamed speaker", "unknown", gender=gender)
            # Remember the gender the pronoun revealed for later pronouns.
            self.genders.setdefault(found.label, gender)
            return found
        plural = pronoun == "they"
        found = self._latest(
            lambda s: s.category in ("statement", "org", "group") or (plural and s.plural and s.category != "narrator")
        )
        if found is not None:
            return found
        # None has spoken yet: the organisation the paragraph made a sentence's subject before
        # ("The company blamed rising costs. It said ...").
        subject = next((s for pos, s in reversed(here) if pos < cue_pos and s.category == "org" and not plural), None)
        if subject is not None:
            return subject
        if plural:
            return TrackedSpeaker("unnamed speakers", "unknown", plural=True)
        return TrackedSpeaker("an unnamed speaker", "unknown")

    def _resolve_person(
        self, compatible: Callable[[TrackedSpeaker], bool], cue_pos: int, here: list[Mention]
    ) -> TrackedSpeaker | None:
        """Most recent compatible person: same paragraph before the cue, the
        previous paragraph's speaker, the previous paragraph's mentions, then
        earlier speakers and earlier mentions."""
        for pos, speaker in reversed(here):
            if pos < cue_pos and compatible(speaker):
                return speaker
        if self.history and compatible(self.history[-1]):
            return self.history[-1]
        if self.mentions:
            for _, speaker in reversed(self.mentions[-1]):
                if compatible(speaker):
                    return speaker
        earlier = self._latest(compatible)
        if earlier is not None:
            return earlier
        for mentions in reversed(self.mentions[:-1]):
            for _, speaker in reversed(mentions):
                if compatible(speaker):
                    return speaker
        return None

    def interviewee(self) -> TrackedSpeaker | None:
        """Whom an interview's answers ("A: I had no choice.") are by: the latest named person who
        spoke, else the latest the article named."""
        spoke = self._latest(lambda s: s.category == "person")
        if spoke is not None:
            return spoke
        named = [speaker for mentions in self.mentions for _, speaker in mentions if speaker.category == "person"]
        return named[-1] if named else None

    def _named_org(self, noun: str) -> TrackedSpeaker | None:
        """The latest organisation that spoke under a name ending in `noun` ("agency": the
        Environment Agency), not as "the <noun>" itself."""
        return self._latest(lambda s: s.category == "org" and s.label.lower().split()[-1] == noun
                            and s.label.lower() != f"the {noun}")  # fmt: skip

    def _company_spoken_for(self, noun: str) -> TrackedSpeaker | None:
        """Whom "the firm" or "the company" is when no organisation spoke under a name ending in
        it: the latest company that spoke by its name or through a spokesperson ("A spokeswoman
        for Northshire Water said ... The firm said")."""
        lex = lexicon()
        companies = next((group for group in lex.organisation_words if noun in group and "company" in group), None)
        if companies is None:
            return None

        def a_company(name: str) -> bool:  # "Northshire County Council" is no firm
            last = name.split()[-1].lower()
            return last in companies or last not in lex.org_nouns

        for speaker in reversed(self.history):
            if speaker.category == "org" and speaker.label[:1].isupper() and a_company(speaker.label):
                return speaker
            spoken_for = SPOKEN_FOR.search(speaker.label) if speaker.category == "anonymous" else None
            if spoken_for is not None and a_company(spoken_for.group(1)):
                return TrackedSpeaker(spoken_for.group(1), "org", plural=True)
        return None

    def resolve_definite(self, phrase: Phrase, cue_pos: int, here: list[Mention]) -> TrackedSpeaker:
        lex = lexicon()
        cls = noun_class(phrase.head)
        plural = phrase.head in lex.plural_nouns

        def same(s: TrackedSpeaker) -> bool:
            return s.category == "anonymous" and s.head == cls and s.plural == plural

        # Introduced earlier in the paragraph without speaking: "A spokesperson for X welcomed the
        # vote. “…,” the spokesperson said."
        for pos, mentioned in reversed(here):
            if pos < cue_pos and same(mentioned):
                return mentioned
        found = self._latest(same)
        if found is not None:
            return found
        prev = self.history[-1] if self.history else None
        if prev is not None and prev.category == "anonymous" and phrase.head in lex.source_nouns:
            # Journalistic second reference to the previous anonymous speaker.
            return prev
        return TrackedSpeaker(self.anonymous_label(phrase), "anonymous", cls, plural, _noun_gender(phrase.head))

    def speaker(self, phrase: Phrase, cue_pos: int, here: list[Mention], statement: str = "") -> TrackedSpeaker:
        """The speaker of ``phrase``, or of its statement ("statement" or "joint statement") if it issued one."""
        base = self.phrase_speaker(phrase, cue_pos, here)
        if statement:
            joint = statement == "joint statement"
            return TrackedSpeaker(f"{base.label} ({statement})", "statement", plural=True, joint=joint)
        return base

    def phrase_speaker(self, phrase: Phrase, cue_pos: int, here: list[Mention]) -> TrackedSpeaker:
        lex = lexicon()
        if phrase.kind == "pronoun":
            return self.resolve_pronoun(phrase.head, cue_pos, here)
        if phrase.kind == "source":
            if phrase.det in lex.definite:
                return self.resolve_definite(phrase, cue_pos, here)
            if len(phrase.post) == 3 and phrase.post[1].lower() in lex.definite:
                # "a spokeswoman for the agency": the organisation that spoke as "the Environment Agency".
                named = self._named_org(phrase.post[2].lower())
                if named is not None:
                    phrase = replace(phrase, post=(phrase.post[0], *named.label.split()))
            return TrackedSpeaker(
                self.anonymous_label(phrase),
                "anonymous",
                noun_class(phrase.head),
                phrase.head in lex.plural_nouns,
                gender=_noun_gender(phrase.head),
            )
        if phrase.kind == "doc":
            if phrase.head == "statement" and (phrase.det in lex.definite or not phrase.det):
                found = self._latest(lambda s: s.category == "statement")
                if found is not None:
                    return found
            body = " ".join([*phrase.pre, phrase.head, *phrase.post])
            return TrackedSpeaker(f"{phrase.det or 'the'} {body}", "statement", plural=True)
        if phrase.kind == "org_noun":
            if phrase.det in lex.definite and not phrase.pre and not phrase.post:
                # "the agency" after the Environment Agency spoke: the same organisation.
                named = self._named_org(phrase.head) or self._company_spoken_for(phrase.head)
                if named is not None:
                    return named
            body = " ".join(
                [*(w.lower() if w.lower() in lex.modifiers else w for w in phrase.pre), phrase.head, *phrase.post]
            )
            return TrackedSpeaker(f"{phrase.det or 'the'} {body}", "org", plural=True)
        return self.name_speaker(phrase)

    def mentions_in(self, toks: list[Tok]) -> list[Mention]:
        """The people a paragraph names, and the unnamed sources it introduces ("a spokesperson
        for X"), in order."""
        lex = lexicon()
        found = [(pos, self.person(title, names)) for pos, title, names in _name_mentions(toks)]
        for i, tok in enumerate(toks):
            if tok.low in lex.indefinite_singular:
                phrase = phrase_after(toks, i)
                if phrase is not None and phrase.kind == "source":
                    found.append((tok.start, self.phrase_speaker(phrase, tok.start, [])))
            elif tok.low in lex.definite and starts_sentence(toks, i):
                # A sentence about an organisation: "The company blamed rising costs." ("It said" may follow.)
                phrase = phrase_after(toks, i)
                if phrase is not None and phrase.kind == "org_noun":
                    found.append((tok.start, self.phrase_speaker(phrase, tok.start, [])))
        return sorted(found, key=lambda mention: mention[0])

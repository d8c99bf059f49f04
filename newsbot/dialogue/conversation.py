"""What the bot says: replies composed from retrieval and from the last answer (follow-ups).

Everything here is a function of a Searcher and the conversation's state; the rasa-sdk actions
only translate between a tracker and these functions. Every function returns a typed Reply.

Follow-ups refer to the conversation: "who said that?", "where does it say that?" and "say that
again" to the last answer (or say that the last question had none); "tell me more" to the last
question, never repeating a passage shown for it; "what did the other side say?" to the sides of the articles'
facts; "and Formby?" asks the last question about Formby; a question too short to stand alone
("when was that?") leans on the last question. Asked for the gist ("what is this article
about?", "tldr"), the bot gives each article's opening paragraph, as a news story gives its gist,
and "tell me more" then goes on through the article in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from newsbot.answering.compose import compose_answer, side_names
from newsbot.dialogue.topics import shaping_for
from newsbot.domain import Highlight, Passage, Reply, ReplyKind, Side, Source, Speaker, SpeakerKind
from newsbot.ingest.passages import sentence_spans
from newsbot.retrieval.answer_types import expected_answer_type
from newsbot.retrieval.bm25 import tokenize
from newsbot.retrieval.search import (
    SAID_QUESTION,
    WHAT_ELSE,
    QuestionError,
    Searcher,
    Shaping,
    check_question,
    source_of,
)
from newsbot.retrieval.wordlists import word_list

# Hits an answer is composed from (it shows the best few, and the other sides of a dispute).
ANSWER_CANDIDATES = 8
MORE_CANDIDATES = 3
SUGGESTIONS = 3
NO_ANSWER_YET = "There's no answer of mine to refer to yet. Ask me about the article, for example:"
NO_LAST_ANSWER = "The article didn't answer your last question, “{question}”, so {consequence}."
NOTHING_TO_ATTRIBUTE = "there is nothing to attribute"
NOTHING_MORE_TO_TELL = "there is nothing more to tell"
NOTHING_TO_REPEAT = "there is nothing to say again"
NO_OTHER_SIDE_TO_SHOW = "there is no other side to show"
NOTHING_MORE = "That's all the article says about it."
NOTHING_ABOUT = "{does_not} say that about {named}: I found only what I showed you before."
NOTHING_BEYOND = "{does_not} say more about that than what I showed you before."
GIST = "In short, in the article's own opening words:"
GISTS = "In short, in the articles' own opening words:"
MORE_OF_THE_ARTICLE = "The article goes on:"
AGAIN = "Here it is again:"
QUOTED_AGAIN = "I can only give the article's own words. Here they are again:"
NOTHING_TO_CHECK = "there is nothing to check"
CANNOT_CHECK = "I can't check whether it's true: I can only quote the article."
MISSED = "Sorry, that wasn't it. I can only answer from the article's own words: try asking another way, for example:"
# Words a doubt or an objection may open with ("no thats not what i asked", "but is that true").
OBJECTION_OPENERS = frozenset({"no", "nah", "nope", "but", "hmm", "um", "so", "ok", "okay"})
ANYTHING_ELSE = "Anything else you'd like to know about the article? For example:"
ANYTHING = "What would you like to know about the article? For example:"
FAREWELL = "Bye for now. Come back any time you have more questions."
PICKED = "You picked “{question}”{stop} {lead}"
STARTED_AFRESH = "Starting afresh: I've set our earlier questions aside. What would you like to know? For example:"
# Words a request to start afresh may open with ("ok start over", "can we start again").
RESTART_OPENERS = frozenset({"ok", "okay", "please", "pls", "can", "we", "lets", "so"})
POLITE_ENDINGS = frozenset({"please", "pls", "plz", "thanks"})
FAREWELL_WORDS = frozenset({"bye", "goodbye"})
NO_OTHER_SIDE = "The article gives no other side on this: everything it says about it is above."
# A follow-up that names someone for the last question: "and the union?", "what about Coastline".
FOLLOWUP_NAMING = re.compile(
    r"^\s*(?:and\s+(?:what|how)\s+about|and|what\s+about|how\s+about|same(?:\s+question)?\s+for)"
    r"\s+(?P<named>[^?!.]+?)\s*[?!.]*\s*$",
    re.IGNORECASE,
)
FOLLOWUP_NAME_WORDS = 5
# "what did both sides say": every side's words, not the other one's.
BOTH_SIDES = re.compile(r"\b(?:both|each|either|all|the two)\s+sides?\b", re.IGNORECASE)
# A reader correcting the last question: "sorry i meant the board", "no, i mean what did milne say".
CORRECTION = re.compile(
    r"^\s*(?:(?:sorry|no|nope|oops|oh|ah|ok)\b[\s,.!]*)*i\s+mean[t]?\b[\s,:]*(?:to\s+say\s+)?(?P<meant>[^?!.]+?)\s*[?!.]*\s*$",
    re.IGNORECASE,
)
LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# A pronoun a name can stand in for as it is: not a possessive ("his", "their"), nor "her" (which may be one).
REPLACEABLE_PRONOUN = re.compile(r"\b(?:he|she|they|him|them)\b", re.IGNORECASE)
GROUP_PRONOUNS = frozenset({"they", "them"})  # may stand for a body or a group, not only a person
# Words that open a question, not a name: "and how many came?", "what about it".
FOLLOWUP_NOT_NAMES = frozenset(
    {"what", "how", "who", "whom", "whose", "when", "where", "why", "which", "did", "does", "do", "is", "are",
     "was", "were", "will", "can", "it", "that", "this", "them", "him", "her", "then", "so"}
)  # fmt: skip


@dataclass
class State:
    """What a conversation remembers between turns (kept in Rasa slots)."""

    last_question: str | None = None
    last_topic: str | None = None
    last_sources: list[Source] = field(default_factory=list)
    shown: set[tuple[str, int]] = field(default_factory=set)
    # The (article, side) pairs whose words the last reply showed as "the other side": asked for
    # the other side again, the reader means the side before.
    other_sides_shown: set[tuple[str, str]] = field(default_factory=set)
    # The article the conversation is about: the one its last answer quoted, kept past a decline.
    story: str | None = None
    # The questions the bot last suggested (a reply without any leaves them): "2" asks the second.
    offered: list[str] = field(default_factory=list)

    def forget(self) -> None:
        """Start afresh: nothing asked or shown yet."""
        fresh = State()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def offer(self, questions: Sequence[str]) -> None:
        """The reply suggested `questions`: a number the reader types next picks one."""
        if questions:
            self.offered = list(questions)

    def showed(self, sources: Sequence[Source]) -> None:
        """The reply showed `sources`, on the last question or a new one: follow-ups refer to them."""
        self.last_sources = list(sources)
        self.shown |= {source.key for source in sources}
        self.other_sides_shown = set()


def suggestions(searcher: Searcher, question: str | None = None, count: int = SUGGESTIONS) -> list[str]:
    """Questions the articles answer, the nearest to `question` first: the questions their facts
    offer, and what their most quoted named voices said."""
    pool = searcher.suggestion_pool()
    if question is None or len(pool) <= count:
        return pool[:count]
    nearest = searcher.nearest_suggestions(question)
    return nearest[:count]


def other_suggestions(searcher: Searcher, near: str | None, asked: Sequence[str]) -> list[str]:
    """Questions nearest `near`, but none the reader has just asked or been answered: not one of
    them (a suggested question may be one), nor one that holds all of an asked question's words
    ("When will the cases against Ken Livingstone and Jackie Walker be dealt with?" after "when
    will the livingstone case be dealt with")."""
    asked_terms = [set(tokenize(question)) for question in asked if question]
    pool = searcher.nearest_suggestions(near) if near else searcher.suggestion_pool()

    def repeats(question: str) -> bool:
        terms = set(tokenize(question))
        return any(words and words <= terms for words in asked_terms)

    return [question for question in pool if not repeats(question)][:SUGGESTIONS]


MAX_TITLES_NAMED = 5


def named_list(names: Sequence[str]) -> str:
    """A, B and C."""
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def named_titles(titles: Sequence[str], most: int | None = None) -> str:
    """“A”, “B” and “C”; past `most` titles, the first ones "and others"."""
    quoted = [f"“{title}”" for title in titles]
    if most is not None and len(quoted) > most:
        return f"{', '.join(quoted[:most])} and others"
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def introduce(searcher: Searcher, capabilities: bool = False) -> Reply:
    """A greeting, or what the bot can do, naming the articles it knows and offering questions they answer."""
    titles = searcher.titles()
    about = f"“{titles[0]}”" if len(titles) == 1 else f"{len(titles)} articles, among them “{titles[0]}”"
    words = "the article's own words" if len(titles) == 1 else "the articles' own words"
    if capabilities:
        if 1 < len(titles) <= MAX_TITLES_NAMED:  # "which stories can I ask about?" is answered too
            about = f"{len(titles)} articles ({named_titles(titles)})"
        if any(facts.sides for facts in searcher.index.facts.values()):
            asks = "who was there, who said what, what each side asked for and promised, and what happens next"
            follow_ups = "tell you who said something, give you the other side's view or tell you more"
        else:  # no sides: a flood, a study, a match report
            asks = "what happened, who said what, and what happens next"
            follow_ups = "tell you who said something or tell you more"
        lead = (
            f"I can answer questions about {about}: {asks}. I answer in {words}, and I can show "
            f"you the paragraph, {follow_ups}. Try one of these:"
        )
    else:
        lead = (
            f"Hello! I answer questions about {about}, in {words}, and show you where each "
            "answer comes from. What would you like to know? For example:"
        )
    return Reply(ReplyKind.NOTICE, lead, suggestions=tuple(suggestions(searcher)))


def ask(searcher: Searcher, question: str, shaping: Shaping | None = None, home: str | None = None) -> Reply:
    """The reply to a question on its own, as plain search (`newsbot ask`, /api/ask) and the bot
    give it: the passages that answer, or a decline with questions the articles do answer. Raises
    QuestionError for a question that cannot be searched. `home`: the article a conversation is
    about, asked first when it uses every word the question asks about; the question goes to every
    article when that one does not answer it."""
    text = check_question(question)
    if (articles := searcher.summary_articles(text)) is not None:
        return gist(searcher, question, articles)
    if (named := searcher.unknown_article(text)) is not None:
        return no_such_article(searcher, question, named)
    if searcher.asks_for_the_articles(text):
        return the_articles(searcher, question)
    if searcher.about_the_article(text):
        return about_the_articles(searcher, question)
    if home is not None and home in searcher.articles and len(searcher.articles) > 1:
        scoped = searcher.scoped(home)
        if scoped.uses_every_word(text):  # a word it never uses: the reader changed the subject
            within = _searched(scoped, question, text, shaping)
            if within.kind is not ReplyKind.DECLINE:
                return within
    return _searched(searcher, question, text, shaping)


def _searched(searcher: Searcher, question: str, text: str, shaping: Shaping | None) -> Reply:
    if (own := searcher.own_words(text)) is not None:
        return in_their_words(question, own)
    result = searcher.search(question, k=ANSWER_CANDIDATES, shaping=shaping)
    offered = suggestions(searcher, question) if not result.answerable else []
    reply = compose_answer(result, searcher.index.facts, offered)
    if reply.kind is ReplyKind.DECLINE:
        return replace(reply, lead=f"{reply.lead} {questions_offered(len(searcher.index.facts) == 1)}")
    return reply


def questions_offered(one: bool) -> str:
    """What heads the questions a decline offers, of one article or of several."""
    return f"Here are questions {'the article' if one else 'the articles'} can answer:"


def _their_words(passage: Passage) -> Source:
    return Source.of(passage, highlight=Highlight(passage.voice_from, len(passage.text.rstrip())))


def in_their_words(
    question: str, passages: Sequence[Passage], shown: frozenset[tuple[str, int]] = frozenset()
) -> Reply:
    """The reply to "what did X say?" asking for nothing more: the first few passages X speaks
    (Searcher.own_words) not yet shown, in the article's order, X's words highlighted, under
    "What X said:" naming their speakers."""
    sources = [_their_words(p) for p in passages if (p.article, p.paragraph) not in shown][:MORE_CANDIDATES]
    if not sources:
        return Reply(ReplyKind.NOTICE, NOTHING_MORE, question=question)
    name = named_list(list(dict.fromkeys(source.speaker.label.split(" (")[0] for source in sources)))
    if not shown:
        return Reply(ReplyKind.ANSWER, f"What {name} said:", tuple(sources), question=question)
    return Reply(ReplyKind.MORE, f"{name[0].upper()}{name[1:]} also said:", tuple(sources), question=question)


def _more_of_their_words(state: State, question: str, passages: Sequence[Passage]) -> Reply:
    """The next of the voice's passages the conversation has not shown, kept as its last answer."""
    reply = in_their_words(question, passages, frozenset(state.shown))
    if reply.passages:
        state.showed(reply.passages)
    return reply


def _opening_sentence(passage: Passage) -> Source:
    spans = sentence_spans(passage.text)
    start, end = spans[0] if spans else (0, len(passage.text))
    return Source.of(passage, highlight=Highlight(start, end))


def gist(searcher: Searcher, question: str, articles: Sequence[str] = ()) -> Reply:
    """Each article's opening paragraph (of `articles`, or of every article; a few at most), its
    first sentence highlighted, with questions the articles answer (those nearest the named
    articles' titles, when articles are named)."""
    openings: dict[str, Passage] = {}
    for passage in searcher.index.passages:
        if articles and passage.article not in articles:
            continue
        if passage.article not in openings or passage.paragraph < openings[passage.article].paragraph:
            openings[passage.article] = passage
    sources = [_opening_sentence(passage) for passage in list(openings.values())[:MORE_CANDIDATES]]
    lead = GIST if len(openings) == 1 else GISTS
    offered = suggestions(searcher, " ".join(p.title for p in openings.values()) if articles else None)
    return Reply(ReplyKind.ANSWER, lead, tuple(sources), suggestions=tuple(offered), question=question)


def no_such_article(searcher: Searcher, question: str, named: str) -> Reply:
    """The decline of a request for the gist of an article the searcher does not have ("what's the
    bitcoin article about"), naming the articles it has."""
    titles = searcher.titles()
    lead = f"I have no article about {named}: I answer questions about {named_titles(titles, 3)}. Here are questions "
    lead += "it can answer:" if len(titles) == 1 else "they can answer:"
    return Reply(ReplyKind.DECLINE, lead, suggestions=tuple(suggestions(searcher)), question=question)


def _published(title: str, details: dict[str, str]) -> str:
    """What the front matter says of an article: "“Title” is by A, published in The JC on 29 May 2018."."""
    if not any(details.get(key) for key in ("author", "source", "date")):
        return ""
    said = f"“{title}” " + (f"is by {details['author']}, published" if details.get("author") else "was published")
    said += (f" in {details['source']}" if details.get("source") else "") + (
        f" on {details['date']}" if details.get("date") else ""
    )
    return said + "."


def _asked_detail(question: str) -> tuple[str, str]:
    """The front matter's field a question about the article asks for, and what a reader calls it."""
    if re.search(r"\bwhen\b|\bdate\b", question, re.I):
        return "date", "date"
    if re.search(r"\b(?:paper|newspaper|publication|outlet|published|where)\b", question, re.I) and not re.search(
        r"\bwho\b", question, re.I
    ):
        return "source", "publisher"
    return "author", "author"


def the_articles(searcher: Searcher, question: str) -> Reply:
    """Which articles the bot answers from, by their titles, with questions they answer."""
    titles = searcher.titles()
    counted = "one article" if len(titles) == 1 else f"{len(titles)} articles"
    lead = f"I answer questions about {counted}: {named_titles(titles)}. For example:"
    return Reply(ReplyKind.NOTICE, lead, suggestions=tuple(suggestions(searcher)), question=question)


def about_the_articles(searcher: Searcher, question: str) -> Reply:
    """A question about the article itself (who wrote it, when, where it was published): answered
    from the front matter (knowledge/README: source, date, author), never from the text; a
    decline when the front matter does not give what was asked."""
    wanted, what = _asked_detail(question)
    titles = {passage.article: passage.title for passage in searcher.index.passages}
    details = searcher.article_details()
    said = " ".join(filter(None, (_published(title, details.get(article, {})) for article, title in titles.items())))
    offered = tuple(suggestions(searcher))
    if any(details.get(article, {}).get(wanted) for article in titles):
        return Reply(ReplyKind.NOTICE, said, suggestions=offered, question=question)
    one = len(titles) == 1
    lead = f"The article doesn't give its {what}." if one else f"The articles don't give their {what}s."
    lead = " ".join(filter(None, [lead, said, questions_offered(one)]))
    return Reply(ReplyKind.DECLINE, lead, suggestions=offered, question=question)


def _read_on(searcher: Searcher, state: State, question: str) -> Reply:
    """After the gist, "tell me more": the articles' next paragraphs in order, not shown yet."""
    articles = {source.article for source in state.last_sources}
    following = sorted(
        (p for p in searcher.index.passages if p.article in articles and (p.article, p.paragraph) not in state.shown),
        key=lambda passage: (passage.article, passage.paragraph),
    )
    sources = [Source.of(p, highlight=Highlight(0, len(p.text))) for p in following[: MORE_CANDIDATES - 1]]
    if not sources:
        return Reply(ReplyKind.NOTICE, NOTHING_MORE, question=question)
    state.showed(sources)
    return Reply(ReplyKind.MORE, MORE_OF_THE_ARTICLE, tuple(sources), question=question)


def _words(message: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", message.lower())


def _whole(message: str, opened: frozenset[str] = frozenset()) -> str:
    """The message's words in lower case, apostrophes dropped, without a leading word of `opened`."""
    words = _words(re.sub(r"['’]", "", message))
    if len(words) > 1 and words[0] in opened:
        words = words[1:]
    return " ".join(words)


def puzzled(message: str) -> bool:
    """Whether the whole message says an answer puzzles the reader ("huh?", "what does that mean")."""
    return _whole(message) in word_list("confusion")


def doubts(message: str) -> bool:
    """Whether the whole message doubts the last answer ("is that true?", "are you sure")."""
    return _whole(message, OBJECTION_OPENERS) in word_list("doubts")


def objects(message: str) -> bool:
    """Whether the whole message says the last answer missed the question ("thats not what i asked")."""
    return _whole(message, OBJECTION_OPENERS) in word_list("objections")


def restarts(message: str) -> bool:
    """Whether the whole message asks to start afresh ("start over", "/restart", "can we start again")."""
    words = _whole(message).split()
    while len(words) > 1 and words[0] in RESTART_OPENERS:
        words = words[1:]
    while len(words) > 1 and words[-1] in POLITE_ENDINGS:
        words = words[:-1]
    return " ".join(words) in word_list("restarts")


def picked_lead(question: str, lead: str) -> str:
    """You picked “What did Labour commit to?” Here is what the article says:"""
    return PICKED.format(question=question, stop="" if question.endswith(("?", ".", "!")) else ".", lead=lead)


def picked_suggestion(state: State, message: str) -> str | None:
    """The suggested question a message made only of its number picks ("2", "#2", "2."), if any."""
    found = re.fullmatch(r"\s*#?\s*(\d{1,2})\s*[.)!?]?\s*", message)
    number = int(found.group(1)) if found else 0
    return state.offered[number - 1] if 1 <= number <= len(state.offered) else None


def acknowledges(message: str) -> bool:
    """Whether the message only acknowledges ("ok", "cool", "i see", "got it", "thanks bye"): it asks nothing."""
    words = _words(message)
    return bool(words) and all(word in word_list("acknowledgements") for word in words)


def remark(searcher: Searcher, state: State, message: str) -> Reply | None:
    """The reply to a message about the last answer rather than a question, whatever the NLU took
    it for ("is that true?" looked like "who said that?"): puzzlement, doubt or an objection; or a
    request to start afresh ("start over", "/restart"), which forgets the conversation's questions
    and answers. None for any other message."""
    if restarts(message):
        # Searched, "/restart" drew the flood report's "would now start next spring".
        state.forget()
        return Reply(ReplyKind.NOTICE, STARTED_AFRESH, suggestions=tuple(suggestions(searcher)))
    if (picked := picked_suggestion(state, message)) is not None:
        # "2" under three suggestions, as `newsbot chat` invites (searched, "3" drew paragraph 11).
        reply = answer(searcher, state, picked, None, None)
        return replace(reply, lead=picked_lead(picked, reply.lead))
    if puzzled(message):
        # Searched, "what does that mean" drew the lede, and became the question follow-ups lean on.
        return repeat(searcher, state, QUOTED_AGAIN)
    if doubts(message):
        # Searched, "is that true?" was declined ("The article doesn't say").
        return check_claim(searcher, state)
    if objects(message):
        # Searched, "no thats not what i asked" drew paragraph 10 ("the concrete actions we asked for").
        # Questions near the last one, but not the last one again (it was a suggested question).
        offered = other_suggestions(searcher, state.last_question, [state.last_question or ""])
        return Reply(ReplyKind.NOTICE, MISSED, suggestions=tuple(offered), question=state.last_question or "")
    return None


def answer(searcher: Searcher, state: State, question: str, topic: str | None, shaping: Shaping | None) -> Reply:
    """Answer a question in a conversation. A topic's words (the bot's NLU recognised it) shape
    the ranking; the decision rests on the question, as in plain search. A question too short to
    stand alone leans on the conversation's last question. A message that only acknowledges ("ok",
    "i see") invites the next question, and the last answer stays for its follow-ups (searched, it
    leaned on the last question and drew passages that merely shared its words). One that says the
    answer puzzles them ("huh?", "what does that mean") gets the last answer again: the bot can
    only quote the article. One that doubts it ("is that true?") is told the bot cannot check facts,
    and who said it; one that says it missed ("thats not what i asked") gets an apology and
    questions near the last one. Neither is searched, and the last answer stays for follow-ups.
    One that asks to start afresh ("start over") is not searched either (`remark`)."""
    if (reply := remark(searcher, state, question)) is not None:
        return reply
    if acknowledges(question):
        if FAREWELL_WORDS & set(_words(question)):  # "thanks bye": the NLU, unsure, left it to the articles
            return Reply(ReplyKind.NOTICE, FAREWELL)
        lead = ANYTHING_ELSE if state.last_question else ANYTHING
        return Reply(ReplyKind.NOTICE, lead, suggestions=tuple(suggestions(searcher)))
    corrected = CORRECTION.match(question)
    meant = corrected.group("meant") if corrected else ""
    if meant and state.last_question and meant.lower() not in FOLLOWUP_NOT_NAMES:  # "i mean it" corrects nothing
        # "sorry i meant the board": the last question about them; "no i meant who was there": that question.
        if named_in_followup(f"and {meant}") is None:
            return answer(searcher, state, meant, None, None)
        return about_entity(searcher, state, meant, question)
    subject = _with_named_in_answer(searcher, state, question)
    if (named := _voice_asked_of_antecedent(searcher, state, question, subject)) is not None:
        # "what did he say" after "who is jonathan goldstein": his words, as "what did Goldstein
        # say" quotes them (searched, it drew only the passage just shown and was declined); "what
        # did she say" of someone the articles never quote is declined so, and "who were they"
        # after "what did labour sources say" as asking who Labour sources are.
        question = named
    if WHAT_ELSE.search(question) and (own := searcher.own_words(question)) is not None:
        # "what else did corbyn say": his words not shown yet (searched, the Board's came too).
        more = _more_of_their_words(state, question, own)
        if more.passages:
            state.last_question, state.last_topic = question, topic
        return more
    shaping = replace(shaping, subject=subject) if shaping else Shaping(subject=subject)
    try:
        reply = ask(searcher, question, shaping, home=state.story)
    except QuestionError as error:
        lead = f"I can't search for that: {error}. Ask me about the article, for example:"
        return Reply(ReplyKind.NOTICE, lead, suggestions=tuple(suggestions(searcher)))
    # A question that leaned on the last one carries its subject on ("who's he?" then "how did it go?").
    leaned = (
        bool(subject)
        and not searcher.asks_for_summary(question)
        and (searcher.elliptic(question) or bool(searcher.pronoun_antecedent(question, subject)))
        and searcher.own_words(question) is None  # "what did corbyn say" names all it asks
    )
    if (
        leaned
        and reply.kind is ReplyKind.ANSWER
        and not tokenize(searched := searcher.as_searched(question))  # "y not?" is "why not?"
        and expected_answer_type(searched) is None
        and {source.key for source in reply.passages} <= {source.key for source in state.last_sources}
    ):
        # "why not?" after "did corbyn accept the ihra definition": with no word of its own, it was
        # searched as the last question and drew only the passages just shown. ("when?" asks for a
        # time, which the passage shown may hold; "what did she promise" asks something new, and a
        # search that finds no more is no sign that the article says no more.) The last answer
        # stays for follow-ups.
        one = len(searcher.index.facts) == 1
        nothing = NOTHING_BEYOND.format(does_not="The article doesn't" if one else "The articles don't")
        offered = other_suggestions(searcher, state.last_question, [state.last_question or "", question])
        return Reply(
            ReplyKind.DECLINE, f"{nothing} {questions_offered(one)}", suggestions=tuple(offered), question=question
        )
    state.last_question, state.last_topic = (leaning(searcher, question, subject) if leaned else question), topic
    state.shown = set()
    state.showed(reply.passages if reply.kind is not ReplyKind.DECLINE else ())
    if reply.kind is ReplyKind.ANSWER and BOTH_SIDES.search(question):
        # "what does each side think about the ihra": each side's best passage on it, as the
        # follow-up "what did both sides say" shows them, not the best passages whoever speaks.
        state.shown = set()
        sided = other_side(searcher, state, question, answering_only=True)
        if sided.passages:
            reply = replace(sided, kind=ReplyKind.ANSWER, question=question)
        else:
            state.showed(reply.passages)
    quoted = {source.article for source in reply.passages}
    if reply.kind is not ReplyKind.DECLINE and quoted:  # a decline leaves the conversation where it was
        state.story = quoted.pop() if len(quoted) == 1 else None
    return reply


def leaning(searcher: Searcher, question: str, subject: str) -> str:
    """A question that leaned on `subject`, as the conversation remembers it: its pronoun replaced
    by the one name it refers to ("what did he promise" after "so corbyn met jewish leaders?" ->
    "what did Corbyn promise"), else with the subject after it in brackets ("when was that (what
    did labour commit to)"). "and the board?" next asks the first as "what did the Board promise";
    asked of the bracketed form, it put the Board into the brackets ("what did he promise (so the
    Board met jewish leaders?)")."""
    return pronoun_named(searcher, question, subject) or f"{question} ({subject})"


def _voice_asked_of_antecedent(searcher: Searcher, state: State, question: str, subject: str) -> str | None:
    """A question asking for the words, or the name, of the voice its one pronoun refers to, with
    that voice named: the one person its subject names ("what did he say" after "who is jonathan
    goldstein"); for "they", else the voice the last question names ("what did they say" after
    "how did workers find out": "what did workers say"; "who were they" after "what did labour
    sources say": "who were labour sources") or the one who speaks the last answer's first
    passage ("who owns the factory": "its owner Calder Foods confirmed"). None when it asks
    neither, or not of the articles' voices. ("he" after "who is the board president" is no Board.)"""
    pronoun = _one_pronoun(question)
    if pronoun is None:
        return None
    voices = [name] if (name := searcher.person_antecedent(question, subject)) else []
    if not voices and pronoun.group(0).lower() in GROUP_PRONOUNS and state.last_question:
        asked_before = searcher.as_searched(leaned_parts(state.last_question)[0])
        if (span := searcher.voice_span(asked_before)) is not None:
            voices.append(asked_before[span[0] : span[1]])
        if state.last_sources and state.last_sources[0].speaker.named:
            voices.append(state.last_sources[0].speaker.label)
    for voice in voices:
        named = _pronoun_replaced(question, pronoun, voice)
        if (
            searcher.own_words(named) is not None
            or searcher.unquoted_names(named)
            or searcher.unnamed_source_asked(named)
        ):
            return named
    return None


def _one_pronoun(question: str) -> re.Match[str] | None:
    """The question's pronoun a name can stand in for, when it has one only."""
    pronouns = list(REPLACEABLE_PRONOUN.finditer(question))
    return pronouns[0] if len(pronouns) == 1 else None


def pronoun_named(searcher: Searcher, question: str, subject: str) -> str:
    """The question with its one pronoun replaced by the one person it refers to in `subject`
    ("what did he promise" -> "what did Corbyn promise"); "" when it has no such pronoun."""
    name = searcher.person_antecedent(question, subject)
    pronoun = _one_pronoun(question)
    return _pronoun_replaced(question, pronoun, name) if name and pronoun is not None else ""


def _pronoun_replaced(question: str, pronoun: re.Match[str], name: str) -> str:
    return f"{question[: pronoun.start()]}{name}{question[pronoun.end() :]}"


def leaned_parts(question: str) -> tuple[str, str]:
    """A remembered question and the subject in brackets after it ("when was that (what did labour
    commit to)" -> ("when was that", "what did labour commit to")); ("...", "") when it has none."""
    if not question.endswith(")"):
        return question, ""
    depth = 0
    for position in range(len(question) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(question[position], 0)
        if depth == 0:
            own = question[:position].rstrip()
            return (own, question[position + 1 : -1]) if own else (question, "")
    return question, ""


def _with_named_in_answer(searcher: Searcher, state: State, question: str) -> str:
    """The conversation's last question, with the one person the last answer's sentence names when
    the question refers to someone by a pronoun that the last question does not name: "what did
    she promise" after "who is the general secretary", answered "... our new general secretary
    Jennie Formby ...", is about her."""
    subject = state.last_question or ""
    if not subject or not state.last_sources or searcher.pronoun_antecedent(question, subject):
        return subject
    best = state.last_sources[0]
    shown = best.text[best.highlight.start : best.highlight.end] if best.highlight else best.text
    names = [run for run in searcher.names_in(shown) if searcher.pronoun_antecedent(question, run)]
    return f"{subject} ({names[0]})" if len(names) == 1 else subject


def _needs_answer(searcher: Searcher) -> Reply:
    return Reply(ReplyKind.NOTICE, NO_ANSWER_YET, suggestions=tuple(suggestions(searcher)))


def _no_last_answer(searcher: Searcher, state: State, consequence: str = NOTHING_TO_ATTRIBUTE) -> Reply | None:
    """The reply when there is no last answer to refer to: none yet, or the last question's was a decline."""
    if state.last_sources:
        return None
    if state.last_question:
        # The reader's own words, not the subject the question leaned on: "“when will it be sorted”",
        # not "“when will it be sorted (what happened with livingstone)”".
        asked, _ = leaned_parts(state.last_question)
        lead = NO_LAST_ANSWER.format(question=asked, consequence=consequence)
        return Reply(
            ReplyKind.NOTICE,
            lead,
            suggestions=tuple(suggestions(searcher, state.last_question)),
            question=state.last_question,
        )
    return _needs_answer(searcher)


def who_said(searcher: Searcher, state: State) -> Reply:
    if (none := _no_last_answer(searcher, state)) is not None:
        return none
    named = any(source.speaker.kind is not SpeakerKind.NARRATION for source in state.last_sources)
    lead = "Who said it:" if named else "The article says it in its own voice:"
    return Reply(ReplyKind.WHO_SAID, lead, tuple(state.last_sources), question=state.last_question or "")


def check_claim(searcher: Searcher, state: State) -> Reply:
    """ "is that true?": the bot cannot check facts; it says so, and who said the last answer."""
    if (none := _no_last_answer(searcher, state, NOTHING_TO_CHECK)) is not None:
        return none
    reply = who_said(searcher, state)
    return replace(reply, lead=f"{CANNOT_CHECK} {reply.lead}")


def show_source(searcher: Searcher, state: State) -> Reply:
    if (none := _no_last_answer(searcher, state)) is not None:
        return none
    return Reply(ReplyKind.WHERE, "Where it says so:", tuple(state.last_sources), question=state.last_question or "")


def repeat(searcher: Searcher, state: State, lead: str = AGAIN) -> Reply:
    """ "say that again": the last answer's passages, quoted again under `lead`."""
    if (none := _no_last_answer(searcher, state, NOTHING_TO_REPEAT)) is not None:
        return none
    return Reply(ReplyKind.MORE, lead, tuple(state.last_sources), question=state.last_question or "")


def tell_more(searcher: Searcher, state: State, message: str = "") -> Reply:
    """More on the last question: passages not shown yet. A message asking for more of someone's
    words ("what else did he say", which the NLU takes for "tell me more") is answered as the
    question it is: the passages of the last question again were no one's in particular."""
    if WHAT_ELSE.search(message) and SAID_QUESTION.search(WHAT_ELSE.sub("what", searcher.as_searched(message))):
        return answer(searcher, state, message, None, None)
    if (none := _no_last_answer(searcher, state, NOTHING_MORE_TO_TELL)) is not None:
        return none
    question = state.last_question or ""  # there was one: it had an answer
    if searcher.asks_for_summary(question):
        return _read_on(searcher, state, question)
    if (own := searcher.own_words(question)) is not None:
        return _more_of_their_words(state, question, own)
    topic = shaping_for(searcher, state.last_topic)
    shaping = replace(topic, exclude=frozenset(state.shown)) if topic else Shaping(exclude=frozenset(state.shown))
    result = searcher.search(question, k=MORE_CANDIDATES, shaping=shaping, again=True)
    # Only passages that answer the question on their own: the rest would be padding.
    hits = sorted(
        [hit for hit in result.hits if hit.answers], key=lambda hit: (hit.passage.article, hit.passage.paragraph)
    )
    if not result.answerable or not hits:
        return Reply(ReplyKind.NOTICE, NOTHING_MORE, question=question)
    sources = [source_of(hit) for hit in hits]
    state.showed(sources)
    return Reply(ReplyKind.MORE, "The article also says:", tuple(sources), question=question)


def other_side(searcher: Searcher, state: State, message: str = "", answering_only: bool = False) -> Reply:
    """The other side of the dispute on the last question: the side heard is the one the question
    named ("what did the residents say?"), or else the side of the last answer's best sourced
    voice; asked again, the side just shown (the reader goes back and forth). The other sides are
    those of the articles' facts, or voices grouped by their names. A side the reader's `message`
    names is the one shown ("how did labour respond to that").
    Where no side was heard, any named voice not heard yet. `answering_only`: only passages that
    answer the question on their own (a question asking each side's view: a side with nothing to
    say on it is named as such, not quoted on something else)."""
    named = searcher.asked_sides(message) if message else {}
    both = bool(BOTH_SIDES.search(message))
    if not state.last_sources:  # nothing answered: the words of the side named, or of both sides
        if named:  # "whats labours side"
            return answer(searcher, state, f"What did {sorted(next(iter(named.values())))[0]} say?", None, None)
        sided = [facts.sides for facts in searcher.index.facts.values() if facts.sides]
        if both and len(sided) == 1:  # "what do both sides say"
            return answer(searcher, state, f"What did {' and '.join(side.name for side in sided[0])} say?", None, None)
    if (none := _no_last_answer(searcher, state, NO_OTHER_SIDE_TO_SHOW)) is not None:
        return none
    question = state.last_question or ""  # there was one: it had an answer
    voices = list(dict.fromkeys((passage.article, passage.speaker) for passage in searcher.index.passages))
    side_of = {voice: (voice[0], side) for voice, side in side_names(voices, searcher.index.facts).items()}
    heard = {(source.article, source.speaker) for source in state.last_sources}
    heard_sides = set(state.other_sides_shown)  # "the other side" again: the side before the one just shown
    if not heard_sides:
        asked = searcher.asked_sides(searcher.asked_voice(question) or question)
        heard_sides = {(article, side) for article, sides in asked.items() for side in sides}
    if not heard_sides:
        ranked = sorted(state.last_sources, key=lambda source: -source.score)
        first = next((side_of[voice] for s in ranked if (voice := (s.article, s.speaker)) in side_of), None)
        heard_sides = {first} if first else set()
    # The other sides of the same article(s): (article, side name) pairs.
    articles = {article for article, _ in heard_sides}
    wanted = list(dict.fromkeys(side for side in side_of.values() if side[0] in articles and side not in heard_sides))
    if named_sides := list(dict.fromkeys(side for side in side_of.values() if side[1] in named.get(side[0], ()))):
        wanted, articles = named_sides, {article for article, _ in named_sides}
    # Where no side was heard, the other voices of the last answer's articles, not of any article.
    scope = articles or {source.article for source in state.last_sources}
    if both:
        wanted = list(dict.fromkeys(side for side in side_of.values() if side[0] in scope))

    def belongs(voice: tuple[str, Speaker]) -> bool:
        if voice[1].kind is SpeakerKind.NARRATION or voice[0] not in scope:
            return False
        return side_of.get(voice) in wanted if wanted else voice not in heard

    shaping = Shaping(exclude=frozenset(state.shown), voices_words=True)  # the other side's own words
    if answering_only and (topic := shaping_for(searcher, state.last_topic)) is not None:
        shaping = replace(shaping, topic=topic.topic)  # the question's topic ranks as it did the answer
    result = searcher.search(question, k=len(searcher.index.passages), shaping=shaping, again=True)
    best: dict[tuple[str, int], Source] = {}
    for hit in result.hits:
        if belongs((hit.passage.article, hit.passage.speaker)) and (hit.answers or not answering_only):
            best.setdefault((hit.passage.article, hit.passage.paragraph), source_of(hit))
    chosen = list(best.values())
    if both:  # each side's best passage first
        firsts = {side_of.get((source.article, source.speaker)): source for source in reversed(chosen)}
        chosen = list(dict.fromkeys([*firsts.values(), *chosen]))
    sources = sorted(chosen[:MORE_CANDIDATES], key=lambda source: (source.article, source.paragraph))
    if not sources:
        return Reply(ReplyKind.NOTICE, NO_OTHER_SIDE, question=question)
    # The sides of the passages shown, not every side wanted ("What Unite said:" only with Unite's words).
    shown_sides = {side_of.get((source.article, source.speaker)) for source in sources}
    names = [name for article, name in wanted if (article, name) in shown_sides]
    silent = [name for _, name in wanted if name not in names] if both and answering_only else []
    sides: tuple[Side, ...] = ()
    if both and len(names) > 1:  # each passage labelled with its side, as a disputed answer's are
        lead = "What each side said:"
        speakers: dict[str, list[str]] = {name: [] for name in names}
        for source in sources:
            side = side_of.get((source.article, source.speaker))
            if side is not None and side[1] in speakers and source.speaker.label not in speakers[side[1]]:
                speakers[side[1]].append(source.speaker.label)
        sides = tuple(Side(name, tuple(labels)) for name, labels in speakers.items())
    elif names and silent:
        lead = f"What {named_list(names)} said (the article has nothing from {named_list(silent)} on this):"
    else:
        lead = f"What {named_list(names)} said:" if names else "The other voices in the article:"
    state.showed(sources)
    state.other_sides_shown = set(wanted)
    return Reply(ReplyKind.MORE, lead, tuple(sources), sides, question=question)


def about_entity(searcher: Searcher, state: State, entity: str | None, text: str) -> Reply:
    """A follow-up naming someone ("and Formby?"): the last question, asked about them. The voice
    the last question names ("What did Labour commit to?") gives way to them ("What did Jennie
    Formby commit to?"); a question that names no one is asked about them ("Who attended the
    meeting?" -> "Who attended the meeting, about Formby?" weighs Formby's passages). With no last
    question, the reader's words are searched ("what about the livingstone thing" was asked as
    "What did Ken Livingstone say?" and declined: the article never quotes him)."""
    entity = entity or named_in_followup(text)
    if not entity or not state.last_question:
        return answer(searcher, state, text, None, None)
    named = searcher.as_spelled(entity)
    asked_before = state.last_question
    before = {source.key for source in state.last_sources}
    question = retarget(searcher, state.last_question, named)
    reply = answer(searcher, state, question, state.last_topic, None)
    if (
        reply.kind is ReplyKind.ANSWER
        and {source.key for source in reply.passages} <= before
        and not any(_mentions(source, named) for source in reply.passages)
    ):
        # The same passages again, none of them about them: "and milne?" after the Livingstone
        # case's deadline quoted that deadline again.
        state.showed(())
        one = len(searcher.index.facts) == 1
        nothing = NOTHING_ABOUT.format(does_not="The article doesn't" if one else "The articles don't", named=named)
        reply = Reply(ReplyKind.DECLINE, f"{nothing} {questions_offered(one)}", question=question)
    if reply.kind is ReplyKind.DECLINE:
        # Not the question just answered again: suggested near it, "and milne?" offered it back.
        offered = other_suggestions(searcher, question, [asked_before or "", question])
        return replace(reply, suggestions=tuple(offered))
    return reply


def _mentions(source: Source, named: str) -> bool:
    """Whether the passage or its speaker uses a word of the name ("the company": "company")."""
    words = set(tokenize(named))
    return bool(words & set(tokenize(f"{source.text} {source.speaker.label}")))


def named_in_followup(message: str) -> str | None:
    """Whom a follow-up names when the NLU found no name in it ("and the union?", "what about
    Coastline"): the words after its opening, at most a few and not a question of their own."""
    found = FOLLOWUP_NAMING.match(message)
    if found is None:
        return None
    named = found.group("named")
    words = named.split()
    if len(words) > FOLLOWUP_NAME_WORDS or words[0].lower() in FOLLOWUP_NOT_NAMES or not re.search(r"[^\W\d_]", named):
        return None  # "what about 🙂?" names no one
    return named


def retarget(searcher: Searcher, question: str, named: str) -> str:
    """The question asked about `named` instead of the voice it names, or about `named` as well;
    as searched, so that a misspelt voice is found ("wat did goldstien say" -> "what did Goldstein say").
    A question asking what an acronym stands for is asked of `named` instead."""
    own, subject = leaned_parts(question)
    if subject and searcher.voice_span(searcher.as_searched(own)) is None:
        if searcher.voice_span(searcher.as_searched(subject)) is not None:
            # "when was that (what did labour commit to)": the voice is the subject's
            return f"{own} ({retarget(searcher, subject, named)})"
        return f"{retarget(searcher, own, named)} ({subject})"
    question = searcher.as_searched(own)
    voices = searcher.voice_span(question)
    if voices is not None:
        start, end = voices
        return f"{question[:start]}{named}{question[end:]}"
    if (acronym := searcher.acronym_span(question)) is not None:  # "i meant the jlc" after "what does cst stand for"
        start, end = acronym
        return f"{question[:start]}{LEADING_THE.sub('', named)}{question[end:]}"
    return f"{question.rstrip(' ?')}, about {named}?"


def entity_shaping(searcher: Searcher, entity: str) -> Shaping:
    """Retrieval about someone: their name in the lexical query of the ranking."""
    return Shaping(expansion=searcher.as_spelled(entity))
